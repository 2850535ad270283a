"""One guard for every request's input, before any route reads it (issue 20).

A database cannot store a NUL character (PostgreSQL refuses it in text) or a lone UTF-16
surrogate (no UTF-8 encodes it), and JSON nested a thousand deep exhausts the parser's
recursion. Routes each parse their own body, so instead of teaching every route, this
middleware refuses such input once with a 400 in HubSpot's error shape naming where it is:
the path, the query, a form field or the JSON path of a body value.

It is also the last catch of an unexpected error: answered with HubSpot's 500 shape here,
the error does not travel on to Starlette's outermost handler, which re-raises it and makes
the server drop the connection (the client then sees a reset, not an answer).
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stagecoach.api.errors import error_body

log = logging.getLogger("stagecoach.api")
# Deeper than any body HubSpot's API takes (a search is five levels), far below recursion.
MAX_DEPTH = 32
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class InputGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _address_problem(scope)
        kind = _body_kind(scope)
        if problem is None and kind is not None:
            body = await _read(receive)
            problem = _json_problem(body) if kind == "json" else _form_problem(body)
            receive = _replay(body)
        if problem is not None:
            await _answer(send, 400, error_body(400, problem, "VALIDATION_ERROR"))
            return
        started = False

        async def watching(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching)
        except Exception:
            cid = str(uuid.uuid4())
            log.exception("unexpected error %s", cid)
            if not started:
                await _answer(send, 500, error_body(
                    500, "Internal error; correlation id " + cid, "INTERNAL_ERROR",
                    correlation_id=cid))


def _address_problem(scope: Scope) -> str | None:
    if "\x00" in scope.get("path", ""):
        return "The request path contains a NUL character"
    query = scope.get("query_string") or b""
    if b"\x00" in query or b"%00" in query.lower():
        return "The query string contains a NUL character"
    return None


def _body_kind(scope: Scope) -> str | None:
    if scope.get("method") not in _BODY_METHODS:
        return None
    ctype = b""
    for k, v in scope.get("headers") or ():
        if k == b"content-type":
            ctype = v.lower()
    if b"json" in ctype:
        return "json"
    if b"x-www-form-urlencoded" in ctype:
        return "form"
    return None


async def _read(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _form_problem(body: bytes) -> str | None:
    if b"\x00" in body or b"%00" in body.lower():
        return "A form field contains a NUL character"
    return None


def _json_problem(body: bytes) -> str | None:
    """Why the body cannot be taken, or None. Malformed JSON is left to the route, which
    says what it expected."""
    try:
        value = json.loads(body) if body.strip() else None
    except RecursionError:
        return f"The request body is nested deeper than {MAX_DEPTH} levels"
    except (ValueError, UnicodeDecodeError):
        return None
    return _value_problem(value)


def _value_problem(root: Any) -> str | None:
    # Iterative, so that checking depth cannot itself run out of stack.
    stack: list[tuple[Any, str, int]] = [(root, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, str):
            bad = _text_problem(value)
            if bad:
                return f"{where or 'The body'} {bad}"
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                return f"The request body is nested deeper than {MAX_DEPTH} levels"
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    bad = _text_problem(key)
                    if bad:
                        return f"The name {key[:40]!r} at {where or 'the top'} {bad}"
                    stack.append((item, f"{where}.{key}" if where else key, depth + 1))
                else:
                    stack.append((item, f"{where}[{key}]", depth + 1))
    return None


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone UTF-16 surrogate, which is not text"
    return None


async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(raw)).encode())]})
    await send({"type": "http.response.body", "body": raw})
