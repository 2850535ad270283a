"""Bearer tokens and scopes: 401 for a missing or unknown token, 403 for a missing scope."""

from __future__ import annotations

from fastapi import Request

from stagecoach.api import safety
from stagecoach.api.errors import ApiError
from stagecoach.domain.objects import ObjectType
from stagecoach.services import accounts
from stagecoach.services.accounts import Principal
from stagecoach.store import db


def principal(request: Request) -> Principal:
    """The caller, authenticated once per request (cached on the request)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Authentication credentials not found. This API supports "
                            "OAuth 2.0 and private app access tokens (Bearer).",
                       "INVALID_AUTHENTICATION")
    sc = request.app.state.sc
    found = db.run_in_transaction(
        sc.engine, lambda conn: accounts.authenticate_token(conn, token.strip()), readonly=True)
    if found is None:
        raise ApiError(401, "The access token is unknown or was revoked.",
                       "INVALID_AUTHENTICATION")
    request.state.principal = found
    safety.rate_limit(request, found)
    return found


def require(request: Request, *scopes: str) -> Principal:
    """The caller, who must hold every scope named."""
    p = principal(request)
    missing = [s for s in scopes if not p.has(s)]
    if missing:
        raise ApiError(403, "This token lacks the required scopes: " + ", ".join(missing),
                       "MISSING_SCOPES",
                       [{"message": "Missing scopes", "code": "MISSING_SCOPES",
                         "context": {"requiredScopes": missing}}])
    return p


def object_scope(ot: ObjectType, write: bool) -> str:
    return f"crm.objects.{ot.plural}.{'write' if write else 'read'}"


def schema_scope(ot: ObjectType, write: bool) -> str:
    return f"crm.schemas.{ot.plural}.{'write' if write else 'read'}"
