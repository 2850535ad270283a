from __future__ import annotations

import fnmatch

from stagecoach.domain.stage_paths import encode_time, matches, path_of, times_of
from stagecoach.domain.stays import Stay

CODES = {"subscriber": "0", "lead": "1", "customer": "5"}


def _stay(i: int, stage: str, at: int) -> Stay:
    return Stay(1, i, stage, at, 0, None, None, None)


def test_entries_at_one_instant_are_a_group_repeated_so_any_order_is_a_subsequence() -> None:
    stays = [_stay(1, "subscriber", 10), _stay(2, "customer", 20), _stay(3, "lead", 20)]
    path = path_of(stays, CODES)
    assert path == "01515"
    # lead and customer entered at one instant: a funnel may take them in either order.
    assert fnmatch.fnmatchcase(path, "*0*5*1*") and fnmatch.fnmatchcase(path, "*0*1*5*")
    assert not fnmatch.fnmatchcase(path, "*5*0*")


def test_a_stored_path_matches_whatever_the_order_inside_its_groups() -> None:
    stays = [_stay(1, "subscriber", 10), _stay(2, "customer", 20), _stay(3, "lead", 20)]
    T = times_of(stays, CODES)
    assert matches("05151", T, stays, CODES)
    assert matches("01515", T, stays, CODES)
    assert not matches("01551", T, stays, CODES)
    assert not matches("0151", T, stays, CODES)
    assert not matches("015150", T, stays, CODES)


def test_a_stage_without_a_code_never_matches() -> None:
    assert not matches("0", encode_time(10), [_stay(1, "evangelist", 10)], CODES)


def test_times_give_each_character_its_group_instant_in_blocks_sorted_as_the_times() -> None:
    stays = [_stay(1, "subscriber", -10), _stay(2, "customer", 20), _stay(3, "lead", 20)]
    assert times_of(stays, CODES) == encode_time(-10) + encode_time(20) * 4
    times = [-(2**50), -1, 0, 1, 10**12, 1_600_000_000_000, 2**50]
    assert sorted(times, key=encode_time) == times
    assert len({len(encode_time(t)) for t in times}) == 1


def test_a_stored_path_with_other_times_does_not_match() -> None:
    stays = [_stay(1, "subscriber", 10), _stay(2, "lead", 20)]
    assert matches("01", encode_time(10) + encode_time(20), stays, CODES)
    assert not matches("01", encode_time(10) + encode_time(21), stays, CODES)
    assert not matches("01", encode_time(10), stays, CODES)
