"""Signing in and out. An email may be a user of several accounts: when the password
matches more than one, the page asks which account."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Request
from fastapi.responses import Response

from stagecoach.domain.values import is_decimal
from stagecoach.services.auth import accounts
from stagecoach.services.core import uow
from stagecoach.store.auth import accounts as account_store
from stagecoach.store.auth import web_auth
from stagecoach.web import pages
from stagecoach.web import session as sessions
from stagecoach.web.common import redirect, safe_next, text
from stagecoach.web.routing import WebRoute

router = APIRouter(route_class=WebRoute)
_DUMMY_HASH: list[str] = []


def _spend_a_hash(password: str) -> None:
    """As long as a real check, so that answer times do not tell which emails exist."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(PasswordHasher().hash("not a real password"))
    with contextlib.suppress(VerificationError, InvalidHashError):
        PasswordHasher().verify(_DUMMY_HASH[0], password)


def _login_page(request: Request, *, error: str = "", email: str = "", next_: str = "",
                choices: list[dict[str, str]] | None = None, status: int = 200) -> Response:
    token = sessions.login_csrf(request)
    response = pages.render(request, "login.html", {
        "login_csrf": token, "error": error, "email": email, "next": next_,
        "choices": choices or []}, None, status=status)
    sessions.set_login_csrf(request, response, token)
    return response


@router.get("/")
def home(request: Request) -> Response:
    return redirect("/contacts" if sessions.current(request) else "/login")


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:  # noqa: A002
    if sessions.current(request) is not None:
        return redirect(safe_next(next))
    return _login_page(request, next_=safe_next(next, ""))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    sessions.check_login_csrf(request, form)
    email, password = text(form, "email", 254), str(form.get("password", ""))[:1000]
    next_ = safe_next(text(form, "next"), "/contacts")

    def check(conn):  # type: ignore[no-untyped-def]
        matches = []
        for row in account_store.users_by_email(conn, email.strip().lower()):
            found = accounts.authenticate_user(conn, email, password, row.account_id)
            if found is not None and found.user_id is not None:
                secret = web_auth.account_secret(conn, found.account_id)
                matches.append((found.account_id, found.user_id, secret))
        names = web_auth.account_names(conn, [m[0] for m in matches])
        return [(a, u, s, names.get(a, str(a))) for a, u, s in matches]

    matches = uow.run_conn(request.app.state.sc.engine, check)
    if not matches:
        _spend_a_hash(password)
        return _login_page(request, error="The email or the password is not right.",
                           email=email, next_=next_, status=401)
    if len(matches) == 1:
        account_id, user_id, _, _ = matches[0]
        response = redirect(next_)
        sessions.sign_in(request, response, account_id, user_id)
        return response
    choices = [{"value": f"{a}.{sessions.account_choice_token(s, u)}", "name": n,
                "id": str(a)} for a, u, s, n in sorted(matches, key=lambda m: m[3])]
    return _login_page(request, email=email, next_=next_, choices=choices)


@router.post("/login/account")
async def login_account(request: Request) -> Response:
    form = await request.form()
    sessions.check_login_csrf(request, form)
    account, _, token = text(form, "choice", 500).partition(".")
    next_ = safe_next(text(form, "next"), "/contacts")
    secret = None
    if is_decimal(account) and len(account) < 19:
        secret = uow.run_conn(
            request.app.state.sc.engine,
            lambda conn: web_auth.account_secret(conn, int(account)))
    user_id = sessions.check_account_choice(secret, token) if secret else None
    if user_id is None:
        return _login_page(request, error="That sign-in took too long. Please sign in again.",
                           next_=next_, status=401)
    response = redirect(next_)
    sessions.sign_in(request, response, int(account), user_id)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    session = sessions.require(request)
    sessions.check_csrf(request, session, await request.form())
    response = redirect("/login")
    sessions.sign_out(response)
    return response
