"""Leasing blocks of request permits from a token's 10-second window (api/ratelimit.py)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select, update

from stagecoach.store.core.db import is_postgres
from stagecoach.store.core.upsert import insert_ignore
from stagecoach.store.schema import rate_limit_windows

W = rate_limit_windows.c
KEEP_MS = 60_000


def lease(conn: Connection, account_id: int, token_id: int, window_start: int, want: int,
          limit: int, keep_ms: int = KEEP_MS) -> tuple[int, int]:
    """Take up to `want` permits of the window; returns (granted, used after the grant)."""
    insert_ignore(conn, rate_limit_windows, [{
        "account_id": account_id, "token_id": token_id, "window_start": window_start,
        "used": 0}])
    key = (W.account_id == account_id) & (W.token_id == token_id) & (
        W.window_start == window_start)
    q = select(W.used).where(key)
    if is_postgres(conn):
        q = q.with_for_update()
    used = int(conn.execute(q).scalar_one())
    granted = max(0, min(want, limit - used))
    if granted:
        conn.execute(update(rate_limit_windows).where(key).values(used=W.used + granted))
    if used == 0:
        # The first lease of a window clears this token's old windows: a bounded table
        # without a separate sweeper.
        conn.execute(delete(rate_limit_windows).where(
            W.account_id == account_id, W.token_id == token_id,
            W.window_start < window_start - keep_ms))
    return granted, used + granted
