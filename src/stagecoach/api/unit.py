"""Running a use case for a request as one unit of work (services/core/uow.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy import Connection

from stagecoach.api import auth
from stagecoach.library import Stagecoach, now_ms
from stagecoach.services.auth import accounts
from stagecoach.services.core import uow
from stagecoach.services.core.context import Ctx

T = TypeVar("T")


def run(request: Request, account_id: int, fn: Callable[[Ctx], T], *,
        readonly: bool = False) -> T:
    sc: Stagecoach = request.app.state.sc

    now = now_ms()

    def confirm_token(conn: Connection) -> None:
        presumed = auth.presumed_token(request)
        if presumed is not None and presumed.token_id is not None:
            # A remembered token (api/auth.py) is confirmed before anything else.
            auth.confirmed(request, accounts.live_token_scopes(conn, presumed.account_id,
                                                               presumed.token_id, now))

    return uow.run(sc.engine, account_id, fn, now, readonly=readonly,
                   prepare=confirm_token)


def clock() -> int:
    return now_ms()
