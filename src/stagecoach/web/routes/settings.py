"""`/settings/lifecycle`: the automation settings (api.md section 8) as a form. Admins
change them; members see them read-only."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from stagecoach.domain.backfill import applicable
from stagecoach.domain.errors import DomainError
from stagecoach.domain.policy import BackwardWrites
from stagecoach.services.core.context import Ctx
from stagecoach.services.lifecycle import settings
from stagecoach.web import pages
from stagecoach.web import session as sessions
from stagecoach.web.common import flash_redirect, posted, run, text
from stagecoach.web.routing import WebError, WebRoute
from stagecoach.web.session import WebSession

router = APIRouter(route_class=WebRoute)
URL = "/settings/lifecycle"
STAGE_SETTINGS = (
    ("createDefault", "Set lifecycle stage when a contact or company is created",
     "New records without a stage get the chosen stage. When off, records people create "
     "in the web app get the first stage, and the others none."),
    ("dealCreated", "Set lifecycle stage when a deal is created",
     "Contacts and companies associated with an open deal get the chosen stage."),
    ("dealWon", "Set lifecycle stage when a deal is won",
     "Contacts and companies of a won deal get the chosen stage, and their close date."),
)
BACKWARD_CHOICES = (
    (BackwardWrites.IGNORE.value, "Ignore (as HubSpot): answer success, keep the stage"),
    (BackwardWrites.REJECT.value, "Reject with a 400 error"),
    (BackwardWrites.ALLOW.value, "Allow: API writes may move a stage backward"),
)


def patch_from_form(form: FormData) -> dict[str, Any]:
    """The whole settings object from the form (every key, so the form is the truth)."""
    patch: dict[str, Any] = {
        key: {"enabled": form.get(f"{key}_enabled") == "on",
              "stage": text(form, f"{key}_stage", 64)}
        for key, _, _ in STAGE_SETTINGS
    }
    patch["syncWithPrimaryCompany"] = form.get("syncWithPrimaryCompany") == "on"
    patch["companySyncScope"] = text(form, "companySyncScope", 20) or "primary"
    patch["autoAssociateCompaniesByDomain"] = form.get("autoAssociateCompaniesByDomain") == "on"
    patch["apiBackwardWrites"] = text(form, "apiBackwardWrites", 20)
    rules = []
    removed = set(form.getlist("rule_remove"))
    for i, (where, stage) in enumerate(zip(form.getlist("rule_where"),
                                           form.getlist("rule_stage"), strict=False)):
        if str(i) in removed:
            continue
        pipeline_id, _, stage_id = str(where).partition("/")
        rules.append({"pipelineId": pipeline_id, "stageId": stage_id,
                      "lifecycleStage": str(stage)})
    new_where, new_stage = text(form, "new_rule_where", 200), text(form, "new_rule_stage", 64)
    if new_where and new_stage:
        pipeline_id, _, stage_id = new_where.partition("/")
        rules.append({"pipelineId": pipeline_id, "stageId": stage_id,
                      "lifecycleStage": new_stage})
    patch["pipelineStageRules"] = rules
    return patch


def render_page(request: Request, session: WebSession, values: dict[str, Any],
                extra: dict[str, Any]) -> Response:
    catalog = run(request, session, lambda ctx: ctx.catalog, readonly=True)
    return pages.render(request, "settings.html", {
        "s": values, "stages": list(catalog.stages), "pipelines": catalog.pipelines,
        "STAGE_SETTINGS": STAGE_SETTINGS, "BACKWARD_CHOICES": BACKWARD_CHOICES,
        "can_edit": session.is_admin, **extra}, session, section="settings")


@router.get(URL)
def show(request: Request, apply: str = "") -> Response:
    """`?apply=key,key` (after saving): the preview of those saved settings."""
    from stagecoach.web.routes import settings_backfill as bf

    session = sessions.require(request)
    keys = applicable(apply.split(",")) if session.is_admin else []

    def load(ctx: Ctx) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]]:
        current = settings.get(ctx)
        body = {k: current[k] for k in keys}
        return current, bf.preview_of(ctx, body) if body else None, body

    current, found, body = run(request, session, load, readonly=True)
    extra: dict[str, Any] = {}
    if found is not None:
        extra = {"preview": found, "apply_body": json.dumps(body), "unsaved": False}
    return render_page(request, session, current, extra)


@router.post(URL)
async def save(request: Request) -> Response:
    session, form = await posted(request)
    if not session.is_admin:
        raise WebError(403, "Only admins change settings",
                       "Ask an admin of the account to change the lifecycle settings.")
    patch = patch_from_form(form)

    def apply(ctx: Ctx) -> list[str]:
        from stagecoach.web.routes import settings_backfill as bf

        body = bf.changed(settings.get(ctx), patch)
        settings.patch(ctx, patch)
        return applicable(body)

    try:
        keys = run(request, session, apply)
    except DomainError as exc:
        return flash_redirect(request, session, URL, "error", exc.message)
    if keys:
        return flash_redirect(request, session, f"{URL}?apply={','.join(keys)}", "ok",
                              "Settings saved. They apply to changes from now on; below is "
                              "what applying them to existing records would change.")
    return flash_redirect(request, session, URL, "ok",
                          "Settings saved. They apply to changes from now on; existing "
                          "records are not rewritten.")
