"""Set-based forms of a settings backfill (rule 26): who moves where, as one SELECT.

`moves_query` gives (record id, current stage, target) for every live record of a type that
some rule of the plan moves forward; a record several rules aim at gets the furthest target.
`stage_chunk` writes one id range of it into `stage_moves` with INSERT ... SELECT.
"""

from __future__ import annotations

from typing import Any, assert_never

from sqlalchemy import (
    Connection,
    Select,
    case,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain.automation import AtDealStages, EmptyStage, FollowPrimaryCompany
from stagecoach.domain.backfill import Plan
from stagecoach.domain.causes import CauseKind
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.domain.stages import StageSet
from stagecoach.store.core.jsonsql import JsonSql
from stagecoach.store.lifecycle import rule_joins as joins
from stagecoach.store.schema import associations, property_history, records, stage_moves

R = records.c
A = associations.c
H = property_history.c
C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL
SOURCE = Source.automation("apply_to_existing")


def _targets(account_id: int, ot: ObjectType, plan: Plan) -> list[Select]:  # type: ignore[type-arg]
    out: list[Select] = []  # type: ignore[type-arg]
    for rule in plan.stage_rules:
        match rule:
            case EmptyStage(target=target):
                out.append(
                    select(R.id.label("record_id"), literal(target).label("target"))
                    .where(R.account_id == account_id, R.object_type == int(ot),
                           R.archived.is_(False), R.lifecyclestage.is_(None)))
            case AtDealStages(target=target, deal_stage_ids=ids):
                via = joins.via_deal(associations, ot, ids)
                out.append(
                    select(A.to_id.label("record_id"), literal(target).label("target"))
                    .select_from(via.from_).where(A.account_id == account_id, *via.conds))
            case FollowPrimaryCompany():
                if ot is not C:
                    continue
                via = joins.via_company(associations, rule.link_type_id)
                out.append(
                    select(A.from_id.label("record_id"),
                           via.other.c.lifecyclestage.label("target"))
                    .select_from(via.from_).where(A.account_id == account_id, *via.conds))
            case _:
                assert_never(rule)
    return out


def position(col: ColumnElement[str | None], stages: StageSet) -> ColumnElement[int]:
    """`StageSet.ord` in SQL: a stage's position in the current order, and an empty or
    unknown value's."""
    if not len(stages):
        return literal(stages.ord(None))
    return case(*((col == literal_column(f"'{s}'"), stages.ord(s)) for s in stages.values),
                else_=stages.ord(None))


def moves_query(account_id: int, ot: ObjectType, plan: Plan, stages: StageSet
                ) -> Select[Any] | None:
    """(record_id, old, new) of the records the plan moves forward, or None."""
    parts = _targets(account_id, ot, plan)
    if not parts:
        return None
    t = union_all(*parts).subquery("t")
    best = (
        select(t.c.record_id, func.max(position(t.c.target, stages)).label("pos"))
        .group_by(t.c.record_id)
        .subquery("best")
    )
    target = case(*((best.c.pos == i, literal_column(f"'{s}'"))
                    for i, s in enumerate(stages.values)), else_=None)
    return (
        select(R.id.label("record_id"), R.lifecyclestage.label("old"), target.label("new"))
        .join(best, best.c.record_id == R.id)
        .where(R.account_id == account_id, R.object_type == int(ot), R.archived.is_(False),
               best.c.pos >= 0, best.c.pos > position(R.lifecyclestage, stages))
    )


def count(conn: Connection, account_id: int, plan: Plan, stages: StageSet) -> int:
    total = 0
    for ot in (C, CO):
        q = moves_query(account_id, ot, plan, stages)
        if q is not None:
            total += int(conn.execute(select(func.count()).select_from(q.subquery()))
                          .scalar_one())
    return total


def sample(conn: Connection, account_id: int, plan: Plan, stages: StageSet, limit: int
           ) -> list[tuple[ObjectType, int, str | None, str]]:
    out: list[tuple[ObjectType, int, str | None, str]] = []
    for ot in (C, CO):
        q = moves_query(account_id, ot, plan, stages)
        if q is None or len(out) >= limit:
            continue
        sq = q.subquery()
        for r in conn.execute(select(sq).order_by(sq.c.record_id).limit(limit - len(out))):
            out.append((ot, r.record_id, r.old, r.new))
    return out


def stage_chunk(conn: Connection, account_id: int, op_id: int, ot: ObjectType, plan: Plan,
                stages: StageSet, after: int, size: int, job_id: int) -> tuple[int, int] | None:
    """Stage the moves of the next `size` records after id `after`; returns (last id of the
    chunk, rows staged), or None when nothing is left."""
    q = moves_query(account_id, ot, plan, stages)
    if q is None:
        return None
    sq = q.where(R.id > after).order_by(R.id).limit(size).subquery()
    found = conn.execute(select(func.max(sq.c.record_id), func.count())).one()
    if not found[1]:
        return None
    last = int(found[0])
    chunk = q.where(R.id > after, R.id <= last).subquery()
    conn.execute(
        stage_moves.insert().from_select(
            ["account_id", "op_id", "object_type", "record_id", "target", "forward_only",
             "source_type", "source_id", "source_label", "user_id", "cause_kind", "cause_id"],
            select(literal(account_id), literal(op_id), literal(int(ot)), chunk.c.record_id,
                   chunk.c.new, literal(True), literal(SOURCE.type.value),
                   literal(SOURCE.id), literal(SOURCE.label), literal(None),
                   literal(CauseKind.JOB.value), literal(job_id)),
        )
    )
    # The range (after, last] holds exactly the rows counted above (same query, same
    # transaction); rowcount of INSERT ... SELECT is not reliable on every driver.
    return last, int(found[1])


def close_date_chunk(conn: Connection, account_id: int, ot: ObjectType,
                     won_stage_ids: tuple[str, ...], after: int, size: int
                     ) -> list[tuple[int, int, int]]:
    """(record id, created_at, won at) of the next `size` live records after `after` that
    are associated with a won deal and have no closedate; won at is the earliest time one
    of their deals entered a won stage."""
    won_at = (
        select(H.record_id.label("deal_id"), func.max(H.ts).label("ts"))
        .where(H.account_id == account_id, H.object_type == int(D),
               H.property == "dealstage", H.value.in_(won_stage_ids))
        .group_by(H.record_id)
        .subquery("won_at")
    )
    rec = aliased(records, name="rec")
    closedate = JsonSql(conn).text(rec.c.props, "closedate")
    via = joins.via_deal(associations, ot, won_stage_ids)
    deal = via.other
    rows = conn.execute(
        select(rec.c.id, rec.c.created_at,
               func.min(func.coalesce(won_at.c.ts, deal.c.updated_at)))
        .select_from(via.from_.join(rec, joins.live(rec, ot, A.account_id, A.to_id))
                     .outerjoin(won_at, won_at.c.deal_id == deal.c.id))
        .where(A.account_id == account_id, *via.conds, rec.c.id > after,
               closedate.is_(None))
        .group_by(rec.c.id, rec.c.created_at)
        .order_by(rec.c.id)
        .limit(size)
    ).all()
    return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]
