"""Set-based forms of the automation intents: who a reaction moves, as INSERT ... SELECT.

Each reads what one step changed (its history rows) through the rule's joins
(store/lifecycle/rule_joins.py), which applying settings to existing records reads too.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    String,
    and_,
    bindparam,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.orm import aliased

from stagecoach.domain.automation import (
    TRIGGER_PROPERTIES,
    AssociationChanges,
    AtDealStages,
    FollowPrimaryCompany,
    PropertyChanges,
    StampCloseDate,
    StepSummary,
    Trigger,
)
from stagecoach.domain.causes import CauseKind
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.store.core import driver
from stagecoach.store.core.db import is_postgres
from stagecoach.store.lifecycle import rule_joins as joins
from stagecoach.store.schema import (
    association_history,
    associations,
    property_history,
    records,
    stage_moves,
)

H = property_history.c
AH = association_history.c
A = associations.c
C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL

_MOVE_COLUMNS = ["account_id", "op_id", "object_type", "record_id", "target", "forward_only",
                 "source_type", "source_id", "source_label", "user_id", "cause_kind",
                 "cause_id"]

# Statements are built once with bound parameters and reused (building SQLAlchemy
# expressions costs more than running them on small steps).
_ACC: Any = bindparam("acc", type_=BigInteger)
_OP: Any = bindparam("op", type_=BigInteger)
_NEW_OP: Any = bindparam("new_op", type_=BigInteger)
_TARGET: Any = bindparam("target", type_=String)
_IDS: Any = bindparam("stage_ids", expanding=True)

# Every write step is summarized: on the driver's cursor (store/core/driver.py). On SQLite the
# op index is named: without statistics SQLite would rather read the account's whole
# history through an index that matches the GROUP BY, a cost that grows with every write
# (quadratic over a large import).
_TRIGGERS = ", ".join(f"'{p}'" for p in sorted(TRIGGER_PROPERTIES))
_SUMMARY_PROPS = {
    pg: driver.Sql(
        f"SELECT object_type, property, value, count(*) FROM property_history"
        f"{'' if pg else ' INDEXED BY ix_history_op'} WHERE account_id = ? AND op_id = ? "
        f"AND property IN ({_TRIGGERS}) GROUP BY object_type, property, value")
    for pg in (False, True)}
_SUMMARY_ASSOC = {
    pg: driver.Sql(
        f"SELECT from_type, to_type, type_id, action, count(*) FROM association_history"
        f"{'' if pg else ' INDEXED BY ix_association_history_op'} WHERE account_id = ? "
        "AND op_id = ? GROUP BY from_type, to_type, type_id, action")
    for pg in (False, True)}


def summarize(conn: Connection, account_id: int, op_id: int) -> StepSummary:
    params = (account_id, op_id)
    pg = is_postgres(conn)
    props = driver.rows(conn, _SUMMARY_PROPS[pg], params)
    assoc = driver.rows(conn, _SUMMARY_ASSOC[pg], params)
    return StepSummary(
        [PropertyChanges(ObjectType(r[0]), r[1], r[2], r[3]) for r in props],
        [AssociationChanges(ObjectType(r[0]), ObjectType(r[1]), r[2], r[3], r[4])
         for r in assoc],
    )


def changed_records(conn: Connection, account_id: int, op_id: int, props: frozenset[str]
                    ) -> list[tuple[ObjectType, int, str, str | None]]:
    """(type, record, property, new value) of each of `props` the step `op_id` changed."""
    return [(ObjectType(r[0]), r[1], r[2], r[3]) for r in conn.execute(
        select(H.object_type, H.record_id, H.property, H.value)
        .where(H.account_id == account_id, H.op_id == op_id, H.property.in_(sorted(props)))
        .order_by(H.object_type, H.record_id, H.property, H.id))]


def _source_columns() -> list[Any]:
    return [literal(True), bindparam("src_type", type_=String),
            bindparam("src_id", type_=String), bindparam("src_label", type_=String),
            null()]


def _params(account_id: int, op_id: int, new_op: int, rule: str, **more: Any
            ) -> dict[str, Any]:
    source = Source.automation(rule)
    return {"acc": account_id, "op": op_id, "new_op": new_op, "src_type": source.type.value,
            "src_id": source.id, "src_label": source.label, **more}


def stage_follow_company(conn: Connection, account_id: int, op_id: int, new_op: int,
                         rule: FollowPrimaryCompany, trigger: Trigger) -> None:
    conn.execute(_follow_statement(trigger, rule.link_type_id),
                 _params(account_id, op_id, new_op, rule.rule))


@lru_cache(maxsize=8)
def _follow_statement(trigger: Trigger, type_id: int) -> Any:
    if trigger is Trigger.COMPANY_STAGE:
        contact = aliased(records, name="contact")
        q = (
            select(_ACC, _NEW_OP, literal(int(C)), A.from_id, H.value,
                   *_source_columns(), literal(CauseKind.PROPERTY.value), H.id)
            .select_from(property_history)
            .join(associations, and_(A.account_id == H.account_id, A.to_id == H.record_id,
                                     *joins.company_link(A, type_id)))
            .join(contact, joins.live(contact, C, A.account_id, A.from_id))
            .where(H.account_id == _ACC, H.op_id == _OP,
                   H.object_type == int(CO), H.property == "lifecyclestage",
                   H.value.is_not(None))
        )
    else:
        ah2 = association_history.alias("ah2")
        latest = (
            select(func.max(ah2.c.id))
            .where(ah2.c.account_id == _ACC, ah2.c.op_id == _OP,
                   *joins.company_link(ah2.c, type_id), ah2.c.action == "add")
            .group_by(ah2.c.from_id)
        )
        via = joins.via_company(association_history, type_id)
        q = (
            select(_ACC, _NEW_OP, literal(int(C)), AH.from_id,
                   via.other.c.lifecyclestage, *_source_columns(),
                   literal(CauseKind.ASSOCIATION.value), AH.id)
            .select_from(via.from_)
            .where(AH.account_id == _ACC, AH.id.in_(latest),
                   joins.still_linked(AH, joins.company_link(A, type_id), _ACC))
        )
    return stage_moves.insert().from_select(_MOVE_COLUMNS, q)


def stage_deal_rule(conn: Connection, account_id: int, op_id: int, new_op: int,
                    rule: AtDealStages, trigger: Trigger) -> None:
    params = _params(account_id, op_id, new_op, rule.rule, target=rule.target,
                     stage_ids=list(rule.deal_stage_ids))
    for ot in (C, CO):
        conn.execute(_deal_rule_statement(trigger, ot), params)


def _deal_partners(trigger: Trigger, ot: ObjectType) -> tuple[Any, list[Any], Any, Any, Any]:
    """Records of type `ot` associated with a deal that, in this step, entered one of the
    stages bound as `stage_ids` (DEAL_STAGE) or became associated while at one of them
    (ASSOCIATION). Returns (from clause, conditions, partner id, cause id, cause time)."""
    rec = aliased(records, name="rec")
    if trigger is Trigger.DEAL_STAGE:
        from_ = (
            property_history
            .join(associations, and_(A.account_id == H.account_id, A.from_id == H.record_id,
                                     *joins.deal_link(A, ot)))
            .join(rec, joins.live(rec, ot, A.account_id, A.to_id))
        )
        conds = [H.account_id == _ACC, H.op_id == _OP, H.object_type == int(D),
                 H.property == "dealstage", H.value.in_(_IDS)]
        return from_, conds, A.to_id, H.id, H.ts
    via = joins.via_deal(association_history, ot, _IDS)
    from_ = via.from_.join(rec, joins.live(rec, ot, AH.account_id, AH.to_id))
    conds = [AH.account_id == _ACC, AH.op_id == _OP, *via.conds, AH.action == "add",
             joins.still_linked(AH, joins.deal_link(A, ot), _ACC)]
    return from_, conds, AH.to_id, AH.id, AH.from_id


_CAUSE_KIND = {Trigger.DEAL_STAGE: CauseKind.PROPERTY, Trigger.ASSOCIATION: CauseKind.ASSOCIATION}


@lru_cache(maxsize=8)
def _deal_rule_statement(trigger: Trigger, ot: ObjectType) -> Any:
    from_, conds, partner, cause, _ = _deal_partners(trigger, ot)
    q = (
        select(_ACC, _NEW_OP, literal(int(ot)), partner, _TARGET, *_source_columns(),
               literal(_CAUSE_KIND[trigger].value), func.min(cause))
        .select_from(from_).where(*conds).group_by(partner)
    )
    return stage_moves.insert().from_select(_MOVE_COLUMNS, q)


@lru_cache(maxsize=8)
def _won_partners_statement(trigger: Trigger, ot: ObjectType) -> Any:
    from_, conds, partner, cause, when = _deal_partners(trigger, ot)
    return select(partner, when, cause).select_from(from_).where(*conds)


def close_date_candidates(conn: Connection, account_id: int, op_id: int,
                          rule: StampCloseDate, trigger: Trigger
                          ) -> list[tuple[ObjectType, int, int, CauseKind, int]]:
    """(object type, record id, won time, cause kind, cause id) of records associated with
    deals won in the step. Deals won together give the earliest time and first cause."""
    found: dict[tuple[ObjectType, int], tuple[int, CauseKind, int]] = {}
    params = {"acc": account_id, "op": op_id, "stage_ids": list(rule.deal_stage_ids)}
    kind = _CAUSE_KIND[trigger]
    for ot in (C, CO):
        rows = conn.execute(_won_partners_statement(trigger, ot), params).all()
        if trigger is Trigger.DEAL_STAGE:
            hits = [(r[0], int(r[1]), kind, int(r[2])) for r in rows]
        else:
            # The third column is the deal; it was won when it last changed stage.
            won_at = dict(conn.execute(
                select(H.record_id, func.max(H.ts))
                .where(H.account_id == account_id, H.object_type == int(D),
                       H.property == "dealstage", H.record_id.in_({r[1] for r in rows}))
                .group_by(H.record_id)
            ).all()) if rows else {}
            hits = [(r[0], int(won_at[r[1]]), kind, int(r[2])) for r in rows
                    if r[1] in won_at]
        for rid, ts, kind, cause in hits:
            prev = found.get((ot, rid))
            if prev is None or (ts, cause) < (prev[0], prev[2]):
                found[(ot, rid)] = (ts, kind, cause)
    return [(ot, rid, ts, kind, cause) for (ot, rid), (ts, kind, cause) in sorted(found.items())]
