"""Id allocation: PostgreSQL sequences (no cross-transaction lock), SQLite counters (SQLite
serializes writers anyway, so a counter row costs nothing)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Connection

from stagecoach.store.core import driver
from stagecoach.store.core.db import is_postgres
from stagecoach.store.schema import SEQUENCE_KINDS


def sequence_name(kind: str) -> str:
    assert kind in SEQUENCE_KINDS, kind
    return f"stagecoach_{kind}_seq"


# Run on the driver's cursor (store/core/driver.py): an id is taken several times per request.
_RESERVE = driver.Sql(
    "INSERT INTO id_counters (account_id, kind, next_value) VALUES (?, ?, ?) "
    "ON CONFLICT (account_id, kind) DO UPDATE SET next_value = id_counters.next_value + ? "
    "RETURNING next_value"
)


@cache
def _nextval(kind: str) -> driver.Sql:
    return driver.Sql(f"SELECT array(SELECT nextval('{sequence_name(kind)}') "
                      "FROM generate_series(1, ?))")


# Ids are handed out from a pool per transaction: its first `take` reserves, in one
# statement, what one write usually takes of each kind (a single create takes ops, a record
# id, history ids for its own versions and later its company's count, and association
# history ids, four statements apart), and a kind that runs short is refilled with a block
# this size. What is left over is dropped with the transaction: ids need to be unique (and
# increasing), not dense. A take of a block or more is reserved as asked, past the pool.
PREFETCH = {"op": 8, "record": 1, "history": 16, "association_history": 8}
_POOL = "stagecoach.id_pool"


def take(conn: Connection, account_id: int, kind: str, n: int = 1) -> list[int]:
    if n <= 0:
        return []
    pool = _pool(conn, account_id)
    spare = pool.get(kind, [])
    if len(spare) < n:
        block = PREFETCH.get(kind, 0)
        if n >= block:
            # The spare ids are lower than these: dropped, so that every id a transaction
            # takes of a kind is above the ones before it (versions of one instant are
            # ordered by id).
            pool[kind] = []
            return _reserved(conn, account_id, kind, n)
        spare = pool[kind] = _reserved(conn, account_id, kind, block)
    out = spare[:n]
    del spare[:n]
    return out


def _reserved(conn: Connection, account_id: int, kind: str, n: int) -> list[int]:
    if is_postgres(conn):
        # One array, not n rows: a chunk of an import takes tens of thousands of ids.
        found = driver.first(conn, _nextval(kind), (n,))[0]
        return [int(i) for i in found]
    first = reserve(conn, account_id, kind, n)
    return list(range(first, first + n))


def _pool(conn: Connection, account_id: int) -> dict[str, list[int]]:
    """This transaction's spare ids by kind, reserved on first use in one statement."""
    tx = conn.get_transaction()
    held = conn.info.get(_POOL)
    if held is not None and held[0] is tx and held[1] == account_id:
        pool: dict[str, list[int]] = held[2]
        return pool
    pool = {}
    # Kept with the transaction object itself (not its id, which could be reused once it
    # is gone): a later transaction on this connection starts with an empty pool.
    conn.info[_POOL] = (tx, account_id, pool)
    if tx is None:
        return pool
    kinds = list(PREFETCH)
    if is_postgres(conn):
        row = driver.first(conn, _PREFETCH_PG, ())
        for kind, found in zip(kinds, row, strict=True):
            pool[kind] = [int(i) for i in found]
    else:
        for kind, top in driver.rows(conn, _PREFETCH_LITE, [
                v for k in kinds for v in (account_id, k, PREFETCH[k] + 1)]):
            first = int(top) - PREFETCH[kind]
            pool[kind] = list(range(first, first + PREFETCH[kind]))
    return pool


_PREFETCH_PG = driver.Sql("SELECT " + ", ".join(
    f"array(SELECT nextval('stagecoach_{k}_seq') FROM generate_series(1, {n}))"
    for k, n in PREFETCH.items()))
# One row per kind; each row's own increment is its `excluded` value's, so the four
# counters move in one statement.
_PREFETCH_LITE = driver.Sql(
    "INSERT INTO id_counters (account_id, kind, next_value) VALUES "
    + ", ".join("(?, ?, ?)" for _ in PREFETCH)
    + " ON CONFLICT (account_id, kind) DO UPDATE SET next_value = id_counters.next_value"
    " + excluded.next_value - 1 RETURNING kind, next_value")


def take_one(conn: Connection, account_id: int, kind: str) -> int:
    return take(conn, account_id, kind, 1)[0]


def reserve(conn: Connection, account_id: int, kind: str, n: int) -> int:
    """Reserve n consecutive ids and return the first."""
    top = driver.first(conn, _RESERVE, (account_id, kind, n + 1, n))[0]
    return int(top) - n
