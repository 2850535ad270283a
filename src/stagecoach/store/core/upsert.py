"""INSERT ... ON CONFLICT for both dialects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from stagecoach.store.core.db import is_postgres


def insert_ignore(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    ins = postgresql.insert(table) if is_postgres(conn) else sqlite.insert(table)
    conn.execute(ins.on_conflict_do_nothing(), list(rows))


def insert_or_update(
    conn: Connection, table: Table, row: Mapping[str, Any], keys: Sequence[str],
    update: Sequence[str],
) -> None:
    ins = postgresql.insert(table) if is_postgres(conn) else sqlite.insert(table)
    stmt = ins.values(**row).on_conflict_do_update(
        index_elements=list(keys), set_={c: ins.excluded[c] for c in update}
    )
    conn.execute(stmt)
