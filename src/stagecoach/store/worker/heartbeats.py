"""Workers' heartbeats, so that /health can say whether background work is being done."""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, select

from stagecoach.store.core.upsert import insert_or_update
from stagecoach.store.schema import INSTALLATION, worker_heartbeats

H = worker_heartbeats.c
# A worker silent this long is gone; its row is dropped so that the table stays small.
FORGET_AFTER_MS = 7 * 86_400_000


def beat(conn: Connection, worker_id: str, started_at: int, now: int) -> None:
    insert_or_update(conn, worker_heartbeats, {
        "account_id": INSTALLATION, "worker_id": worker_id, "started_at": started_at,
        "beat_at": now}, ["account_id", "worker_id"], ["beat_at"])
    conn.execute(delete(worker_heartbeats).where(
        H.account_id == INSTALLATION, H.beat_at < now - FORGET_AFTER_MS))


def last_beat(conn: Connection) -> int | None:
    """The latest heartbeat of any worker (None: no worker ever ran)."""
    return conn.execute(select(func.max(H.beat_at)).where(
        H.account_id == INSTALLATION)).scalar()
