"""Tracking events (api spec section 8): identify (Lead) and email-click (Subscriber)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from stagecoach.api.auth import require
from stagecoach.api.errors import ApiError
from stagecoach.api.routes import _intake as intake
from stagecoach.api.routes._body import json_object
from stagecoach.services.inbound import tracking
from stagecoach.services.inbound.tracking import TrackingEvent

router = APIRouter()
SCOPE = "crm.objects.contacts.write"


async def _record(request: Request, event: TrackingEvent) -> dict[str, Any]:
    p = require(request, SCOPE)
    body = await json_object(request)
    email = body.get("email")
    if not isinstance(email, str) or not email.strip():
        raise ApiError(400, "email is required")
    props = body.get("properties") or {}
    if not isinstance(props, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str | int | float | bool))
            for k, v in props.items()):
        raise ApiError(400, "properties is an object of property name to string value")
    values = {k: str(v) for k, v in props.items() if v is not None}
    done = await run_in_threadpool(
        intake.run, request, p.account_id,
        lambda ctx: tracking.record(ctx, event, email, values))
    return {"id": str(done.contact_id), "created": done.created}


@router.post("/lifecycle/v1/events/identify")
async def identify(request: Request) -> dict[str, Any]:
    return await _record(request, TrackingEvent.IDENTIFY)


@router.post("/lifecycle/v1/events/email-click")
async def email_click(request: Request) -> dict[str, Any]:
    return await _record(request, TrackingEvent.EMAIL_CLICK)
