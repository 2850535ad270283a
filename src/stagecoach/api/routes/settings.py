"""/lifecycle/v1/settings: the account's lifecycle automation settings (api spec section 8).
PATCH merges the keys given; PUT replaces (keys left out return to their defaults)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request

from stagecoach.api import unit
from stagecoach.api.auth import require
from stagecoach.services.lifecycle import settings

router = APIRouter(prefix="/lifecycle/v1/settings", tags=["lifecycle settings"])
SCOPE = "lifecycle.settings"


@router.get("")
def get_settings(request: Request) -> dict[str, Any]:
    p = require(request, SCOPE)
    return unit.run(request, p.account_id, settings.get, readonly=True)


@router.patch("")
def patch_settings(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    p = require(request, SCOPE)
    return unit.run(request, p.account_id, lambda ctx: settings.patch(ctx, body))


@router.put("")
def replace_settings(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    p = require(request, SCOPE)
    return unit.run(request, p.account_id, lambda ctx: settings.replace(ctx, body))
