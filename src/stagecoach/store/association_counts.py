"""Counting a record's associated records (num_associated_deals, num_associated_contacts)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import Connection

from stagecoach.domain import associations as atypes
from stagecoach.domain.objects import ObjectType
from stagecoach.store import driver
from stagecoach.store.db import is_postgres


def counts(conn: Connection, account_id: int, from_type: ObjectType, from_ids: Iterable[int],
           to_type: ObjectType) -> dict[int, int]:
    """Live associated records of `to_type` per record (every association carries the
    unlabelled type, so counting it counts each partner once)."""
    ids = sorted(set(from_ids))
    if not ids:
        return {}
    found: dict[int, int] = {}
    unlabelled = atypes.unlabelled(from_type, to_type).id
    for i in range(0, len(ids), 5000):
        chunk = ids[i:i + 5000]
        for rid, n in driver.rows(conn, _counts(len(chunk), is_postgres(conn)),
                                  (account_id, int(from_type), int(to_type), unlabelled,
                                   *chunk)):
            found[rid] = int(n)
    return {i: found.get(i, 0) for i in ids}


@lru_cache(maxsize=512)
def _counts(n: int, pg: bool) -> driver.Sql:
    # Counts run several times per request: on the driver's cursor (store/driver.py).
    return driver.Sql(
        "SELECT a.from_id, count(*) FROM associations a JOIN records r "
        "ON r.account_id = a.account_id AND r.object_type = a.to_type AND r.id = a.to_id "
        f"AND {'NOT r.archived' if pg else 'r.archived = 0'} "
        "WHERE a.account_id = ? AND a.from_type = ? AND a.to_type = ? AND a.type_id = ? "
        f"AND a.from_id IN ({driver.marks(n)}) GROUP BY a.from_id")
