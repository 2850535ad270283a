"""Writing list memberships, set-based: every join and leave is a `list_memberships` change
and one `list_membership_log` row with the op of the step that made it (the change feed
turns those rows into `list.membershipChange` events).

Each change is written log first: one INSERT ... SELECT decides who joins (or leaves) and
logs them, and the memberships follow from the log rows of that op, so the decision is
made once however many records it covers. A statement whose log insert wrote nothing is
followed by nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Select,
    String,
    delete,
    exists,
    false,
    insert,
    literal,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain.objects import ObjectType
from stagecoach.store.schema import (
    list_membership_log,
    list_memberships,
    property_history,
    records,
)

R = records.c
G = list_membership_log.c
M = list_memberships.c
_LOG_COLUMNS = ["account_id", "op_id", "list_id", "object_type", "record_id", "joined", "at",
                "source_type", "source_id"]


@dataclass(frozen=True)
class Change:
    """Who made a membership change, and when: one op, one time, one source."""

    account_id: int
    list_id: int
    object_type: ObjectType
    op: int
    at: int
    source_type: str
    source_id: str | None = None

    def head(self) -> list[ColumnElement[Any]]:
        return [literal(self.account_id, BigInteger), literal(self.op, BigInteger),
                literal(self.list_id, BigInteger), literal(int(self.object_type))]

    def tail(self) -> list[ColumnElement[Any]]:
        return [literal(self.at, BigInteger), literal(self.source_type, String),
                literal(self.source_id, String)]


def _is_member(c: Change, record_id: ColumnElement[Any]) -> ColumnElement[bool]:
    m = list_memberships.alias()
    return exists(select(literal(1)).select_from(m).where(
        m.c.account_id == c.account_id, m.c.list_id == c.list_id, m.c.record_id == record_id))


def _live(c: Change) -> list[ColumnElement[bool]]:
    return [R.account_id == c.account_id, R.object_type == int(c.object_type),
            R.archived.is_(False)]


def _log(conn: Connection, rows: Select[Any]) -> int:
    # SQLAlchemy reads an INSERT's row count only when asked to (psycopg: -1 otherwise).
    statement = insert(list_membership_log).from_select(_LOG_COLUMNS, rows)
    return int(conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount)


def _logged(c: Change, joined: bool) -> Select[Any]:
    return select(G.record_id).where(G.account_id == c.account_id, G.op_id == c.op,
                                     G.list_id == c.list_id, G.joined.is_(joined))


def _apply_joins(conn: Connection, c: Change) -> None:
    lg = list_membership_log.alias("lg")
    conn.execute(insert(list_memberships).from_select(
        ["account_id", "list_id", "object_type", "record_id", "added_at"],
        select(lg.c.account_id, lg.c.list_id, lg.c.object_type, lg.c.record_id, lg.c.at)
        .where(lg.c.account_id == c.account_id, lg.c.op_id == c.op,
               lg.c.list_id == c.list_id, lg.c.joined.is_(True))))


def _apply_leaves(conn: Connection, c: Change) -> None:
    conn.execute(delete(list_memberships).where(
        M.account_id == c.account_id, M.list_id == c.list_id,
        M.record_id.in_(_logged(c, False))))


def recompute(conn: Connection, c: Change, match: ColumnElement[bool],
              scope: Select[Any] | None = None) -> int:
    """Make the list's members among `scope` (record ids; None: all) exactly the live
    records of its type that satisfy `match`. Returns how many joined or left."""
    in_scope = [R.id.in_(scope)] if scope is not None else []
    joined = _log(conn, select(*c.head(), R.id, true(), *c.tail()).where(
        *_live(c), *in_scope, match, ~_is_member(c, R.id)))
    mm = list_memberships.alias("mm")
    still = exists(select(literal(1)).select_from(records).where(
        *_live(c), R.id == mm.c.record_id, match))
    left = _log(conn, select(*c.head(), mm.c.record_id, false(), *c.tail()).where(
        mm.c.account_id == c.account_id, mm.c.list_id == c.list_id,
        *([mm.c.record_id.in_(scope)] if scope is not None else []), ~still))
    if joined:
        _apply_joins(conn, c)
    if left:
        _apply_leaves(conn, c)
    return joined + left


def add(conn: Connection, c: Change, ids: Select[Any]) -> list[int]:
    """Live records of the list's type among `ids` join; returns those that were not
    members already."""
    if not _log(conn, select(*c.head(), R.id, true(), *c.tail()).where(
            *_live(c), R.id.in_(ids), ~_is_member(c, R.id))):
        return []
    _apply_joins(conn, c)
    return sorted(int(r[0]) for r in conn.execute(_logged(c, True)))


def remove(conn: Connection, c: Change, ids: Select[Any] | None) -> list[int]:
    """Members among `ids` (None: every member) leave; returns them."""
    mm = list_memberships.alias("mm")
    if not _log(conn, select(*c.head(), mm.c.record_id, false(), *c.tail()).where(
            mm.c.account_id == c.account_id, mm.c.list_id == c.list_id,
            *([mm.c.record_id.in_(ids)] if ids is not None else []))):
        return []
    _apply_leaves(conn, c)
    return sorted(int(r[0]) for r in conn.execute(_logged(c, False)))


def live_ids(conn: Connection, account_id: int, object_type: ObjectType, ids: Select[Any]
             ) -> set[int]:
    return {int(r[0]) for r in conn.execute(select(R.id).where(
        R.account_id == account_id, R.object_type == int(object_type),
        R.archived.is_(False), R.id.in_(ids)))}


def leave_archived(conn: Connection, account_id: int, ops: Sequence[int], op: int, at: int,
                   list_ids: Sequence[int], source_type: str, source_id: str | None) -> int:
    """Records the ops archived leave the lists `list_ids` (lists not kept by filters,
    which do not re-evaluate them): one statement when none did."""
    h = property_history.c
    mm = list_memberships.alias("mm")
    archived = select(h.object_type, h.record_id).where(
        h.account_id == account_id, h.op_id.in_(sorted(set(ops))), h.property == "hs_archived",
        h.value == "true").subquery()
    rows = select(literal(account_id, BigInteger), literal(op, BigInteger), mm.c.list_id,
                  mm.c.object_type, mm.c.record_id, false(), literal(at, BigInteger),
                  literal(source_type, String), literal(source_id, String)).select_from(
        archived.join(mm, (mm.c.account_id == account_id)
                      & (mm.c.object_type == archived.c.object_type)
                      & (mm.c.record_id == archived.c.record_id))
    ).where(mm.c.list_id.in_(list(list_ids)), exists(select(literal(1)).where(
        R.account_id == account_id, R.object_type == mm.c.object_type,
        R.id == mm.c.record_id, R.archived.is_(True)))).distinct()
    n = _log(conn, rows)
    if n:
        gone = select(G.list_id, G.record_id).where(
            G.account_id == account_id, G.op_id == op, G.joined.is_(False))
        conn.execute(delete(list_memberships).where(
            M.account_id == account_id,
            exists(gone.where(G.list_id == M.list_id, G.record_id == M.record_id))))
    return n
