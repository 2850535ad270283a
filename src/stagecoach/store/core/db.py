"""Engines and transactions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from stagecoach.store.core import writer_gate

DEFAULT_SQLITE_PATH = "stagecoach.db"
# PostgreSQL deadlock and serialization failures, SQLite "database is locked": worth a retry.
_RETRY_SQLSTATES = {"40P01", "40001"}


def normalize_url(url: str | None) -> str:
    url = url or os.environ.get("STAGECOACH_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str | None = None, **kw: Any) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            poolclass=NullPool if kw.pop("nullpool", False) else None,
            **kw,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kw)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # We emit BEGIN ourselves so that writers take the lock up front (BEGIN IMMEDIATE)
        # instead of failing halfway through a use case on a lock upgrade.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # WAL: readers never block the writer nor it them. synchronous=NORMAL in WAL mode
        # syncs the log at checkpoints, not at every commit: a commit is atomic and the
        # database is never corrupted, but the last commits before a power loss (not a
        # process crash) may be rolled back. That is the trade PostgreSQL's
        # synchronous_commit=off makes; an embedded CRM accepts it for ~10x cheaper commits.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = "DEFERRED" if conn.get_execution_options().get("readonly") else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")


def is_postgres(conn_or_engine: Connection | Engine) -> bool:
    return conn_or_engine.dialect.name == "postgresql"


def retryable(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        state = getattr(exc.orig, "sqlstate", None)
        if state in _RETRY_SQLSTATES:
            return True
        if isinstance(exc, OperationalError) and "locked" in str(exc.orig):
            return True
    return False


_AFTER_COMMIT = "stagecoach.after_commit"


def after_commit(conn: Connection, fn: Callable[[], None]) -> None:
    """Call `fn` once the transaction on `conn` has committed (never if it rolls back): to
    tell another thread about rows it can only see from then on. Transactions run by
    `transaction` (so every unit of work, services/core/uow.py) make the calls."""
    tx = conn.get_transaction()
    held: tuple[object, list[Callable[[], None]]] | None = conn.info.get(_AFTER_COMMIT)
    if held is None or held[0] is not tx:
        held = conn.info[_AFTER_COMMIT] = (tx, [])
    held[1].append(fn)


@contextmanager
def transaction(engine: Engine, *, readonly: bool = False) -> Iterator[Connection]:
    """One unit of work: everything inside commits together or not at all."""
    # SQLite writers queue for the write lock (store/core/writer_gate.py).
    lock = None if readonly else writer_gate.gate(engine)
    if lock is not None:
        lock.acquire()
    committed: list[Callable[[], None]] = []
    try:
        conn = engine.connect()
        if readonly:
            conn = conn.execution_options(readonly=True)
        try:
            with conn.begin() as tx:
                yield conn
            held = conn.info.get(_AFTER_COMMIT)
            if held is not None and held[0] is tx:
                committed = held[1]
        finally:
            # conn.info outlives this checkout of the connection.
            conn.info.pop(_AFTER_COMMIT, None)
            conn.close()
    finally:
        if lock is not None:
            lock.release()
    for fn in committed:
        fn()


@contextmanager
def planner_without(conn: Connection, *methods: str) -> Iterator[None]:
    """PostgreSQL: plan the statements inside without the given methods (`nestloop`,
    `seqscan`, ...), for set-based statements over rows too fresh to have statistics, whose
    right plan is known. Elsewhere, nothing."""
    if not is_postgres(conn):
        yield
        return
    for m in methods:
        conn.exec_driver_sql(f"SET LOCAL enable_{m} = off")
    # Reset on success only: after an error (a deadlock, say) the transaction is aborted,
    # a RESET would fail with "current transaction is aborted" and hide the error that
    # tells the unit of work to run again; the rollback ends SET LOCAL anyway.
    yield
    for m in methods:
        conn.exec_driver_sql(f"RESET enable_{m}")
