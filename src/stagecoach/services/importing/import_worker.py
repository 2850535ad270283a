"""Running imports in background threads of the server, and resuming the unfinished ones
when the server starts. Everything that matters is in the database (the import row and its
committed chunks), so a thread that dies, or a server that stops, loses nothing: the next
start picks the import up after its last committed chunk."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine

from stagecoach.services.core import uow
from stagecoach.services.importing import imports
from stagecoach.store.importing import imports as store

log = logging.getLogger("stagecoach.imports")


class ImportWorker:
    def __init__(self, engine: Engine, clock: Callable[[], int]) -> None:
        self.engine = engine
        self.clock = clock
        self._running: dict[tuple[int, int], threading.Thread] = {}
        self._lock = threading.Lock()

    def start(self, account_id: int, import_id: int) -> None:
        key = (account_id, import_id)
        with self._lock:
            if key in self._running and self._running[key].is_alive():
                return
            t = threading.Thread(target=self._run, args=key, daemon=True,
                                 name=f"import-{account_id}-{import_id}")
            self._running[key] = t
        t.start()

    def _run(self, account_id: int, import_id: int) -> None:
        try:
            imports.run(self.engine, account_id, import_id, self.clock)
        except Exception:
            # Left unfinished on purpose: the next start resumes after the last chunk.
            log.exception("import %s of account %s stopped; it resumes on the next start",
                          import_id, account_id)
        finally:
            with self._lock:
                self._running.pop((account_id, import_id), None)

    def resume_all(self) -> int:
        found = uow.run_conn(self.engine, store.unfinished, readonly=True)
        for account_id, import_id in found:
            self.start(account_id, import_id)
        return len(found)

    def wait(self, timeout: float | None = None) -> None:
        with self._lock:
            threads = list(self._running.values())
        for t in threads:
            t.join(timeout)
