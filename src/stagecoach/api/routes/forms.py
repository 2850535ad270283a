"""Forms: definitions under /lifecycle/v1/forms (scope `forms`) and HubSpot's
unauthenticated submission endpoint."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from stagecoach.api import unit
from stagecoach.api.auth import require
from stagecoach.api.errors import ApiError
from stagecoach.api.routes import _intake as intake
from stagecoach.api.routes._body import json_object
from stagecoach.domain.values import is_decimal, iso_to_ms
from stagecoach.services.inbound import forms

router = APIRouter()
SCOPE = "forms"
THANKS = "Thanks for submitting the form."


@router.get("/lifecycle/v1/forms")
async def list_forms(request: Request) -> dict[str, Any]:
    p = require(request, SCOPE)
    found = await run_in_threadpool(unit.run, request, p.account_id, forms.list_forms,
                                    readonly=True)
    return {"results": found}


@router.post("/lifecycle/v1/forms", status_code=201)
async def create_form(request: Request) -> dict[str, Any]:
    p = require(request, SCOPE)
    body = await json_object(request)
    return await run_in_threadpool(unit.run, request, p.account_id,
                                   lambda ctx: forms.create(ctx, body))


@router.get("/lifecycle/v1/forms/{form_id}")
async def get_form(request: Request, form_id: str) -> dict[str, Any]:
    p = require(request, SCOPE)
    return await run_in_threadpool(unit.run, request, p.account_id,
                                   lambda ctx: forms.get(ctx, form_id), readonly=True)


@router.patch("/lifecycle/v1/forms/{form_id}")
async def patch_form(request: Request, form_id: str) -> dict[str, Any]:
    p = require(request, SCOPE)
    body = await json_object(request)
    return await run_in_threadpool(unit.run, request, p.account_id,
                                   lambda ctx: forms.patch(ctx, form_id, body))


@router.delete("/lifecycle/v1/forms/{form_id}", status_code=204)
async def delete_form(request: Request, form_id: str) -> Response:
    p = require(request, SCOPE)
    await run_in_threadpool(unit.run, request, p.account_id,
                            lambda ctx: forms.delete(ctx, form_id))
    return Response(status_code=204)


def _fields(body: dict[str, Any]) -> list[tuple[str, str]]:
    raw = body.get("fields")
    if not isinstance(raw, list) or len(raw) > 1000:
        raise ApiError(400, "fields is a list of {objectTypeId, name, value}")
    out = []
    for f in raw:
        if (not isinstance(f, dict) or not isinstance(f.get("name"), str)
                or not isinstance(f.get("value", ""), str | int | float | bool)):
            raise ApiError(400, "Each field is {objectTypeId, name, value} with a string value")
        if f.get("objectTypeId", "0-1") not in ("0-1", "0-2"):
            raise ApiError(400, f"objectTypeId {f.get('objectTypeId')!r} is not supported "
                                "by forms; use 0-1 (contacts)")
        out.append((f["name"], str(f.get("value", ""))))
    return out


def _submitted_at(body: dict[str, Any]) -> int | None:
    raw = body.get("submittedAt")
    if raw is None:
        return None
    try:
        return iso_to_ms(str(raw))
    except ValueError:
        raise ApiError(400, "submittedAt is epoch milliseconds or an ISO datetime") from None


@router.post("/submissions/v3/integration/submit/{account_id}/{form_guid}")
async def submit(request: Request, account_id: str, form_guid: str) -> dict[str, Any]:
    if not is_decimal(account_id) or len(account_id) > 18:
        raise ApiError(404, f"Form {form_guid} does not exist")
    body = await json_object(request)
    fields = _fields(body)
    context = body.get("context") or {}
    if not isinstance(context, dict):
        raise ApiError(400, "context is an object {pageUri, pageName}")
    ctx_values = {k: (str(context[k])[:2000] if context.get(k) is not None else None)
                  for k in ("pageUri", "pageName")}
    at = _submitted_at(body)
    await run_in_threadpool(intake.run, request, int(account_id),
                            lambda ctx: forms.submit(ctx, form_guid, fields, ctx_values, at))
    return {"inlineMessage": THANKS}
