"""Per-token rate limits in fixed 10-second windows, and an optional per-account daily limit
(api spec section 9), answered with HubSpot's `X-HubSpot-RateLimit-*` headers.

Design: the count of a window lives in the database (table `rate_limit_windows`), so the
limit holds across every server process sharing it. A process does not write per request:
it *leases* a block of permits in one short transaction and spends them from memory. Leases
never exceed the limit, so all processes together never admit more than `limit` requests
per window; the price is that permits a process leased but did not spend are lost for that
window (at most one block per process). On SQLite this keeps reads free of the write lock:
only one request in a block takes it, briefly. The daily count is the same mechanism with a
day-long window keyed by the account (token id 0, which no token has). `...-Remaining` is the
answering process's view: the window's count at its last lease, less what it has spent since.

HubSpot sends `X-HubSpot-RateLimit-Daily` and `-Daily-Remaining` only where a daily limit
applies (private apps, not OAuth); likewise they are sent here only when one is configured.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from stagecoach.api.errors import ApiError
from stagecoach.services.core import uow
from stagecoach.store.auth import rate_limits as store

WINDOW_MS = 10_000
DAY_MS = 86_400_000
BLOCKS_PER_WINDOW = 20
BLOCKS_PER_DAY = 1000
ACCOUNT_KEY = 0  # the token id under which an account's daily count is kept


@dataclass
class _Lease:
    window_start: int
    left: int
    used_in_db: int
    # The window is used up in the database: refuse without asking it again, so a client
    # hammering past its limit costs no writes.
    exhausted: bool = False


@dataclass(frozen=True)
class Allowance:
    limit: int  # 0: no ten-second limit (and no headers for it)
    remaining: int
    daily: int | None = None
    daily_remaining: int | None = None

    def headers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.limit:
            out["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(WINDOW_MS)
            out["X-HubSpot-RateLimit-Max"] = str(self.limit)
            out["X-HubSpot-RateLimit-Remaining"] = str(max(0, self.remaining))
        if self.daily is not None and self.daily_remaining is not None:
            out["X-HubSpot-RateLimit-Daily"] = str(self.daily)
            out["X-HubSpot-RateLimit-Daily-Remaining"] = str(max(0, self.daily_remaining))
        return out


class _Windows:
    """Leased permits of fixed windows of one length, per (account, key)."""

    def __init__(self, engine: Engine, limit: int, window_ms: int, blocks: int) -> None:
        self.engine = engine
        self.limit = limit
        self.window_ms = window_ms
        self.block = max(1, math.ceil(limit / blocks))
        self._leases: dict[tuple[int, int], _Lease] = {}
        # One lock per key: a lease waiting on the database holds up only its own key.
        self._locks: dict[tuple[int, int], threading.Lock] = {}
        self._guard = threading.Lock()

    def spend(self, account_id: int, key: int, now: int) -> int | None:
        """Spend one permit: the permits left in the window, or None when used up."""
        window = now - now % self.window_ms
        k = (account_id, key)
        with self._guard:
            lock = self._locks.setdefault(k, threading.Lock())
        with lock:
            lease = self._leases.get(k)
            if lease is None or lease.window_start != window:
                lease = _Lease(window, 0, 0)
                self._leases[k] = lease
            if lease.left == 0 and not lease.exhausted:
                granted, used = uow.run_conn(
                    self.engine,
                    lambda conn: store.lease(conn, account_id, key, window, self.block,
                                             self.limit, keep_ms=self.window_ms * 6))
                lease.left += granted
                lease.used_in_db = used
                lease.exhausted = granted == 0
            if lease.left == 0:
                return None
            lease.left -= 1
            return self.limit - lease.used_in_db + lease.left

    def retry_after(self, now: int) -> int:
        window = now - now % self.window_ms
        return max(1, math.ceil((window + self.window_ms - now) / 1000))


class RateLimiter:
    def __init__(self, engine: Engine, limit: int,
                 clock: Callable[[], float] = time.time, daily: int = 0) -> None:
        self.limit = limit
        self.daily = daily
        self.clock = clock
        self._ten = _Windows(engine, limit, WINDOW_MS, BLOCKS_PER_WINDOW) if limit else None
        self._day = _Windows(engine, daily, DAY_MS, BLOCKS_PER_DAY) if daily else None
        self.block = self._ten.block if self._ten else 0

    def take(self, account_id: int, token_id: int) -> Allowance:
        """Spend one permit of the token's window and of the account's day, or raise the
        429 with Retry-After."""
        now = int(self.clock() * 1000)
        remaining = daily_remaining = None
        if self._ten is not None:
            remaining = self._ten.spend(account_id, token_id, now)
            if remaining is None:
                raise self._refused(
                    self._ten.retry_after(now), Allowance(self.limit, 0),
                    f"You have reached your ten-second limit of {self.limit} requests.",
                    "TEN_SECONDLY_ROLLING")
        if self._day is not None:
            daily_remaining = self._day.spend(account_id, ACCOUNT_KEY, now)
            if daily_remaining is None:
                raise self._refused(
                    self._day.retry_after(now),
                    Allowance(self.limit, remaining or 0, self.daily, 0),
                    f"You have reached your daily limit of {self.daily} requests.", "DAILY")
        return Allowance(self.limit, remaining if remaining is not None else 0,
                         self.daily or None, daily_remaining)

    @staticmethod
    def _refused(retry: int, allowance: Allowance, message: str, policy: str) -> ApiError:
        return ApiError(
            429, message, "RATE_LIMITS",
            [{"message": "Rate limit exceeded", "code": "RATE_LIMIT_EXCEEDED",
              "context": {"policyName": [policy]}}],
            headers={"Retry-After": str(retry), **allowance.headers()},
        )
