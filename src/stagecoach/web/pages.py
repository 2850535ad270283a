"""Rendering pages: the Jinja2 environment, the layout's context and the value formats."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from stagecoach.web import session as sessions
from stagecoach.web.session import WebSession

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

NAVIGATION = (
    ("contacts", "Contacts", "/contacts"),
    ("companies", "Companies", "/companies"),
    ("deals", "Deals", "/deals"),
    ("reports", "Reports", "/reports"),
    ("forms", "Forms", "/forms"),
    ("imports", "Imports", "/imports"),
    ("settings", "Settings", "/settings/lifecycle"),
    ("stages", "Stages", "/settings/lifecycle-stages"),
    ("tokens", "API tokens", "/settings/tokens"),
)


def _static_version() -> str:
    """A fingerprint of the static files, appended to their URLs so that browsers may cache
    them forever and still see a new release."""
    h = hashlib.sha1()
    for p in sorted(STATIC.rglob("*")):
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()[:10]


def fmt_datetime(ms: Any) -> str:
    if ms in (None, ""):
        return ""
    try:
        value = int(float(ms))
    except (TypeError, ValueError):
        return str(ms)
    return datetime.fromtimestamp(value / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def fmt_date_short(ms: Any) -> str:
    text = fmt_datetime(ms)
    return text[:-4] if text.endswith(" UTC") else text


def fmt_duration(ms: Any) -> str:
    """A duration the way people say it: the two largest units."""
    if ms in (None, ""):
        return ""
    total = int(float(ms)) // 1000
    if total < 60:
        return f"{total}s"
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        n, total = divmod(total, size)
        if n or parts:
            parts.append(f"{n}{unit}")
    return " ".join([p for p in parts if not p.startswith("0")][:2]) or "0m"


def fmt_amount(value: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (ArithmeticError, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"


env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                  autoescape=select_autoescape(["html"]), trim_blocks=True,
                  lstrip_blocks=True)
env.filters.update(datetime=fmt_datetime, date_short=fmt_date_short, duration=fmt_duration,
                   amount=fmt_amount)
env.globals.update(NAVIGATION=NAVIGATION, CSRF_FIELD=sessions.CSRF_FIELD,
                   STATIC_VERSION=_static_version())


def render(request: Request, template: str, context: dict[str, Any],
           session: WebSession | None, *, status: int = 200, section: str = "") -> HTMLResponse:
    response = HTMLResponse("", status_code=status)
    flash = sessions.pop_flash(request, response, session) if session else None
    body = env.get_template(template).render(
        request=request, session=session, user=session.user if session else None,
        csrf_token=session.csrf_token if session else "", flash=flash, section=section,
        **context)
    response.body = response.render(body)
    response.headers["content-length"] = str(len(response.body))
    response.headers["cache-control"] = "no-store"
    return response
