"""When background work that failed is tried again (automation spec rules 79-80).

A failed try is retried after an exponential backoff: the n-th failure waits about
`base_ms * 2**(n-1)`, capped at `cap_ms`, with "equal jitter" (half the delay fixed, half
random) so that many items failing together (a receiver down) do not all come back in the
same instant, while each delay below the cap is still longer than the one before. After
`max_attempts` tries the item fails for good.
"""

from __future__ import annotations

from dataclasses import dataclass

# 2**40 ms is 35 years: past any cap, and it keeps the power small.
_MAX_EXPONENT = 40


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_ms: int = 1_000
    cap_ms: int = 15 * 60_000

    def delay_ms(self, failures: int, jitter: float) -> int:
        """The wait after the `failures`-th failed try; `jitter` is uniform in [0, 1)."""
        exponent: int = min(max(failures - 1, 0), _MAX_EXPONENT)
        full = min(self.cap_ms, self.base_ms * (1 << exponent))
        half = full // 2
        return half + int((full - half) * min(max(jitter, 0.0), 1.0))

    def next_try(self, attempts: int, now: int, jitter: float) -> int | None:
        """When to try again after the `attempts`-th try failed at `now`; None when that
        was the last try."""
        if attempts >= self.max_attempts:
            return None
        return now + self.delay_ms(attempts, jitter)

    def exhausted(self, attempts: int) -> bool:
        """Whether `attempts` tries are more than the policy allows (a worker that dies
        during every try must not take the queue down with it forever)."""
        return attempts > self.max_attempts
