"""What every page handler needs: the signed-in user, checked forms, one unit of work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from stagecoach.api import unit
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.services.core.context import Ctx
from stagecoach.web import session as sessions
from stagecoach.web.routing import WebError
from stagecoach.web.session import WebSession

T = TypeVar("T")
PAGE_TYPES = {"contacts": ObjectType.CONTACT, "companies": ObjectType.COMPANY}


async def posted(request: Request) -> tuple[WebSession, FormData]:
    """A signed-in user's form, after its CSRF token was checked."""
    session = sessions.require(request)
    form = await request.form()
    sessions.check_csrf(request, session, form)
    return session, form


def run(request: Request, session: WebSession, fn: Callable[[Ctx], T], *,
        readonly: bool = False) -> T:
    return unit.run(request, session.user.account_id, fn, readonly=readonly)


def ui_source(session: WebSession) -> Source:
    """A person in the web app (rule 3): the user's email as source id, as HubSpot does."""
    return Source(SourceType.CRM_UI, session.user.email, "web app",
                  user_id=session.user.user_id)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def flash_redirect(request: Request, session: WebSession, url: str, kind: str, text: str,
                   detail: list[str] | None = None) -> RedirectResponse:
    response = redirect(url)
    sessions.set_flash(request, response, session, kind, text, detail)
    return response


def safe_next(target: str | None, default: str = "/contacts") -> str:
    """Only paths of this site: never an open redirect."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def page_type(name: str) -> ObjectType:
    ot = PAGE_TYPES.get(name)
    if ot is None:
        raise WebError(404, "Page not found")
    return ot


def text(form: FormData, name: str, limit: int = 1000) -> str:
    value: Any = form.get(name, "")
    return str(value).strip()[:limit] if isinstance(value, str) else ""
