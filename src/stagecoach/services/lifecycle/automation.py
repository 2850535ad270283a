"""Letting automation settle: run reactions step after step until nothing changes (rule 24).

It is the first step hook of every unit of work (services/hooks.py), so everything happens
inside the triggering transaction, and when the write returns every effect is visible
(rule 25). A cascade deeper than the unit's limit stops there, visibly (rule 71).
"""

from __future__ import annotations

from collections import deque
from typing import assert_never

from stagecoach.domain import automation as rules
from stagecoach.domain.causes import Cause
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.domain.writes import WriteOptions
from stagecoach.services.core.context import Ctx, Step
from stagecoach.store.lifecycle import reactions, stage_moves
from stagecoach.store.records import blocked

CASCADE_STOPPED = "cascade_limit"


def settle_step(ctx: Ctx, step: Step) -> None:
    """The step hook: let the step's reactions run, breadth first, step after step, until
    nothing changes. A step whose writer knows what it wrote (`step.changed`, no
    association) and wrote nothing reactions read is not summarized at all."""
    if step.changed is not None and rules.TRIGGER_PROPERTIES.isdisjoint(step.changed):
        return
    queue = deque([(step.op, 1)])
    while queue:
        op, depth = queue.popleft()
        summary = reactions.summarize(ctx.conn, ctx.account_id, op)
        intents = rules.reactions(summary, ctx.catalog)
        if intents and depth >= ctx.cascade_limit:
            # A cascade this deep is a loop: its last changes stand, what would react to
            # them is logged on the records they changed, and the user's write lands.
            _log_stopped(ctx, op)
            continue
        for intent in intents:
            new_op = _run(ctx, op, intent)
            if new_op is not None:
                queue.append((new_op, depth + 1))


def _log_stopped(ctx: Ctx, op: int) -> None:
    changed = reactions.changed_records(ctx.conn, ctx.account_id, op,
                                        rules.TRIGGER_PROPERTIES)
    blocked.append(ctx.conn, ctx.account_id, [
        blocked.NewBlocked(ot, rid, prop, value, value, CASCADE_STOPPED,
                           Source.automation(CASCADE_STOPPED))
        for ot, rid, prop, value in changed
    ], ctx.now, op)


def _run(ctx: Ctx, op: int, intent: rules.Intent) -> int | None:
    ctx.reactions += 1
    rule, trigger = intent.rule, intent.trigger
    if isinstance(rule, rules.StampCloseDate):
        return _stamp_close_dates(ctx, op, rule, trigger)
    new_op = ctx.reaction_op()
    # Exhaustive, so that a new kind of rule cannot run as another one (a type error).
    match rule:
        case rules.FollowPrimaryCompany():
            reactions.stage_follow_company(ctx.conn, ctx.account_id, op, new_op, rule, trigger)
        case rules.AtDealStages():
            reactions.stage_deal_rule(ctx.conn, ctx.account_id, op, new_op, rule, trigger)
        case _:
            assert_never(rule)
    result = stage_moves.apply(ctx.conn, ctx.account_id, new_op, ctx.now, ctx.catalog.stages)
    ctx.at_least(result.now)
    return new_op if result.moved else None


def _stamp_close_dates(ctx: Ctx, op: int, rule: rules.StampCloseDate,
                       trigger: rules.Trigger) -> int | None:
    from stagecoach.services.core import writes
    from stagecoach.store.records import records

    found = reactions.close_date_candidates(ctx.conn, ctx.account_id, op, rule, trigger)
    if not found:
        return None
    for ot in (ObjectType.CONTACT, ObjectType.COMPANY):
        mine = [f for f in found if f[0] is ot]
        if not mine:
            continue
        rows = records.load(ctx.conn, ctx.account_id, ot, [f[1] for f in mine])
        items = []
        for _, rid, won_at, kind, cause in mine:
            row = rows.get(rid)
            if row is None or row.values.get("closedate") is not None:
                continue
            items.append(writes.ItemWrite(
                rid, rules.close_date_values(row.created_at, won_at), Cause(kind, cause)))
        if items:
            writes.write(ctx, ot, items, Source.automation("deal_won"),
                         WriteOptions(system=True))
    # The closedate writes settled on their own; nothing reacts to them.
    return None
