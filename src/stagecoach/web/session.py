"""Web sessions and CSRF tokens.

The session cookie is `<account id>.<payload signed with the account's web secret>`; the
secret lives in the database (store/auth/web_auth.py), so every server process can check any
cookie and rotating one account's secret signs out only that account. The cookie is
HttpOnly and SameSite=Lax, and Secure when the request came over https.

Every form carries a CSRF token: for a signed-in user, an HMAC of the session's random
nonce under the account secret (a synchronizer token that needs no server-side state); on
the login page, before any account is known, a random double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from stagecoach.domain.values import is_decimal
from stagecoach.services.auth import accounts
from stagecoach.services.core import uow
from stagecoach.store.auth import web_auth
from stagecoach.store.auth.web_auth import WebUser

SESSION_COOKIE = "sc_session"
LOGIN_CSRF_COOKIE = "sc_login_csrf"
FLASH_COOKIE = "sc_flash"
SESSION_MAX_AGE_S = 14 * 24 * 3600
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """The page needs a signed-in user; the app answers with a redirect to /login."""


class CsrfFailed(Exception):
    """A POST without a valid CSRF token."""


@dataclass(frozen=True)
class WebSession:
    user: WebUser
    nonce: str
    secret: str

    @property
    def csrf_token(self) -> str:
        return hmac.new(self.secret.encode(), f"csrf:{self.nonce}".encode(),
                        hashlib.sha256).hexdigest()

    @property
    def is_admin(self) -> bool:
        return self.user.role == "admin"

    def may(self, scope: str) -> bool:
        return scope in accounts.role_scopes(self.user.role)


def _serializer(secret: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt)


def _cookie_args(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https",
            "path": "/"}


def sign_in(request: Request, response: Response, account_id: int, user_id: int) -> None:
    secret = uow.run_conn(request.app.state.sc.engine,
                                   lambda conn: web_auth.account_secret(conn, account_id))
    assert secret is not None
    payload = _serializer(secret, "session").dumps({"u": user_id,
                                                    "n": secrets.token_urlsafe(16)})
    response.set_cookie(SESSION_COOKIE, f"{account_id}.{payload}", max_age=SESSION_MAX_AGE_S,
                        **_cookie_args(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")


def sign_out(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def current(request: Request) -> WebSession | None:
    """The signed-in user (one query: user, account name and secret together), or None."""
    cached = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    raw = request.cookies.get(SESSION_COOKIE, "")
    account, _, payload = raw.partition(".")
    if not is_decimal(account) or not payload or len(account) > 18:
        return None
    account_id = int(account)
    try:
        unverified = _serializer("x", "session").loads_unsafe(payload)[1]
        user_id = int(unverified["u"])
    except (TypeError, KeyError, ValueError):
        return None
    found = uow.run_conn(
        request.app.state.sc.engine,
        lambda conn: web_auth.user_with_secret(conn, account_id, user_id), readonly=True)
    if found is None or not found[1]:
        return None
    user, secret = found[0], str(found[1])
    try:
        data = _serializer(secret, "session").loads(payload, max_age=SESSION_MAX_AGE_S)
    except BadSignature:
        return None
    if int(data.get("u", -1)) != user.user_id:
        return None
    session = WebSession(user, str(data["n"]), secret)
    request.state.web_session = session
    return session


def require(request: Request) -> WebSession:
    session = current(request)
    if session is None:
        raise LoginRequired()
    return session


def check_csrf(request: Request, session: WebSession, form: Any) -> None:
    sent = str(form.get(CSRF_FIELD, ""))
    if not sent or not hmac.compare_digest(sent, session.csrf_token):
        raise CsrfFailed()


def login_csrf(request: Request) -> str:
    """The login form's double-submit token (reused while its cookie lives)."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)


def set_login_csrf(request: Request, response: Response, token: str) -> None:
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **_cookie_args(request))


def check_login_csrf(request: Request, form: Any) -> None:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = str(form.get(CSRF_FIELD, ""))
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise CsrfFailed()


def account_choice_token(secret: str, user_id: int) -> str:
    """Proof that the password was right for this account's user, for the 'which account'
    step of a login, so the password is never echoed into the page."""
    return _serializer(secret, "account-choice").dumps(user_id)


def check_account_choice(secret: str, token: str) -> int | None:
    try:
        return int(_serializer(secret, "account-choice").loads(token, max_age=300))
    except (BadSignature, TypeError, ValueError):
        return None


def set_flash(request: Request, response: Response, session: WebSession, kind: str,
              text: str, detail: list[str] | None = None) -> None:
    value = _serializer(session.secret, "flash").dumps(
        {"k": kind, "t": text[:500], "d": [d[:200] for d in (detail or [])[:20]]})
    response.set_cookie(FLASH_COOKIE, value, max_age=60, **_cookie_args(request))


def pop_flash(request: Request, response: Response, session: WebSession
              ) -> dict[str, Any] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    response.delete_cookie(FLASH_COOKIE, path="/")
    try:
        data = _serializer(session.secret, "flash").loads(raw, max_age=120)
    except BadSignature:
        return None
    return {"kind": data.get("k"), "text": data.get("t"), "detail": data.get("d") or []}
