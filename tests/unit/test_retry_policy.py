"""When failed background work is tried again (domain/work.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stagecoach.domain.work import RetryPolicy

POLICY = RetryPolicy(max_attempts=10, base_ms=1_000, cap_ms=60_000)
jitters = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)


@given(st.lists(jitters, min_size=6, max_size=6))
def test_each_delay_before_the_cap_is_longer_than_the_one_before(js: list[float]) -> None:
    delays = [POLICY.delay_ms(n, j) for n, j in enumerate(js, start=1)]
    assert all(b > a for a, b in zip(delays, delays[1:], strict=False)), delays


@given(st.integers(min_value=1, max_value=10_000), jitters)
def test_a_delay_is_between_half_and_all_of_its_exponential_step_and_never_past_the_cap(
        failures: int, jitter: float) -> None:
    step = min(POLICY.cap_ms, POLICY.base_ms * 2 ** min(failures - 1, 40))
    assert step // 2 <= POLICY.delay_ms(failures, jitter) <= step <= POLICY.cap_ms


def test_jitter_spreads_items_that_failed_together() -> None:
    assert POLICY.delay_ms(3, 0.0) == 2_000 and POLICY.delay_ms(3, 0.999) == 3_998


def test_the_last_allowed_attempt_gets_no_next_try() -> None:
    policy = RetryPolicy(max_attempts=3, base_ms=100)
    assert policy.next_try(1, 1_000, 0.0) == 1_050
    assert policy.next_try(2, 1_000, 0.0) == 1_100
    assert policy.next_try(3, 1_000, 0.0) is None


def test_more_attempts_than_allowed_are_exhausted() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert not policy.exhausted(3)
    assert policy.exhausted(4)
