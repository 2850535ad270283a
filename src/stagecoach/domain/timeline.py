"""Stays in stages, from the ordered list of stage changes (rules 14-16, 43)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    timestamp: int
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Stay:
    stage: str
    entered_at: int
    exited_at: int | None  # None: the record is still there

    def duration(self, now: int) -> int:
        return (self.exited_at if self.exited_at is not None else now) - self.entered_at


def stays(changes: Sequence[Change]) -> list[Stay]:
    """Every stay, oldest first. A clear ends a stay without starting one (rule 16)."""
    out: list[Stay] = []
    current: tuple[str, int] | None = None
    for c in changes:
        if c.new == (current[0] if current else None):
            continue
        if current is not None:
            out.append(Stay(current[0], current[1], c.timestamp))
        current = (c.new, c.timestamp) if c.new else None
    if current is not None:
        out.append(Stay(current[0], current[1], None))
    return out


def stage_at(changes: Sequence[Change], instant: int) -> str | None:
    stage: str | None = None
    for c in changes:
        if c.timestamp > instant:
            break
        stage = c.new
    return stage
