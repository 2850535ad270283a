"""`/settings/lifecycle-stages`: the custom stage set (rules 35-39) as a page. Admins add,
rename, reorder and delete; members read. Every change is one POST form (works without
JavaScript); `static/stages.js` adds drag and drop, which posts the same reorder form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from stagecoach.domain.errors import DomainError
from stagecoach.domain.values import is_decimal
from stagecoach.services.core.context import Ctx
from stagecoach.services.lifecycle import stages
from stagecoach.web import pages
from stagecoach.web import session as sessions
from stagecoach.web.common import flash_redirect, posted, run, text
from stagecoach.web.routing import WebError, WebRoute
from stagecoach.web.session import WebSession

router = APIRouter(route_class=WebRoute)
URL = "/settings/lifecycle-stages"


@router.get(URL)
def show(request: Request) -> Response:
    session = sessions.require(request)
    listed = run(request, session, stages.list_all, readonly=True)
    return pages.render(request, "stages.html", {
        "stages": listed, "can_edit": session.is_admin}, session, section="stages")


async def _admin_form(request: Request) -> tuple[WebSession, FormData]:
    session, form = await posted(request)
    if not session.is_admin:
        raise WebError(403, "Only admins change lifecycle stages",
                       "Ask an admin of the account to change the lifecycle stages.")
    return session, form


def _done(request: Request, session: WebSession, fn: Callable[[Ctx], Any],
          ok: str | Callable[[Any], str]) -> Response:
    """Runs the change; a refusal comes back as a message on the page, with the references
    that block it (rule 39) listed one per line."""
    try:
        result = run(request, session, fn)
    except DomainError as exc:
        refs = exc.context.get("references") or []
        detail = [str(r.get("label", "")) for r in refs if isinstance(r, dict)]
        return flash_redirect(request, session, URL, "error", exc.message, detail or None)
    return flash_redirect(request, session, URL, "ok", ok(result) if callable(ok) else ok)


@router.post(URL + "/add")
async def add(request: Request) -> Response:
    session, form = await _admin_form(request)
    label = text(form, "label", 200)
    return _done(request, session, lambda ctx: stages.add(ctx, label),
                 f"Stage {label!r} added at the end.")


@router.post(URL + "/rename")
async def rename(request: Request) -> Response:
    session, form = await _admin_form(request)
    value, label = text(form, "value", 64), text(form, "label", 200)
    return _done(request, session, lambda ctx: stages.rename(ctx, value, label),
                 f"Stage renamed to {label!r}. Its internal value stays {value}.")


@router.post(URL + "/move")
async def move(request: Request) -> Response:
    """Up/down buttons (`direction`) or a drop (`position`, from stages.js)."""
    session, form = await _admin_form(request)
    value, direction = text(form, "value", 64), text(form, "direction", 10)
    position_text = text(form, "position", 6)

    def apply(ctx: Ctx) -> None:
        order = ctx.catalog.stages.values
        if value not in order:
            stages.get(ctx, value)  # raises STAGE_NOT_FOUND
        here = list(order).index(value)
        if is_decimal(position_text):
            target = int(position_text)
        elif direction in ("up", "down"):
            target = here - 1 if direction == "up" else here + 1
        else:
            raise WebError(400, "Choose where the stage goes")
        target = max(0, min(target, len(order) - 1))
        if target != here:
            stages.move(ctx, value, target)

    return _done(request, session, apply, "Stage order saved.")


@router.post(URL + "/delete")
async def delete(request: Request) -> Response:
    session, form = await _admin_form(request)
    value, replacement = text(form, "value", 64), text(form, "replacement", 64) or None

    def note(done: stages.Deleted) -> str:
        if done.replacement:
            return (f"Stage {done.value} deleted; {done.moved} records moved to "
                    f"{done.replacement} in one audited step.")
        return f"Stage {done.value} deleted."

    return _done(request, session, lambda ctx: stages.delete(ctx, value, replacement), note)
