"""Letting automation settle: run reactions step after step until nothing changes (rule 24).

Everything happens inside the caller's transaction, so when the triggering write returns,
every effect is visible (rule 25).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from stagecoach.domain import automation as rules
from stagecoach.domain.errors import DomainError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.domain.writes import WriteOptions
from stagecoach.services.core.context import Ctx
from stagecoach.store.lifecycle import reactions, stage_moves

# Forward-only writes are monotonic, so a cascade is short; this only guards against a bug
# (and, later, against workflows that feed each other).
MAX_STEPS = 200
DAY_MS = 86_400_000


class CascadeTooDeep(DomainError):
    category = "VALIDATION_ERROR"


def settle(ctx: Ctx, first_op: int, *, changed: Iterable[str] | None = None) -> None:
    """`changed`, when the caller knows it: every property the step `first_op` wrote
    history for, the step having written no association. When none of them is one that
    reactions read, nothing can react, and the step is not summarized."""
    if changed is not None and rules.TRIGGER_PROPERTIES.isdisjoint(changed):
        return
    queue = deque([first_op])
    steps = 0
    while queue:
        op = queue.popleft()
        steps += 1
        if steps > MAX_STEPS:
            raise CascadeTooDeep("Automation did not settle", code="CASCADE_TOO_DEEP")
        summary = reactions.summarize(ctx.conn, ctx.account_id, op)
        for intent in rules.reactions(summary, ctx.catalog):
            new_op = _run(ctx, op, intent)
            if new_op is not None:
                queue.append(new_op)


def _run(ctx: Ctx, op: int, intent: rules.Intent) -> int | None:
    ctx.reactions += 1
    if isinstance(intent, rules.StampCloseDate):
        return _stamp_close_dates(ctx, op, intent)
    new_op = ctx.new_op()
    if isinstance(intent, rules.FollowPrimaryCompany):
        reactions.stage_follow_company(ctx.conn, ctx.account_id, op, new_op, intent)
    else:
        reactions.stage_deal_rule(ctx.conn, ctx.account_id, op, new_op, intent)
    result = stage_moves.apply(ctx.conn, ctx.account_id, new_op, ctx.now, ctx.catalog.stages)
    ctx.at_least(result.now)
    return new_op if result.moved else None


def _stamp_close_dates(ctx: Ctx, op: int, intent: rules.StampCloseDate) -> int | None:
    from stagecoach.services.core import writes
    from stagecoach.store.records import records

    found = reactions.close_date_candidates(ctx.conn, ctx.account_id, op, intent)
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
            days = max(0, (won_at - row.created_at) // DAY_MS)
            items.append(writes.ItemWrite(
                rid, {"closedate": str(won_at), "days_to_close": str(days)}, (kind, cause)))
        if items:
            writes.write(ctx, ot, items, Source.automation("deal_won"),
                         WriteOptions(system=True))
    # The closedate writes settled on their own; nothing reacts to them.
    return None
