"""The web app's routes answer in HTML: errors become pages, never JSON, never a 500."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from stagecoach.domain.errors import DomainError
from stagecoach.web import pages, session

log = logging.getLogger("stagecoach.web")


class WebError(Exception):
    def __init__(self, status: int, title: str, message: str = "") -> None:
        super().__init__(message or title)
        self.status = status
        self.title = title
        self.message = message


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    return pages.render(request, "error.html", {"status": status, "title": title,
                                                "message": message},
                        session.current(request), status=status)


class WebRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await inner(request)
            except session.LoginRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query
                                             else "")
                return RedirectResponse(f"/login?next={quote(target, safe='')}", 303)
            except session.CsrfFailed:
                return error_page(request, 403, "This form has expired",
                                  "The page was open too long or came from another site. "
                                  "Go back, reload the page and try again.")
            except WebError as exc:
                return error_page(request, exc.status, exc.title, exc.message)
            except DomainError as exc:
                return error_page(request, exc.status, "That did not work", exc.message)
            except RequestValidationError:
                return error_page(request, 404, "Page not found",
                                  "The address does not name anything here.")
            except Exception:
                cid = str(uuid.uuid4())
                log.exception("web error %s", cid)
                return error_page(request, 500, "Something went wrong",
                                  f"The error was logged with reference {cid}.")

        return handler
