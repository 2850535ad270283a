"""The change feed's hook: the unit's events, written just before it commits (rule 49).

It runs last of the unit's hooks, so the events cover every op of the unit: the use case's
own steps, the lifecycle reactions, list memberships. A unit that rolls back takes its
events with it; a unit that wrote nothing takes no lock.
"""

from __future__ import annotations

from stagecoach.services.core.context import Ctx
from stagecoach.services.feed import retention
from stagecoach.store.feed import events


def record_unit(ctx: Ctx) -> None:
    created = [
        events.Created(ot, rid, step.op, step.at,
                       step.source.type.value if step.source else None,
                       step.source.id if step.source else None)
        for step in ctx.steps
        for ot, ids in step.created.items()
        for rid in ids
    ]
    if events.record(ctx.conn, ctx.account_id, ctx.ops, created) == 0:
        # The account's first events: from now on its feed is kept to its retention.
        retention.schedule(ctx.conn, ctx.account_id, ctx.now)
