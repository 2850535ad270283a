"""Stagecoach's own lifecycle endpoints (api spec section 8): demotion, explain, timeline,
settings preview/apply and jobs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from stagecoach.api import auth
from stagecoach.api.errors import ApiError
from stagecoach.api.objects_view import api_source
from stagecoach.api.unit import run
from stagecoach.api.wire import parse_as_of
from stagecoach.domain.errors import NotFound, ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.domain.values import is_decimal
from stagecoach.services.auth.accounts import Principal
from stagecoach.services.core.context import Ctx
from stagecoach.services.lifecycle import backfill, demotion, explain, timeline
from stagecoach.services.records import records
from stagecoach.store.records import records as record_store

router = APIRouter(prefix="/lifecycle/v1", tags=["lifecycle"])
MAX_PREVIEW_LIMIT = 1000


def _record(object_type: str, record_id: str) -> tuple[ObjectType, int]:
    ot = ObjectType.parse(object_type)
    if not is_decimal(record_id) or len(record_id) > 18:
        raise NotFound(f"{ot.singular.capitalize()} {record_id[:40]} does not exist",
                       id=record_id[:40])
    return ot, int(record_id)


def _source(p: Principal) -> Source:
    if p.token_id is None and p.user_id is not None:
        return Source(SourceType.CRM_UI, None, "web app", user_id=p.user_id)
    if p.integration is not None:
        return api_source(p)
    return Source(SourceType.API, None, f"token {p.token_id}", user_id=p.user_id)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationError("The body must be a JSON object", code="INVALID_INPUT")
    return body


@router.post("/{object_type}/{record_id}/demote")
def demote(request: Request, object_type: str, record_id: str,
           body: Any = Body(...)) -> dict[str, Any]:
    """Move a record backward in one audited step; needs scope `lifecycle.demote`."""
    ot, rid = _record(object_type, record_id)
    p = auth.require(request, "lifecycle.demote", auth.object_scope(ot, True))
    data = _object(body)
    stage, reason = data.get("stage"), data.get("reason")
    unknown = set(data) - {"stage", "reason"}
    if unknown:
        raise ValidationError(f"Unknown keys: {', '.join(sorted(unknown))}",
                              code="INVALID_INPUT")
    if not isinstance(stage, str) or not stage:
        raise ValidationError("stage is required", code="STAGE_REQUIRED",
                              propertyName="stage")
    if reason is not None and not isinstance(reason, str):
        raise ValidationError("reason must be a string", code="REASON_REQUIRED")
    source = _source(p)

    def fn(ctx: Ctx) -> dict[str, Any]:
        old = demotion.demote(ctx, ot, rid, stage, reason or "", source)
        return {"objectType": ot.plural, "id": str(rid), "from": old, "to": stage,
                "reason": (reason or "").strip()}

    return run(request, p.account_id, fn)


@router.post("/{object_type}/{record_id}/restore")
def restore(request: Request, object_type: str, record_id: str) -> dict[str, Any]:
    """Bring an archived record back (HubSpot restores from its recycle bin; a merged
    record stays merged)."""
    ot, rid = _record(object_type, record_id)
    p = auth.require(request, auth.object_scope(ot, True))
    source = _source(p)

    def fn(ctx: Ctx) -> dict[str, Any]:
        if not records.restore(ctx, ot, [rid], source):
            found = record_store.load(ctx.conn, ctx.account_id, ot, [rid],
                                      include_archived=True).get(rid)
            if found is None or found.merged_into is not None:
                raise NotFound(f"{ot.singular.capitalize()} {rid} does not exist",
                               id=str(rid))
        return {"objectType": ot.plural, "id": str(rid), "archived": False}

    return run(request, p.account_id, fn)


@router.get("/{object_type}/{record_id}/explain")
def explain_record(request: Request, object_type: str, record_id: str) -> dict[str, Any]:
    ot, rid = _record(object_type, record_id)
    p = auth.require(request, auth.object_scope(ot, False))
    return run(request, p.account_id, lambda ctx: explain.explain(ctx, ot, rid),
               readonly=True)


@router.get("/{object_type}/{record_id}/timeline")
def record_timeline(request: Request, object_type: str, record_id: str,
                    asOf: str | None = None) -> dict[str, Any]:  # noqa: N803 - wire name
    ot, rid = _record(object_type, record_id)
    p = auth.require(request, auth.object_scope(ot, False))
    as_of = parse_as_of(asOf)
    return run(request, p.account_id, lambda ctx: timeline.timeline(ctx, ot, rid, as_of),
               readonly=True)


@router.post("/settings/preview")
def preview(request: Request, body: Any = Body(...), limit: int = 100) -> dict[str, Any]:
    p = auth.require(request, "lifecycle.settings")
    if not 1 <= limit <= MAX_PREVIEW_LIMIT:
        raise ValidationError(f"limit is 1 to {MAX_PREVIEW_LIMIT}", code="INVALID_LIMIT")
    data = _object(body)
    return run(request, p.account_id, lambda ctx: backfill.preview(ctx, data, limit),
               readonly=True)


@router.post("/settings/apply", status_code=202)
def apply(request: Request, body: Any = Body(...)) -> JSONResponse:
    """Save the settings and backfill existing records as a job (202 + the job), which a
    worker runs."""
    p = auth.require(request, "lifecycle.settings")
    data = _object(body)
    job = run(request, p.account_id, lambda ctx: backfill.start(ctx, data, p.user_id))
    return JSONResponse(job, status_code=202)


@router.get("/jobs/{job_id}")
def job(request: Request, job_id: str) -> dict[str, Any]:
    p = auth.principal(request)
    if not is_decimal(job_id) or len(job_id) > 18:
        raise NotFound(f"Job {job_id[:40]} does not exist", id=job_id[:40])
    found = run(request, p.account_id, lambda ctx: backfill.get(ctx, int(job_id)),
                readonly=True)
    needed = "lifecycle.settings" if found["kind"] == backfill.KIND else "crm.import"
    if not p.has(needed):
        raise ApiError(403, f"This token lacks the required scopes: {needed}",
                       "MISSING_SCOPES")
    return found
