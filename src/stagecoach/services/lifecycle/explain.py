"""Why a record has its current stage (rule 42) and what the policy refused (rule 6).

The chain starts at the latest `lifecyclestage` version and follows `cause_kind`/`cause_id`
back (domain/causes.py) until a version that nothing caused: the write that started it all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from stagecoach.domain import associations as atypes
from stagecoach.domain import explain as text
from stagecoach.domain.causes import CauseKind
from stagecoach.domain.errors import NotFound
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.domain.values import ms_to_iso
from stagecoach.services.core.context import Ctx
from stagecoach.store.records import blocked, records
from stagecoach.store.schema import association_history, property_history, users

H = property_history.c
AH = association_history.c
MAX_CHAIN = 50  # causes form a tree, so this only guards against corrupt data


def explain(ctx: Ctx, object_type: ObjectType, record_id: int) -> dict[str, Any]:
    row = records.load(ctx.conn, ctx.account_id, object_type, [record_id],
                       include_archived=True).get(record_id)
    if row is None:
        raise NotFound(f"{object_type.singular.capitalize()} {record_id} does not exist",
                       id=str(record_id))
    latest = ctx.conn.execute(
        select(property_history)
        .where(H.account_id == ctx.account_id, H.object_type == int(object_type),
               H.record_id == record_id, H.property == "lifecyclestage")
        .order_by(H.ts.desc(), H.id.desc()).limit(1)
    ).first()
    chain: list[dict[str, Any]] = []
    steps: list[text.Step] = []
    kind: str | None = CauseKind.PROPERTY if latest is not None else None
    cause_id: int | None = latest.id if latest is not None else None
    seen: set[tuple[str, int]] = set()
    while kind is not None and cause_id is not None and len(chain) < MAX_CHAIN:
        if (kind, cause_id) in seen:
            break
        seen.add((kind, cause_id))
        if kind == CauseKind.PROPERTY:
            found = _property_step(ctx, cause_id)
        elif kind == CauseKind.ASSOCIATION:
            found = _association_step(ctx, cause_id)
        else:
            break  # e.g. a backfill job: the version's own rule says everything
        if found is None:
            break
        entry, step, kind, cause_id = found
        chain.append(entry)
        steps.append(step)
    users_by_id = _users(ctx, [s.user for s in steps])
    steps = [_with_user(s, users_by_id) for s in steps]
    for entry, step in zip(chain, steps, strict=True):
        entry["text"] = text.describe(step)
    stage = row.stage
    return {
        "objectType": object_type.plural,
        "id": str(record_id),
        "stage": stage,
        "stageLabel": ctx.catalog.stages.label(stage) if stage else None,
        "summary": text.summary(ctx.catalog.stages.label(stage) if stage else None, steps),
        "chain": chain,
        "blockedWrites": [
            {"property": b.property, "attemptedValue": b.attempted_value,
             "keptValue": b.kept_value, "sourceType": b.source_type, "sourceId": b.source_id,
             "reason": b.reason, "timestamp": ms_to_iso(b.ts),
             "cause": {"kind": b.cause_kind, "id": str(b.cause_id)} if b.cause_kind else None}
            for b in blocked.for_record(ctx.conn, ctx.account_id, object_type, record_id)
        ],
    }


def _label(ctx: Ctx, prop: str, value: str | None) -> str | None:
    if value is None:
        return None
    if prop == "lifecyclestage":
        return ctx.catalog.stages.label(value)
    if prop == "dealstage":
        stage = ctx.catalog.deal_stage(value)
        return stage.label if stage else value
    return value


def _rule(source_type: str, source_id: str | None) -> str | None:
    return source_id if source_type == SourceType.LIFECYCLE_AUTOMATION else None


def _property_step(ctx: Ctx, hid: int) -> tuple[dict[str, Any], text.Step, str | None,
                                                 int | None] | None:
    v = ctx.conn.execute(
        select(property_history).where(H.account_id == ctx.account_id, H.id == hid)
    ).first()
    if v is None:
        return None
    ot = ObjectType(v.object_type)
    rule = _rule(v.source_type, v.source_id)
    entry = {"objectType": ot.plural, "objectId": str(v.record_id), "property": v.property,
             "from": v.old_value, "to": v.value, "rule": rule, "sourceType": v.source_type,
             "sourceId": v.source_id, "timestamp": ms_to_iso(v.ts)}
    if v.note:
        entry["note"] = v.note
    label = _label(ctx, v.property, v.value)
    what = f"moved to {label}" if v.property in ("lifecyclestage", "dealstage") else (
        f"got {v.property} = {label}")
    if v.value is None:
        what = f"had {v.property} cleared"
    step = text.Step(ot.singular, v.record_id, what, v.source_type, v.source_id,
                     v.source_label, str(v.user_id) if v.user_id is not None else None,
                     v.source_label if rule else None, v.note)
    return entry, step, v.cause_kind, v.cause_id


def _association_step(ctx: Ctx, aid: int) -> tuple[dict[str, Any], text.Step, None,
                                                    None] | None:
    a = ctx.conn.execute(
        select(association_history)
        .where(AH.account_id == ctx.account_id, AH.id == aid)
    ).first()
    if a is None:
        return None
    ft, tt = ObjectType(a.from_type), ObjectType(a.to_type)
    target = f"{tt.plural}/{a.to_id}"
    added = a.action == "add"
    rule = _rule(a.source_type, a.source_id)
    entry = {"objectType": ft.plural, "objectId": str(a.from_id), "property": "associations",
             "from": None if added else target, "to": target if added else None,
             "rule": rule, "sourceType": a.source_type, "sourceId": a.source_id,
             "timestamp": ms_to_iso(a.ts), "associationTypeId": a.type_id}
    primary = " (primary)" if a.type_id in atypes.PRIMARY_TYPE_IDS else ""
    what = (f"became associated with {tt.singular} {a.to_id}{primary}" if added
            else f"lost its association with {tt.singular} {a.to_id}")
    step = text.Step(ft.singular, a.from_id, what, a.source_type, a.source_id, None,
                     str(a.user_id) if a.user_id is not None else None,
                     Source.automation(rule).label if rule else None)
    return entry, step, None, None


def _users(ctx: Ctx, ids: list[str | None]) -> dict[str, str]:
    wanted = sorted({int(i) for i in ids if i is not None})
    if not wanted:
        return {}
    rows = ctx.conn.execute(
        select(users.c.id, users.c.email)
        .where(users.c.account_id == ctx.account_id, users.c.id.in_(wanted))
    ).all()
    return {str(r.id): r.email for r in rows}


def _with_user(step: text.Step, by_id: dict[str, str]) -> text.Step:
    from dataclasses import replace

    if step.user is None:
        return step
    return replace(step, user=by_id.get(step.user, f"user {step.user}"))
