"""Lists whose filters are indexed from today (`TIME_POINT` with an index reference) change
as time passes with no write to trigger them (rule 54: "time-relative filters included").
A recurring item of work per account brings them up to date at every quarter hour, the
finest step of any time zone's offset, so a day boundary in any zone is met within a
second of it. The item is scheduled when such a list is created, changed or restored, and
ends itself once the account has none.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from stagecoach.domain.lists.model import FilterBranch
from stagecoach.services.core import uow
from stagecoach.services.core.context import Ctx
from stagecoach.services.lists import maintain
from stagecoach.services.lists.registry import account_lists
from stagecoach.services.worker import queue
from stagecoach.services.worker.kinds import Kind, Later
from stagecoach.store.worker.work_items import WorkItem

KIND = "lists_time_refresh"
STEP_MS = 15 * 60_000
# Just after the boundary, so "today" has turned in the zone whose midnight it is.
AFTER_MS = 1_000


def next_run(now: int) -> int:
    return (now // STEP_MS + 1) * STEP_MS + AFTER_MS


def follow(ctx: Ctx, branch: FilterBranch | None) -> None:
    """Call when a DYNAMIC list with `branch` is created, changed or restored."""
    if branch is not None and branch.time_relative:
        queue.enqueue(ctx.conn, ctx.account_id, KIND, 0, ctx.now, at=next_run(ctx.now))


def _refresh(ctx: Ctx) -> bool:
    """Refresh; whether the account still has lists that time moves."""
    maintain.refresh_time_relative(ctx)
    return any(a.branch.time_relative for a in account_lists(ctx).active)


def kind(engine: Engine, clock: Callable[[], int]) -> Kind:
    def run(item: WorkItem) -> Later | None:
        if uow.run(engine, item.account_id, _refresh, clock):
            return Later(next_run(clock()))
        return None

    return Kind(run)
