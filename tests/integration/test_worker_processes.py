"""Workers in several processes share one queue (automation spec rule 79), on SQLite and
PostgreSQL: they never run an item twice at once, a worker killed mid-item loses nothing,
and a process that dies after enqueueing (committed or not) leaves exactly what it
committed."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from typing import Any

from stagecoach.library import Stagecoach
from stagecoach.services.core import uow
from stagecoach.services.worker import queue
from stagecoach.services.worker.kinds import Kind
from stagecoach.services.worker.worker import Worker
from stagecoach.store.worker import work_items
from stagecoach.store.worker.work_items import WorkItem
from tests.helpers import Acct

SPAWN = mp.get_context("spawn")
ITEMS = 40


def _url(acct: Acct) -> str:
    return str(acct.sc.engine.url.render_as_string(hide_password=False))


def _state(acct: Acct, kind: str, ref: int) -> WorkItem | None:
    return uow.run_conn(acct.sc.engine, lambda conn: work_items.get(
        conn, acct.id, kind, ref), readonly=True)


def _drain_when_told(url: str, kind: str, ready: Any, go: Any, runs: Any) -> None:
    """A worker process: drains the queue once every worker is ready, reporting each run
    as (ref, pid, start, end) on the system-wide monotonic clock."""
    sc = Stagecoach(url, upgrade=False)

    def run(it: WorkItem) -> None:
        start = time.monotonic_ns()
        time.sleep(0.02)
        runs.put((it.ref_id, os.getpid(), start, time.monotonic_ns()))

    w = Worker(sc.engine, {kind: Kind(run)}, poll_s=0.1)
    ready.put(os.getpid())
    go.wait(60)
    w.run_until_idle()
    sc.close()


def test_two_workers_draining_one_queue_never_run_an_item_twice(acct: Acct) -> None:
    kind = f"test.shared.{acct.id}"
    with acct.unit(acct.now) as ctx:
        for ref in range(ITEMS):
            queue.enqueue(ctx.conn, ctx.account_id, kind, ref, ctx.now)
    ready, runs, go = SPAWN.Queue(), SPAWN.Queue(), SPAWN.Event()
    procs = [SPAWN.Process(target=_drain_when_told, args=(_url(acct), kind, ready, go, runs))
             for _ in range(2)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=60)
    go.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    seen = [runs.get(timeout=5) for _ in range(ITEMS)]
    assert runs.empty()
    # Each item ran exactly once: never by both workers, never twice by one.
    assert sorted(ref for ref, *_ in seen) == list(range(ITEMS))
    # Both took part (otherwise this proves nothing about sharing).
    assert len({pid for _, pid, _, _ in seen}) == 2
    assert {_state(acct, kind, ref).state for ref in range(ITEMS)} == {"DONE"}  # type: ignore[union-attr]


def _hang(url: str, kind: str, lease_ms: int, started: Any) -> None:
    """A worker process whose handler never returns (killed by the test)."""
    sc = Stagecoach(url, upgrade=False)

    def run(it: WorkItem) -> None:
        started.set()
        time.sleep(3600)

    Worker(sc.engine, {kind: Kind(run)}, lease_ms=lease_ms).run_until_idle()


def test_an_item_of_a_worker_killed_mid_item_is_run_again_and_completes(acct: Acct) -> None:
    kind = f"test.killed.{acct.id}"
    lease_ms = 1_500
    with acct.unit(acct.now) as ctx:
        queue.enqueue(ctx.conn, ctx.account_id, kind, 1, ctx.now)
    started = SPAWN.Event()
    proc = SPAWN.Process(target=_hang, args=(_url(acct), kind, lease_ms, started))
    proc.start()
    assert started.wait(60)
    # Alive, the worker renews its lease: nobody else may take the item.
    time.sleep(lease_ms * 1.5 / 1000)
    ran: list[int] = []
    other = Worker(acct.sc.engine, {kind: Kind(lambda it: ran.append(it.attempts))},
                   lease_ms=lease_ms)
    assert other.run_until_idle() == 0
    proc.kill()
    proc.join(10)
    deadline = time.monotonic() + 20
    while not ran and time.monotonic() < deadline:
        other.run_until_idle()
        time.sleep(0.1)
    assert ran == [2]
    final = _state(acct, kind, 1)
    assert final is not None and final.state == "DONE"


def _enqueue_then_die(url: str, account_id: int, kind: str, now: int, commit: bool) -> None:
    sc = Stagecoach(url, upgrade=False)
    if commit:
        with sc.unit(account_id, now) as ctx:
            queue.enqueue(ctx.conn, ctx.account_id, kind, 1, ctx.now)
        os._exit(0)  # dies at once after the commit: no worker ever ran here
    with sc.unit(account_id, now) as ctx:
        queue.enqueue(ctx.conn, ctx.account_id, kind, 1, ctx.now)
        os._exit(0)  # dies inside the transaction


def test_a_crash_after_enqueueing_loses_nothing_committed_and_keeps_nothing_uncommitted(
        acct: Acct) -> None:
    kept, lost = f"test.kept.{acct.id}", f"test.lost.{acct.id}"
    for kind, commit in ((kept, True), (lost, False)):
        p = SPAWN.Process(target=_enqueue_then_die,
                          args=(_url(acct), acct.id, kind, acct.now, commit))
        p.start()
        p.join(60)
        assert p.exitcode == 0
    assert _state(acct, lost, 1) is None
    ran: list[str] = []
    w = Worker(acct.sc.engine, {k: Kind(lambda it: ran.append(it.kind)) for k in (kept, lost)})
    assert w.run_until_idle() == 1
    assert ran == [kept]
