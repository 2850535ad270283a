"""/lifecycle/v1/stages: the account's lifecycle stage set (rules 35-39).

A stage is `{"value", "label", "position", "recordCounts": {"contacts", "companies"}}`
(position counts from 0 in the current order; counts are live records at the stage).
DELETE answers 200 with what it did (`{"value", "replacement", "moved"}`), since a delete
with a replacement moves records and the caller wants to know how many.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from stagecoach.api import unit
from stagecoach.api.auth import require
from stagecoach.api.errors import ApiError
from stagecoach.domain.stages import MAX_LABEL_LENGTH
from stagecoach.services.auth.accounts import Principal
from stagecoach.services.lifecycle import stages
from stagecoach.services.lifecycle.stages import StageInfo

router = APIRouter(prefix="/lifecycle/v1/stages", tags=["lifecycle stages"])
READ_SCOPE = "crm.schemas.contacts.read"


class StageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(max_length=MAX_LABEL_LENGTH)
    position: int | None = Field(default=None, ge=0, le=1000)


class StagePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str | None = Field(default=None, max_length=MAX_LABEL_LENGTH)
    position: int | None = Field(default=None, ge=0, le=1000)


def _admin(request: Request) -> Principal:
    p = require(request)
    if not stages.may_change(p):
        raise ApiError(403, "Only account admins may change lifecycle stages (a token needs "
                            f"the scope {stages.ADMIN_SCOPE})", "MISSING_SCOPES",
                       [{"message": "Missing scopes", "code": "MISSING_SCOPES",
                         "context": {"requiredScopes": [stages.ADMIN_SCOPE]}}])
    return p


def stage_json(s: StageInfo) -> dict[str, Any]:
    return {"value": s.value, "label": s.label, "position": s.position,
            "recordCounts": {ot.plural: n for ot, n in s.record_counts.items()}}


@router.get("")
def list_stages(request: Request) -> dict[str, Any]:
    p = require(request, READ_SCOPE)
    found = unit.run(request, p.account_id, stages.list_all, readonly=True)
    return {"results": [stage_json(s) for s in found]}


@router.post("", status_code=201)
def create_stage(request: Request, body: StageCreate) -> dict[str, Any]:
    p = _admin(request)

    def run(ctx):  # type: ignore[no-untyped-def]
        made = stages.add(ctx, body.label, body.position)
        return stages.get(ctx, made.value)

    return stage_json(unit.run(request, p.account_id, run))


@router.get("/{value}")
def get_stage(request: Request, value: str) -> dict[str, Any]:
    p = require(request, READ_SCOPE)
    return stage_json(unit.run(request, p.account_id, lambda ctx: stages.get(ctx, value),
                               readonly=True))


@router.patch("/{value}")
def update_stage(request: Request, value: str, body: StagePatch) -> dict[str, Any]:
    p = _admin(request)

    def run(ctx):  # type: ignore[no-untyped-def]
        if body.label is not None:
            stages.rename(ctx, value, body.label)
        if body.position is not None:
            stages.move(ctx, value, body.position)
        return stages.get(ctx, value)

    return stage_json(unit.run(request, p.account_id, run))


async def _replacement(request: Request, query: str | None) -> str | None:
    raw = await request.body()
    if not raw.strip():
        return query
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "The body is not valid JSON") from None
    if not isinstance(body, dict) or set(body) - {"replacement"}:
        raise ApiError(400, 'A delete body is {"replacement": "<stage value>"}')
    given = body.get("replacement")
    if given is not None and not isinstance(given, str):
        raise ApiError(400, "replacement is a stage value")
    if query is not None and given is not None and query != given:
        raise ApiError(400, "Two different replacements were given")
    return given if given is not None else query


@router.delete("/{value}")
async def delete_stage(request: Request, value: str, replacement: str | None = None
                       ) -> dict[str, Any]:
    p = _admin(request)
    chosen = await _replacement(request, replacement or None)
    done = await run_in_threadpool(
        unit.run, request, p.account_id, lambda ctx: stages.delete(ctx, value, chosen))
    return {"value": done.value, "replacement": done.replacement, "moved": done.moved}
