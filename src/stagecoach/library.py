"""Stagecoach as a Python library, in-process on an SQLite file (or PostgreSQL).

    from stagecoach import library
    sc = library.open("crm.db")
    acct = sc.create_account("Acme", "admin@acme.test")
    with sc.unit(acct.account_id) as ctx:
        ...

Every call is one unit of work; time can be passed in (`now=` epoch ms) so history can be
written in the past.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from stagecoach.services.auth import accounts
from stagecoach.services.core import uow
from stagecoach.services.core.context import Ctx
from stagecoach.store import migrate
from stagecoach.store.core import db


def now_ms() -> int:
    return int(time.time() * 1000)


class Stagecoach:
    def __init__(self, database_url: str | None = None, *, engine: Engine | None = None,
                 upgrade: bool = True, clock: Callable[[], int] = now_ms) -> None:
        self.engine = engine or db.make_engine(database_url)
        self.clock = clock
        if upgrade:
            migrate.upgrade(self.engine)

    @contextmanager
    def unit(self, account_id: int, now: int | None = None, *, readonly: bool = False
             ) -> Iterator[Ctx]:
        """One unit of work on one account: commits when the block ends without error."""
        with uow.unit(self.engine, account_id, now if now is not None else self.clock(),
                      readonly=readonly) as ctx:
            yield ctx

    def run(self, account_id: int, fn: Callable[[Ctx], object], now: int | None = None,
            *, readonly: bool = False) -> object:
        """Like `unit`, running the use case again on deadlocks and lock timeouts."""
        return uow.run(self.engine, account_id, fn, now if now is not None else self.clock,
                       readonly=readonly)

    def create_account(self, name: str, admin_email: str, admin_password: str | None = None,
                       now: int | None = None) -> accounts.NewAccount:
        at = now if now is not None else self.clock()
        return uow.run_conn(
            self.engine,
            lambda conn: accounts.create_account(conn, name, admin_email, at, admin_password))

    def close(self) -> None:
        self.engine.dispose()


def open(database_url: str | None = None, **kw: object) -> Stagecoach:  # noqa: A001
    url = database_url
    if url and "://" not in url:
        url = f"sqlite:///{url}"
    return Stagecoach(url, **kw)  # type: ignore[arg-type]
