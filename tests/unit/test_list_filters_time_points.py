"""Time points of TIME_POINT list filters, resolved at a given `now`: calendar dates in a
zone, today and now with offsets, across DST and month ends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from stagecoach.domain.lists.time_points import parse_time_point


def _ms(*args: int, tz: str = "UTC") -> int:
    return int(datetime(*args, tzinfo=ZoneInfo(tz)).timestamp() * 1000)  # type: ignore[misc]


NOW = _ms(2024, 3, 31, 15, 30)  # a Sunday afternoon UTC; DST began in Europe that night


@pytest.mark.parametrize(("raw", "expected"), [
    ({"timeType": "DATE", "zoneId": "UTC", "year": 2024, "month": 1, "day": 5},
     _ms(2024, 1, 5)),
    ({"timeType": "DATE", "zoneId": "US/Eastern", "year": 2024, "month": 1, "day": 5,
      "hour": 9}, _ms(2024, 1, 5, 9, tz="US/Eastern")),
    ({"timeType": "INDEXED", "zoneId": "UTC", "indexReference": {"referenceType": "NOW"}},
     NOW),
    ({"timeType": "INDEXED", "zoneId": "UTC", "indexReference": {"referenceType": "TODAY"},
      "offset": {"days": -30}}, _ms(2024, 3, 1)),
    # Thirty days back in Paris crosses the DST change: still local midnight.
    ({"timeType": "INDEXED", "zoneId": "Europe/Paris",
      "indexReference": {"referenceType": "TODAY"}, "offset": {"days": -30}},
     _ms(2024, 3, 1, tz="Europe/Paris")),
    ({"timeType": "INDEXED", "zoneId": "UTC", "indexReference": {"referenceType": "TODAY"},
      "offset": {"months": -1}}, _ms(2024, 2, 29)),
    ({"timeType": "INDEXED", "zoneId": "UTC", "indexReference": {"referenceType": "NOW"},
      "offset": {"hours": 2, "weeks": 1}}, NOW + 7 * 86_400_000 + 2 * 3_600_000),
])
def test_a_time_point_resolves_at_now(raw: dict[str, Any], expected: int) -> None:
    assert parse_time_point(raw).at(NOW) == expected


def test_an_indexed_point_moves_with_now() -> None:
    point = parse_time_point({"timeType": "INDEXED", "zoneId": "UTC",
                              "indexReference": {"referenceType": "TODAY"},
                              "offset": {"days": -1}})
    later = NOW + 10 * 86_400_000
    assert point.at(later) - point.at(NOW) == 10 * 86_400_000


def test_the_day_of_a_point_is_its_calendar_day_in_its_zone() -> None:
    # 00:30 in Tokyo is still the previous day in UTC; the day is Tokyo's.
    point = parse_time_point({"timeType": "DATE", "zoneId": "Asia/Tokyo", "year": 2024,
                              "month": 6, "day": 2, "minute": 30})
    assert point.day(NOW) == int(datetime(2024, 6, 2, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize("raw", [
    {"timeType": "INDEXED", "zoneId": "UTC", "indexReference": {"referenceType": "TODAY"},
     "offset": {"years": -99_999}},
    {"timeType": "INDEXED", "zoneId": "UTC", "indexReference": {"referenceType": "NOW"},
     "offset": {"months": 100_000}},
    {"timeType": "DATE", "zoneId": "Pacific/Kiritimati", "year": 1, "month": 1, "day": 1},
    {"timeType": "DATE", "zoneId": "Etc/GMT+12", "year": 9999, "month": 12, "day": 31,
     "hour": 23},
])
def test_a_point_beyond_the_calendar_saturates_instead_of_failing(raw: dict[str, Any]
                                                                  ) -> None:
    point = parse_time_point(raw)
    assert -62_135_596_800_000 <= point.at(NOW) <= 253_402_300_799_999
    assert isinstance(point.day(NOW), int)
