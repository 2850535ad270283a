"""Time points of TIME_POINT list filters: a calendar date in a zone, or a point indexed
from now ("today, 30 days ago"), resolved to epoch milliseconds at a given `now`.

Calendar units (years, quarters, months, weeks, days) move the wall clock of the zone, so
"30 days ago" is the same local time across a DST change; hours and shorter are elapsed
time. A date past the end of a shorter month is clamped (Jan 31 + 1 month is Feb 28/29).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stagecoach.domain.errors import ValidationError

# Offset units in the order they are applied and rendered.
CALENDAR_UNITS = ("years", "quarters", "months", "weeks", "days")
CLOCK_UNITS = ("hours", "minutes", "seconds", "milliseconds")
_CLOCK_MS = {"hours": 3_600_000, "minutes": 60_000, "seconds": 1000, "milliseconds": 1}
_TIME_OF_DAY = ("hour", "minute", "second", "millisecond")
_TIME_LIMITS = {"hour": 23, "minute": 59, "second": 59, "millisecond": 999}
MAX_OFFSET = 100_000  # in any unit: enough for centuries of days
# Epoch ms of years 1 and 9999 (domain/values.py): where a time point saturates.
_MIN_MS, _MAX_MS = -62_135_596_800_000, 253_402_300_799_999
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_ROUGH_MS = {"years": 365 * 86_400_000, "quarters": 91 * 86_400_000,
             "months": 30 * 86_400_000, "weeks": 7 * 86_400_000, "days": 86_400_000,
             "hours": 3_600_000, "minutes": 60_000, "seconds": 1000, "milliseconds": 1}
REFERENCES = ("TODAY", "NOW")


def bad(message: str, **context: Any) -> ValidationError:
    return ValidationError(message, code="INVALID_FILTER", **context)


@dataclass(frozen=True)
class TimePoint:
    zone: str
    indexed: bool
    # DATE: year, month, day; INDEXED: the reference (TODAY or NOW) and the offset.
    date: tuple[int, int, int] | None = None
    reference: str = "TODAY"
    offset: tuple[tuple[str, int], ...] = ()
    # Hour, minute, second, millisecond of the day (DATE, and TODAY's reference).
    clock: tuple[int, int, int, int] = (0, 0, 0, 0)

    def at(self, now: int) -> int:
        """The point in epoch ms, for the unit whose time is `now`. Never fails: a list is
        evaluated inside every write, so a point beyond the calendar saturates."""
        try:
            return max(_MIN_MS, min(_MAX_MS, self._at(now)))
        except (OverflowError, ValueError):
            ahead = sum(n * _ROUGH_MS[u] for u, n in self.offset) >= 0
            return _MAX_MS if ahead else _MIN_MS

    def _at(self, now: int) -> int:
        tz = ZoneInfo(self.zone)
        h, mi, s, ms = self.clock
        if not self.indexed:
            assert self.date is not None
            y, mo, d = self.date
            return _ms(datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=tz))
        local = datetime.fromtimestamp(now / 1000, tz=tz)
        if self.reference == "TODAY":
            local = local.replace(hour=h, minute=mi, second=s, microsecond=ms * 1000)
        offsets = dict(self.offset)
        months = offsets.get("years", 0) * 12 + offsets.get("quarters", 0) * 3 \
            + offsets.get("months", 0)
        if months:
            local = _add_months(local, months)
        days = offsets.get("weeks", 0) * 7 + offsets.get("days", 0)
        if days:
            # Wall-clock arithmetic, then the zone's offset at the new date.
            naive = local.replace(tzinfo=None) + timedelta(days=days)
            local = naive.replace(tzinfo=tz)
        elapsed = sum(offsets.get(u, 0) * _CLOCK_MS[u] for u in CLOCK_UNITS)
        return _ms(local) + elapsed

    def day(self, now: int) -> int:
        """Midnight UTC of the point's calendar day in its zone: how date properties
        (stored as midnight UTC of their day) compare with it."""
        at = self.at(now)
        try:
            utc = _EPOCH + timedelta(milliseconds=at)
            offset = ZoneInfo(self.zone).utcoffset(utc) or timedelta(0)
            local = utc + offset
        except (OverflowError, ValueError):
            return at - at % 86_400_000
        return _ms(datetime(local.year, local.month, local.day, tzinfo=UTC))

    def to_wire(self) -> dict[str, Any]:
        h, mi, s, ms = self.clock
        if not self.indexed:
            assert self.date is not None
            y, mo, d = self.date
            return {"timeType": "DATE", "zoneId": self.zone, "year": y, "month": mo,
                    "day": d, "hour": h, "minute": mi, "second": s, "millisecond": ms}
        ref: dict[str, Any] = {"referenceType": self.reference}
        if self.reference == "TODAY" and self.clock != (0, 0, 0, 0):
            ref.update(zip(_TIME_OF_DAY, self.clock, strict=True))
        return {"timeType": "INDEXED", "zoneId": self.zone, "indexReference": ref,
                "offset": dict(self.offset)}


def _ms(dt: datetime) -> int:
    # Wall time minus the zone's offset, without converting (which overflows at the
    # calendar's ends, e.g. year 1 in a zone ahead of UTC).
    offset = dt.utcoffset() or timedelta(0)
    return (dt.replace(tzinfo=None) - _NAIVE_EPOCH - offset) // timedelta(milliseconds=1)


def _add_months(local: datetime, months: int) -> datetime:
    index = local.year * 12 + (local.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("beyond the calendar")
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def _int(raw: Mapping[str, Any], key: str, default: int | None, lo: int, hi: int) -> int:
    value = raw.get(key)
    if value is None:
        if default is None:
            raise bad(f"A DATE time point needs {key}", field=key)
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad(f"{key} of a time point must be a whole number", field=key)
    try:
        number = int(str(value).strip()) if isinstance(value, str) else value
    except ValueError:
        raise bad(f"{key} of a time point must be a whole number", field=key) from None
    if isinstance(number, float):
        if not number.is_integer():
            raise bad(f"{key} of a time point must be a whole number", field=key)
        number = int(number)
    if not lo <= number <= hi:
        raise bad(f"{key} of a time point must be between {lo} and {hi}", field=key)
    return number


def _zone(raw: Mapping[str, Any]) -> str:
    zone = raw.get("zoneId", "UTC")
    if not isinstance(zone, str) or not zone.strip() or len(zone) > 64:
        raise bad("zoneId must be a time zone name such as US/Eastern", field="zoneId")
    try:
        ZoneInfo(zone.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise bad(f"Unknown time zone {zone[:64]!r}", field="zoneId") from None
    return zone.strip()


def _clock(raw: Mapping[str, Any]) -> tuple[int, int, int, int]:
    h, mi, s, ms = (_int(raw, k, 0, 0, _TIME_LIMITS[k]) for k in _TIME_OF_DAY)
    return h, mi, s, ms


def parse_time_point(raw: object) -> TimePoint:
    if not isinstance(raw, Mapping):
        raise bad("A TIME_POINT operation needs a timePoint object")
    kind = raw.get("timeType")
    zone = _zone(raw)
    if kind == "DATE":
        y = _int(raw, "year", None, 1, 9999)
        mo = _int(raw, "month", None, 1, 12)
        d = _int(raw, "day", None, 1, 31)
        if d > calendar.monthrange(y, mo)[1]:
            raise bad(f"{y:04d}-{mo:02d}-{d:02d} is not a date")
        return TimePoint(zone, False, date=(y, mo, d), clock=_clock(raw))
    if kind == "INDEXED":
        ref = raw.get("indexReference")
        if not isinstance(ref, Mapping) or ref.get("referenceType") not in REFERENCES:
            given = ref.get("referenceType") if isinstance(ref, Mapping) else ref
            raise bad(f"Unsupported indexReference referenceType {given!r}; supported: "
                      + ", ".join(REFERENCES), referenceType=str(given))
        offset_raw = raw.get("offset") or {}
        if not isinstance(offset_raw, Mapping):
            raise bad("offset of a time point must be an object such as {\"days\": -30}")
        unknown = set(offset_raw) - set(CALENDAR_UNITS) - set(CLOCK_UNITS)
        if unknown:
            raise bad(f"Unsupported offset unit {sorted(unknown)[0]!r}")
        offset = tuple((u, n) for u in (*CALENDAR_UNITS, *CLOCK_UNITS)
                       if (n := _int(offset_raw, u, 0, -MAX_OFFSET, MAX_OFFSET)) != 0)
        reference = str(ref["referenceType"])
        clock = _clock(ref) if reference == "TODAY" else (0, 0, 0, 0)
        return TimePoint(zone, True, reference=reference, offset=offset, clock=clock)
    raise bad(f"Unsupported timeType {kind!r}; supported: DATE, INDEXED",
              timeType=str(kind))
