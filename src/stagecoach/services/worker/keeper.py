"""A worker's pulse: while it works, a thread records its heartbeat (for /health) and
renews the leases it holds, so that only a worker that stopped loses its items. (A process
running one item in the foreground keeps its lease the same way, without a heartbeat.)"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from stagecoach.services.core import uow
from stagecoach.store.worker import heartbeats, work_items

log = logging.getLogger("stagecoach.worker")
MAX_BEAT_INTERVAL_S = 10.0


class Keeper:
    def __init__(self, engine: Engine, worker_id: str, clock: Callable[[], int],
                 lease_ms: int, *, heartbeat: bool = True) -> None:
        self.engine = engine
        self.heartbeat = heartbeat
        self.worker_id = worker_id
        self.clock = clock
        self.lease_ms = lease_ms
        # A third of the lease: two beats can be missed (a long stop of the world, a slow
        # commit) before another worker may take an item over.
        self.interval_s = min(MAX_BEAT_INTERVAL_S, lease_ms / 3000)
        self.started_at = clock()
        self._users = 0
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        def fn(conn: Connection) -> None:
            now = self.clock()
            if self.heartbeat:
                heartbeats.beat(conn, self.worker_id, self.started_at, now)
            work_items.renew(conn, self.worker_id, now, self.lease_ms)
        uow.run_conn(self.engine, fn)

    @contextmanager
    def running(self) -> Iterator[None]:
        """Beat now and then every interval until the last user leaves."""
        with self._guard:
            self._users += 1
            if self._users == 1:
                self._start()
        try:
            yield
        finally:
            with self._guard:
                self._users -= 1
                if self._users == 0:
                    self._halt()

    def _start(self) -> None:
        self._stop = threading.Event()
        self._beat_logged()
        self._thread = threading.Thread(target=self._loop, args=(self._stop,), daemon=True,
                                        name=f"heartbeat {self.worker_id}")
        self._thread.start()

    def _halt(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None

    def _loop(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval_s):
            self._beat_logged()

    def _beat_logged(self) -> None:
        try:
            self.beat()
        except Exception:  # a database that is down now may be back at the next beat
            log.exception("worker %s could not record its heartbeat", self.worker_id)
