"""Reads behind the web app's record pages and deal board, each a bounded query: a company
with 50,000 contacts still shows its page in a handful of statements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Float, Numeric, and_, cast, func, select

from stagecoach.domain import associations as atypes
from stagecoach.domain.objects import ObjectType
from stagecoach.store.core.db import is_postgres
from stagecoach.store.core.jsonsql import JsonSql
from stagecoach.store.records import records as record_store
from stagecoach.store.records.records import RecordRow, row_to_record
from stagecoach.store.schema import association_history, associations, property_history, users
from stagecoach.store.schema import records as records_table

A, H, AH, R = associations.c, property_history.c, association_history.c, records_table.c


@dataclass(frozen=True)
class Associated:
    record: RecordRow
    primary: bool  # the labelled primary type between the pair, seen from the record page


def associated(conn: Connection, account_id: int, from_type: ObjectType, from_id: int,
               to_type: ObjectType, limit: int = 50) -> tuple[list[Associated], int]:
    """Live records associated with one record (primary ones first), and how many in all."""
    unlabelled = atypes.unlabelled(from_type, to_type).id
    primary_ids = [t.id for t in atypes.types_between(from_type, to_type) if t.primary]
    live = and_(R.account_id == A.account_id, R.object_type == A.to_type, R.id == A.to_id,
                R.archived.is_(False))
    scope = (A.account_id == account_id, A.from_type == int(from_type), A.from_id == from_id,
             A.to_type == int(to_type))
    total = conn.execute(select(func.count()).select_from(associations.join(records_table, live))
                         .where(*scope, A.type_id == unlabelled)).scalar_one()
    primaries = set()
    if primary_ids:
        primaries = {r[0] for r in conn.execute(
            select(A.to_id).where(*scope, A.type_id.in_(primary_ids)).limit(limit))}
    is_primary = A.to_id.in_(sorted(primaries)) if primaries else None
    q = (select(records_table).select_from(associations.join(records_table, live))
         .where(*scope, A.type_id == unlabelled))
    q = q.order_by(is_primary.desc(), A.to_id) if is_primary is not None else q.order_by(A.to_id)
    rows = [row_to_record(r) for r in conn.execute(q.limit(limit))]
    return [Associated(r, r.id in primaries) for r in rows], int(total)


def recent_history(conn: Connection, account_id: int, object_type: ObjectType, record_id: int,
                   limit: int = 150) -> list[Any]:
    """The record's latest property versions, newest first."""
    return list(conn.execute(
        select(property_history)
        .where(H.account_id == account_id, H.object_type == int(object_type),
               H.record_id == record_id)
        .order_by(H.ts.desc(), H.id.desc()).limit(limit)))


def history_by_ids(conn: Connection, account_id: int, ids: Sequence[int]) -> dict[int, Any]:
    if not ids:
        return {}
    rows = conn.execute(select(property_history).where(H.account_id == account_id,
                                                       H.id.in_(sorted(set(ids)))))
    return {r.id: r for r in rows}


def association_log_by_ids(conn: Connection, account_id: int, ids: Sequence[int]
                           ) -> dict[int, Any]:
    if not ids:
        return {}
    rows = conn.execute(select(association_history).where(AH.account_id == account_id,
                                                          AH.id.in_(sorted(set(ids)))))
    return {r.id: r for r in rows}


def stage_changes_in_ops(conn: Connection, account_id: int, ops: Sequence[int],
                         limit: int = 200) -> list[Any]:
    """The lifecycle stage versions that the given steps wrote, oldest first."""
    if not ops:
        return []
    return list(conn.execute(
        select(property_history)
        .where(H.account_id == account_id, H.op_id.in_(sorted(set(ops))),
               H.property == "lifecyclestage")
        .order_by(H.id).limit(limit)))


def user_emails(conn: Connection, account_id: int, user_ids: Sequence[int]) -> dict[int, str]:
    ids = sorted({u for u in user_ids if u is not None})
    if not ids:
        return {}
    rows = conn.execute(select(users.c.id, users.c.email)
                        .where(users.c.account_id == account_id, users.c.id.in_(ids)))
    return {r.id: r.email for r in rows}


def names(conn: Connection, account_id: int, refs: Sequence[tuple[ObjectType, int]]
          ) -> dict[tuple[ObjectType, int], RecordRow]:
    """Records by (type, id), archived ones included, in one query per type."""
    out: dict[tuple[ObjectType, int], RecordRow] = {}
    by_type: dict[ObjectType, set[int]] = {}
    for ot, rid in refs:
        by_type.setdefault(ot, set()).add(rid)
    for ot, ids in by_type.items():
        for rid, row in record_store.load(conn, account_id, ot, ids,
                                          include_archived=True).items():
            out[(ot, rid)] = row
    return out


@dataclass(frozen=True)
class BoardColumn:
    stage_id: str
    count: int
    amount: Decimal
    deals: list[RecordRow]


def deal_board(conn: Connection, account_id: int, pipeline_id: str, stage_ids: Sequence[str],
               per_stage: int = 50) -> dict[str, BoardColumn]:
    """Per deal stage of a pipeline: how many deals, their amount total, and the most
    recently modified cards (at most `per_stage`). Two statements."""
    js = JsonSql(conn)
    scope = (R.account_id == account_id, R.object_type == int(ObjectType.DEAL),
             R.archived.is_(False), R.pipeline == pipeline_id)
    # Summed as decimals: two amounts of 1e308 overflow a float sum (an error on
    # PostgreSQL, infinity on SQLite), not a NUMERIC one.
    pg = is_postgres(conn)
    amount = (cast(js.text(R.props, "amount"), Numeric) if pg
              else cast(js.num(R.props, "amount"), Float))
    totals = {r.dealstage: (int(r.n), _decimal(r.total)) for r in conn.execute(
        select(R.dealstage, func.count().label("n"),
               func.sum(amount).label("total")).where(*scope).group_by(R.dealstage))}
    for stage, (n, total) in list(totals.items()):
        if not total.is_finite():
            # SQLite has no decimal sum: the rare stage whose float sum overflowed is
            # summed again here, exactly.
            exact = sum((_decimal(v) for v, in conn.execute(
                select(amount).where(*scope, R.dealstage == stage))), Decimal(0))
            totals[stage] = (n, exact)
    ranked = (select(records_table, func.row_number().over(
        partition_by=R.dealstage, order_by=(R.updated_at.desc(), R.id.desc())).label("rn"))
        .where(*scope).subquery())
    cards: dict[str, list[RecordRow]] = {}
    for row in conn.execute(select(ranked).where(ranked.c.rn <= per_stage)
                            .order_by(ranked.c.dealstage, ranked.c.rn)):
        cards.setdefault(row.dealstage, []).append(row_to_record(row))
    return {s: BoardColumn(s, totals.get(s, (0, Decimal(0)))[0],
                           totals.get(s, (0, Decimal(0)))[1], cards.get(s, []))
            for s in stage_ids}


def _decimal(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(repr(float(value)))
