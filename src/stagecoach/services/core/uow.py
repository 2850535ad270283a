"""Running a use case as one unit of work: one transaction, retried whole in one place.

Every edge (the API, the web app, the command line, the library, the worker) runs its use
cases through `run` or `unit`. A use case that meets a deadlock, a serialization failure,
SQLite's lock, or a unique value a concurrent unit committed first (`IntegrityError`, or
`Conflicted` raised by the use case itself) is run again from the start on a fresh
transaction, so nothing is half-applied and the second run sees what the other wrote.
Before commit, the unit-level hooks run once (services/hooks.py); after commit, whatever
the use case asked for with `ctx.after_commit` (store/core/db.after_commit).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from stagecoach.services import hooks
from stagecoach.services.core.context import Ctx
from stagecoach.store.core import db

T = TypeVar("T")
log = logging.getLogger("stagecoach.uow")
ATTEMPTS = 5


class Conflicted(Exception):
    """A use case found that a concurrent unit committed first what it meant to write (an
    idempotency key, say): worth running again."""


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    text = (str(orig if orig is not None else exc).splitlines() or [""])[0][:200]
    return f"{type(orig or exc).__name__}{f' [{code}]' if code else ''}: {text}"


def _worth_again(exc: BaseException) -> bool:
    if isinstance(exc, IntegrityError | Conflicted):
        return True
    return isinstance(exc, DBAPIError) and db.retryable(exc)


def load(conn: Connection, account_id: int, now: int) -> Ctx:
    return Ctx.load(conn, account_id, now, hooks.STEP_HOOKS)


def finish(ctx: Ctx) -> None:
    for hook in hooks.BEFORE_COMMIT:
        hook(ctx)


@contextmanager
def unit(engine: Engine, account_id: int, now: int, *, readonly: bool = False
         ) -> Iterator[Ctx]:
    """One attempt: commits when the block ends without error. For callers that cannot be
    re-run (a `with` block); `run` is the retrying form."""
    with db.transaction(engine, readonly=readonly) as conn:
        ctx = load(conn, account_id, now)
        yield ctx
        finish(ctx)


def run(engine: Engine, account_id: int, fn: Callable[[Ctx], T],
        now: int | Callable[[], int], *, readonly: bool = False,
        prepare: Callable[[Connection], None] | None = None) -> T:
    """Run `fn` as one unit on `account_id`, again from scratch while it fails in a way a
    second run can resolve (module docstring). `now`: the unit's time, or a clock read at
    each attempt. `prepare` runs first in the transaction (confirming the caller's token)."""
    def attempt(conn: Connection) -> T:
        if prepare is not None:
            prepare(conn)
        ctx = load(conn, account_id, now() if callable(now) else now)
        result = fn(ctx)
        finish(ctx)
        return result

    return run_conn(engine, attempt, readonly=readonly)


def run_conn(engine: Engine, fn: Callable[[Connection], T], *, readonly: bool = False,
             attempts: int = ATTEMPTS) -> T:
    """One transaction on its own, for what is not an account's use case (signing in,
    creating an account, claiming work across accounts), retried as `run` is."""
    for attempt in range(attempts):
        try:
            with db.transaction(engine, readonly=readonly) as conn:
                return fn(conn)
        except Exception as exc:
            if attempt + 1 < attempts and _worth_again(exc):
                # Logged: deadlocks and serialization failures that retries hide are how
                # an operator finds a hot spot.
                # (A unique value a concurrent unit wrote first is ordinary: info.)
                level = (logging.INFO if isinstance(exc, IntegrityError | Conflicted)
                         else logging.WARNING)
                log.log(level, "unit of work run again (attempt %d of %d): %s",
                        attempt + 2, attempts, _reason(exc))
                time.sleep(0.02 * (2**attempt))
                continue
            raise
    raise AssertionError("unreachable")
