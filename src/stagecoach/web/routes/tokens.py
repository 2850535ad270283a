"""`/settings/tokens`: API tokens for admins (issue 20, point 6): every token with its
state and last use, creating one (an integration's too, automation spec rule 76) and
revoking one. A new token is shown once, on the page that answers its creation, and
stored only as a hash."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from stagecoach.domain.errors import DomainError
from stagecoach.domain.values import is_decimal
from stagecoach.services.auth import accounts
from stagecoach.services.core.context import Ctx
from stagecoach.web import pages
from stagecoach.web import session as sessions
from stagecoach.web.common import flash_redirect, posted, run, text
from stagecoach.web.routing import WebError, WebRoute
from stagecoach.web.session import WebSession

router = APIRouter(route_class=WebRoute)
URL = "/settings/tokens"
DAY_MS = 86_400_000


def _admin(session: WebSession) -> None:
    if not session.is_admin:
        raise WebError(403, "Only admins manage API tokens",
                       "Ask an admin of the account for a token.")


def _state(t: Any, now: int) -> str:
    if t.revoked_at:
        return "Revoked"
    return "Expired" if t.expires_at and t.expires_at <= now else "Active"


def _page(request: Request, session: WebSession, created: str | None = None) -> Response:
    def load(ctx: Ctx) -> tuple[list[Any], int]:
        return accounts.tokens(ctx.conn, ctx.account_id), ctx.now

    found, now = run(request, session, load, readonly=True)
    rows = [{"t": t, "state": _state(t, now)} for t in reversed(found)]
    return pages.render(request, "tokens.html", {
        "rows": rows, "scopes": accounts.ALL_SCOPES, "created": created},
        session, section="tokens")


@router.get(URL)
def show(request: Request) -> Response:
    session = sessions.require(request)
    _admin(session)
    return _page(request, session)


@router.post(URL)
async def create(request: Request) -> Response:
    session, form = await posted(request)
    _admin(session)
    name = text(form, "name", 200).strip() or "web"
    integration = text(form, "integration", 100).strip() or None
    days = text(form, "expires_days", 5).strip()
    picked = [s for s in form.getlist("scope") if s in accounts.ALL_SCOPES]
    if not picked:
        return flash_redirect(request, session, URL, "error", "Choose at least one scope.")

    def make(ctx: Ctx) -> str:
        expires = ctx.now + int(days) * DAY_MS if is_decimal(days) and int(days) > 0 else None
        return accounts.create_token(ctx.conn, ctx.account_id, name, picked, ctx.now,
                                     integration=integration, expires_at=expires)

    try:
        token = run(request, session, make)
    except DomainError as exc:
        return flash_redirect(request, session, URL, "error", exc.message)
    return _page(request, session, created=token)


@router.post(URL + "/{token_id}/revoke")
async def revoke(request: Request, token_id: str) -> Response:
    session, _ = await posted(request)
    _admin(session)
    if not is_decimal(token_id) or len(token_id) > 18:
        raise WebError(404, "No such token", "The token does not exist.")
    try:
        run(request, session, lambda ctx: accounts.revoke_token(
            ctx.conn, ctx.account_id, int(token_id), ctx.now))
    except DomainError as exc:
        return flash_redirect(request, session, URL, "error", exc.message)
    return flash_redirect(request, session, URL, "ok",
                          f"Token {token_id} revoked: the next request that presents it is "
                          "refused.")
