"""Counting a record's associated records (num_associated_deals, num_associated_contacts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from sqlalchemy import Connection

from stagecoach.domain import associations as atypes
from stagecoach.domain.objects import ObjectType
from stagecoach.store.core import driver
from stagecoach.store.core.db import is_postgres


def counts(conn: Connection, account_id: int, from_type: ObjectType, from_ids: Iterable[int],
           to_types: Sequence[ObjectType], *, locked: bool = False
           ) -> dict[ObjectType, dict[int, int]]:
    """Live associated records of each of `to_types` per record, in one statement (every
    association carries the unlabelled type, so counting it counts each partner once).
    `locked`: the caller holds the records' row locks already."""
    ids = sorted(set(from_ids))
    found: dict[ObjectType, dict[int, int]] = {t: {} for t in to_types}
    if not ids or not to_types:
        return {t: {i: 0 for i in ids} for t in to_types}
    unlabelled = [atypes.unlabelled(from_type, t).id for t in to_types]
    pg = is_postgres(conn)
    for i in range(0, len(ids), 5000):
        chunk = ids[i:i + 5000]
        if pg and not locked:
            # The count is written back as the record's value: take the record's row lock
            # first, so that a writer that associated a partner and committed meanwhile is
            # waited for and counted (read committed: the count after the wait sees it).
            # Without it two creates into one company both count n + 1 and one is lost.
            driver.execute(conn, _lock(len(chunk)), (account_id, int(from_type), *chunk))
        sql = _counts(len(chunk), len(to_types), pg)
        for rid, to_type, n in driver.rows(conn, sql, (
                account_id, int(from_type), *(int(t) for t in to_types), *unlabelled,
                *chunk)):
            found[ObjectType(to_type)][rid] = int(n)
    return {t: {i: found[t].get(i, 0) for i in ids} for t in to_types}


@lru_cache(maxsize=512)
def _lock(n: int) -> driver.Sql:
    # By id, as every other record lock (store/records/records.py), so writers cannot deadlock;
    # NO KEY UPDATE is what the count's write takes anyway.
    return driver.Sql(f"SELECT id FROM records WHERE account_id = ? AND object_type = ? "
                      f"AND id IN ({driver.marks(n)}) ORDER BY id FOR NO KEY UPDATE")


@lru_cache(maxsize=512)
def _counts(n: int, types: int, pg: bool) -> driver.Sql:
    # Counts run several times per request: on the driver's cursor (store/core/driver.py).
    return driver.Sql(
        "SELECT a.from_id, a.to_type, count(*) FROM associations a JOIN records r "
        "ON r.account_id = a.account_id AND r.object_type = a.to_type AND r.id = a.to_id "
        f"AND {'NOT r.archived' if pg else 'r.archived = 0'} "
        f"WHERE a.account_id = ? AND a.from_type = ? AND a.to_type IN ({driver.marks(types)}) "
        f"AND a.type_id IN ({driver.marks(types)}) AND a.from_id IN ({driver.marks(n)}) "
        "GROUP BY a.from_id, a.to_type")
