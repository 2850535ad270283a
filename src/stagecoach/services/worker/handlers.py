"""The kinds of work Stagecoach runs in the background, each a call of the chunked,
resumable code that already does the work (each chunk its own transaction, its progress
committed with it), so that running an item again resumes it instead of repeating it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine

from stagecoach.services.core import uow
from stagecoach.services.core.context import Ctx
from stagecoach.services.feed import retention
from stagecoach.services.importing import imports
from stagecoach.services.lifecycle import backfill
from stagecoach.services.lists import time_refresh
from stagecoach.services.worker.kinds import Kind, Later
from stagecoach.services.worker.worker import LEASE_MS, Worker
from stagecoach.store.importing import imports as import_store
from stagecoach.store.worker.work_items import WorkItem

Clock = Callable[[], int]


def kinds(engine: Engine, clock: Clock) -> dict[str, Kind]:
    return {imports.KIND: _import_kind(engine, clock),
            backfill.KIND: _apply_settings_kind(engine, clock),
            retention.KIND: retention.kind(engine, clock),
            time_refresh.KIND: time_refresh.kind(engine, clock)}


def worker(engine: Engine, clock: Clock, **options: Any) -> Worker:
    """A worker for every kind of work, on `clock` (options: those of `Worker`)."""
    return Worker(engine, kinds(engine, clock), clock=clock, **options)


def _import_kind(engine: Engine, clock: Clock) -> Kind:
    def run(item: WorkItem) -> Later | None:
        final = imports.run(engine, item.account_id, item.ref_id, clock)
        if final.state.value in import_store.UNFINISHED:
            # Another runner (`stagecoach import` in the foreground) committed the chunk
            # this one read: it is advancing the import; look again in a while, and resume
            # it then if that runner has stopped.
            return Later(clock() + LEASE_MS)
        return None

    def failed(conn: Connection, item: WorkItem, error: str, now: int) -> None:
        imports.fail(conn, item.account_id, item.ref_id, error, now)

    return Kind(run, failed)


def _apply_settings_kind(engine: Engine, clock: Clock) -> Kind:
    def unit(account_id: int, fn: Callable[[Ctx], bool]) -> bool:
        return bool(uow.run(engine, account_id, fn, clock))

    def run(item: WorkItem) -> None:
        backfill.run_chunks(unit, item.account_id, item.ref_id)

    def failed(conn: Connection, item: WorkItem, error: str, now: int) -> None:
        backfill.fail(conn, item.account_id, item.ref_id, error, now)

    return Kind(run, failed)
