"""Report results, their JSON shape (api spec section 8) and their table form.

The table form (a header and rows) is what both CSV and the command line's tables print, so
the API, CSV and CLI show the same numbers (rule 48).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stagecoach.domain.csv_cells import safe_row
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.reports import FunnelMode, FunnelStep, Interval
from stagecoach.domain.values import ms_to_iso

Cell = str | int | float | None
Table = tuple[tuple[str, ...], list[tuple[Cell, ...]]]


def _step_json(s: FunnelStep) -> dict[str, Any]:
    return {"stage": s.stage, "count": s.count, "nextStepConversion": s.next_step_conversion,
            "cumulativeConversion": s.cumulative_conversion}


@dataclass(frozen=True)
class FunnelBreakdown:
    value: str | None
    steps: tuple[FunnelStep, ...]


@dataclass(frozen=True)
class FunnelResult:
    mode: FunnelMode
    object_type: ObjectType
    steps: tuple[FunnelStep, ...]
    breakdown: tuple[FunnelBreakdown, ...] | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mode": self.mode.value, "objectType": self.object_type.plural,
                               "steps": [_step_json(s) for s in self.steps]}
        if self.breakdown is not None:
            out["breakdown"] = [{"value": b.value, "steps": [_step_json(s) for s in b.steps]}
                                for b in self.breakdown]
        return out

    def table(self) -> Table:
        cols = ("stage", "count", "nextStepConversion", "cumulativeConversion")
        if self.breakdown is None:
            return cols, [(s.stage, s.count, s.next_step_conversion, s.cumulative_conversion)
                          for s in self.steps]
        return ("breakdown", *cols), [
            (b.value, s.stage, s.count, s.next_step_conversion, s.cumulative_conversion)
            for b in self.breakdown for s in b.steps]


@dataclass(frozen=True)
class StageTime:
    stage: str
    completed_stays: int
    median_ms: int | None
    p90_ms: int | None
    mean_ms: float | None
    current_count: int
    current_median_age_ms: int | None

    def as_json(self) -> dict[str, Any]:
        return {"stage": self.stage, "completedStays": self.completed_stays,
                "medianMs": self.median_ms, "p90Ms": self.p90_ms, "meanMs": self.mean_ms,
                "currentCount": self.current_count,
                "currentMedianAgeMs": self.current_median_age_ms}

    def row(self) -> tuple[Cell, ...]:
        return (self.stage, self.completed_stays, self.median_ms, self.p90_ms, self.mean_ms,
                self.current_count, self.current_median_age_ms)


TIME_COLUMNS = ("stage", "completedStays", "medianMs", "p90Ms", "meanMs", "currentCount",
                "currentMedianAgeMs")


@dataclass(frozen=True)
class TimeInStageResult:
    object_type: ObjectType
    stages: tuple[StageTime, ...]
    breakdown: tuple[tuple[str | None, tuple[StageTime, ...]], ...] | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"objectType": self.object_type.plural,
                               "stages": [s.as_json() for s in self.stages]}
        if self.breakdown is not None:
            out["breakdown"] = [{"value": v, "stages": [s.as_json() for s in ss]}
                                for v, ss in self.breakdown]
        return out

    def table(self) -> Table:
        if self.breakdown is None:
            return TIME_COLUMNS, [s.row() for s in self.stages]
        return ("breakdown", *TIME_COLUMNS), [(v, *s.row()) for v, ss in self.breakdown
                                              for s in ss]


@dataclass(frozen=True)
class Series:
    stage: str
    points: tuple[tuple[int, int], ...]  # (bucket start ms, entries)


def _series_json(series: Sequence[Series]) -> list[dict[str, Any]]:
    return [{"stage": s.stage, "points": [{"start": ms_to_iso(t), "count": c}
                                          for t, c in s.points]} for s in series]


@dataclass(frozen=True)
class StageChangesResult:
    interval: Interval
    object_type: ObjectType
    series: tuple[Series, ...]
    breakdown: tuple[tuple[str | None, tuple[Series, ...]], ...] | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"interval": self.interval.value,
                               "objectType": self.object_type.plural,
                               "series": _series_json(self.series)}
        if self.breakdown is not None:
            out["breakdown"] = [{"value": v, "series": _series_json(ss)}
                                for v, ss in self.breakdown]
        return out

    def table(self) -> Table:
        cols = ("stage", "start", "count")
        if self.breakdown is None:
            return cols, [(s.stage, ms_to_iso(t), c) for s in self.series for t, c in s.points]
        return ("breakdown", *cols), [(v, s.stage, ms_to_iso(t), c) for v, ss in self.breakdown
                                      for s in ss for t, c in s.points]


ReportResult = FunnelResult | TimeInStageResult | StageChangesResult


def to_csv(table: Table) -> str:
    """CSV with a header row; an empty cell is a null (no conversion, no value)."""
    import csv
    import io

    header, rows = table
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(safe_row(header))
    writer.writerows(safe_row("" if c is None else c for c in row) for row in rows)
    return out.getvalue()
