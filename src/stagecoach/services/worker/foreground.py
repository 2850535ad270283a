"""Running one piece of queued work in the foreground (`stagecoach import` with its progress
bar): the process takes the item's lease over, so workers leave the work alone while the
process runs it, and keeps the lease alive; if the process is killed, the lease runs out
and a worker finishes the work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from stagecoach.services.core import uow
from stagecoach.services.worker.keeper import Keeper
from stagecoach.services.worker.worker import LEASE_MS, worker_id
from stagecoach.store.worker import work_items
from stagecoach.store.worker.work_items import WorkItem


class Held:
    def __init__(self, engine: Engine, item: WorkItem, holder: str,
                 clock: Callable[[], int]) -> None:
        self.engine, self.item, self.holder, self.clock = engine, item, holder, clock

    def finish(self, finished: bool) -> None:
        """Done when the work `finished`; otherwise handed back to the workers, due now."""
        def fn(conn: Connection) -> bool:
            now = self.clock()
            if finished:
                return work_items.complete(conn, self.item, self.holder, now)
            return work_items.later(conn, self.item, self.holder, now, now)
        uow.run_conn(self.engine, fn)


@contextmanager
def hold(engine: Engine, account_id: int, kind: str, ref_id: int, clock: Callable[[], int],
         lease_ms: int = LEASE_MS) -> Iterator[Held]:
    holder = worker_id("foreground")
    item = uow.run_conn(engine, lambda conn: work_items.take_over(
        conn, account_id, kind, ref_id, holder, clock(), lease_ms))
    with Keeper(engine, holder, clock, lease_ms, heartbeat=False).running():
        yield Held(engine, item, holder, clock)
