"""Plain-Python reference forms of the lifecycle reports, for tests only.

Written independently of the SQL: the ordered funnel uses the set of feasible chain ends at
each step (no greedy choice), percentiles sort lists, buckets walk calendars.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from sqlalchemy import select

from stagecoach.store.schema import property_history, records


@dataclass(frozen=True)
class Version:
    record_id: int
    value: str | None
    ts: int
    id: int


def load_versions(conn, account_id: int, object_type: int = 1) -> list[Version]:
    h = property_history.c
    rows = conn.execute(
        select(h.record_id, h.value, h.ts, h.id).where(
            h.account_id == account_id, h.object_type == object_type,
            h.property == "lifecyclestage"))
    return [Version(r.record_id, r.value, r.ts, r.id) for r in rows]


def load_created(conn, account_id: int, object_type: int = 1) -> dict[int, int]:
    r = records.c
    return dict(conn.execute(select(r.id, r.created_at).where(
        r.account_id == account_id, r.object_type == object_type, r.archived.is_(False))).all())


def _visible(versions: Iterable[Version], created: dict[int, int], as_of: int | None
             ) -> list[Version]:
    return [v for v in versions if v.record_id in created
            and (as_of is None or (v.ts <= as_of and created[v.record_id] <= as_of))]


def _entries(versions, created, stages, start, end, as_of) -> dict[int, list[tuple[int, str]]]:
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for v in _visible(versions, created, as_of):
        if v.value in stages and (start is None or v.ts >= start) and (
                end is None or v.ts <= end):
            out[v.record_id].append((v.ts, v.value))
    return out


def funnel(versions: Sequence[Version], created: dict[int, int], stages: Sequence[str],
           mode: str, start: int | None = None, end: int | None = None,
           as_of: int | None = None) -> list[int]:
    counts = [0] * len(stages)
    for ents in _entries(versions, created, stages, start, end, as_of).values():
        if mode == "any":
            for i, s in enumerate(stages):
                counts[i] += any(v == s for _, v in ents)
        elif mode == "reached":
            furthest = max(stages.index(v) for _, v in ents)
            for i in range(furthest + 1):
                counts[i] += 1
        else:
            ends: set[int] | None = None  # feasible chain end times after each step
            for i, s in enumerate(stages):
                times = {t for t, v in ents if v == s}
                ends = times if ends is None else {t for t in times if any(e <= t for e in ends)}
                if not ends:
                    break
                counts[i] += 1
    return counts


def _nearest_rank(sorted_values: list[int], p: Fraction) -> int | None:
    if not sorted_values:
        return None
    return sorted_values[math.ceil(p * len(sorted_values)) - 1]


def time_in_stage(versions, created, stages, now: int, start=None, end=None, as_of=None
                  ) -> dict[str, tuple]:
    """stage -> (completedStays, median, p90, mean, currentCount, currentMedianAge)."""
    by_record: dict[int, list[Version]] = defaultdict(list)
    for v in _visible(versions, created, as_of):
        by_record[v.record_id].append(v)
    at = as_of if as_of is not None else now
    done: dict[str, list[int]] = defaultdict(list)
    ages: dict[str, list[int]] = defaultdict(list)
    for vs in by_record.values():
        vs.sort(key=lambda v: (v.ts, v.id))
        for a, b in zip(vs, [*vs[1:], None], strict=True):
            if a.value not in stages:
                continue
            if b is None:
                ages[a.value].append(at - a.ts)
            elif (start is None or a.ts >= start) and (end is None or a.ts <= end):
                done[a.value].append(b.ts - a.ts)
    out = {}
    for s in stages:
        d, c = sorted(done[s]), sorted(ages[s])
        out[s] = (len(d), _nearest_rank(d, Fraction(1, 2)), _nearest_rank(d, Fraction(9, 10)),
                  sum(d) / len(d) if d else None, len(c), _nearest_rank(c, Fraction(1, 2)))
    return out


def _bucket(ms: int, interval: str) -> datetime:
    d = datetime.fromtimestamp(ms / 1000, tz=UTC).replace(hour=0, minute=0, second=0,
                                                          microsecond=0)
    if interval == "week":
        return d - timedelta(days=d.weekday())
    if interval == "month":
        return d.replace(day=1)
    return d


def stage_changes(versions, created, stages, interval: str, start: int, end: int,
                  as_of=None) -> dict[str, list[tuple[str, int]]]:
    counts: dict[tuple[str, datetime], int] = defaultdict(int)
    for rid, ents in _entries(versions, created, stages, start, end, as_of).items():
        del rid
        for ts, v in ents:
            counts[(v, _bucket(ts, interval))] += 1
    buckets = []
    b = _bucket(start, interval)
    last = _bucket(end, interval)
    while b <= last:
        buckets.append(b)
        if interval == "day":
            b += timedelta(days=1)
        elif interval == "week":
            b += timedelta(days=7)
        else:
            b = (b + timedelta(days=32)).replace(day=1)
    iso = lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # noqa: E731
    return {s: [(iso(b), counts[(s, b)]) for b in buckets] for s in stages}
