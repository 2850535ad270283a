"""Bulk inserts at driver speed: the same rows SQLAlchemy's executemany would write,
without its per-row parameter processing, and through COPY on PostgreSQL for large sets.

Used by the hot append paths of the write path (records, history, stage moves,
associations), which a million-row import runs through chunk after chunk.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.types import JSON

from stagecoach.store.core import driver
from stagecoach.store.core.db import is_postgres

# Below this many rows COPY's set-up costs more than it saves.
COPY_MIN_ROWS = 100


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *,
                ignore_conflicts: bool = False) -> None:
    """Insert rows (mappings sharing one set of keys). With `ignore_conflicts`, a row whose
    primary key exists already is skipped (INSERT ... ON CONFLICT (key) DO NOTHING); a row
    that breaks another unique index still fails, so a race on it is seen, not lost."""
    if not rows:
        return
    cols = list(rows[0].keys())
    json_cols = [i for i, c in enumerate(cols) if isinstance(table.c[c].type, JSON)]
    # itemgetter pulls a row's values in C: this runs for every row of every batch.
    pick = itemgetter(*cols)
    data = [pick(r) for r in rows] if len(cols) > 1 else [(r[cols[0]],) for r in rows]
    if json_cols:
        data = [_dump_json(row, json_cols) for row in data]
    names = ", ".join(f'"{c}"' for c in cols)
    pg = is_postgres(conn)
    if pg and not ignore_conflicts and len(data) >= COPY_MIN_ROWS:
        statement = f'COPY "{table.name}" ({names}) FROM STDIN'
        dbapi = conn.connection.driver_connection
        with dbapi.cursor() as cursor:  # type: ignore[union-attr]
            # COPY bypasses SQLAlchemy's execute; tell its statement listeners (logging,
            # statement counts) that one statement runs, as an INSERT would.
            if conn.dispatch.before_cursor_execute:
                conn.dispatch.before_cursor_execute(conn, cursor, statement, (), None, True)
            with cursor.copy(statement) as copy:
                for row in data:
                    copy.write_row(row)
        return
    key = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) if ignore_conflicts \
        else ""
    driver.executemany(conn, _insert_statement(table.name, names, len(cols), key), data)


@lru_cache(maxsize=128)
def _insert_statement(table: str, names: str, n: int, conflict_key: str) -> driver.Sql:
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({driver.marks(n)})'
    return driver.Sql(sql + f" ON CONFLICT ({conflict_key}) DO NOTHING" if conflict_key
                      else sql)


def _dump_json(row: tuple[Any, ...], json_cols: Sequence[int]) -> tuple[Any, ...]:
    out = list(row)
    for i in json_cols:
        if out[i] is not None:
            out[i] = json.dumps(out[i], separators=(",", ":"))
    return tuple(out)
