"""Running a use case for a request: one transaction, retried whole on deadlocks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request

from stagecoach.library import Stagecoach, now_ms
from stagecoach.services.context import Ctx
from stagecoach.store import db

T = TypeVar("T")


def run(request: Request, account_id: int, fn: Callable[[Ctx], T], *,
        readonly: bool = False) -> T:
    sc: Stagecoach = request.app.state.sc
    now = now_ms()
    return db.run_in_transaction(sc.engine, lambda conn: fn(Ctx.load(conn, account_id, now)),
                                 readonly=readonly)


def clock() -> int:
    return now_ms()
