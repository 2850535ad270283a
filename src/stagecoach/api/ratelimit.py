"""Per-token rate limits in fixed 10-second windows (api spec section 9).

Design: the count of a window lives in the database (table `rate_limit_windows`), so the
limit holds across every server process sharing it. A process does not write per request:
it *leases* a block of permits (a twentieth of the limit) in one short transaction and
spends them from memory. Leases never exceed the limit, so all processes together never
admit more than `limit` requests per window; the price is that permits a process leased
but did not spend are lost for that window (at most one block per process). On SQLite
this keeps reads free of the write lock: only one request in a block takes it, briefly.
`X-HubSpot-RateLimit-Remaining` is the answering process's view: the window's count at its
last lease, less what it has spent since.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from stagecoach.api.errors import ApiError
from stagecoach.store import db
from stagecoach.store import rate_limits as store

WINDOW_MS = 10_000
BLOCKS_PER_WINDOW = 20


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
    limit: int
    remaining: int

    def headers(self) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(WINDOW_MS),
            "X-HubSpot-RateLimit-Max": str(self.limit),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.remaining)),
        }


class RateLimiter:
    def __init__(self, engine: Engine, limit: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.limit = limit
        self.block = max(1, math.ceil(limit / BLOCKS_PER_WINDOW))
        self.clock = clock
        self._leases: dict[tuple[int, int], _Lease] = {}
        # One lock per token: a lease waiting on the database holds up only its own token.
        self._locks: dict[tuple[int, int], threading.Lock] = {}
        self._guard = threading.Lock()

    def take(self, account_id: int, token_id: int) -> Allowance:
        """Spend one permit, or raise the 429 with Retry-After."""
        now = int(self.clock() * 1000)
        window = now - now % WINDOW_MS
        key = (account_id, token_id)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            lease = self._leases.get(key)
            if lease is None or lease.window_start != window:
                lease = _Lease(window, 0, 0)
                self._leases[key] = lease
            if lease.left == 0 and not lease.exhausted:
                granted, used = db.run_in_transaction(
                    self.engine,
                    lambda conn: store.lease(conn, account_id, token_id, window, self.block,
                                             self.limit))
                lease.left += granted
                lease.used_in_db = used
                lease.exhausted = granted == 0
            if lease.left == 0:
                retry = max(1, math.ceil((window + WINDOW_MS - now) / 1000))
                allowance = Allowance(self.limit, 0)
                raise ApiError(
                    429,
                    f"You have reached your ten-second limit of {self.limit} requests.",
                    "RATE_LIMITS",
                    [{"message": "Rate limit exceeded", "code": "RATE_LIMIT_EXCEEDED",
                      "context": {"policyName": ["TEN_SECONDLY_ROLLING"]}}],
                    headers={"Retry-After": str(retry), **allowance.headers()},
                )
            lease.left -= 1
            return Allowance(self.limit, self.limit - lease.used_in_db + lease.left)
