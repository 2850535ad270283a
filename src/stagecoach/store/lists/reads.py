"""Reading list memberships: a list's members page by page (by record id or by join
time), and the lists a record belongs to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, func, or_, select

from stagecoach.domain.objects import ObjectType
from stagecoach.store.schema import list_membership_log, list_memberships, lists

M = list_memberships.c
L = lists.c


@dataclass(frozen=True)
class Member:
    record_id: int
    added_at: int


@dataclass(frozen=True)
class RecordMembership:
    list_id: int
    version: int
    first_added_at: int
    added_at: int


def by_record_id(conn: Connection, account_id: int, list_id: int, *, after: int | None,
                 before: int | None, limit: int) -> tuple[list[Member], bool]:
    """A page in record id order after `after` (or, with `before`, the page just before
    it); and whether more lie beyond it in the direction read."""
    q = select(M.record_id, M.added_at).where(M.account_id == account_id,
                                              M.list_id == list_id)
    if before is not None:
        q = q.where(M.record_id < before).order_by(M.record_id.desc())
    else:
        q = q.where(M.record_id > (after if after is not None else -1)).order_by(M.record_id)
    rows = conn.execute(q.limit(limit + 1)).all()
    found = [Member(int(r[0]), int(r[1])) for r in rows[:limit]]
    return (found[::-1] if before is not None else found), len(rows) > limit


def by_join_order(conn: Connection, account_id: int, list_id: int, *,
                  after: tuple[int, int] | None, before: tuple[int, int] | None, limit: int
                  ) -> tuple[list[Member], bool]:
    """The same in join order (time, then record id); cursors are (time, record id)."""
    q = select(M.record_id, M.added_at).where(M.account_id == account_id,
                                              M.list_id == list_id)
    if before is not None:
        t, rid = before
        q = q.where(or_(M.added_at < t, and_(M.added_at == t, M.record_id < rid))) \
            .order_by(M.added_at.desc(), M.record_id.desc())
    else:
        if after is not None:
            t, rid = after
            q = q.where(or_(M.added_at > t, and_(M.added_at == t, M.record_id > rid)))
        q = q.order_by(M.added_at, M.record_id)
    rows = conn.execute(q.limit(limit + 1)).all()
    found = [Member(int(r[0]), int(r[1])) for r in rows[:limit]]
    return (found[::-1] if before is not None else found), len(rows) > limit


def of_record(conn: Connection, account_id: int, object_type: ObjectType, record_id: int
              ) -> list[RecordMembership]:
    g = list_membership_log.c
    first = (select(func.min(g.at)).where(
        g.account_id == M.account_id, g.list_id == M.list_id, g.record_id == M.record_id,
        g.joined.is_(True)).scalar_subquery())
    rows = conn.execute(
        select(M.list_id, L.version, func.coalesce(first, M.added_at), M.added_at)
        .select_from(list_memberships.join(
            lists, and_(L.account_id == M.account_id, L.id == M.list_id)))
        .where(M.account_id == account_id, M.object_type == int(object_type),
               M.record_id == record_id, L.archived.is_(False))
        .order_by(M.list_id))
    return [RecordMembership(int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]


def is_member(conn: Connection, account_id: int, list_id: int, record_id: int) -> bool:
    return conn.execute(select(M.record_id).where(
        M.account_id == account_id, M.list_id == list_id, M.record_id == record_id)
    ).first() is not None
