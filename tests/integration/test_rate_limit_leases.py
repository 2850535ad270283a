"""Rate-limit leases (api/ratelimit.py): several limiters (as several server processes)
sharing one database never admit more than the limit in a window, and a new window
starts afresh. Driven with a controlled clock."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from stagecoach.api.errors import ApiError
from stagecoach.api.ratelimit import RateLimiter
from stagecoach.library import Stagecoach
from tests.helpers import Acct


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _admitted(limiter: RateLimiter, acct: Acct, token: int) -> bool:
    try:
        limiter.take(acct.id, token)
        return True
    except ApiError as exc:
        assert exc.status == 429
        return False


def test_processes_sharing_the_database_never_exceed_the_limit(sc: Stagecoach,
                                                               acct: Acct) -> None:
    clock = Clock(1_800_000_000.0)
    procs = [RateLimiter(sc.engine, 40, clock) for _ in range(3)]
    admitted = sum(_admitted(procs[i % 3], acct, 1) for i in range(120))
    # each process may hold at most one unspent block (2 permits) at the window's end
    assert 40 - 3 * procs[0].block <= admitted <= 40
    clock.t += 10
    assert _admitted(procs[0], acct, 1)


def test_429_carries_retry_after_until_the_window_ends(sc: Stagecoach, acct: Acct) -> None:
    clock = Clock(1_800_000_003.5)  # 3.5 s into a window
    limiter = RateLimiter(sc.engine, 2, clock)
    assert _admitted(limiter, acct, 7) and _admitted(limiter, acct, 7)
    with pytest.raises(ApiError) as err:
        limiter.take(acct.id, 7)
    assert err.value.headers is not None
    assert err.value.headers["Retry-After"] == "7"
    assert err.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    # tokens do not share allowances
    assert _admitted(limiter, acct, 8)


def test_remaining_counts_down(sc: Stagecoach, acct: Acct) -> None:
    limiter = RateLimiter(sc.engine, 100, Clock(1_800_000_000.0))
    first = limiter.take(acct.id, 9).remaining
    second = limiter.take(acct.id, 9).remaining
    assert (first, second) == (99, 98)


def test_a_used_up_window_is_refused_without_asking_the_database(sc: Stagecoach,
                                                                 acct: Acct) -> None:
    limiter = RateLimiter(sc.engine, 1, Clock(1_800_000_000.0))
    assert _admitted(limiter, acct, 3)
    assert not _admitted(limiter, acct, 3)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(sc.engine, "before_cursor_execute", count)
    try:
        assert not any(_admitted(limiter, acct, 3) for _ in range(20))
    finally:
        event.remove(sc.engine, "before_cursor_execute", count)
    assert statements == []


def test_daily_headers_are_sent_only_when_a_daily_limit_is_configured(
        sc: Stagecoach, acct: Acct) -> None:
    clock = Clock(1_800_000_000.0)
    plain = RateLimiter(sc.engine, 100, clock).take(acct.id, 11).headers()
    assert set(plain) == {"X-HubSpot-RateLimit-Interval-Milliseconds",
                          "X-HubSpot-RateLimit-Max", "X-HubSpot-RateLimit-Remaining"}
    daily = RateLimiter(sc.engine, 100, clock, daily=500).take(acct.id, 11).headers()
    assert daily["X-HubSpot-RateLimit-Daily"] == "500"
    assert daily["X-HubSpot-RateLimit-Daily-Remaining"] == "499"
    assert daily["X-HubSpot-RateLimit-Max"] == "100"


def test_the_daily_limit_is_per_account_and_shared_by_processes_and_tokens(
        sc: Stagecoach, acct: Acct) -> None:
    clock = Clock(1_800_000_000.0)  # 08:00 UTC: 16 hours left in the day
    procs = [RateLimiter(sc.engine, 1000, clock, daily=30) for _ in range(2)]
    admitted = sum(_admitted(procs[i % 2], acct, 20 + i % 3) for i in range(60))
    assert admitted == 30  # a block of one permit: nothing is lost between processes
    with pytest.raises(ApiError) as err:
        procs[0].take(acct.id, 99)
    assert err.value.headers is not None
    assert err.value.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    assert err.value.errors is not None
    assert err.value.errors[0]["context"]["policyName"] == ["DAILY"]
    assert int(err.value.headers["Retry-After"]) == 16 * 3600
    # Another account has its own day; the next day starts afresh.
    other = Acct.new(sc)
    assert _admitted(procs[0], other, 1)
    clock.t += 16 * 3600
    assert _admitted(procs[1], acct, 20)
