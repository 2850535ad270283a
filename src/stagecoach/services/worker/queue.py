"""Putting work on the queue, inside the use case's own transaction: the work exists if and
only if the change that asked for it committed, so a crash can neither lose it nor leave
work behind for a change that never happened."""

from __future__ import annotations

import threading
import weakref
from typing import Protocol

from sqlalchemy import Connection

from stagecoach.store.core import db
from stagecoach.store.worker import work_items


class Wakeable(Protocol):
    def wake(self) -> None: ...


_listeners: weakref.WeakSet[Wakeable] = weakref.WeakSet()
_guard = threading.Lock()


def listen(worker: Wakeable) -> None:
    """Wake `worker` whenever this process commits new work (other processes' workers find
    it at their next poll)."""
    with _guard:
        _listeners.add(worker)


def notify() -> None:
    with _guard:
        found = list(_listeners)
    for w in found:
        w.wake()


def enqueue(conn: Connection, account_id: int, kind: str, ref_id: int, now: int,
            at: int | None = None) -> None:
    """Work of `kind` on row `ref_id`, due at `at` (default: now)."""
    work_items.enqueue(conn, account_id, kind, ref_id, now if at is None else at, now)
    db.after_commit(conn, notify)
