"""Report use cases: validate the parameters, compute in the database, assemble the result.

API, CLI and web app all come through here, so they give the same numbers (rule 48).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from stagecoach.domain import reports as rd
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.properties import PropertyDef
from stagecoach.domain.report_results import (
    FunnelBreakdown,
    FunnelResult,
    ReportResult,
    Series,
    StageChangesResult,
    StageTime,
    TimeInStageResult,
)
from stagecoach.domain.reports import FunnelMode, ReportKind, ReportParams
from stagecoach.services.core.context import Ctx
from stagecoach.services.lists import definitions as list_definitions
from stagecoach.store.reporting import reports as rs

MAX_BUCKETS = 20_000


def params(ctx: Ctx, kind: ReportKind, raw: Mapping[str, object]) -> ReportParams:
    p = rd.parse_params(kind, raw, ctx.catalog)
    if p.list_id is not None:
        found = list_definitions.require(ctx, p.list_id)
        if found.object_type is not p.object_type:
            raise ValidationError(f"List {p.list_id} holds {found.object_type.plural}, not "
                                  f"{p.object_type.plural}", code="LIST_OBJECT_TYPE",
                                  propertyName="listId")
    return p


def _breakdown_def(ctx: Ctx, p: ReportParams) -> PropertyDef | None:
    if p.breakdown is None:
        return None
    return ctx.catalog.require_definition(p.object_type, p.breakdown)


def _every_stage(ctx: Ctx, p: ReportParams) -> bool:
    """Whether the report asks for every stage of the current set: then the store reads
    entries or exits without a per-row stage test and drops the groups of deleted stages."""
    return set(p.stages) >= {s.value for s in ctx.catalog.stages}


def _groups(prop: PropertyDef | None, seen: Iterable[str | None]) -> list[str | None]:
    """Breakdown groups: every option in display order, then values no longer among the
    options, then records without a value (None) when there are any."""
    assert prop is not None
    options = [o.value for o in sorted(prop.options, key=lambda o: o.display_order)]
    seen_set = set(seen)
    extra = sorted(v for v in seen_set if v is not None and v not in options)
    return [*options, *extra, *([None] if None in seen_set else [])]


def funnel(ctx: Ctx, raw: Mapping[str, object]) -> FunnelResult:
    p = params(ctx, ReportKind.FUNNEL, raw)
    prop = _breakdown_def(ctx, p)
    counts = rs.funnel_counts(ctx.conn, ctx.account_id, p, prop)

    def steps_for(group: str | None) -> tuple[rd.FunnelStep, ...]:
        per = {step: n for (g, step), n in counts.items() if g == group}
        if p.mode is FunnelMode.REACHED:
            values = rd.reached_counts(len(p.stages), per)
        else:
            values = [per.get(i, 0) for i in range(len(p.stages))]
        return rd.funnel_steps(p.stages, values)

    if prop is None:
        return FunnelResult(p.mode, p.object_type, steps_for(None))
    groups = _groups(prop, (g for g, _ in counts))
    per_group = tuple(FunnelBreakdown(g, steps_for(g)) for g in groups)
    total = [sum(b.steps[i].count for b in per_group) for i in range(len(p.stages))]
    return FunnelResult(p.mode, p.object_type, rd.funnel_steps(p.stages, total), per_group)


def _stage_times(p: ReportParams, group: str | None,
                 done: Mapping[tuple[str | None, str], rs.StayStats],
                 current: Mapping[tuple[str | None, str], rs.StayStats]) -> tuple[StageTime, ...]:
    out = []
    for s in p.stages:
        d = done.get((group, s))
        c = current.get((group, s))
        out.append(StageTime(
            s, d.count if d else 0, d.median_ms if d else None, d.p90_ms if d else None,
            d.total_ms / d.count if d else None, c.count if c else 0,
            c.median_ms if c else None))
    return tuple(out)


def time_in_stage(ctx: Ctx, raw: Mapping[str, object]) -> TimeInStageResult:
    p = params(ctx, ReportKind.TIME_IN_STAGE, raw)
    prop = _breakdown_def(ctx, p)
    if prop is not None:
        # Percentiles of the whole population cannot be summed from the groups' ones:
        # the totals come from a second run without the breakdown.
        whole = time_in_stage(ctx, {k: v for k, v in raw.items() if k != "breakdown"})
        done, current = rs.stage_times(ctx.conn, ctx.account_id, p, prop, ctx.now)
        groups = _groups(prop, [g for g, _ in done] + [g for g, _ in current])
        return TimeInStageResult(p.object_type, whole.stages, tuple(
            (g, _stage_times(p, g, done, current)) for g in groups))
    done, current = rs.stage_times(ctx.conn, ctx.account_id, p, None, ctx.now,
                                   _every_stage(ctx, p))
    return TimeInStageResult(p.object_type, _stage_times(p, None, done, current))


def stage_changes(ctx: Ctx, raw: Mapping[str, object]) -> StageChangesResult:
    p = params(ctx, ReportKind.STAGE_CHANGES, raw)
    prop = _breakdown_def(ctx, p)
    days = rs.entries_per_day(ctx.conn, ctx.account_id, p, prop, _every_stage(ctx, p))
    first = p.start if p.start is not None else min((d for _, _, d, _ in days), default=None)
    last = p.end if p.end is not None else (p.as_of if p.as_of is not None else ctx.now)
    if first is None:
        starts: list[int] = []
    else:
        approx = (last - first) // {rd.Interval.DAY: rd.DAY_MS, rd.Interval.WEEK: 7 * rd.DAY_MS,
                                    rd.Interval.MONTH: 28 * rd.DAY_MS}[p.interval]
        if approx > MAX_BUCKETS:
            raise ValidationError(
                f"The range holds more than {MAX_BUCKETS} {p.interval.value}s; choose a "
                "shorter range or a longer interval", code="TOO_MANY_BUCKETS")
        starts = rd.bucket_starts(first, last, p.interval)
    # Days folded into the interval's buckets: (group, stage, bucket) -> entries.
    sums: dict[tuple[str | None, str, int], int] = {}
    totals: dict[tuple[str, int], int] = {}
    for g, stage, day, n in days:
        b = rd.bucket_start(day, p.interval)
        sums[(g, stage, b)] = sums.get((g, stage, b), 0) + n
        totals[(stage, b)] = totals.get((stage, b), 0) + n
    whole = _series(p, starts, totals)
    if prop is None:
        return StageChangesResult(p.interval, p.object_type, whole)
    groups = _groups(prop, (g for g, _, _, _ in days))
    return StageChangesResult(p.interval, p.object_type, whole, tuple(
        (g, _series(p, starts, {(s, b): n for (gg, s, b), n in sums.items() if gg == g}))
        for g in groups))


def _series(p: ReportParams, starts: list[int], per: Mapping[tuple[str, int], int]
            ) -> tuple[Series, ...]:
    """One series per stage with a point for every bucket, empty ones included."""
    return tuple(Series(s, tuple((b, per.get((s, b), 0)) for b in starts)) for s in p.stages)


def run(ctx: Ctx, kind: ReportKind, raw: Mapping[str, object]) -> ReportResult:
    if kind is ReportKind.FUNNEL:
        return funnel(ctx, raw)
    if kind is ReportKind.TIME_IN_STAGE:
        return time_in_stage(ctx, raw)
    return stage_changes(ctx, raw)


@dataclass(frozen=True)
class RecordPage:
    stage: str
    total: int
    ids: list[int]
    next_after: int | None


def funnel_records(ctx: Ctx, raw: Mapping[str, object], stage: str, *, after: int | None,
                   limit: int, breakdown_value: tuple[str | None] | None = None) -> RecordPage:
    p = params(ctx, ReportKind.FUNNEL, raw)
    if stage not in p.stages:
        raise ValidationError(f"stage {stage!r} is not one of the funnel's stages",
                              code="INVALID_OPTION", propertyName="stage",
                              allowed=list(p.stages))
    prop = _breakdown_def(ctx, p)
    total, ids = rs.funnel_records(ctx.conn, ctx.account_id, p, prop, p.stages.index(stage),
                                   breakdown_value=breakdown_value, after=after,
                                   limit=limit + 1)
    more = len(ids) > limit
    ids = ids[:limit]
    return RecordPage(stage, total, ids, ids[-1] if more and ids else None)
