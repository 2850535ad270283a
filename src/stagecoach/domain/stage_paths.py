"""A record's stage path (the rule `store/stage_paths.py` keeps in SQL, for funnels).

The path is the record's entries into stages (its stays, domain/stays.py) as one string of
stage codes, in entry order. Entries at one instant are a *tie group*: funnels treat them
as entered in any order (a chain t1 <= t2 may use either order), so a group of k distinct
stages is written as its k codes repeated k times — every order of any of its stages is
then a subsequence of it, and no stage is needed twice by a funnel, whose stages are
distinct. So "entered s1, then s2, ..., then si" is exactly "the codes of s1..si are a
subsequence of the path". The order of the codes inside a group is not fixed.
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


def path_of(stays: Iterable[Stay], codes: Mapping[str, str]) -> str:
    return "".join(g * len(g) for g in groups(stays, codes))


def matches(stored: str, stays: Iterable[Stay], codes: Mapping[str, str]) -> bool:
    """Whether `stored` is a path of these stays (any order of codes inside a group)."""
    at = 0
    for g in groups(stays, codes):
        k = len(g)
        part = stored[at:at + k * k]
        if sorted(part[:k]) != list(g) or part != part[:k] * k:
            return False
        at += k * k
    return at == len(stored)
