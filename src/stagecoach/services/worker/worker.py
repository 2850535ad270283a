"""The worker (automation spec rules 79-80): claims due items from the queue and runs each
with the handler of its kind.

Any number of workers, in any number of processes, share one database: a claim leases the
item (store/worker/work_items.py), the keeper renews the leases while the work runs, and
every outcome (done, retry, failed) is recorded only by the worker still holding the
lease. A worker killed mid-item loses nothing: its lease runs out and another worker runs
the item again, so every kind's work must be safe to run twice (imports and settings jobs
commit their progress with each chunk and resume from it).

`run_once`/`run_until_idle` run due items in the calling thread (tests, `stagecoach worker
--once`); `start` runs a loop on threads of its own (the server's embedded worker,
`stagecoach worker`) that polls every `poll_s` seconds and wakes at once when this process
commits new work (services/worker/queue.py).
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping

from sqlalchemy import Connection, Engine

from stagecoach.domain.errors import DomainError
from stagecoach.services.core import uow
from stagecoach.services.worker import queue
from stagecoach.services.worker.keeper import Keeper
from stagecoach.services.worker.kinds import Kind, Later
from stagecoach.store.worker import work_items
from stagecoach.store.worker.work_items import WorkItem

log = logging.getLogger("stagecoach.worker")
LEASE_MS = 60_000
POLL_S = 1.0
SLOTS = 4


def _wall_clock() -> int:
    return int(time.time() * 1000)


def worker_id(role: str = "worker") -> str:
    """Unique per worker: host and process say where it runs, the suffix tells apart two
    workers of one process (and a process id reused after a restart)."""
    return f"{role}:{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


class Worker:
    def __init__(self, engine: Engine, kinds: Mapping[str, Kind], *,
                 clock: Callable[[], int] = _wall_clock, lease_ms: int = LEASE_MS,
                 poll_s: float = POLL_S, slots: int = SLOTS,
                 jitter: Callable[[], float] = random.random, name: str | None = None
                 ) -> None:
        self.engine = engine
        self.kinds = dict(kinds)
        self.clock = clock
        self.lease_ms = lease_ms
        self.poll_s = poll_s
        self.slots = max(1, slots)
        self.jitter = jitter
        self.id = name or worker_id()
        self.keeper = Keeper(engine, self.id, clock, lease_ms)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._loop_thread: threading.Thread | None = None
        self._running: set[threading.Thread] = set()
        self._running_guard = threading.Lock()

    # -- draining in the caller's thread -------------------------------------------------

    def run_once(self) -> bool:
        """Claim one due item and run it; False when nothing was due."""
        with self.keeper.running():
            item = self._claim()
            if item is None:
                return False
            self._run(item)
            return True

    def run_until_idle(self, max_items: int | None = None) -> int:
        """Run due items until none is due (items retried later are not waited for); how
        many ran."""
        done = 0
        with self.keeper.running():
            while (max_items is None or done < max_items) and self.run_once():
                done += 1
        return done

    # -- the loop ------------------------------------------------------------------------

    def start(self) -> None:
        """Run the loop on a thread of its own until `stop`."""
        if self._loop_thread is not None:
            return
        self._stop.clear()
        queue.listen(self)
        self._loop_thread = threading.Thread(target=self.run_forever, daemon=True,
                                             name=f"worker {self.id}")
        self._loop_thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming and wait up to `timeout` seconds for the items in hand. Items still
        running after that keep running on daemon threads; if the process exits, their
        leases run out and another worker runs them again."""
        self._stop.set()
        self._wake.set()
        if self._loop_thread is not None:
            self._loop_thread.join(timeout)
            self._loop_thread = None

    def wake(self) -> None:
        self._wake.set()

    def run_forever(self) -> None:
        slots = threading.Semaphore(self.slots)
        with self.keeper.running():
            while not self._stop.is_set():
                if not slots.acquire(timeout=self.poll_s):
                    continue
                # Cleared before the claim: work committed during the claim sets it again.
                self._wake.clear()
                item = self._claim_logged()
                if item is None:
                    slots.release()
                    self._wake.wait(self.poll_s)
                    continue
                t = threading.Thread(target=self._run_in_slot, args=(item, slots),
                                     daemon=True, name=f"work {item.kind} {item.ref_id}")
                with self._running_guard:
                    self._running.add(t)
                t.start()
            self._join_running(deadline=time.monotonic() + 10)

    def _run_in_slot(self, item: WorkItem, slots: threading.Semaphore) -> None:
        try:
            self._run(item)
        except Exception:  # recorded by _run; a slot must never leak
            log.exception("work item %s %s failed outside its handler", item.kind, item.ref_id)
        finally:
            slots.release()
            with self._running_guard:
                self._running.discard(threading.current_thread())

    def _join_running(self, deadline: float) -> None:
        with self._running_guard:
            threads = list(self._running)
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))

    # -- one item ------------------------------------------------------------------------

    def _claim(self) -> WorkItem | None:
        kinds = list(self.kinds)
        if not uow.run_conn(self.engine, lambda conn: work_items.any_due(
                conn, kinds, self.clock()), readonly=True):
            return None
        return uow.run_conn(self.engine, lambda conn: work_items.claim(
            conn, kinds, self.id, self.clock(), self.lease_ms))

    def _claim_logged(self) -> WorkItem | None:
        try:
            return self._claim()
        except Exception:  # the database is away: poll again later
            log.exception("worker %s could not claim work", self.id)
            return None

    def _run(self, item: WorkItem) -> None:
        kind = self.kinds[item.kind]
        if kind.policy.exhausted(item.attempts):
            # Every try so far ended with its worker gone (its lease ran out).
            self._give_up(item, kind, item.last_error
                          or f"stopped {item.attempts - 1} times before finishing")
            return
        try:
            outcome = kind.run(item)
        except Exception as exc:
            log.exception("work item %s %s of account %s failed (attempt %s)", item.kind,
                          item.ref_id, item.account_id, item.attempts)
            error = f"{type(exc).__name__}: {exc}"
            at = (None if isinstance(exc, DomainError)
                  else kind.policy.next_try(item.attempts, self.clock(), self.jitter()))
            if at is None:
                self._give_up(item, kind, error)
            else:
                self._record(item, lambda conn, now: work_items.retry(
                    conn, item, self.id, at, error, now))
            return
        if isinstance(outcome, Later):
            self._record(item, lambda conn, now: work_items.later(
                conn, item, self.id, outcome.at, now))
        else:
            self._record(item, lambda conn, now: work_items.complete(conn, item, self.id, now))

    def _give_up(self, item: WorkItem, kind: Kind, error: str) -> None:
        def fn(conn: Connection, now: int) -> bool:
            failed = work_items.fail(conn, item, self.id, error, now)
            if failed and kind.on_failed is not None:
                kind.on_failed(conn, item, error, now)
            return failed
        self._record(item, fn)

    def _record(self, item: WorkItem, fn: Callable[[Connection, int], bool]) -> None:
        """Record an outcome; a worker whose lease was taken over records nothing (the
        new holder will)."""
        held = uow.run_conn(self.engine, lambda conn: fn(conn, self.clock()))
        if not held:
            log.warning("worker %s no longer held %s %s of account %s; its outcome is "
                        "left to the holder", self.id, item.kind, item.ref_id, item.account_id)
