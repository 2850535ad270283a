"""Running a use case for a request: one transaction, retried whole on deadlocks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy import Connection

from stagecoach.api import auth
from stagecoach.library import Stagecoach, now_ms
from stagecoach.services.auth import accounts
from stagecoach.services.core.context import Ctx
from stagecoach.store.core import db

T = TypeVar("T")


def run(request: Request, account_id: int, fn: Callable[[Ctx], T], *,
        readonly: bool = False) -> T:
    sc: Stagecoach = request.app.state.sc
    now = now_ms()

    def unit(conn: Connection) -> T:
        presumed = auth.presumed_token(request)
        if presumed is not None and presumed.token_id is not None:
            # A remembered token (api/auth.py) is confirmed before anything else.
            auth.confirmed(request, accounts.live_token_scopes(conn, presumed.account_id,
                                                               presumed.token_id))
        return fn(Ctx.load(conn, account_id, now))

    return db.run_in_transaction(sc.engine, unit, readonly=readonly)


def clock() -> int:
    return now_ms()
