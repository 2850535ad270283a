"""Import jobs and their error rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from stagecoach.domain.objects import ObjectType
from stagecoach.store.core import ids
from stagecoach.store.core.db import is_postgres
from stagecoach.store.schema import import_errors, imports

I = imports.c  # noqa: E741
E = import_errors.c


class State(StrEnum):
    STARTED = "STARTED"
    PROCESSING = "PROCESSING"
    DONE = "DONE"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


UNFINISHED = (State.STARTED.value, State.PROCESSING.value)


@dataclass(frozen=True)
class ImportRow:
    account_id: int
    id: int
    name: str
    object_type: ObjectType
    state: State
    file_path: str
    file_name: str
    file_size: int
    file_sha256: str | None
    mapping: dict[str, Any]
    options: dict[str, Any]
    total_rows: int | None
    next_row: int
    created: int
    updated: int
    unchanged: int
    errors: int
    failure: str | None
    created_at: int
    updated_at: int
    finished_at: int | None


def _row(r: Any) -> ImportRow:
    return ImportRow(r.account_id, r.id, r.name, ObjectType(r.object_type), State(r.state),
                     r.file_path, r.file_name, r.file_size, r.file_sha256, dict(r.mapping),
                     dict(r.options), r.total_rows, r.next_row, r.created_count,
                     r.updated_count, r.unchanged_count, r.error_count, r.failure,
                     r.created_at, r.updated_at, r.finished_at)


def create(conn: Connection, account_id: int, *, name: str, object_type: ObjectType,
           file_path: str, file_name: str, file_size: int, mapping: Mapping[str, Any],
           options: Mapping[str, Any], created_by: int | None, now: int) -> int:
    iid = ids.take_one(conn, account_id, "import")
    conn.execute(insert(imports).values(
        account_id=account_id, id=iid, name=name, object_type=int(object_type),
        state=State.STARTED.value, file_path=file_path, file_name=file_name,
        file_size=file_size, mapping=dict(mapping), options=dict(options),
        created_by=created_by, created_at=now, updated_at=now))
    return iid


def get(conn: Connection, account_id: int, import_id: int, *, lock: bool = False
        ) -> ImportRow | None:
    q = select(imports).where(I.account_id == account_id, I.id == import_id)
    if lock and is_postgres(conn):
        q = q.with_for_update()
    r = conn.execute(q).first()
    return _row(r) if r else None


def list_for_account(conn: Connection, account_id: int, limit: int, after: int
                     ) -> list[ImportRow]:
    rows = conn.execute(select(imports).where(I.account_id == account_id, I.id > after)
                        .order_by(I.id).limit(limit))
    return [_row(r) for r in rows]


def unfinished(conn: Connection) -> list[tuple[int, int]]:
    """(account id, import id) of every import a worker should (re)start, all accounts."""
    return [(r.account_id, r.id) for r in conn.execute(
        select(I.account_id, I.id).where(I.state.in_(UNFINISHED)).order_by(I.id))]


def find_unfinished_by_file(conn: Connection, account_id: int, file_path: str,
                            file_size: int) -> int | None:
    return conn.execute(select(I.id).where(
        I.account_id == account_id, I.state.in_(UNFINISHED), I.file_path == file_path,
        I.file_size == file_size).order_by(I.id.desc()).limit(1)).scalar()


def set_checked(conn: Connection, account_id: int, import_id: int, *, total_rows: int,
                sha256: str, mapping: Mapping[str, Any], options: Mapping[str, Any],
                now: int) -> bool:
    """STARTED -> PROCESSING once the file has been checked; False when someone else (a
    cancel, another worker) got there first."""
    return conn.execute(update(imports).where(
        I.account_id == account_id, I.id == import_id, I.state == State.STARTED.value,
    ).values(state=State.PROCESSING.value, total_rows=total_rows, file_sha256=sha256,
             mapping=dict(mapping), options=dict(options), updated_at=now)).rowcount == 1


def advance(conn: Connection, account_id: int, import_id: int, *, from_row: int, to_row: int,
            created: int, updated: int, unchanged: int, errors: int, now: int) -> bool:
    """Record a chunk's progress in the chunk's own transaction. Only the worker that read
    `from_row` may advance it, so two workers can never both apply a chunk."""
    return conn.execute(update(imports).where(
        I.account_id == account_id, I.id == import_id, I.state == State.PROCESSING.value,
        I.next_row == from_row,
    ).values(next_row=to_row, created_count=I.created_count + created,
             updated_count=I.updated_count + updated,
             unchanged_count=I.unchanged_count + unchanged,
             error_count=I.error_count + errors, updated_at=now)).rowcount == 1


def finish(conn: Connection, account_id: int, import_id: int, state: State, now: int,
           failure: str | None = None, only_from: Sequence[str] = UNFINISHED) -> bool:
    return conn.execute(update(imports).where(
        I.account_id == account_id, I.id == import_id, I.state.in_(list(only_from)),
    ).values(state=state.value, failure=failure, updated_at=now, finished_at=now)
    ).rowcount == 1


@dataclass(frozen=True)
class NewError:
    row: int
    column: str | None
    error_type: str
    reason: str
    value: str | None
    raw: Sequence[str]


def add_errors(conn: Connection, account_id: int, import_id: int, errors: Sequence[NewError],
               now: int) -> None:
    if not errors:
        return
    conn.execute(insert(import_errors), [
        {"account_id": account_id, "import_id": import_id, "row_number": e.row,
         "column_name": e.column, "error_type": e.error_type, "reason": e.reason[:2000],
         "invalid_value": e.value[:2000] if e.value is not None else None,
         "raw_row": [c[:2000] for c in e.raw[:1000]], "created_at": now}
        for e in errors])


def errors_page(conn: Connection, account_id: int, import_id: int, after: int, limit: int
                ) -> list[Any]:
    return list(conn.execute(select(import_errors).where(
        E.account_id == account_id, E.import_id == import_id, E.row_number > after,
    ).order_by(E.row_number).limit(limit)))


def error_count(conn: Connection, account_id: int, import_id: int) -> int:
    return int(conn.execute(select(func.count()).where(
        E.account_id == account_id, E.import_id == import_id)).scalar_one())


# The tables an import grows. A fresh or fast-growing table has planner statistics that say
# "a handful of rows", and PostgreSQL then probes the primary key through a prefix index
# (every foreign-key check turns into a scan of the account); refreshing them as the import
# grows the tables keeps every chunk's cost flat.
_GROWN_TABLES = ("records", "property_history", "associations", "association_history",
                 "stage_moves", "blocked_writes", "import_errors")


def refresh_statistics(conn: Connection) -> None:
    if is_postgres(conn):
        conn.exec_driver_sql("ANALYZE " + ", ".join(_GROWN_TABLES))
