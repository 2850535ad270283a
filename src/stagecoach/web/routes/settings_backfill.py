"""What a settings change means for existing records (rule 26), on `/settings/lifecycle`.

Before saving, "Preview" shows how many records, and which (links, capped), the changed
settings would move. After saving a change that could apply to existing records, the page
shows the same preview of the saved settings. Either way "Apply to existing records"
starts the backfill job of services/lifecycle/backfill.py (which saves the settings it names) and
opens the job's page; the page reloads itself while the job runs (a meta refresh, so it
needs no JavaScript), and reloading it by hand shows the same progress.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from stagecoach.domain.backfill import applicable
from stagecoach.domain.errors import DomainError
from stagecoach.services.core.context import Ctx
from stagecoach.services.lifecycle import backfill, settings
from stagecoach.web import pages
from stagecoach.web import session as sessions
from stagecoach.web.common import flash_redirect, posted, redirect, run, text
from stagecoach.web.routes import settings as settings_page
from stagecoach.web.routing import WebError, WebRoute
from stagecoach.web.session import WebSession

router = APIRouter(route_class=WebRoute)
URL = settings_page.URL
PREVIEW_CAP = 50


def changed(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in patch.items() if current.get(k) != v}


def _require_admin(session: WebSession) -> None:
    if not session.is_admin:
        raise WebError(403, "Only admins change settings",
                       "Ask an admin of the account to change the lifecycle settings.")


def preview_of(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    """The preview with each record's stage labels, for the page."""
    found = backfill.preview(ctx, body, PREVIEW_CAP)
    label = ctx.catalog.stages.label
    for r in found["results"]:
        r["fromLabel"] = label(r["from"]) if r["from"] in ctx.catalog.stages else (
            r["from"] or "(empty)")
        r["toLabel"] = label(r["to"]) if r["to"] in ctx.catalog.stages else r["to"]
    found["cap"] = PREVIEW_CAP
    return found


@router.post(URL + "/preview")
async def preview_unsaved(request: Request) -> Response:
    """The effect of the form's values on existing records, without saving anything."""
    session, form = await posted(request)
    _require_admin(session)
    patch = settings_page.patch_from_form(form)

    def compute(ctx: Ctx) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
        current = settings.get(ctx)
        body = changed(current, patch)
        return current, body, preview_of(ctx, body) if applicable(body) else None

    try:
        current, body, found = run(request, session, compute, readonly=True)
    except DomainError as exc:
        return flash_redirect(request, session, URL, "error", exc.message)
    if found is None:
        return flash_redirect(request, session, URL, "ok",
                              "None of these changes applies to existing records.")
    return settings_page.render_page(request, session, {**current, **patch}, {
        "preview": found, "apply_body": json.dumps(body), "unsaved": True})


@router.post(URL + "/apply")
async def apply(request: Request) -> Response:
    session, form = await posted(request)
    _require_admin(session)
    try:
        body = json.loads(text(form, "apply_body", 100_000) or "null")
    except ValueError:
        body = None
    if not isinstance(body, dict) or not applicable(body):
        raise WebError(400, "Nothing to apply",
                       "Choose the settings to apply on the settings page.")
    user_id = session.user.user_id

    try:
        job = run(request, session, lambda ctx: backfill.start(ctx, body, user_id))
    except DomainError as exc:
        return flash_redirect(request, session, URL, "error", exc.message)
    return redirect(f"{URL}/jobs/{job['id']}")


@router.get(URL + "/jobs/{job_id}")
def job_page(request: Request, job_id: int) -> Response:
    session = sessions.require(request)
    job = run(request, session, lambda ctx: backfill.get(ctx, job_id), readonly=True)
    if job["kind"] != backfill.KIND:
        raise WebError(404, "Page not found", "No settings job has this number.")
    total, done = job["total"], job["processed"]
    percent = 100 if job["state"] == "DONE" else (
        min(100, done * 100 // total) if total else 0)
    return pages.render(request, "settings_job.html", {
        "job": job, "percent": percent, "running": job["state"] == "RUNNING"},
        session, section="settings")
