"""Errors in HubSpot's shape, with a correlation id that is also logged. Never a 500 body
without one, and never a stack trace on the wire."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from stagecoach.domain.errors import DomainError

log = logging.getLogger("stagecoach.api")

_CATEGORY_BY_STATUS = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    403: "MISSING_SCOPES",
    404: "OBJECT_NOT_FOUND",
    405: "VALIDATION_ERROR",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "VALIDATION_ERROR",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITS",
}


class ApiError(Exception):
    def __init__(self, status: int, message: str, category: str | None = None,
                 errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.category = category or _CATEGORY_BY_STATUS.get(status, "VALIDATION_ERROR")
        self.errors = errors
        self.headers = headers


def error_body(status: int, message: str, category: str | None = None,
               errors: list[dict[str, Any]] | None = None,
               correlation_id: str | None = None) -> dict[str, Any]:
    cid = correlation_id or str(uuid.uuid4())
    cat = category or _CATEGORY_BY_STATUS.get(status, "VALIDATION_ERROR")
    log.info("error %s %s %s: %s", cid, status, cat, message)
    return {
        "status": "error",
        "message": message,
        "correlationId": cid,
        "category": cat,
        # HubSpot's entries always carry `context`; clients index into it without checking.
        "errors": [{**e, "context": e.get("context") or {}} for e in errors]
        if errors is not None else [{"message": message, "code": cat, "context": {}}],
    }


def domain_error_body(exc: DomainError) -> dict[str, Any]:
    return error_body(exc.status, exc.message, exc.category,
                      [{"message": exc.message, "code": exc.code,
                        "context": {k: (v if isinstance(v, list) else [str(v)])
                                    for k, v in exc.context.items() if v is not None}}])


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(domain_error_body(exc), status_code=exc.status)

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.status, exc.message, exc.category, exc.errors),
                            status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"message": str(e.get("msg")), "code": "INVALID_INPUT",
                   "context": {"location": [".".join(str(p) for p in e.get("loc", ()))]}}
                  for e in exc.errors()]
        return JSONResponse(error_body(400, "Invalid input: " + "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}"
            for e in exc.errors())[:1000], "VALIDATION_ERROR", errors), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body(exc.status_code, str(exc.detail)),
                            status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        cid = str(uuid.uuid4())
        log.exception("unexpected error %s", cid)
        return JSONResponse(error_body(500, "Internal error; correlation id " + cid,
                                       "INTERNAL_ERROR", correlation_id=cid),
                            status_code=500)
