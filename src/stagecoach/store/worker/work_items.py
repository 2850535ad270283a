"""The work queue: one table, `work_items`, shared by every worker process.

Why a table of its own rather than more columns on `jobs`: a work item is *when and by whom*
some work runs (due time, attempts, lease, last error), while what the work is and how far
it got stays with its own row, which has its own shape: an import in `imports` (file,
counters, next row), a settings backfill in `jobs` (cursor, totals), and next a webhook
delivery or a workflow timer. One small table with one index serves every kind the same
way, and claiming never touches (or locks) the rows the work itself updates chunk by chunk.

Claiming: PostgreSQL takes the oldest due item with `FOR UPDATE SKIP LOCKED`, so workers
claiming at once never wait for each other nor take the same item; SQLite has one writer
at a time (BEGIN IMMEDIATE behind store/core/writer_gate.py), so its claim, in a write
transaction, is alone anyway. Either way the lease is set in the claiming transaction.
Every later change to a claimed item is conditional on still holding its lease: a worker
whose lease ran out (and was taken over) changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, case, or_, select, update

from stagecoach.store.core.db import is_postgres
from stagecoach.store.core.upsert import insert_ignore
from stagecoach.store.schema import work_items

W = work_items.c
PENDING, DONE, FAILED = "PENDING", "DONE", "FAILED"
MAX_ERROR = 2000


@dataclass(frozen=True)
class WorkItem:
    account_id: int
    kind: str
    ref_id: int
    state: str
    scheduled_for: int
    attempts: int
    leased_by: str | None
    leased_until: int | None
    last_error: str | None


def _item(r: Any) -> WorkItem:
    return WorkItem(r.account_id, r.kind, r.ref_id, r.state, r.scheduled_for, r.attempts,
                    r.leased_by, r.leased_until, r.last_error)


def _key(item: WorkItem) -> Any:
    return and_(W.account_id == item.account_id, W.kind == item.kind,
                W.ref_id == item.ref_id)


def _held(item: WorkItem, holder: str) -> Any:
    return and_(_key(item), W.state == PENDING, W.leased_by == holder)


def enqueue(conn: Connection, account_id: int, kind: str, ref_id: int, at: int,
            now: int) -> None:
    """Make the work due at `at`. Work already pending stays as it is (one item per piece
    of work); work that had finished is due again, with its attempts counted afresh."""
    insert_ignore(conn, work_items, [{
        "account_id": account_id, "kind": kind, "ref_id": ref_id, "state": PENDING,
        "scheduled_for": at, "attempts": 0, "created_at": now, "updated_at": now}])
    conn.execute(update(work_items).where(
        W.account_id == account_id, W.kind == kind, W.ref_id == ref_id, W.state != PENDING,
    ).values(state=PENDING, scheduled_for=at, attempts=0, last_error=None, leased_by=None,
             leased_until=None, finished_at=None, updated_at=now))


def get(conn: Connection, account_id: int, kind: str, ref_id: int) -> WorkItem | None:
    r = conn.execute(select(work_items).where(
        W.account_id == account_id, W.kind == kind, W.ref_id == ref_id)).first()
    return _item(r) if r else None


def _claimable(now: int) -> Any:
    return and_(W.state == PENDING, W.scheduled_for <= now,
                or_(W.leased_until.is_(None), W.leased_until <= now))


def any_due(conn: Connection, kinds: Sequence[str], now: int) -> bool:
    """Whether a claim would find something: a read, so that an idle worker's polls take
    no write lock (SQLite has one)."""
    return conn.execute(select(W.ref_id).where(_claimable(now), W.kind.in_(list(kinds)))
                        .limit(1)).first() is not None


def claim(conn: Connection, kinds: Sequence[str], holder: str, now: int, lease_ms: int
          ) -> WorkItem | None:
    """Lease the oldest due item of one of `kinds` (due: its time has come and nobody holds
    a live lease on it) and count the attempt; None when nothing is due."""
    q = (select(W.account_id, W.kind, W.ref_id)
         .where(_claimable(now), W.kind.in_(list(kinds)))
         .order_by(W.scheduled_for).limit(1))
    if is_postgres(conn):
        q = q.with_for_update(skip_locked=True)
    found = conn.execute(q).first()
    if found is None:
        return None
    row = conn.execute(update(work_items).where(
        W.account_id == found.account_id, W.kind == found.kind, W.ref_id == found.ref_id,
    ).values(leased_by=holder, leased_until=now + lease_ms, attempts=W.attempts + 1,
             updated_at=now).returning(*work_items.c)).first()
    return _item(row)


def take_over(conn: Connection, account_id: int, kind: str, ref_id: int, holder: str,
              now: int, lease_ms: int) -> WorkItem:
    """Enqueue the work if needed and lease it to `holder` whoever held it (a person
    running it in the foreground): a worker that held it can no longer change it."""
    enqueue(conn, account_id, kind, ref_id, now, now)
    row = conn.execute(update(work_items).where(
        W.account_id == account_id, W.kind == kind, W.ref_id == ref_id,
    ).values(leased_by=holder, leased_until=now + lease_ms, updated_at=now)
        .returning(*work_items.c)).first()
    return _item(row)


def renew(conn: Connection, holder: str, now: int, lease_ms: int) -> int:
    """Extend every lease `holder` still holds; how many it holds."""
    return conn.execute(update(work_items).where(
        W.state == PENDING, W.leased_by == holder,
    ).values(leased_until=now + lease_ms)).rowcount


def complete(conn: Connection, item: WorkItem, holder: str, now: int) -> bool:
    return conn.execute(update(work_items).where(_held(item, holder)).values(
        state=DONE, leased_by=None, leased_until=None, finished_at=now, updated_at=now,
    )).rowcount == 1


def retry(conn: Connection, item: WorkItem, holder: str, at: int, error: str, now: int
          ) -> bool:
    """A failed attempt: due again at `at`, its error kept."""
    return conn.execute(update(work_items).where(_held(item, holder)).values(
        scheduled_for=at, leased_by=None, leased_until=None, last_error=error[:MAX_ERROR],
        updated_at=now)).rowcount == 1


def later(conn: Connection, item: WorkItem, holder: str, at: int, now: int) -> bool:
    """Not finished, not failed (someone else is advancing the work): look again at `at`;
    the attempt is not counted."""
    return conn.execute(update(work_items).where(_held(item, holder)).values(
        scheduled_for=at, leased_by=None, leased_until=None,
        attempts=case((W.attempts > 0, W.attempts - 1), else_=0),
        updated_at=now)).rowcount == 1


def fail(conn: Connection, item: WorkItem, holder: str, error: str, now: int) -> bool:
    """Out of attempts: FAILED for good, with the error that ended it."""
    return conn.execute(update(work_items).where(_held(item, holder)).values(
        state=FAILED, leased_by=None, leased_until=None, last_error=error[:MAX_ERROR],
        finished_at=now, updated_at=now)).rowcount == 1


def oldest_due(conn: Connection, now: int) -> int | None:
    """When the longest-waiting due item became due, in any account (None: nothing due)."""
    return conn.execute(select(W.scheduled_for).where(_claimable(now))
                        .order_by(W.scheduled_for).limit(1)).scalar()
