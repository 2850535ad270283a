"""A record's stage path (the rule `store/lifecycle/stage_paths.py` keeps in SQL, for funnels).

The path is the record's entries into stages (its stays, domain/stays.py) as one string of
stage codes, in entry order. Entries at one instant are a *tie group*: funnels treat them
as entered in any order (a chain t1 <= t2 may use either order), so a group of k distinct
stages is written as its k codes repeated k times — every order of any of its stages is
then a subsequence of it, and no stage is needed twice by a funnel, whose stages are
distinct. So "entered s1, then s2, ..., then si" is exactly "the codes of s1..si are a
subsequence of the path". The order of the codes inside a group is not fixed.

Beside the path, its *times*: the entry time of each of its characters, each written in
`TIME_WIDTH` characters that sort as the times do (`encode_time`). The entries at or
before an instant are then a prefix of the path, those within a range a slice, found by a
binary search on the times: funnels with `asOf` or a range test the slice as above.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import groupby

from stagecoach.domain.stays import Stay


def groups(stays: Iterable[Stay], codes: Mapping[str, str]) -> list[str]:
    """The tie groups of one record's stays, each as its distinct codes, sorted. A stage
    without a code (never the case: every stage set written hands them out) shows as
    `?`, which no stored path holds, so the path is reported different."""
    ordered = sorted(stays, key=lambda s: (s.entered_at, s.id))
    return ["".join(sorted({codes.get(s.stage, "?") for s in g}))
            for _, g in groupby(ordered, key=lambda s: s.entered_at)]


# Offset and width: every millisecond time within 70,000 years of 1970, as fixed-width
# lowercase hex (which sorts as the times do, byte by byte).
TIME_OFFSET = 1 << 51
TIME_WIDTH = 13


def encode_time(t: int) -> str:
    """`t` as a times block; an instant beyond the encodable ones sorts beyond them too."""
    return f"{min(max(t + TIME_OFFSET, 0), (1 << 52) - 1):013x}"


def times_of(stays: Iterable[Stay], codes: Mapping[str, str]) -> str:
    """The times of the path: each tie group's instant, once per character of the group."""
    ordered = sorted(stays, key=lambda s: (s.entered_at, s.id))
    out = []
    for at, g in groupby(ordered, key=lambda s: s.entered_at):
        k = len({codes.get(s.stage, "?") for s in g})
        out.append(encode_time(at) * (k * k))
    return "".join(out)


def path_of(stays: Iterable[Stay], codes: Mapping[str, str]) -> str:
    return "".join(g * len(g) for g in groups(stays, codes))


def matches(stored: str, stored_times: str, stays: Iterable[Stay],
            codes: Mapping[str, str]) -> bool:
    """Whether `stored` is a path of these stays (any order of codes inside a group), with
    `stored_times` its times."""
    stays = list(stays)
    if stored_times != times_of(stays, codes):
        return False
    at = 0
    for g in groups(stays, codes):
        k = len(g)
        part = stored[at:at + k * k]
        if sorted(part[:k]) != list(g) or part != part[:k] * k:
            return False
        at += k * k
    return at == len(stored)
