"""Request safety (api spec section 9): body size limit (413) and rate-limit headers.

Configuration, read when the app is created (every server process reads the same
environment): `STAGECOACH_RATE_LIMIT` requests per token per 10 seconds (default 190, HubSpot's
limit for private apps on paid tiers; 0 turns limiting off), `STAGECOACH_DAILY_RATE_LIMIT`
requests per account per UTC day (default 0: no daily limit, and no daily headers) and
`STAGECOACH_MAX_BODY_BYTES` (default 5 MiB).
"""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stagecoach.api.errors import ApiError, error_body
from stagecoach.api.ratelimit import RateLimiter
from stagecoach.services.auth.accounts import Principal

DEFAULT_RATE_LIMIT = 190
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024


def install(app: FastAPI) -> None:
    limit = int(os.environ.get("STAGECOACH_RATE_LIMIT", DEFAULT_RATE_LIMIT))
    daily = int(os.environ.get("STAGECOACH_DAILY_RATE_LIMIT", 0))
    max_body = int(os.environ.get("STAGECOACH_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))
    app.state.ratelimiter = (RateLimiter(app.state.sc.engine, max(0, limit), daily=max(0, daily))
                             if limit > 0 or daily > 0 else None)
    app.add_middleware(_Safety, max_body=max_body)


def rate_limit(request: Request, who: Principal) -> None:
    """Spend one permit of the caller's token (web sessions are not limited here)."""
    limiter: RateLimiter | None = getattr(request.app.state, "ratelimiter", None)
    if limiter is None or who.token_id is None:
        return
    allowance = limiter.take(who.account_id, who.token_id)
    request.state.rate_headers = allowance.headers()


def _too_large(max_body: int) -> ApiError:
    return ApiError(413, f"The request body is larger than {max_body} bytes",
                    "PAYLOAD_TOO_LARGE")


class _Safety:
    """Refuses bodies over the size limit and adds the rate-limit headers of the request."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await _send_error(send, _too_large(self.max_body))
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _too_large(self.max_body)
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = (scope.get("state") or {}).get("rate_headers") or {}
                if extra:
                    headers = list(message.get("headers") or [])
                    present = {k.lower() for k, _ in headers}
                    for k, v in extra.items():
                        if k.lower().encode() not in present:
                            headers.append((k.lower().encode(), v.encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, limited_receive, send_with_headers)


async def _send_error(send: Send, exc: ApiError) -> None:
    body: Any = error_body(exc.status, exc.message, exc.category, exc.errors)
    raw = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": exc.status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(raw)).encode())]})
    await send({"type": "http.response.body", "body": raw})
