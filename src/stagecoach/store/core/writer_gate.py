"""Handing SQLite's single write lock from writer to writer without sleeping.

SQLite admits one writer at a time; a writer that finds the lock taken waits in SQLite's busy
handler, which polls with sleeps of up to 100 ms, so under load the lock sits idle between
writers. Writers of one database first queue here instead: threads of a process on a lock,
processes (every `stagecoach serve` worker on the same file) on an exclusive `flock` of a
file beside the database. Either wakes the next writer the moment the last one commits.

Only writers that go through `db.transaction` queue here; any other writer still meets the
busy handler, as before, and cannot deadlock with a queued one (a queued writer that holds
the gate waits only on SQLite). Reentrant, so a nested write transaction behaves as before.
"""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from typing import IO

from sqlalchemy import Engine


class WriterGate:
    def __init__(self, database: str | None) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._file: IO[bytes] | None = None
        self._path = (f"{database}-writer.lock"
                      if database and database != ":memory:" and not database.startswith(
                          "file:") else None)

    def acquire(self) -> None:
        self._lock.acquire()
        self._depth += 1
        if self._depth == 1 and self._path is not None:
            try:
                if self._file is None:
                    self._file = open(self._path, "ab")  # noqa: SIM115 (held open)
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
            except OSError:
                # No lock file (a read-only directory): SQLite's busy handler still orders
                # the processes.
                self._path = None

    def release(self) -> None:
        if self._depth == 1 and self._file is not None and self._path is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        self._depth -= 1
        self._lock.release()


_gates: weakref.WeakKeyDictionary[Engine, WriterGate] = weakref.WeakKeyDictionary()
_guard = threading.Lock()
_pid = os.getpid()


def gate(engine: Engine) -> WriterGate | None:
    """The gate of a SQLite engine's database; None for other databases."""
    global _pid
    if engine.dialect.name != "sqlite":
        return None
    with _guard:
        if os.getpid() != _pid:
            # A forked child must not share its parent's lock file description.
            _gates.clear()
            _pid = os.getpid()
        found = _gates.get(engine)
        if found is None:
            found = _gates[engine] = WriterGate(engine.url.database)
    return found
