"""Stays in a lifecycle stage (the rule `store/lifecycle/stays.py` keeps in SQL, for reports).

A stay is an entry into a stage — a non-empty `lifecyclestage` version — until the record's
next stage version (empty or not), in (time, id) order; the last one is open. Each stay also
knows when the record last entered the same stage before (`prev_same_at`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Stay:
    record_id: int
    id: int  # the entering version's id
    stage: str
    entered_at: int
    entered_day: int  # the UTC day of entered_at, counted from the epoch
    exited_at: int | None
    duration_ms: int | None
    prev_same_at: int | None


@dataclass(frozen=True)
class StageVersion:
    record_id: int
    id: int
    value: str | None
    ts: int


def from_versions(versions: Iterable[StageVersion]) -> list[Stay]:
    """Stays of the given stage versions (any records), in (record, time, id) order."""
    out: list[Stay] = []
    ordered = sorted(versions, key=lambda v: (v.record_id, v.ts, v.id))
    last_entry: dict[tuple[int, str], int] = {}
    for i, v in enumerate(ordered):
        if v.value is None:
            continue
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        exited = nxt.ts if nxt is not None and nxt.record_id == v.record_id else None
        key = (v.record_id, v.value)
        out.append(Stay(v.record_id, v.id, v.value, v.ts, v.ts // DAY_MS, exited,
                        None if exited is None else exited - v.ts, last_entry.get(key)))
        last_entry[key] = v.ts
    return out


def current_entry(stays: Sequence[Stay]) -> int | None:
    """When a record entered its current stage: its open stay's entry, if it has one (the
    last of its stays, in order)."""
    if stays and stays[-1].exited_at is None:
        return stays[-1].entered_at
    return None
