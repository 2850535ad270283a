"""Set-based forms of the automation intents: who a reaction moves, as INSERT ... SELECT."""

from __future__ import annotations

from sqlalchemy import Connection, and_, exists, func, literal, select
from sqlalchemy.orm import aliased

from stagecoach.domain import associations as atypes
from stagecoach.domain.automation import (
    AssociationChanges,
    DealRule,
    FollowPrimaryCompany,
    PropertyChanges,
    StampCloseDate,
    StepSummary,
    Trigger,
)
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
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


def summarize(conn: Connection, account_id: int, op_id: int) -> StepSummary:
    props = conn.execute(
        select(H.object_type, H.property, H.value, func.count())
        .where(H.account_id == account_id, H.op_id == op_id,
               H.property.in_(("lifecyclestage", "dealstage")))
        .group_by(H.object_type, H.property, H.value)
    ).all()
    assoc = conn.execute(
        select(AH.from_type, AH.to_type, AH.type_id, AH.action, func.count())
        .where(AH.account_id == account_id, AH.op_id == op_id)
        .group_by(AH.from_type, AH.to_type, AH.type_id, AH.action)
    ).all()
    return StepSummary(
        [PropertyChanges(ObjectType(r[0]), r[1], r[2], r[3]) for r in props],
        [AssociationChanges(ObjectType(r[0]), ObjectType(r[1]), r[2], r[3], r[4])
         for r in assoc],
    )


def _source_columns(source: Source) -> list:  # type: ignore[type-arg]
    return [literal(True), literal(source.type.value), literal(source.id),
            literal(source.label), literal(None)]


def stage_follow_company(
    conn: Connection, account_id: int, op_id: int, new_op: int, intent: FollowPrimaryCompany
) -> None:
    source = Source.automation(intent.rule)
    contact = aliased(records, name="contact")
    company = aliased(records, name="company")
    if intent.trigger is Trigger.COMPANY_STAGE:
        q = (
            select(literal(account_id), literal(new_op), literal(int(C)), A.from_id, H.value,
                   *_source_columns(source), literal("property"), H.id)
            .select_from(property_history)
            .join(associations, and_(A.account_id == H.account_id, A.to_type == int(CO),
                                     A.to_id == H.record_id, A.from_type == int(C),
                                     A.type_id == 1))
            .join(contact, and_(contact.c.account_id == A.account_id,
                                contact.c.object_type == int(C), contact.c.id == A.from_id,
                                contact.c.archived.is_(False)))
            .where(H.account_id == account_id, H.op_id == op_id,
                   H.object_type == int(CO), H.property == "lifecyclestage",
                   H.value.is_not(None))
        )
    else:
        latest = (
            select(func.max(association_history.c.id))
            .where(association_history.c.account_id == account_id,
                   association_history.c.op_id == op_id,
                   association_history.c.from_type == int(C),
                   association_history.c.to_type == int(CO),
                   association_history.c.type_id == 1,
                   association_history.c.action == "add")
            .group_by(association_history.c.from_id)
        )
        q = (
            select(literal(account_id), literal(new_op), literal(int(C)), AH.from_id,
                   company.c.lifecyclestage, *_source_columns(source),
                   literal("association"), AH.id)
            .select_from(association_history)
            .join(company, and_(company.c.account_id == AH.account_id,
                                company.c.object_type == int(CO), company.c.id == AH.to_id,
                                company.c.archived.is_(False)))
            .where(AH.account_id == account_id, AH.id.in_(latest),
                   company.c.lifecyclestage.is_not(None),
                   exists(select(A.type_id).where(
                       A.account_id == account_id, A.from_type == int(C),
                       A.from_id == AH.from_id, A.to_type == int(CO), A.to_id == AH.to_id,
                       A.type_id == 1)))
        )
    conn.execute(stage_moves.insert().from_select(_MOVE_COLUMNS, q))


def stage_deal_rule(
    conn: Connection, account_id: int, op_id: int, new_op: int, intent: DealRule
) -> None:
    source = Source.automation(intent.rule)
    for ot in (C, CO):
        unl = atypes.unlabelled(D, ot).id
        rec = aliased(records, name="rec")
        deal = aliased(records, name="deal")
        if intent.trigger is Trigger.DEAL_STAGE:
            q = (
                select(literal(account_id), literal(new_op), literal(int(ot)), A.to_id,
                       literal(intent.target), *_source_columns(source), literal("property"),
                       func.min(H.id))
                .select_from(property_history)
                .join(associations, and_(A.account_id == H.account_id,
                                         A.from_type == int(D), A.from_id == H.record_id,
                                         A.to_type == int(ot), A.type_id == unl))
                .join(rec, and_(rec.c.account_id == A.account_id,
                                rec.c.object_type == int(ot), rec.c.id == A.to_id,
                                rec.c.archived.is_(False)))
                .where(H.account_id == account_id, H.op_id == op_id,
                       H.object_type == int(D), H.property == "dealstage",
                       H.value.in_(intent.deal_stage_ids))
                .group_by(A.to_id)
            )
        else:
            q = (
                select(literal(account_id), literal(new_op), literal(int(ot)), AH.to_id,
                       literal(intent.target), *_source_columns(source),
                       literal("association"), func.min(AH.id))
                .select_from(association_history)
                .join(deal, and_(deal.c.account_id == AH.account_id,
                                 deal.c.object_type == int(D), deal.c.id == AH.from_id,
                                 deal.c.archived.is_(False),
                                 deal.c.dealstage.in_(intent.deal_stage_ids)))
                .join(rec, and_(rec.c.account_id == AH.account_id,
                                rec.c.object_type == int(ot), rec.c.id == AH.to_id,
                                rec.c.archived.is_(False)))
                .where(AH.account_id == account_id, AH.op_id == op_id,
                       AH.from_type == int(D), AH.to_type == int(ot), AH.type_id == unl,
                       AH.action == "add",
                       exists(select(A.type_id).where(
                           A.account_id == account_id, A.from_type == int(D),
                           A.from_id == AH.from_id, A.to_type == int(ot),
                           A.to_id == AH.to_id, A.type_id == unl)))
                .group_by(AH.to_id)
            )
        conn.execute(stage_moves.insert().from_select(_MOVE_COLUMNS, q))


def close_date_candidates(
    conn: Connection, account_id: int, op_id: int, intent: StampCloseDate
) -> list[tuple[ObjectType, int, int, str, int]]:
    """(object type, record id, won time, cause kind, cause id) of records associated with
    deals won in the step. Deals won together give the earliest time and first cause."""
    found: dict[tuple[ObjectType, int], tuple[int, str, int]] = {}
    for ot in (C, CO):
        unl = atypes.unlabelled(D, ot).id
        rec = aliased(records, name="rec")
        deal = aliased(records, name="deal")
        if intent.trigger is Trigger.DEAL_STAGE:
            rows = conn.execute(
                select(A.to_id, H.ts, H.id)
                .select_from(property_history)
                .join(associations, and_(A.account_id == H.account_id,
                                         A.from_type == int(D), A.from_id == H.record_id,
                                         A.to_type == int(ot), A.type_id == unl))
                .join(rec, and_(rec.c.account_id == A.account_id,
                                rec.c.object_type == int(ot), rec.c.id == A.to_id,
                                rec.c.archived.is_(False)))
                .where(H.account_id == account_id, H.op_id == op_id,
                       H.object_type == int(D), H.property == "dealstage",
                       H.value.in_(intent.won_stage_ids))
            ).all()
            hits = [(r[0], int(r[1]), "property", int(r[2])) for r in rows]
        else:
            rows = conn.execute(
                select(AH.to_id, AH.from_id, AH.id)
                .select_from(association_history)
                .join(deal, and_(deal.c.account_id == AH.account_id,
                                 deal.c.object_type == int(D), deal.c.id == AH.from_id,
                                 deal.c.dealstage.in_(intent.won_stage_ids)))
                .join(rec, and_(rec.c.account_id == AH.account_id,
                                rec.c.object_type == int(ot), rec.c.id == AH.to_id,
                                rec.c.archived.is_(False)))
                .where(AH.account_id == account_id, AH.op_id == op_id,
                       AH.from_type == int(D), AH.to_type == int(ot), AH.type_id == unl,
                       AH.action == "add")
            ).all()
            won_at = dict(conn.execute(
                select(H.record_id, func.max(H.ts))
                .where(H.account_id == account_id, H.object_type == int(D),
                       H.property == "dealstage", H.record_id.in_({r[1] for r in rows}))
                .group_by(H.record_id)
            ).all()) if rows else {}
            hits = [(r[0], int(won_at[r[1]]), "association", int(r[2])) for r in rows
                    if r[1] in won_at]
        for rid, ts, kind, cause in hits:
            prev = found.get((ot, rid))
            if prev is None or (ts, cause) < (prev[0], prev[2]):
                found[(ot, rid)] = (ts, kind, cause)
    return [(ot, rid, ts, kind, cause) for (ot, rid), (ts, kind, cause) in sorted(found.items())]
