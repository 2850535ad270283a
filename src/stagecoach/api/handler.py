"""Running one CRM request: authenticate, parse the body, run the use case in one
transaction (off the event loop), honour `Idempotency-Key`, shape the response."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from stagecoach.api import auth, unit, wire
from stagecoach.api.errors import ApiError
from stagecoach.domain.errors import Conflict, DomainError
from stagecoach.services.auth.accounts import Principal
from stagecoach.services.core import uow
from stagecoach.services.core.context import Ctx
from stagecoach.store.auth import idempotency

IGNORED_HEADER = "Stagecoach-Ignored-Properties"
# A stored response is replayed for a day; after that the key may be used afresh.
IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000
MAX_KEY_LENGTH = 200


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def ignored(self, names: list[str]) -> Reply:
        if names:
            self.headers[IGNORED_HEADER] = ", ".join(dict.fromkeys(names))
        return self


@dataclass
class Call:
    """What a route's use case gets: the caller and the parsed JSON body (or None)."""

    request: Request
    who: Principal
    body: Any


async def handle(request: Request, scopes: tuple[str, ...], fn: Callable[[Ctx, Call], Reply],
                 *, with_body: bool = False, idempotent: bool = False,
                 readonly: bool = False) -> Response:
    raw = await request.body() if with_body else b""

    def work() -> Reply:
        try:
            return attempt(presume=True)
        except auth.Stale:
            # The remembered token was revoked or changed: authenticate it afresh.
            return attempt(presume=False)

    def attempt(presume: bool) -> Reply:
        try:
            who = auth.require(request, *scopes, presume=presume)
            body = wire.parse_json(raw) if with_body else None
            key = request.headers.get("idempotency-key") if idempotent else None
            if key is not None and (not key.strip() or len(key) > MAX_KEY_LENGTH):
                raise ApiError(400, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} "
                                    "characters")
        except (ApiError, DomainError):
            # Nothing about the request is answered to a token that no longer holds.
            auth.confirm(request)
            raise
        call = Call(request, who, body)
        digest = "" if key is None else hashlib.sha256(
            request.method.encode() + b" " + request.url.path.encode() + b"?"
            + str(request.url.query).encode() + b"\n" + raw
            # A migration and a plain write of the same body are different requests.
            + request.headers.get("stagecoach-migration", "").encode()).hexdigest()
        try:
            if key is None:
                return unit.run(request, who.account_id, lambda ctx: fn(ctx, call),
                                readonly=readonly)
            return unit.run(request, who.account_id,
                            lambda ctx: _once(ctx, call, key, digest, fn))
        except (uow.Conflicted, IntegrityError):
            # Concurrent requests kept committing the same unique value (an email, an
            # idempotency key) first, through every run the unit of work allowed.
            raise ApiError(409, "The request conflicted with concurrent requests; "
                                "retry it", "CONFLICT") from None

    reply = await run_in_threadpool(work)
    if reply.status == 204:
        return Response(status_code=204, headers=reply.headers)
    return _Json(reply.body, status_code=reply.status, headers=reply.headers)


class _Json(JSONResponse):
    def render(self, content: Any) -> bytes:
        return wire.dumps(content)


def _once(ctx: Ctx, call: Call, key: str, digest: str, fn: Callable[[Ctx, Call], Reply]
          ) -> Reply:
    stored = idempotency.find(ctx.conn, ctx.account_id, key)
    if stored is not None and stored.created_at < ctx.now - IDEMPOTENCY_TTL_MS:
        idempotency.forget(ctx.conn, ctx.account_id, key)
        stored = None
    if stored is not None:
        if stored.request_hash != digest:
            # Decision: 409, the key is taken by a different request; the caller should
            # use a fresh key (a 400 would suggest the request itself is malformed).
            raise Conflict("This Idempotency-Key was already used with a different request",
                           code="IDEMPOTENCY_KEY_REUSED")
        saved = json.loads(stored.body)
        return Reply(stored.status_code, saved["body"],
                     {**saved["headers"], "Idempotent-Replayed": "true"})
    reply = fn(ctx, call)
    if 200 <= reply.status < 300:
        text = json.dumps({"body": reply.body, "headers": reply.headers})
        if not idempotency.save(ctx.conn, ctx.account_id, key, digest, reply.status, text,
                                ctx.now):
            # Another request with the same key committed first: run again, replay it.
            raise uow.Conflicted()
    return reply
