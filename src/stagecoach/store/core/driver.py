"""Statements of the hot write path run on the driver's own cursor.

A statement through SQLAlchemy's execute costs ~100-150 us of Python before the driver
sees it (cache key, parameter processing, result metadata); the driver itself runs a small
indexed statement in ~5-10 us. A single create runs about twenty statements, so that
overhead was most of its time. The statements here are fixed SQL text written once with `?`
marks (PostgreSQL gets `%s`), run on the cursor of the connection's current transaction.

What SQLAlchemy would still do is kept: `before_cursor_execute` / `after_cursor_execute`
listeners are told about every statement (statement counts, logging), a transaction is
begun first if the connection has none, and driver errors are raised as SQLAlchemy's
(IntegrityError, OperationalError...), which is what retries and conflict handling catch.
Values come back as the driver gives them: SQLite booleans are 0/1 and JSON is text
(`json_value` reads it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError


class Sql:
    """One statement's text for each driver: written with `?`, `%s` on PostgreSQL."""

    __slots__ = ("lite", "pg")

    def __init__(self, text: str) -> None:
        self.lite = text
        self.pg = text.replace("%", "%%").replace("?", "%s")

    def text(self, conn: Connection) -> str:
        return self.pg if conn.dialect.name == "postgresql" else self.lite


@lru_cache(maxsize=256)
def marks(n: int) -> str:
    """`?, ?, ...` for an IN list of n values."""
    return ", ".join("?" * n)


def rows(conn: Connection, sql: Sql | str, params: Sequence[Any] = ()) -> list[Any]:
    """Every row (tuples) of a statement."""
    found: list[Any] = _run(conn, sql, params, False, True)
    return found


def first(conn: Connection, sql: Sql | str, params: Sequence[Any] = ()) -> Any:
    found = _run(conn, sql, params, False, True)
    return found[0] if found else None


def execute(conn: Connection, sql: Sql | str, params: Sequence[Any] = ()) -> None:
    _run(conn, sql, params, False, False)


def executemany(conn: Connection, sql: Sql | str, seq: Sequence[Sequence[Any]]) -> None:
    if seq:
        _run(conn, sql, seq, True, False)


def json_value(raw: Any) -> Any:
    """A JSON column's value: PostgreSQL's driver decodes it, SQLite's gives text."""
    return json.loads(raw) if isinstance(raw, str | bytes) else raw


def _run(conn: Connection, sql: Sql | str, params: Any, many: bool, fetch: bool) -> Any:
    if isinstance(sql, str):
        sql = _sql(sql)
    statement = sql.text(conn)
    if not conn.in_transaction():
        # As SQLAlchemy's autobegin would: on SQLite our "begin" listener emits BEGIN.
        conn.begin()
    dbapi_conn = conn.connection.driver_connection
    assert dbapi_conn is not None
    cursor = dbapi_conn.cursor()
    dispatch = conn.dispatch
    if dispatch.before_cursor_execute:
        dispatch.before_cursor_execute(conn, cursor, statement, params, None, many)
    try:
        if many:
            cursor.executemany(statement, params)
        else:
            cursor.execute(statement, params)
        out = cursor.fetchall() if fetch else None
    except conn.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(statement, params, exc, conn.dialect.loaded_dbapi.Error,
                                  dialect=conn.dialect) from exc
    finally:
        cursor.close()
    if dispatch.after_cursor_execute:
        dispatch.after_cursor_execute(conn, cursor, statement, params, None, many)
    return out


@lru_cache(maxsize=512)
def _sql(text: str) -> Sql:
    return Sql(text)
