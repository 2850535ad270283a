"""Reading and writing record rows. Hot properties live in columns, the rest in `props`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import COLUMN_PROPERTIES
from stagecoach.store.core import driver
from stagecoach.store.core.bulk import insert_many
from stagecoach.store.core.db import is_postgres
from stagecoach.store.schema import records

R = records.c
HOT_COLUMNS = tuple(sorted(COLUMN_PROPERTIES - {"lifecyclestage"}))


@dataclass
class RecordRow:
    object_type: ObjectType
    id: int
    created_at: int
    updated_at: int
    archived: bool
    archived_at: int | None
    merged_into: int | None
    values: dict[str, Any]  # stored values of every property that has one

    @property
    def stage(self) -> str | None:
        return self.values.get("lifecyclestage")


def row_to_record(row: Any) -> RecordRow:
    values = dict(row.props or {})
    for name in COLUMN_PROPERTIES:
        v = getattr(row, name)
        if v is not None:
            values[name] = v
    ot = ObjectType(row.object_type)
    values["createdate"] = row.created_at
    values["hs_object_id"] = row.id
    values["lastmodifieddate" if ot is ObjectType.CONTACT else "hs_lastmodifieddate"] = (
        row.updated_at
    )
    return RecordRow(ot, row.id, row.created_at, row.updated_at, row.archived,
                     row.archived_at, row.merged_into, values)


_COLUMNS = tuple(R.keys())
_AT = {name: i for i, name in enumerate(_COLUMNS)}
_HOT_AT = tuple((name, _AT[name]) for name in COLUMN_PROPERTIES)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM records"


def tuple_to_record(row: Sequence[Any]) -> RecordRow:
    """A record from a driver row of every column in table order (store/core/driver.py)."""
    values = dict(driver.json_value(row[_AT["props"]]) or {})
    for name, i in _HOT_AT:
        v = row[i]
        if v is not None:
            values[name] = v
    ot = ObjectType(row[_AT["object_type"]])
    rid, created, updated = row[_AT["id"]], row[_AT["created_at"]], row[_AT["updated_at"]]
    values["createdate"] = created
    values["hs_object_id"] = rid
    values["lastmodifieddate" if ot is ObjectType.CONTACT else "hs_lastmodifieddate"] = updated
    return RecordRow(ot, rid, created, updated, bool(row[_AT["archived"]]),
                     row[_AT["archived_at"]], row[_AT["merged_into"]], values)


def account_scope(account_id: int, object_type: ObjectType) -> ColumnElement[bool]:
    return (R.account_id == account_id) & (R.object_type == int(object_type))


def load(
    conn: Connection,
    account_id: int,
    object_type: ObjectType,
    ids: Iterable[int],
    *,
    lock: bool = False,
    include_archived: bool = False,
) -> dict[int, RecordRow]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    out: dict[int, RecordRow] = {}
    pg = is_postgres(conn)
    # Chunks keep the parameter count under every driver's limit.
    for i in range(0, len(ids), 5000):
        chunk = ids[i:i + 5000]
        q = _load_statement(len(chunk), include_archived, lock and pg, pg)
        for row in driver.rows(conn, q, (account_id, int(object_type), *chunk)):
            rec = tuple_to_record(row)
            out[rec.id] = rec
    return out


@lru_cache(maxsize=512)
def _load_statement(n: int, include_archived: bool, lock: bool, pg: bool) -> driver.Sql:
    # Records are loaded several times per request: on the driver's cursor.
    q = f"{_SELECT} WHERE account_id = ? AND object_type = ? AND id IN ({driver.marks(n)})"
    if not include_archived:
        q += " AND NOT archived" if pg else " AND archived = 0"
    if lock:
        # A fixed order (by id) so that concurrent writers cannot deadlock each other.
        # FOR NO KEY UPDATE (the lock an UPDATE of a record takes anyway) does not conflict
        # with the KEY SHARE lock that inserting an association (a foreign key to the
        # record) takes; FOR UPDATE would, and two writers associating contacts with the
        # same company would deadlock upgrading KEY SHARE to UPDATE.
        q += " ORDER BY id FOR NO KEY UPDATE"
    return driver.Sql(q)


def find_by(
    conn: Connection, account_id: int, object_type: ObjectType, column: str,
    values: Sequence[str], *, lock: bool = False,
) -> dict[str, RecordRow]:
    """Live records whose hot `column` (email, domain) is one of `values` (lowercase)."""
    if not values:
        return {}
    keys = sorted(set(values))
    pg = is_postgres(conn)
    out: dict[str, RecordRow] = {}
    at = _AT[column]
    for i in range(0, len(keys), 5000):
        chunk = keys[i:i + 5000]
        q = _find_statement(object_type, column, len(chunk), lock and pg, pg)
        for row in driver.rows(conn, q, (account_id, *chunk)):
            out.setdefault(row[at], tuple_to_record(row))
    return out


# The index each key is found through on SQLite. Without statistics, and given thousands of
# keys (an import's chunk), SQLite would rather walk every record of the type through the
# listing index: a cost that grows with the account, quadratic over a large import.
_SQLITE_KEY_INDEX = {(ObjectType.CONTACT, "email"): "ux_records_contact_email",
                     (ObjectType.COMPANY, "domain"): "ix_records_domain"}


@lru_cache(maxsize=512)
def _find_statement(object_type: ObjectType, column: str, n: int, lock: bool, pg: bool
                    ) -> driver.Sql:
    assert column in _AT
    index = None if pg else _SQLITE_KEY_INDEX.get((object_type, column))
    # Literal type and archived flag: the email index is partial on exactly these.
    q = (f"{_SELECT}{f' INDEXED BY {index}' if index else ''} WHERE account_id = ? "
         f"AND object_type = {int(object_type)} AND {'NOT archived' if pg else 'archived = 0'} "
         f"AND {column} IN ({driver.marks(n)})")
    if lock:
        q += " ORDER BY id FOR NO KEY UPDATE"
    return driver.Sql(q)


def insert(
    conn: Connection, account_id: int, object_type: ObjectType, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert new rows: each mapping has id, created_at and its initial values (the stage
    and its derived dates included)."""
    if not rows:
        return
    payload = []
    for r in rows:
        values = dict(r["values"])
        item = {
            "account_id": account_id,
            "object_type": int(object_type),
            "id": r["id"],
            "created_at": r["created_at"],
            "updated_at": r["created_at"],
            "archived": False,
            "lifecyclestage": values.pop("lifecyclestage", None),
            "props": {},
        }
        # The first stage's version is written at creation (store/lifecycle/stays.open_first).
        item["stage_entered_at"] = r["created_at"] if item["lifecyclestage"] else None
        for name in HOT_COLUMNS:
            item[name] = values.pop(name, None)
        item["props"] = values
        payload.append(item)
    insert_many(conn, records, payload)


def as_inserted(object_type: ObjectType, row: Mapping[str, Any]) -> RecordRow:
    """The record `insert` writes for one of its mappings, as `load` would read it back."""
    values = {k: v for k, v in row["values"].items() if v is not None}
    created = row["created_at"]
    values["createdate"] = created
    values["hs_object_id"] = row["id"]
    values["lastmodifieddate" if object_type is ObjectType.CONTACT else "hs_lastmodifieddate"] = (
        created)
    return RecordRow(object_type, row["id"], created, created, False, None, None, values)


@cache
def _changes_statement(pg: bool) -> driver.Sql:
    # Non-hot properties go through a JSON merge patch (a null in it clears the key).
    patched = ("jsonb_strip_nulls(props || CAST(? AS JSONB))" if pg
               else "json_patch(props, ?)")
    hot = "".join(f", {name} = ?" for name in HOT_COLUMNS)
    return driver.Sql(f"UPDATE records SET updated_at = ?{hot}, props = {patched} "
                      "WHERE account_id = ? AND object_type = ? AND id = ?")


def apply_changes(
    conn: Connection,
    account_id: int,
    object_type: ObjectType,
    changes: Sequence[tuple[RecordRow, Mapping[str, Any]]],
    now: int,
) -> None:
    """Write property changes (name -> stored value, None clears) onto loaded rows.

    Hot columns are written whole from the locked row; other properties go through a JSON
    merge patch so that concurrent set-based updates of other keys are never lost.
    """
    if not changes:
        return
    stmt = _changes_statement(is_postgres(conn))
    ot = int(object_type)
    params = []
    for row, change in changes:
        patch = {k: v for k, v in change.items() if k not in COLUMN_PROPERTIES}
        params.append((
            now,
            *(change[name] if name in change else row.values.get(name) for name in HOT_COLUMNS),
            json.dumps(patch), account_id, ot, row.id,
        ))
    driver.executemany(conn, stmt, params)


def touch(conn: Connection, account_id: int, object_type: ObjectType, ids: Sequence[int],
          now: int) -> None:
    if ids:
        conn.execute(update(records).where(account_scope(account_id, object_type),
                                           R.id.in_(list(ids))).values(updated_at=now))
