"""Lifecycle reports (lifecycle spec section 11, api spec section 8): what can be asked,
and the arithmetic that turns counts into a report.

Parameters arrive from a JSON body, from query strings (lists comma-separated, filterGroups
as JSON text) or from the command line; `parse_params` is the one validator for all three,
so the three give the same numbers (rule 48).

Decisions (the specs are silent):
- `from`/`to` bound the *entry* time of what a report counts, both ends inclusive: the
  funnel's entries, the completed stays of time in stage (by the time the stay began) and
  stage changes. The "in the stage now" part of time in stage is a snapshot (at `asOf` or
  now) and ignores the range.
- Percentiles use the nearest-rank method: the p-th percentile of n sorted durations is the
  ceil(p * n)-th smallest (so the median of an even count is the lower middle). Exact and
  the same on SQLite and PostgreSQL.
- Weeks start on Monday, buckets are UTC.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from stagecoach.domain.catalog import Catalog
from stagecoach.domain.errors import NotFound, ValidationError
from stagecoach.domain.filters import FilterGroup, parse_groups
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.values import PropertyType, iso_to_ms, whole_number


class ReportKind(StrEnum):
    FUNNEL = "funnel"
    TIME_IN_STAGE = "time-in-stage"
    STAGE_CHANGES = "stage-changes"


class FunnelMode(StrEnum):
    ORDERED = "ordered"
    ANY = "any"
    REACHED = "reached"


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


COMMON_KEYS = frozenset({"objectType", "from", "to", "asOf", "filterGroups", "breakdown",
                         "stages", "listId"})
KEYS = {
    ReportKind.FUNNEL: COMMON_KEYS | {"mode"},
    ReportKind.TIME_IN_STAGE: COMMON_KEYS,
    ReportKind.STAGE_CHANGES: COMMON_KEYS | {"interval"},
}


@dataclass(frozen=True)
class ReportParams:
    object_type: ObjectType
    stages: tuple[str, ...]
    mode: FunnelMode = FunnelMode.ORDERED
    interval: Interval = Interval.WEEK
    start: int | None = None  # `from`, epoch ms, inclusive
    end: int | None = None  # `to`, epoch ms, inclusive
    as_of: int | None = None
    breakdown: str | None = None
    filter_groups: tuple[FilterGroup, ...] = ()
    # A list whose members are the segment (automation spec rule 58), with filterGroups.
    list_id: int | None = None


def _choice(raw: Mapping[str, object], key: str, enum: type[StrEnum], default: StrEnum
            ) -> StrEnum:
    v = raw.get(key)
    if v is None or v == "":
        return default
    try:
        return enum(str(v).strip().lower())
    except ValueError:
        raise ValidationError(
            f"{key} must be one of {', '.join(e.value for e in enum)}", code="INVALID_OPTION",
            propertyName=key, allowed=[e.value for e in enum]) from None


def _time(raw: Mapping[str, object], key: str) -> int | None:
    v = raw.get(key)
    if v is None or v == "":
        return None
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if not isinstance(v, str):
        raise ValidationError(f"{key} must be an ISO datetime", code="INVALID_DATETIME",
                              propertyName=key)
    try:
        return iso_to_ms(v)
    except (ValueError, OverflowError):
        raise ValidationError(f"{key} must be an ISO datetime such as "
                              "2024-09-11T13:27:39.356Z", code="INVALID_DATETIME",
                              propertyName=key) from None


def _list(v: object, key: str) -> list[str] | None:
    if v is None or v == "":
        return None
    if isinstance(v, str):
        return [s.strip() for s in v.split(",") if s.strip()]
    if isinstance(v, Sequence) and all(isinstance(s, str) for s in v):
        return [str(s).strip() for s in v]
    raise ValidationError(f"{key} must be a list of strings", code="INVALID_INPUT",
                          propertyName=key)


def parse_params(kind: ReportKind, raw: Mapping[str, object], catalog: Catalog) -> ReportParams:
    unknown = sorted(set(raw) - KEYS[kind])
    if unknown:
        raise ValidationError(f"Unknown parameter(s) for the {kind} report: "
                              + ", ".join(unknown), code="UNKNOWN_PARAMETER",
                              allowed=sorted(KEYS[kind]))
    ot_name = raw.get("objectType") or "contacts"
    try:
        object_type = ObjectType.parse(str(ot_name))
    except NotFound:
        object_type = ObjectType.DEAL  # refused just below, as any type without stages
    if not object_type.has_lifecycle:
        raise ValidationError("objectType must be contacts or companies",
                              code="INVALID_OPTION", propertyName="objectType",
                              allowed=["contacts", "companies"])
    stages = _list(raw.get("stages"), "stages")
    known = catalog.stages.values
    if stages is None:
        stages = list(known)
    if not stages:
        raise ValidationError("stages must name at least one stage", code="INVALID_OPTION",
                              propertyName="stages")
    bad = [s for s in stages if s not in known]
    if bad:
        raise ValidationError(f"Unknown lifecycle stage(s): {', '.join(bad)}",
                              code="INVALID_OPTION", propertyName="stages",
                              allowed=list(known))
    if len(set(stages)) != len(stages):
        raise ValidationError("stages must not repeat a stage", code="INVALID_OPTION",
                              propertyName="stages")
    breakdown = raw.get("breakdown") or None
    if breakdown is not None:
        prop = catalog.require_definition(object_type, str(breakdown))
        if prop.type is not PropertyType.ENUMERATION:
            raise ValidationError(f"breakdown must be an enumeration property; "
                                  f"{prop.name} is {prop.type}", code="INVALID_BREAKDOWN",
                                  propertyName="breakdown")
        breakdown = prop.name
    groups_raw = raw.get("filterGroups")
    if isinstance(groups_raw, str) and groups_raw.strip():
        try:
            groups_raw = json.loads(groups_raw)
        except ValueError:
            raise ValidationError("filterGroups must be JSON text", code="INVALID_FILTER"
                                  ) from None
    start, end = _time(raw, "from"), _time(raw, "to")
    if start is not None and end is not None and start > end:
        raise ValidationError("from must not be after to", code="INVALID_RANGE")
    return ReportParams(
        object_type=object_type,
        stages=tuple(stages),
        mode=FunnelMode(_choice(raw, "mode", FunnelMode, FunnelMode.ORDERED)),
        interval=Interval(_choice(raw, "interval", Interval, Interval.WEEK)),
        start=start,
        end=end,
        as_of=_time(raw, "asOf"),
        breakdown=breakdown,
        filter_groups=parse_groups(groups_raw or None, object_type,
                                   catalog.require_definition),
        list_id=(None if raw.get("listId") in (None, "")
                 else whole_number(str(raw.get("listId")), "listId", low=1)),
    )


# --- Funnel arithmetic ---------------------------------------------------------------

@dataclass(frozen=True)
class FunnelStep:
    stage: str
    count: int
    next_step_conversion: float | None
    cumulative_conversion: float | None


def ratio(part: int, base: int) -> float | None:
    return part / base if base else None


def funnel_steps(stages: Sequence[str], counts: Sequence[int]) -> tuple[FunnelStep, ...]:
    """nextStepConversion = count(i+1)/count(i), none on the last step; cumulative =
    count(i)/count(1) (so 1 on the first step); null wherever the base is 0."""
    first = counts[0] if counts else 0
    return tuple(
        FunnelStep(
            stage, c,
            ratio(counts[i + 1], c) if i + 1 < len(counts) else None,
            ratio(c, first),
        )
        for i, (stage, c) in enumerate(zip(stages, counts, strict=True))
    )


def reached_counts(steps: int, furthest: Mapping[int, int]) -> list[int]:
    """`reached` mode: a record whose furthest step is j counts at steps 0..j."""
    out = [0] * steps
    running = 0
    for i in range(steps - 1, -1, -1):
        running += furthest.get(i, 0)
        out[i] = running
    return out


# --- Percentiles (nearest rank) -----------------------------------------------------

MEDIAN = (1, 2)
P90 = (9, 10)


def nearest_rank(n: int, num: int, den: int) -> int:
    """1-based rank of the num/den percentile among n sorted values: ceil(n * num / den).
    The SQL form is (n * num + den - 1) / den in integer arithmetic."""
    return (n * num + den - 1) // den


@dataclass(frozen=True)
class LengthBucket:
    """Stays whose lengths share a bucket of a monotone bucketing: every stay of a later
    bucket is strictly longer than every stay of this one."""
    n: int
    shortest: int
    longest: int


@dataclass(frozen=True)
class RankSeek:
    """Where the stay at a rank lies: its length when its bucket holds one length, or the
    offset to walk from the bucket's shortest stay in length order."""
    known: int | None
    start: int
    offset: int


def seek_rank(buckets: Sequence[LengthBucket], rank: int) -> RankSeek:
    """The 1-based `rank` among the buckets' stays (given in length order), found by their
    counts so that at most one bucket is walked, not every stay before it."""
    before = 0
    for b in buckets:
        if before + b.n >= rank:
            if b.shortest == b.longest:
                return RankSeek(b.shortest, b.shortest, 0)
            return RankSeek(None, b.shortest, rank - before - 1)
        before += b.n
    raise ValueError(f"rank {rank} is beyond the {before} stays counted")


# --- Time buckets (UTC) -------------------------------------------------------------

DAY_MS = 86_400_000
_MONDAY = 4 * DAY_MS  # 1970-01-05, the first Monday after the epoch


def bucket_start(ms: int, interval: Interval) -> int:
    day = ms - ms % DAY_MS
    if interval is Interval.DAY:
        return day
    if interval is Interval.WEEK:
        return day - (day - _MONDAY) % (7 * DAY_MS)
    d = datetime.fromtimestamp(day / 1000, tz=UTC)
    return int(datetime(d.year, d.month, 1, tzinfo=UTC).timestamp() * 1000)


def next_bucket(start: int, interval: Interval) -> int:
    if interval is Interval.DAY:
        return start + DAY_MS
    if interval is Interval.WEEK:
        return start + 7 * DAY_MS
    d = datetime.fromtimestamp(start / 1000, tz=UTC)
    y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return int(datetime(y, m, 1, tzinfo=UTC).timestamp() * 1000)


def bucket_starts(first: int, last: int, interval: Interval) -> list[int]:
    """Every bucket from the one holding `first` to the one holding `last`."""
    out = []
    b = bucket_start(first, interval)
    while b <= last:
        out.append(b)
        b = next_bucket(b, interval)
    return out
