"""Reading and writing record rows. Hot properties live in columns, the rest in `props`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Select,
    SmallInteger,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import COLUMN_PROPERTIES
from stagecoach.store.bulk import insert_many
from stagecoach.store.db import is_postgres
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
    q = _load_statement(include_archived, lock and is_postgres(conn))
    # Chunks keep the parameter count under every driver's limit.
    for i in range(0, len(ids), 5000):
        for row in conn.execute(q, {"acc": account_id, "ot": int(object_type),
                                    "ids": ids[i:i + 5000]}):
            out[row.id] = row_to_record(row)
    return out


@cache
def _load_statement(include_archived: bool, lock: bool) -> Select[Any]:
    # Built once per variant: records are loaded several times per request, and building
    # the statement costs more than running it.
    q = select(records).where(R.account_id == bindparam("acc", type_=BigInteger),
                              R.object_type == bindparam("ot", type_=SmallInteger),
                              R.id.in_(bindparam("ids", expanding=True)))
    if not include_archived:
        q = q.where(R.archived.is_(False))
    if lock:
        # A fixed order (by id) so that concurrent writers cannot deadlock each other.
        # FOR NO KEY UPDATE (the lock an UPDATE of a record takes anyway) does not conflict
        # with the KEY SHARE lock that inserting an association (a foreign key to the
        # record) takes; FOR UPDATE would, and two writers associating contacts with the
        # same company would deadlock upgrading KEY SHARE to UPDATE.
        q = q.order_by(R.id).with_for_update(key_share=True)
    return q


def find_by(
    conn: Connection, account_id: int, object_type: ObjectType, column: str,
    values: Sequence[str], *, lock: bool = False,
) -> dict[str, RecordRow]:
    """Live records whose hot `column` (email, domain) is one of `values` (lowercase)."""
    if not values:
        return {}
    keys = sorted(set(values))
    q: Any = _find_statement(column, lock and is_postgres(conn))
    params: dict[str, Any] = {"acc": account_id, "ot": int(object_type), "values": keys}
    hinted = _sqlite_find_by(object_type, column) if conn.dialect.name == "sqlite" else None
    if hinted is not None:
        q, params = hinted, {"acc": account_id, "keys": keys}
    out: dict[str, RecordRow] = {}
    for row in conn.execute(q, params):
        rec = row_to_record(row)
        out.setdefault(getattr(row, column), rec)
    return out


@cache
def _find_statement(column: str, lock: bool) -> Select[Any]:
    q = select(records).where(R.account_id == bindparam("acc", type_=BigInteger),
                              R.object_type == bindparam("ot", type_=SmallInteger),
                              R.archived.is_(False),
                              R[column].in_(bindparam("values", expanding=True)))
    if lock:
        q = q.order_by(R.id).with_for_update(key_share=True)
    return q


# The index each key is found through on SQLite. Without statistics, and given thousands of
# keys (an import's chunk), SQLite would rather walk every record of the type through the
# listing index: a cost that grows with the account, quadratic over a large import.
_SQLITE_KEY_INDEX = {(ObjectType.CONTACT, "email"): "ux_records_contact_email",
                     (ObjectType.COMPANY, "domain"): "ix_records_domain"}


@cache
def _sqlite_find_by(object_type: ObjectType, column: str) -> Any:
    index = _SQLITE_KEY_INDEX.get((object_type, column))
    if index is None:
        return None
    # Literal type and archived flag: the email index is partial on exactly these.
    return text(
        f"SELECT {', '.join(R.keys())} FROM records INDEXED BY {index} "
        f"WHERE account_id = :acc AND object_type = {int(object_type)} AND archived = 0 "
        f"AND {column} IN :keys"
    ).bindparams(bindparam("keys", expanding=True)).columns(*records.c)


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
        # The first stage's version is written at creation (store/stays.open_entered).
        item["stage_entered_at"] = r["created_at"] if item["lifecyclestage"] else None
        for name in HOT_COLUMNS:
            item[name] = values.pop(name, None)
        item["props"] = values
        payload.append(item)
    insert_many(conn, records, payload)


@cache
def _changes_statement(pg: bool) -> Any:
    patch_param: Any = bindparam("p_patch")
    patched = (
        func.jsonb_strip_nulls(R.props.op("||")(func.cast(patch_param, R.props.type)))
        if pg
        else func.json_patch(R.props, patch_param)
    )
    return (
        update(records)
        .where(
            R.account_id == bindparam("p_account"),
            R.object_type == bindparam("p_type"),
            R.id == bindparam("p_id"),
        )
        .values(
            updated_at=bindparam("p_now"),
            props=patched,
            **{name: bindparam(f"p_{name}") for name in HOT_COLUMNS},
        )
    )


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
    pg = is_postgres(conn)
    stmt = _changes_statement(pg)
    params = []
    for row, change in changes:
        patch = {k: v for k, v in change.items() if k not in COLUMN_PROPERTIES}
        item: dict[str, Any] = {
            "p_account": account_id,
            "p_type": int(object_type),
            "p_id": row.id,
            "p_now": now,
            "p_patch": json.dumps(patch),
        }
        for name in HOT_COLUMNS:
            item[f"p_{name}"] = change[name] if name in change else row.values.get(name)
        params.append(item)
    conn.execute(stmt, params)


def touch(conn: Connection, account_id: int, object_type: ObjectType, ids: Sequence[int],
          now: int) -> None:
    if ids:
        conn.execute(update(records).where(account_scope(account_id, object_type),
                                           R.id.in_(list(ids))).values(updated_at=now))
