"""What /health says about background work (automation spec rule 80)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from stagecoach.domain.values import ms_to_iso
from stagecoach.store.worker import heartbeats, work_items


def status(conn: Connection, now: int) -> dict[str, Any]:
    """The latest heartbeat of any worker (null: none ever ran) and how long the
    longest-waiting due item has been due (0 when nothing waits)."""
    beat = heartbeats.last_beat(conn)
    due = work_items.oldest_due(conn, now)
    return {
        "lastHeartbeat": ms_to_iso(beat) if beat is not None else None,
        "lastHeartbeatAgeSeconds": round(max(0, now - beat) / 1000, 1)
        if beat is not None else None,
        "oldestDueAgeSeconds": round(max(0, now - due) / 1000, 1) if due is not None else 0,
    }
