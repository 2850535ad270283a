"""Association rows, both directions stored, and their append-only log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select, tuple_

from stagecoach.domain import associations as atypes
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.store.core import ids as id_alloc
from stagecoach.store.core.bulk import insert_many
from stagecoach.store.schema import association_history, associations

A = associations.c
AH = association_history.c


@dataclass(frozen=True)
class Link:
    """One association of one type, in the direction it was asked for."""

    from_type: ObjectType
    from_id: int
    to_type: ObjectType
    to_id: int
    type_id: int


RowKey = tuple[int, int, int, int, int]  # from type, from id, to type, to id, type id


@lru_cache(maxsize=256)
def _expansion(from_type: int, to_type: int, type_id: int) -> tuple[tuple[bool, int], ...]:
    """(inverse?, type id) of the rows one association of a type needs: its type, the
    unlabelled type, and both inverses."""
    u = atypes.unlabelled(ObjectType(from_type), ObjectType(to_type))
    out = list(dict.fromkeys((type_id, u.id)))
    return (*((False, t) for t in out), *((True, atypes.BY_ID[t].inverse_id) for t in out))


def _expand_key(ft: int, fid: int, tt: int, tid: int, type_id: int) -> list[RowKey]:
    return [(tt, tid, ft, fid, t) if inverse else (ft, fid, tt, tid, t)
            for inverse, t in _expansion(ft, tt, type_id)]


def _expand(link: Link) -> list[Link]:
    """The rows one association needs (see `_expansion`)."""
    return [Link(ObjectType(k[0]), k[1], ObjectType(k[2]), k[3], k[4]) for k in _expand_key(
        int(link.from_type), link.from_id, int(link.to_type), link.to_id, link.type_id)]


def existing(conn: Connection, account_id: int, links: Sequence[Link]) -> set[Link]:
    """Which of `links` exist. One query per pair of object types (and per 5,000 ids on each
    side), filtered on both ends so a record with many associations costs no more."""
    if not links:
        return set()
    wanted = set(links)
    sides: dict[tuple[int, int], tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for x in wanted:
        froms, tos = sides[(int(x.from_type), int(x.to_type))]
        froms.add(x.from_id)
        tos.add(x.to_id)
    found: set[Link] = set()
    step = 5000
    for (ft, tt), (froms, tos) in sides.items():
        f_ids, t_ids = sorted(froms), sorted(tos)
        for i in range(0, len(f_ids), step):
            for j in range(0, len(t_ids), step):
                rows = conn.execute(select(A.from_id, A.to_id, A.type_id).where(
                    A.account_id == account_id, A.from_type == ft, A.to_type == tt,
                    A.from_id.in_(f_ids[i:i + step]), A.to_id.in_(t_ids[j:j + step])))
                for r in rows:
                    link = Link(ObjectType(ft), r[0], ObjectType(tt), r[1], r[2])
                    if link in wanted:
                        found.add(link)
    return found


def current_primaries(
    conn: Connection, account_id: int, from_type: ObjectType, type_id: int, from_ids: Iterable[int]
) -> dict[int, int]:
    ids = sorted(set(from_ids))
    if not ids:
        return {}
    rows = conn.execute(
        select(A.from_id, A.to_id).where(
            A.account_id == account_id, A.from_type == int(from_type), A.type_id == type_id,
            A.from_id.in_(ids),
        )
    ).all()
    return {r.from_id: r.to_id for r in rows}


def add(
    conn: Connection, account_id: int, links: Sequence[Link], now: int, op_id: int,
    source: Source,
) -> list[int]:
    """Create associations; returns the log ids of what was really added."""
    wanted: list[Link] = []
    for link in links:
        wanted.extend(_expand(link))
    have = existing(conn, account_id, wanted)
    new = list(dict.fromkeys(x for x in wanted if x not in have))
    insert_many(conn, associations, [
        {"account_id": account_id, "from_type": int(x.from_type), "from_id": x.from_id,
         "to_type": int(x.to_type), "to_id": x.to_id, "type_id": x.type_id, "created_at": now}
        for x in new
    ], ignore_conflicts=True)
    return _log(conn, account_id, new, "add", now, op_id, source)


def add_new(
    conn: Connection, account_id: int, groups: Sequence[tuple[Source, Sequence[RowKey]]],
    now: int, op_id: int,
) -> None:
    """Associations of records created in this step, grouped by source. No such row can
    exist yet (each names a record that did not), so there is no lookup and the rows go in
    by COPY; a row asked twice is written once, logged under the first source asking."""
    seen: set[RowKey] = set()
    logged: list[tuple[Source, list[RowKey]]] = []
    for source, links in groups:
        rows = []
        for link in links:
            for key in _expand_key(*link):
                if key not in seen:
                    seen.add(key)
                    rows.append(key)
        logged.append((source, rows))
    insert_many(conn, associations, [
        {"account_id": account_id, "from_type": k[0], "from_id": k[1], "to_type": k[2],
         "to_id": k[3], "type_id": k[4], "created_at": now}
        for _, rows in logged for k in rows
    ])
    for source, rows in logged:
        _log_rows(conn, account_id, rows, "add", now, op_id, source)


def remove(
    conn: Connection, account_id: int, links: Sequence[Link], now: int, op_id: int,
    source: Source,
) -> list[int]:
    """Remove exactly these association types (both directions)."""
    rows: list[Link] = []
    for x in links:
        rows.append(x)
        rows.append(Link(x.to_type, x.to_id, x.from_type, x.from_id,
                         atypes.BY_ID[x.type_id].inverse_id))
    have = existing(conn, account_id, rows)
    gone = [x for x in dict.fromkeys(rows) if x in have]
    if gone:
        conn.execute(
            delete(associations).where(
                A.account_id == account_id,
                tuple_(A.from_type, A.from_id, A.to_type, A.to_id, A.type_id).in_(
                    [(int(x.from_type), x.from_id, int(x.to_type), x.to_id, x.type_id)
                     for x in gone]
                ),
            )
        )
    return _log(conn, account_id, gone, "remove", now, op_id, source)


def between(
    conn: Connection, account_id: int, pairs: Sequence[tuple[ObjectType, int, ObjectType, int]]
) -> list[Link]:
    """Every association row between the given (from, to) pairs, in that direction."""
    if not pairs:
        return []
    conds = [
        and_(A.from_type == int(ft), A.from_id == fid, A.to_type == int(tt), A.to_id == tid)
        for ft, fid, tt, tid in pairs
    ]
    rows = conn.execute(
        select(A.from_type, A.from_id, A.to_type, A.to_id, A.type_id).where(
            A.account_id == account_id, or_(*conds)
        )
    ).all()
    return [Link(ObjectType(r[0]), r[1], ObjectType(r[2]), r[3], r[4]) for r in rows]


def of_records(
    conn: Connection, account_id: int, from_type: ObjectType, from_ids: Iterable[int],
    to_type: ObjectType, *, include_archived: bool = False,
) -> dict[int, dict[int, list[int]]]:
    """from_id -> {to_id: [type ids]} for live target records."""
    from stagecoach.store.schema import records

    ids = sorted(set(from_ids))
    if not ids:
        return defaultdict(dict)
    R = records.c
    q = (
        select(A.from_id, A.to_id, A.type_id)
        .join(records, and_(R.account_id == A.account_id, R.object_type == A.to_type,
                            R.id == A.to_id))
        .where(A.account_id == account_id, A.from_type == int(from_type),
               A.to_type == int(to_type), A.from_id.in_(ids))
        .order_by(A.from_id, A.to_id, A.type_id)
    )
    if not include_archived:
        q = q.where(R.archived.is_(False))
    return _by_from(conn, q)


def _by_from(conn: Connection, q: Any) -> dict[int, dict[int, list[int]]]:
    """from_id -> {to_id: [type ids]} of a query's (from_id, to_id, type_id) rows."""
    out: dict[int, dict[int, list[int]]] = defaultdict(dict)
    for from_id, to_id, type_id in conn.execute(q):
        out[from_id].setdefault(to_id, []).append(type_id)
    return out


def of_records_as_of(
    conn: Connection, account_id: int, from_type: ObjectType, from_ids: Iterable[int],
    to_type: ObjectType, as_of: int,
) -> dict[int, dict[int, list[int]]]:
    """from_id -> {to_id: [type ids]} as they stood at `as_of`: every add and remove is
    logged (both directions), so a pair held a type then when its latest log entry up to
    that moment is an add. Targets are those that existed then and were not archived."""
    from stagecoach.store.schema import records

    ids = sorted(set(from_ids))
    if not ids:
        return defaultdict(dict)
    R = records.c
    latest = (
        select(AH.from_id, AH.to_id, AH.type_id, func.max(AH.id).label("id"))
        .where(AH.account_id == account_id, AH.from_type == int(from_type),
               AH.from_id.in_(ids), AH.to_type == int(to_type), AH.ts <= as_of)
        .group_by(AH.from_id, AH.to_id, AH.type_id)
        .subquery()
    )
    q = (
        select(latest.c.from_id, latest.c.to_id, latest.c.type_id)
        .join(association_history, and_(AH.account_id == account_id, AH.id == latest.c.id))
        .join(records, and_(R.account_id == account_id, R.object_type == int(to_type),
                            R.id == latest.c.to_id))
        .where(AH.action == "add", R.created_at <= as_of,
               or_(R.archived.is_(False), R.archived_at.is_(None), R.archived_at > as_of))
        .order_by(latest.c.from_id, latest.c.to_id, latest.c.type_id)
    )
    return _by_from(conn, q)


def _log(
    conn: Connection, account_id: int, links: Sequence[Link], action: str, now: int,
    op_id: int, source: Source,
) -> list[int]:
    return _log_rows(conn, account_id, [
        (int(x.from_type), x.from_id, int(x.to_type), x.to_id, x.type_id) for x in links
    ], action, now, op_id, source)


def _log_rows(
    conn: Connection, account_id: int, rows: Sequence[RowKey], action: str, now: int,
    op_id: int, source: Source,
) -> list[int]:
    if not rows:
        return []
    log_ids = id_alloc.take(conn, account_id, "association_history", len(rows))
    source_type = source.type.value
    insert_many(conn, association_history, [
        {"account_id": account_id, "id": lid, "op_id": op_id, "from_type": k[0],
         "from_id": k[1], "to_type": k[2], "to_id": k[3], "type_id": k[4],
         "action": action, "ts": now, "source_type": source_type, "source_id": source.id,
         "user_id": source.user_id}
        for lid, k in zip(log_ids, rows, strict=True)
    ])
    return log_ids


def links_from(conn: Connection, account_id: int, from_type: ObjectType, from_id: int
               ) -> list[Link]:
    """Every association row of one record, seen from it."""
    rows = conn.execute(
        select(A.from_type, A.from_id, A.to_type, A.to_id, A.type_id).where(
            A.account_id == account_id, A.from_type == int(from_type), A.from_id == from_id)
        .order_by(A.to_type, A.to_id, A.type_id)
    ).all()
    return [Link(ObjectType(r[0]), r[1], ObjectType(r[2]), r[3], r[4]) for r in rows]
