"""The context of one unit of work: its connection, the account's catalog, the time, and
the steps it has taken.

A *step* is one set of changes with one `op_id` (history versions, association changes,
blocked writes all carry it). Whoever opens a step owns it: when the `with ctx.step()`
block ends, the unit's step hooks run on it in their fixed order (services/hooks.py):
lifecycle reactions first, each of their own steps recorded on the same `Step`, so
consumers after them (lists, the change feed, workflow triggers) read every op the write
caused. Nothing else settles automation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection

from stagecoach.domain.catalog import Catalog
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.store.catalog.catalog import current_catalog, load_catalog
from stagecoach.store.core import db, ids

# Forward-only writes are monotonic, so lifecycle cascades are a few steps deep; a deeper
# one is a loop (from wave 2's workflows, or a bug) and is stopped there (rule 71).
CASCADE_LIMIT = 10


@dataclass
class Step:
    op: int
    # Every op this step caused, its own first: reactions' steps join the step they react to.
    ops: list[int]
    # The properties the step wrote history for when its writer knows them and wrote no
    # association; None: anything may have changed.
    changed: set[str] | None = None
    # The records this step created, by type: a record created with no property set has no
    # history, yet it is a change (the feed's creation event, a list it matches).
    created: dict[ObjectType, list[int]] = field(default_factory=dict)
    # The unit's time when the step began, and who created its records (the feed's
    # creation events).
    at: int = 0
    source: Source | None = None


StepHook = Callable[["Ctx", Step], None]
UnitHook = Callable[["Ctx"], None]


@dataclass
class Ctx:
    conn: Connection
    catalog: Catalog
    now: int
    step_hooks: Sequence[StepHook] = ()
    ops: list[int] = field(default_factory=list)
    # The steps this unit has finished, in order: what the before-commit hooks read.
    steps: list[Step] = field(default_factory=list)
    # Automation reactions run so far in this unit (services/lifecycle/automation.py): a
    # use case that knows what it wrote knows it is still so when none ran since.
    reactions: int = 0
    cascade_limit: int = CASCADE_LIMIT
    _settling: list[Step] = field(default_factory=list)

    @classmethod
    def load(cls, conn: Connection, account_id: int, now: int,
             step_hooks: Sequence[StepHook] = ()) -> Ctx:
        return cls(conn, current_catalog(conn, account_id), now, step_hooks)

    @property
    def account_id(self) -> int:
        return self.catalog.account_id

    @contextmanager
    def step(self, *, changed: set[str] | None = None) -> Iterator[Step]:
        """A new step; its hooks run when the block ends without an error (an error rolls
        the whole unit back, so there is nothing to react to)."""
        op = ids.take_one(self.conn, self.account_id, "op")
        self.ops.append(op)
        step = Step(op, [op], changed, at=self.now)
        yield step
        self.steps.append(step)
        self._settling.append(step)
        try:
            for hook in self.step_hooks:
                hook(self, step)
        finally:
            self._settling.pop()

    def reaction_op(self) -> int:
        """An op for a reaction to the step whose hooks are running; it joins that step."""
        # From the transaction's pool of ids (store/core/ids.py): one write takes several
        # steps (the write, the calculated counts, the reactions), not a statement each.
        op = ids.take_one(self.conn, self.account_id, "op")
        self.ops.append(op)
        self._settling[-1].ops.append(op)
        return op

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run `fn` once the unit has committed (never if it rolls back): waking a worker
        for work this unit queued, for instance."""
        db.after_commit(self.conn, fn)

    def at_least(self, ms: int) -> None:
        """Move this unit's clock up to `ms`. A unit that waited for another writer's lock
        dates its changes no earlier than that writer's, so history stays in commit order
        (versions are ordered by time, then id)."""
        if ms > self.now:
            self.now = ms

    def reload_catalog(self) -> None:
        self.catalog = load_catalog(self.conn, self.account_id)
