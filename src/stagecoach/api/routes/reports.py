"""Lifecycle reports (api spec section 8): POST with a JSON body, GET with query parameters
of the same names (lists comma-separated or repeated, filterGroups as JSON text),
`?format=csv` on any report, and the records behind a funnel number.

Scope: `crm.objects.{objectType}.read`.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from stagecoach.api import unit
from stagecoach.api.auth import object_scope, principal, require
from stagecoach.api.errors import ApiError
from stagecoach.domain.errors import NotFound, ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.report_results import to_csv
from stagecoach.domain.reports import ReportKind
from stagecoach.domain.values import INT64_MAX, whole_number
from stagecoach.services.reporting import reports

router = APIRouter(prefix="/lifecycle/v1/reports", tags=["reports"])

_PAGING_KEYS = ("stage", "limit", "after", "breakdownValue")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _query_params(request: Request) -> dict[str, object]:
    out: dict[str, object] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        # Repeated list parameters (?stages=a&stages=b) mean the same as a comma list.
        out[key] = ",".join(values) if len(values) > 1 else values[0]
    return out


async def _body(request: Request) -> dict[str, object]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body


def _authorize(request: Request, raw: dict[str, object]) -> int:
    """The caller's account, once they hold the read scope of the report's object type."""
    who = principal(request)
    name = raw.get("objectType") or "contacts"
    try:
        ot = ObjectType.parse(str(name))
    except NotFound:
        ot = ObjectType.DEAL
    if not ot.has_lifecycle:
        raise ValidationError("objectType must be contacts or companies",
                              code="INVALID_OPTION", propertyName="objectType",
                              allowed=["contacts", "companies"])
    require(request, object_scope(ot, write=False))
    return who.account_id


def _format(request: Request, raw: dict[str, object]) -> str:
    fmt = str(raw.pop("format", None) or request.query_params.get("format") or "json").lower()
    if fmt not in ("json", "csv"):
        raise ValidationError("format must be json or csv", code="INVALID_OPTION",
                              propertyName="format", allowed=["json", "csv"])
    return fmt


def _report(request: Request, kind: ReportKind, raw: dict[str, object]) -> Response:
    fmt = _format(request, raw)
    account_id = _authorize(request, raw)
    result = unit.run(request, account_id, lambda ctx: reports.run(ctx, kind, raw),
                      readonly=True)
    if fmt == "csv":
        return Response(to_csv(result.table()), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{kind.value}.csv"'})
    return JSONResponse(result.as_json())


def _int_param(raw: dict[str, object], key: str, default: int | None, low: int,
               high: int | None = None) -> int | None:
    v = raw.pop(key, None)
    if v is None or v == "":
        return default
    return whole_number(str(v), key, low=low, high=INT64_MAX if high is None else high)


def _records(request: Request, raw: dict[str, object]) -> JSONResponse:
    stage = raw.pop("stage", None)
    if not isinstance(stage, str) or not stage:
        raise ValidationError("stage is required: the funnel step whose records to list",
                              code="MISSING_PARAMETER", propertyName="stage")
    limit = _int_param(raw, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    after = _int_param(raw, "after", None, 0)
    bv: tuple[str | None] | None = None
    if "breakdownValue" in raw:
        v = raw.pop("breakdownValue")
        bv = (None if v is None or v == "" else str(v),)
    account_id = _authorize(request, raw)
    assert limit is not None
    page = unit.run(request, account_id, lambda ctx: reports.funnel_records(
        ctx, raw, stage, after=after, limit=limit, breakdown_value=bv), readonly=True)
    body: dict[str, Any] = {"stage": page.stage, "total": page.total,
                            "results": [{"id": str(i)} for i in page.ids]}
    if page.next_after is not None:
        body["paging"] = {"next": {"after": str(page.next_after)}}
    return JSONResponse(body)


@router.get("/funnel/records")
def funnel_records_get(request: Request) -> JSONResponse:
    return _records(request, _query_params(request))


@router.post("/funnel/records")
async def funnel_records_post(request: Request) -> JSONResponse:
    raw = await _body(request)
    for key in _PAGING_KEYS:
        if key in request.query_params and key not in raw:
            raw[key] = request.query_params[key]
    return await run_in_threadpool(_records, request, raw)


def _kind(name: str) -> ReportKind:
    try:
        return ReportKind(name)
    except ValueError:
        raise ApiError(404, f"No report named {name!r}; reports are "
                            + ", ".join(k.value for k in ReportKind)) from None


@router.get("/{kind}")
def report_get(kind: str, request: Request) -> Response:
    return _report(request, _kind(kind), _query_params(request))


@router.post("/{kind}")
async def report_post(kind: str, request: Request) -> Response:
    k = _kind(kind)
    raw = await _body(request)
    return await run_in_threadpool(_report, request, k, raw)
