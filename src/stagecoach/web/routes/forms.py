"""`/forms`: form definitions (list, create, edit, delete) for signed-in users, and the hosted
page `/forms/{guid}/view?portalId=...` anyone may fill in.

The hosted page is public, so it carries no session: the account comes from `portalId` (as in
HubSpot's embed code, which names a form by portal id and form guid), and a token signed with
the account's web secret, bound to the form and dated, replaces the CSRF token; a hidden
honeypot field turns away naive bots. Submissions go through services/inbound/forms exactly as the
HubSpot submission endpoint's do (rule 33).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import FormData

from stagecoach.api.routes import _intake as intake
from stagecoach.domain.errors import DomainError
from stagecoach.domain.values import is_decimal
from stagecoach.services.core import uow
from stagecoach.services.inbound import forms
from stagecoach.store.auth import web_auth
from stagecoach.web import pages
from stagecoach.web import session as sessions
from stagecoach.web.common import flash_redirect, posted, run, text
from stagecoach.web.routing import WebError, WebRoute

router = APIRouter(route_class=WebRoute)
TOKEN_MAX_AGE_S = 24 * 3600
HONEYPOT = "website_url"


def fields_from_text(raw: str) -> list[dict[str, Any]]:
    """One field per line: `name, Label, required` (label and `required` optional)."""
    out = []
    for line in raw.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if not parts[0]:
            continue
        out.append({"name": parts[0], "label": parts[1] if len(parts) > 1 and parts[1]
                    else parts[0], "required": len(parts) > 2 and parts[2].lower()
                    in ("required", "yes", "true")})
    return out


def fields_as_text(form: dict[str, Any]) -> str:
    return "\n".join(f"{f['name']}, {f['label']}" + (", required" if f["required"] else "")
                     for f in form.get("fields", []))


def body_from_form(data: FormData) -> dict[str, Any]:
    body: dict[str, Any] = {"name": text(data, "name", 300), "kind": text(data, "kind", 20),
                            "fields": fields_from_text(text(data, "fields", 20000))}
    stage = text(data, "contact_stage", 64)
    # The API keeps both types' stages together; the page sets one, used for both.
    body["lifecycleStages"] = ([{"objectTypeId": "0-1", "value": stage},
                                {"objectTypeId": "0-2", "value": stage}] if stage else None)
    return body


def _editor(request: Request, form: dict[str, Any] | None, values: dict[str, Any],
            error: str = "") -> Response:
    session = sessions.require(request)
    stages = run(request, session, lambda ctx: list(ctx.catalog.stages), readonly=True)
    return pages.render(request, "form_edit.html", {"form": form, "v": values, "error": error,
                                                    "stages": stages}, session,
                        status=400 if error else 200, section="forms")


@router.get("/forms")
def index(request: Request) -> Response:
    session = sessions.require(request)
    listed = run(request, session, forms.list_forms, readonly=True)
    return pages.render(request, "forms.html", {"forms": listed,
                                                "account_id": session.user.account_id},
                        session, section="forms")


@router.get("/forms/new")
def new(request: Request) -> Response:
    return _editor(request, None, {"kind": "lead", "fields": "email, Email, required\n"
                                   "firstname, First name\nlastname, Last name",
                                   "contact_stage": ""})


@router.post("/forms")
async def create(request: Request) -> Response:
    session, data = await posted(request)
    body = body_from_form(data)
    if body["lifecycleStages"] is None:
        del body["lifecycleStages"]
    try:
        made = run(request, session, lambda ctx: forms.create(ctx, body))
    except DomainError as exc:
        return _editor(request, None, dict(data), exc.message)
    return flash_redirect(request, session, f"/forms/{made['id']}", "ok", "Form created.")


def _stage_of(form: dict[str, Any]) -> str:
    stages = form.get("lifecycleStages") or []
    return str(stages[0]["value"]) if stages else ""


@router.get("/forms/{form_id}")
def edit(request: Request, form_id: str) -> Response:
    session = sessions.require(request)
    form = run(request, session, lambda ctx: forms.get(ctx, form_id), readonly=True)
    return _editor(request, form, {"name": form["name"], "kind": form["kind"],
                                   "fields": fields_as_text(form),
                                   "contact_stage": _stage_of(form)})


@router.post("/forms/{form_id}")
async def save(request: Request, form_id: str) -> Response:
    session, data = await posted(request)
    body = body_from_form(data)
    try:
        run(request, session, lambda ctx: forms.patch(ctx, form_id, body))
    except DomainError as exc:
        form = run(request, session, lambda ctx: forms.get(ctx, form_id), readonly=True)
        return _editor(request, form, dict(data), exc.message)
    return flash_redirect(request, session, f"/forms/{form_id}", "ok", "Form saved.")


@router.post("/forms/{form_id}/delete")
async def delete(request: Request, form_id: str) -> Response:
    session, _ = await posted(request)
    run(request, session, lambda ctx: forms.delete(ctx, form_id))
    return flash_redirect(request, session, "/forms", "ok", "Form deleted.")


# --- The hosted, public page -------------------------------------------------------

def _secret(request: Request, portal: str) -> tuple[int, str]:
    if not is_decimal(portal) or len(portal) > 18:
        raise WebError(404, "Form not found", "This form does not exist.")
    account_id = int(portal)
    secret = uow.run_conn(request.app.state.sc.engine,
                                   lambda conn: web_auth.account_secret(conn, account_id))
    if secret is None:
        raise WebError(404, "Form not found", "This form does not exist.")
    return account_id, secret


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="hosted-form")


def _public_form(request: Request, account_id: int, form_id: str) -> dict[str, Any]:
    try:
        return intake.run(request, account_id, lambda ctx: forms.get(ctx, form_id))
    except DomainError:
        raise WebError(404, "Form not found", "This form does not exist.") from None


def _view(request: Request, account_id: int, secret: str, form: dict[str, Any],
          values: dict[str, str], error: str = "", status: int = 200) -> Response:
    token = _serializer(secret).dumps(form["id"])
    return pages.render(request, "form_view.html", {
        "form": form, "token": token, "values": values, "error": error,
        "portal": account_id, "HONEYPOT": HONEYPOT}, None, status=status)


@router.get("/forms/{form_id}/view")
def view(request: Request, form_id: str) -> Response:
    account_id, secret = _secret(request, request.query_params.get("portalId", ""))
    form = _public_form(request, account_id, form_id)
    return _view(request, account_id, secret, form, {})


@router.post("/forms/{form_id}/view")
async def submit(request: Request, form_id: str) -> Response:
    account_id, secret = _secret(request, request.query_params.get("portalId", ""))
    data = await request.form()
    try:
        signed = _serializer(secret).loads(text(data, "form_token", 500),
                                           max_age=TOKEN_MAX_AGE_S)
    except BadSignature:
        signed = None
    form = _public_form(request, account_id, form_id)
    values = {f["name"]: text(data, f["name"], 65536) for f in form["fields"]}
    if signed != form_id:
        return _view(request, account_id, secret, form, values,
                     "This form has expired. Please submit it again.", 403)
    if text(data, HONEYPOT):
        # A bot filled the hidden field: thank it and keep nothing.
        return pages.render(request, "form_thanks.html", {"form": form}, None)
    fields = [(k, v) for k, v in values.items() if v != ""]
    context = {"pageUri": str(request.url)[:2000], "pageName": form["name"][:2000]}
    try:
        intake.run(request, account_id,
                   lambda ctx: forms.submit(ctx, form_id, fields, context))
    except DomainError as exc:
        return _view(request, account_id, secret, form, values, exc.message, 400)
    return pages.render(request, "form_thanks.html", {"form": form}, None)
