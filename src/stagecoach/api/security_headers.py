"""Security headers on every response (issue 20, point 7).

Pages load only the app's own scripts and styles (no CDN: the app works offline), so the
content security policy can say `'self'`; inline `style` attributes remain in a few
templates, hence `'unsafe-inline'` for styles only. Pages cannot be framed by other sites
(clickjacking), except the hosted form page, which sites embed. HSTS is for installations
served over HTTPS only, so it is the operator's choice: STAGECOACH_HSTS=on.
"""

from __future__ import annotations

import os

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
           "img-src 'self' data: blob:; object-src 'none'; base-uri 'self'; "
           "form-action 'self'; frame-ancestors {ancestors}")
_HSTS = b"max-age=31536000; includeSubDomains"


def _embeddable(path: str) -> bool:
    return path.startswith("/forms/") and path.endswith("/view")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.hsts = os.environ.get("STAGECOACH_HSTS", "").lower() in ("on", "1", "true")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ancestors = "*" if _embeddable(scope.get("path", "")) else "'none'"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers") or []
                           if k.lower() != b"server"]
                present = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"same-origin"),
                         (b"content-security-policy",
                          _POLICY.format(ancestors=ancestors).encode())]
                if ancestors == "'none'":
                    extra.append((b"x-frame-options", b"DENY"))
                if self.hsts:
                    extra.append((b"strict-transport-security", _HSTS))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
