"""The work queue and its worker in one process, on SQLite and PostgreSQL: work is on the
queue exactly when its transaction commits, runs when due, is retried with growing
backoff and then FAILED, and is taken over when its worker's lease runs out.

Every test uses a kind of work of its own (the suite's accounts share one database, and a
worker claims only the kinds it has handlers for), and most a clock of their own.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import Connection

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.work import RetryPolicy
from stagecoach.services.core import uow
from stagecoach.services.worker import queue
from stagecoach.services.worker.kinds import Kind, Later
from stagecoach.services.worker.worker import Worker
from stagecoach.store.core import db
from stagecoach.store.worker import work_items
from stagecoach.store.worker.work_items import WorkItem
from tests.helpers import Acct

LEASE_MS = 30_000


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def kind_name(acct: Acct, what: str) -> str:
    return f"test.{what}.{acct.id}"


def enqueue(acct: Acct, kind: str, ref: int, at: int | None = None) -> None:
    """Enqueue at the account's current time (due now for a worker at that time)."""
    with acct.unit(acct.now) as ctx:
        queue.enqueue(ctx.conn, ctx.account_id, kind, ref, ctx.now, at)


def item(acct: Acct, kind: str, ref: int) -> WorkItem | None:
    return uow.run_conn(acct.sc.engine, lambda conn: work_items.get(
        conn, acct.id, kind, ref), readonly=True)


def worker(acct: Acct, kinds: dict[str, Kind], clock: Clock, **kw: Any) -> Worker:
    return Worker(acct.sc.engine, kinds, clock=clock, lease_ms=LEASE_MS, **kw)


def test_after_commit_calls_run_once_the_transaction_commits_and_never_on_rollback(
        acct: Acct) -> None:
    calls: list[str] = []
    with db.transaction(acct.sc.engine) as conn:
        db.after_commit(conn, lambda: calls.append("committed"))
        assert calls == []
    assert calls == ["committed"]
    with pytest.raises(RuntimeError), db.transaction(acct.sc.engine) as conn:
        db.after_commit(conn, lambda: calls.append("rolled back"))
        raise RuntimeError("rollback")
    with db.transaction(acct.sc.engine):
        pass  # the same pooled connection, perhaps: nothing left over runs
    assert calls == ["committed"]


def test_work_enqueued_in_a_committed_transaction_runs_once_and_is_done(acct: Acct) -> None:
    kind = kind_name(acct, "once")
    ran: list[tuple[int, int]] = []
    enqueue(acct, kind, 7)
    w = worker(acct, {kind: Kind(lambda it: ran.append((it.account_id, it.ref_id)))},
               Clock(acct.now))
    assert w.run_until_idle() == 1
    assert ran == [(acct.id, 7)]
    done = item(acct, kind, 7)
    assert done is not None and (done.state, done.attempts, done.leased_by) == ("DONE", 1, None)
    assert w.run_until_idle() == 0


def test_a_rolled_back_enqueue_leaves_nothing_to_run(acct: Acct) -> None:
    kind = kind_name(acct, "rollback")
    with pytest.raises(RuntimeError), acct.unit() as ctx:
        queue.enqueue(ctx.conn, ctx.account_id, kind, 1, ctx.now)
        raise RuntimeError("the use case failed after enqueueing")
    assert item(acct, kind, 1) is None
    assert worker(acct, {kind: Kind(lambda it: None)}, Clock(acct.now)).run_until_idle() == 0


def test_enqueueing_pending_work_again_is_one_item(acct: Acct) -> None:
    kind = kind_name(acct, "twice")
    ran: list[int] = []
    enqueue(acct, kind, 1)
    enqueue(acct, kind, 1)
    assert worker(acct, {kind: Kind(lambda it: ran.append(it.ref_id))},
                  Clock(acct.now)).run_until_idle() == 1
    assert ran == [1]


def test_work_runs_only_once_it_is_due(acct: Acct) -> None:
    kind = kind_name(acct, "due")
    clock = Clock(acct.now)
    enqueue(acct, kind, 1, at=clock.now + 60_000)
    w = worker(acct, {kind: Kind(lambda it: None)}, clock)
    assert w.run_until_idle() == 0
    clock.now += 60_000
    assert w.run_until_idle() == 1


def test_a_failing_handler_is_retried_with_growing_backoff_then_failed_with_its_error(
        acct: Acct) -> None:
    kind = kind_name(acct, "flaky")
    clock = Clock(acct.now)
    tries: list[int] = []
    recorded: list[str] = []

    def run(it: WorkItem) -> None:
        tries.append(clock.now)
        raise ConnectionError(f"receiver down (try {len(tries)})")

    def failed(conn: Connection, it: WorkItem, error: str, now: int) -> None:
        recorded.append(error)

    policy = RetryPolicy(max_attempts=5, base_ms=1_000, cap_ms=600_000)
    w = worker(acct, {kind: Kind(run, failed, policy)}, clock)
    enqueue(acct, kind, 1)
    delays = []
    for attempt in range(1, 5):
        assert w.run_until_idle() == 1
        waiting = item(acct, kind, 1)
        assert waiting is not None and waiting.state == "PENDING"
        assert waiting.attempts == attempt and waiting.leased_by is None
        assert waiting.last_error == f"ConnectionError: receiver down (try {attempt})"
        delays.append(waiting.scheduled_for - clock.now)
        clock.now = waiting.scheduled_for - 1
        assert w.run_until_idle() == 0  # not before it is due
        clock.now += 1
    assert all(b > a for a, b in zip(delays, delays[1:], strict=False)), delays
    assert 500 <= delays[0] <= 1_000 and 4_000 <= delays[3] <= 8_000
    assert w.run_until_idle() == 1
    final = item(acct, kind, 1)
    assert final is not None and (final.state, final.attempts) == ("FAILED", 5)
    assert final.last_error == "ConnectionError: receiver down (try 5)"
    assert recorded == [final.last_error]
    clock.now += 10**9
    assert w.run_until_idle() == 0 and len(tries) == 5


def test_a_rule_that_refuses_fails_the_work_without_retrying(acct: Acct) -> None:
    kind = kind_name(acct, "refused")

    def run(it: WorkItem) -> None:
        raise ValidationError("This can never work")

    enqueue(acct, kind, 1)
    assert worker(acct, {kind: Kind(run)}, Clock(acct.now)).run_until_idle() == 1
    final = item(acct, kind, 1)
    assert final is not None and (final.state, final.attempts) == ("FAILED", 1)
    assert final.last_error is not None and "This can never work" in final.last_error


def test_work_whose_lease_ran_out_is_run_again_and_the_old_holder_records_nothing(
        acct: Acct) -> None:
    kind = kind_name(acct, "lease")
    clock = Clock(acct.now)
    enqueue(acct, kind, 1)
    # A worker claims the item, then stops dead (no renewal, no outcome).
    gone = uow.run_conn(acct.sc.engine, lambda conn: work_items.claim(
        conn, [kind], "gone-worker", clock.now, LEASE_MS))
    assert gone is not None and gone.leased_by == "gone-worker"
    ran: list[int] = []
    w = worker(acct, {kind: Kind(lambda it: ran.append(it.attempts))}, clock)
    clock.now += LEASE_MS - 1
    assert w.run_until_idle() == 0  # the lease is still live
    clock.now += 1
    assert w.run_until_idle() == 1
    assert ran == [2]
    final = item(acct, kind, 1)
    assert final is not None and final.state == "DONE"
    # The first worker comes back to life: its outcome is no longer its to record.
    assert not uow.run_conn(acct.sc.engine, lambda conn: work_items.retry(
        conn, gone, "gone-worker", clock.now, "late", clock.now))
    after = item(acct, kind, 1)
    assert after is not None and (after.state, after.last_error) == ("DONE", None)


def test_work_whose_every_worker_died_fails_once_out_of_attempts(acct: Acct) -> None:
    kind = kind_name(acct, "poison")
    clock = Clock(acct.now)
    policy = RetryPolicy(max_attempts=2)
    enqueue(acct, kind, 1)
    for _ in range(2):
        assert uow.run_conn(acct.sc.engine, lambda conn: work_items.claim(
            conn, [kind], "dies-every-time", clock.now, LEASE_MS)) is not None
        clock.now += LEASE_MS
    ran: list[int] = []
    assert worker(acct, {kind: Kind(lambda it: ran.append(1), policy=policy)},
                  clock).run_until_idle() == 1
    final = item(acct, kind, 1)
    assert final is not None and final.state == "FAILED" and ran == []
    assert final.last_error == "stopped 2 times before finishing"


def test_work_left_for_later_comes_back_without_counting_an_attempt(acct: Acct) -> None:
    kind = kind_name(acct, "later")
    clock = Clock(acct.now)
    seen: list[int] = []

    def run(it: WorkItem) -> Later | None:
        seen.append(it.attempts)
        return Later(clock.now + 5_000) if len(seen) == 1 else None

    w = worker(acct, {kind: Kind(run)}, clock)
    enqueue(acct, kind, 1)
    assert w.run_until_idle() == 1
    waiting = item(acct, kind, 1)
    assert waiting is not None and waiting.state == "PENDING" and waiting.attempts == 0
    clock.now += 5_000
    assert w.run_until_idle() == 1
    assert seen == [1, 1]


def test_a_running_worker_starts_work_committed_in_its_process_at_once_and_other_work_within_two_seconds(  # noqa: E501
        acct: Acct) -> None:
    kind = kind_name(acct, "loop")
    started: dict[int, float] = {}
    ran = threading.Event()

    def run(it: WorkItem) -> None:
        started[it.ref_id] = time.monotonic()
        ran.set()

    w = Worker(acct.sc.engine, {kind: Kind(run)}, poll_s=1.0)
    w.start()
    try:
        time.sleep(0.3)  # the loop is waiting
        committed = time.monotonic()
        enqueue(acct, kind, 1)  # this process: wakes the worker on commit
        assert ran.wait(5)
        assert started[1] - committed < 0.5
        ran.clear()
        # Another process's work (no wake-up here): found at the next poll.
        uow.run_conn(acct.sc.engine, lambda conn: work_items.enqueue(
            conn, acct.id, kind, 2, acct.now, acct.now))
        committed = time.monotonic()
        assert ran.wait(5)
        assert started[2] - committed < 2.0
    finally:
        w.stop()
    done = item(acct, kind, 2)
    assert done is not None and done.state == "DONE"
