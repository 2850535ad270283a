"""Keeping the feed to its retention (rule 52): a recurring item of work per account.

The account's first events enqueue it (services/feed/record.py); each run drops what is
past retention in bounded transactions and asks to run again a day later, so the item
stays due forever without anyone scheduling it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine

from stagecoach.services.core import uow
from stagecoach.services.feed import reads
from stagecoach.services.worker import queue
from stagecoach.services.worker.kinds import Kind, Later
from stagecoach.store.worker.work_items import WorkItem

KIND = "feed_retention"
EVERY_MS = 86_400_000


def schedule(conn: Connection, account_id: int, now: int) -> None:
    queue.enqueue(conn, account_id, KIND, 0, now, at=now + EVERY_MS)


def kind(engine: Engine, clock: Callable[[], int]) -> Kind:
    def run(item: WorkItem) -> Later:
        while uow.run(engine, item.account_id, reads.purge, clock) >= reads.PURGE_BATCH:
            pass
        return Later(clock() + EVERY_MS)

    return Kind(run)
