"""The `lists` table: a list's definition (its members are in store/lists/memberships.py).

Filter branches are stored in their canonical wire form (domain/lists/model.py), so what
is returned is what was validated; the services parse them again against the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from stagecoach.domain.objects import ObjectType
from stagecoach.store.core import ids
from stagecoach.store.schema import list_memberships, lists

L = lists.c
M = list_memberships.c


@dataclass(frozen=True)
class ListRow:
    id: int
    object_type: ObjectType
    name: str
    processing_type: str
    filter_branch: Mapping[str, Any] | None
    version: int
    archived: bool
    created_at: int
    updated_at: int
    filters_updated_at: int | None
    archived_at: int | None


def _row(r: Any) -> ListRow:
    return ListRow(int(r.id), ObjectType(r.object_type), r.name, r.processing_type,
                   r.filter_branch, int(r.version), bool(r.archived), int(r.created_at),
                   int(r.updated_at),
                   int(r.filters_updated_at) if r.filters_updated_at is not None else None,
                   int(r.archived_at) if r.archived_at is not None else None)


def insert_list(conn: Connection, account_id: int, object_type: ObjectType, name: str,
                processing_type: str, filter_branch: Mapping[str, Any] | None, now: int
                ) -> int:
    list_id = ids.take_one(conn, account_id, "list")
    # No filters: the column is left out (SQL NULL), not written as JSON null.
    extra = {"filter_branch": filter_branch, "filters_updated_at": now} if filter_branch \
        is not None else {}
    conn.execute(insert(lists).values(
        account_id=account_id, id=list_id, object_type=int(object_type), name=name,
        processing_type=processing_type, version=1, archived=False, created_at=now,
        updated_at=now, **extra))
    return list_id


def get(conn: Connection, account_id: int, list_id: int, *, archived: bool = False,
        lock: bool = False) -> ListRow | None:
    """A live list (with `archived`, an archived one instead)."""
    q = select(lists).where(L.account_id == account_id, L.id == list_id,
                            L.archived.is_(archived))
    if lock:
        q = q.with_for_update()
    r = conn.execute(q).first()
    return _row(r) if r is not None else None


def get_many(conn: Connection, account_id: int, list_ids: Sequence[int]) -> list[ListRow]:
    if not list_ids:
        return []
    rows = conn.execute(select(lists).where(L.account_id == account_id,
                                            L.id.in_(list(list_ids)),
                                            L.archived.is_(False)).order_by(L.id))
    return [_row(r) for r in rows]


def by_name(conn: Connection, account_id: int, object_type: ObjectType, name: str
            ) -> ListRow | None:
    r = conn.execute(select(lists).where(
        L.account_id == account_id, L.object_type == int(object_type), L.name == name,
        L.archived.is_(False))).first()
    return _row(r) if r is not None else None


def live(conn: Connection, account_id: int) -> list[ListRow]:
    """Every live list of the account, in id order."""
    rows = conn.execute(select(lists).where(L.account_id == account_id,
                                            L.archived.is_(False)).order_by(L.id))
    return [_row(r) for r in rows]


def search(conn: Connection, account_id: int, query: str | None,
           processing_types: Iterable[str], list_ids: Sequence[int], offset: int, count: int
           ) -> tuple[list[ListRow], int]:
    """Live lists whose name contains `query` (any case), newest change first."""
    where = [L.account_id == account_id, L.archived.is_(False)]
    if query:
        escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(func.lower(L.name).like(f"%{escaped}%", escape="\\"))
    kinds = list(processing_types)
    if kinds:
        where.append(L.processing_type.in_(kinds))
    if list_ids:
        where.append(L.id.in_(list(list_ids)))
    total = conn.execute(select(func.count()).select_from(lists).where(*where)).scalar_one()
    rows = conn.execute(select(lists).where(*where)
                        .order_by(L.updated_at.desc(), L.id.desc())
                        .limit(count).offset(offset))
    return [_row(r) for r in rows], int(total)


def change(conn: Connection, account_id: int, list_id: int, **values: Any) -> None:
    conn.execute(update(lists).where(L.account_id == account_id, L.id == list_id)
                 .values(**values))


def sizes(conn: Connection, account_id: int, list_ids: Sequence[int]) -> dict[int, int]:
    """Members of each list, in one statement."""
    if not list_ids:
        return {}
    rows = conn.execute(
        select(M.list_id, func.count()).where(M.account_id == account_id,
                                              M.list_id.in_(list(list_ids)))
        .group_by(M.list_id))
    found = {int(r[0]): int(r[1]) for r in rows}
    return {i: found.get(i, 0) for i in list_ids}


def with_filters(conn: Connection, account_id: int) -> list[ListRow]:
    """Live lists that have filters (what may name a stage or another list)."""
    return [r for r in live(conn, account_id) if r.filter_branch is not None]


def naming_stage(conn: Connection, account_id: int, stage: str) -> list[ListRow]:
    """Live lists whose filters name lifecycle stage `stage` (rule 58: such a stage cannot
    be deleted). Filters are JSON in their canonical form, read here; an account has few
    lists."""
    def names(branch: Mapping[str, Any]) -> bool:
        return any(
            f.get("filterType") == "PROPERTY" and f.get("property") == "lifecyclestage"
            and stage in ((f.get("operation") or {}).get("values") or ())
            for b in branch.get("filterBranches") or () for f in b.get("filters") or ())

    return [r for r in with_filters(conn, account_id)
            if r.filter_branch is not None and names(r.filter_branch)]
