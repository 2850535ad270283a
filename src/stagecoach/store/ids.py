"""Id allocation: PostgreSQL sequences (no cross-transaction lock), SQLite counters (SQLite
serializes writers anyway, so a counter row costs nothing)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Connection

from stagecoach.store import driver
from stagecoach.store.db import is_postgres
from stagecoach.store.schema import SEQUENCE_KINDS


def sequence_name(kind: str) -> str:
    assert kind in SEQUENCE_KINDS, kind
    return f"stagecoach_{kind}_seq"


# Run on the driver's cursor (store/driver.py): an id is taken several times per request.
_RESERVE = driver.Sql(
    "INSERT INTO id_counters (account_id, kind, next_value) VALUES (?, ?, ?) "
    "ON CONFLICT (account_id, kind) DO UPDATE SET next_value = id_counters.next_value + ? "
    "RETURNING next_value"
)


@cache
def _nextval(kind: str) -> driver.Sql:
    return driver.Sql(f"SELECT array(SELECT nextval('{sequence_name(kind)}') "
                      "FROM generate_series(1, ?))")


def take(conn: Connection, account_id: int, kind: str, n: int = 1) -> list[int]:
    if n <= 0:
        return []
    if is_postgres(conn):
        # One array, not n rows: a chunk of an import takes tens of thousands of ids.
        found = driver.first(conn, _nextval(kind), (n,))[0]
        return [int(i) for i in found]
    first = reserve(conn, account_id, kind, n)
    return list(range(first, first + n))


def take_one(conn: Connection, account_id: int, kind: str) -> int:
    return take(conn, account_id, kind, 1)[0]


def reserve(conn: Connection, account_id: int, kind: str, n: int) -> int:
    """Reserve n consecutive ids and return the first."""
    top = driver.first(conn, _RESERVE, (account_id, kind, n + 1, n))[0]
    return int(top) - n
