"""Running an intake use case (a form submission, a tracking event) for a request."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.exc import IntegrityError

from stagecoach.api import unit
from stagecoach.services.core.context import Ctx

T = TypeVar("T")


def run(request: Request, account_id: int, fn: Callable[[Ctx], T]) -> T:
    """Two first contacts with one new email at the same instant: the loser hits the unique
    email index and is re-run once, when it finds the winner's contact and updates it."""
    try:
        return unit.run(request, account_id, fn)
    except IntegrityError:
        return unit.run(request, account_id, fn)
