"""Bearer tokens and scopes: 401 for a missing or unknown token, 403 for a missing scope.

A server process remembers the tokens it has authenticated (by hash), so that the CRM
routes (api/handler.py) need no transaction of their own to authenticate: a remembered
token is only *presumed* valid, and the unit of work confirms it with its first statement
(api/unit.py), in the same transaction as everything the request then reads and writes.
A token revoked (or given other scopes) in any process, even by hand in the database, is
therefore refused by the very next request that starts after the change commits, as
before; the request finds it out before it has done anything, forgets the token and is
authenticated afresh (`Stale`).
"""

from __future__ import annotations

from fastapi import Request

from stagecoach.api import safety
from stagecoach.api.errors import ApiError
from stagecoach.domain.objects import ObjectType
from stagecoach.library import now_ms
from stagecoach.services.auth import accounts
from stagecoach.services.auth.accounts import Principal
from stagecoach.services.core import uow

# Tokens remembered per application; past this many the memory starts afresh.
MAX_REMEMBERED = 10_000
USE_NOTE_MS = 5 * 60_000


class Stale(Exception):
    """A remembered token is no longer what the database says (revoked, other scopes)."""


def principal(request: Request, *, presume: bool = False) -> Principal:
    """The caller, authenticated once per request (cached on the request). With `presume`,
    a token this process has authenticated before is taken as valid without a lookup; the
    caller must then run its work through `unit.run` (which confirms it) and call
    `confirm` before answering anything else."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Authentication credentials not found. This API supports "
                            "OAuth 2.0 and private app access tokens (Bearer).",
                       "INVALID_AUTHENTICATION")
    memory = _memory(request)
    key = accounts.hash_token(token)
    found = memory.get(key) if presume else None
    if found is not None:
        request.state.presumed = (key, found)
    else:
        sc = request.app.state.sc
        found = uow.run_conn(
            sc.engine, lambda conn: accounts.authenticate_token(conn, token, now_ms()),
            readonly=True)
        if found is None:
            raise ApiError(401, "The access token is unknown or was revoked.",
                           "INVALID_AUTHENTICATION")
        if len(memory) >= MAX_REMEMBERED:
            memory.clear()
        memory[key] = found
    request.state.principal = found
    safety.rate_limit(request, found)
    _note_use(request, found)
    return found


def _note_use(request: Request, who: Principal) -> None:
    """Record when a token was last used, at most every USE_NOTE_MS per process: a write
    per request would cost every read its own transaction."""
    if who.token_id is None:
        return
    seen: dict[int, int] = getattr(request.app.state, "token_use", None) or {}
    request.app.state.token_use = seen
    now = now_ms()
    if now - seen.get(who.token_id, 0) < USE_NOTE_MS:
        return
    seen[who.token_id] = now
    account_id, token_id = who.account_id, who.token_id
    uow.run_conn(request.app.state.sc.engine,
                 lambda conn: accounts.token_used(conn, account_id, token_id, now))


def presumed_token(request: Request) -> Principal | None:
    """The principal of a remembered token not yet confirmed in this request."""
    found = getattr(request.state, "presumed", None)
    return found[1] if found is not None else None


def confirmed(request: Request, scopes: list[str] | None) -> None:
    """The database's scopes of the presumed token (None: revoked or gone), read in the
    unit of work: the same as remembered, or `Stale`."""
    key, found = request.state.presumed
    if scopes is None or frozenset(scopes) != found.scopes:
        forget(request)
        raise Stale()
    request.state.presumed = None


def confirm(request: Request) -> None:
    """Confirm a presumed token in a transaction of its own (before answering an error that
    came before any unit of work): `Stale` when it changed."""
    found = presumed_token(request)
    if found is None or found.token_id is None:
        return
    account_id, token_id = found.account_id, found.token_id
    sc = request.app.state.sc
    scopes = uow.run_conn(
        sc.engine, lambda conn: accounts.live_token_scopes(conn, account_id, token_id,
                                                           now_ms()),
        readonly=True)
    confirmed(request, scopes)


def forget(request: Request) -> None:
    """Forget the request's token (and its authentication) so it is looked up afresh."""
    presumed = getattr(request.state, "presumed", None)
    if presumed is not None:
        _memory(request).pop(presumed[0], None)
    request.state.presumed = None
    request.state.principal = None


def _memory(request: Request) -> dict[str, Principal]:
    state = request.app.state
    memory: dict[str, Principal] | None = getattr(state, "token_memory", None)
    if memory is None:
        memory = state.token_memory = {}
    return memory


def require(request: Request, *scopes: str, presume: bool = False) -> Principal:
    """The caller, who must hold every scope named."""
    p = principal(request, presume=presume)
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
