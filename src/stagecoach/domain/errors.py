"""Domain errors. Each carries a HubSpot error category so the edges can render it."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    category = "VALIDATION_ERROR"
    status = 400

    def __init__(self, message: str, code: str | None = None, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.category
        self.context = context


class ValidationError(DomainError):
    pass


class NotFound(DomainError):
    category = "OBJECT_NOT_FOUND"
    status = 404


class Conflict(DomainError):
    category = "CONFLICT"
    status = 409


class Forbidden(DomainError):
    category = "MISSING_SCOPES"
    status = 403
