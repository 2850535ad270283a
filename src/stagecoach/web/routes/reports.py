"""`/reports`: the lifecycle reports (funnel, time in stage, stage changes) as a page with
server-drawn SVG charts, a table of the same numbers, CSV/SVG/PNG exports, and the records
behind each funnel step. Every number comes from services/reporting/reports, as the API's
(rule 48)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from stagecoach.domain.errors import DomainError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.report_results import (
    FunnelResult,
    ReportResult,
    Series,
    StageChangesResult,
    StageTime,
    TimeInStageResult,
    to_csv,
)
from stagecoach.domain.reports import FunnelMode, FunnelStep, Interval, ReportKind
from stagecoach.domain.values import PropertyType, is_decimal, ms_to_iso
from stagecoach.services.core.context import Ctx
from stagecoach.services.reporting import reports
from stagecoach.web import charts, pages
from stagecoach.web import session as sessions
from stagecoach.web.common import run
from stagecoach.web.routing import WebError, WebRoute

router = APIRouter(route_class=WebRoute)
RECORDS_PAGE = 100


def _kind(request: Request) -> ReportKind:
    try:
        return ReportKind(request.query_params.get("report") or "funnel")
    except ValueError:
        raise WebError(404, "No such report",
                       "Reports are funnel, time-in-stage and stage-changes.") from None


def _raw(request: Request, kind: ReportKind) -> dict[str, object]:
    """The API's report parameters from the page's form: dates are whole UTC days."""
    q = request.query_params
    raw: dict[str, object] = {"objectType": q.get("objectType") or "contacts"}
    stages = [s for s in q.getlist("stages") if s]
    if stages:
        raw["stages"] = stages
    if q.get("from"):
        raw["from"] = f"{q['from']}T00:00:00.000Z"
    if q.get("to"):
        raw["to"] = f"{q['to']}T23:59:59.999Z"
    if q.get("breakdown"):
        raw["breakdown"] = q["breakdown"]
    if kind is ReportKind.FUNNEL and q.get("mode"):
        raw["mode"] = q["mode"]
    if kind is ReportKind.STAGE_CHANGES and q.get("interval"):
        raw["interval"] = q["interval"]
    return raw


def _object_type(raw: dict[str, object]) -> ObjectType:
    return ObjectType.COMPANY if raw.get("objectType") == "companies" else ObjectType.CONTACT


def _records_href(request: Request, stage: str, value: str | None = None,
                  broken_down: bool = False) -> str:
    q = [(k, v) for k, v in request.query_params.multi_items() if k not in ("stage", "bv")]
    q.append(("stage", stage))
    if broken_down:
        q.append(("bv", value or ""))
    return "/reports/funnel/records?" + urlencode(q)


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x * 100:.1f}%"


def _group_name(value: str | None, options: dict[str, str]) -> str:
    return "(no value)" if value is None else options.get(value, value)


@dataclass(frozen=True)
class Panel:
    """One chart with its own numbers: the table beside it shows what its bars show, so
    every small multiple reads without the chart."""
    svg: str
    title: str
    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


def _funnel_panel(request: Request, chart_id: str, title: str, desc: str,
                  steps: Sequence[FunnelStep], labels: dict[str, str], colour: int,
                  scale: float | None, group: tuple[str | None] | None = None) -> Panel:
    items = [charts.Bar(labels.get(s.stage, s.stage), s.count,
                        f"{s.count} ({_pct(s.cumulative_conversion)})",
                        _records_href(request, s.stage, group[0], True) if group
                        else _records_href(request, s.stage)) for s in steps]
    rows = [(labels.get(s.stage, s.stage), str(s.count), _pct(s.next_step_conversion),
             _pct(s.cumulative_conversion)) for s in steps]
    return Panel(charts.bars(chart_id, title, desc, items, colour, scale), title,
                 ("Stage", "Count", "Next step", "Cumulative"), rows)


def _time_panel(chart_id: str, title: str, desc: str, stages: Sequence[StageTime],
                labels: dict[str, str], colour: int, scale: float | None) -> Panel:
    d = pages.fmt_duration
    items = [charts.Bar(labels.get(s.stage, s.stage), float(s.median_ms or 0),
                        d(s.median_ms) or "no stays") for s in stages]
    rows = [(labels.get(s.stage, s.stage), str(s.completed_stays), d(s.median_ms),
             d(s.p90_ms), d(s.mean_ms), str(s.current_count), d(s.current_median_age_ms))
            for s in stages]
    return Panel(charts.bars(chart_id, title, desc, items, colour, scale), title,
                 ("Stage", "Completed stays", "Median", "90th percentile", "Mean",
                  "In stage now", "Median time so far"), rows)


def _changes_panel(chart_id: str, title: str, desc: str, series: Series, colour: int,
                   scale: float | None) -> Panel:
    items = [charts.Bar(ms_to_iso(t)[:10], c, str(c)) for t, c in series.points]
    return Panel(charts.bars(chart_id, title, desc, items, colour, scale), title,
                 ("Starting", "Entries"), [(ms_to_iso(t)[:10], str(c))
                                           for t, c in series.points])


def chart_panels(request: Request, result: ReportResult, labels: dict[str, str],
                 options: dict[str, str] | None = None) -> list[Panel]:
    """The charts of a result, each with its table: the whole funnel, the median time per
    stage, or one series per stage; then, with a breakdown, the same per breakdown value as
    small multiples on one scale, so that groups compare at a glance. `options` labels the
    breakdown property's values."""
    options = options or {}
    if isinstance(result, FunnelResult):
        mode = result.mode.value
        out = [_funnel_panel(request, "funnel-chart", f"Funnel ({mode})",
                             f"Records per funnel step, {result.object_type.plural}.",
                             result.steps, labels, 0, None)]
        scale = max((s.count for s in result.steps), default=0) or None
        for i, group in enumerate(result.breakdown or ()):
            name = _group_name(group.value, options)
            out.append(_funnel_panel(
                request, f"funnel-chart-{i}", f"{name}: funnel ({mode})",
                f"Records per funnel step whose breakdown value is {name}.", group.steps,
                labels, i + 1, scale, (group.value,)))
        return out
    if isinstance(result, TimeInStageResult):
        # A group's median can exceed the whole's, so the shared scale is the largest of all.
        scale = max((s.median_ms or 0 for ss in [result.stages,
                                                 *(g for _, g in result.breakdown or ())]
                     for s in ss), default=0) or None
        out = [_time_panel("time-chart", "Median time in stage",
                           "Median length of completed stays per stage.", result.stages,
                           labels, 1, scale)]
        for i, (value, stages) in enumerate(result.breakdown or ()):
            name = _group_name(value, options)
            out.append(_time_panel(
                f"time-chart-{i}", f"{name}: median time in stage",
                f"Median length of completed stays per stage, records whose breakdown "
                f"value is {name}.", stages, labels, i + 2, scale))
        return out
    assert isinstance(result, StageChangesResult)
    out = []
    per = result.interval.value
    for i, whole in enumerate(result.series):
        name = labels.get(whole.stage, whole.stage)
        out.append(_changes_panel(f"changes-chart-{i}", f"Entered {name} per {per}",
                                  f"Records entering {name} per {per}.", whole, i, None))
        # The groups' series of this stage sit right after the whole one, on its scale
        # (each point of a group is at most the whole's).
        scale = max((c for _, c in whole.points), default=0) or None
        for j, (value, series) in enumerate(result.breakdown or ()):
            gname = _group_name(value, options)
            out.append(_changes_panel(
                f"changes-chart-{i}-{j}", f"{gname}: entered {name} per {per}",
                f"Records whose breakdown value is {gname} entering {name} per {per}.",
                series[i], i, scale))
    return out


def _compute(request: Request, kind: ReportKind, raw: dict[str, object]
             ) -> tuple[ReportResult, dict[str, str], dict[str, str]]:
    session = sessions.require(request)

    def load(ctx: Ctx) -> tuple[ReportResult, dict[str, str], dict[str, str]]:
        labels = {s.value: s.label for s in ctx.catalog.stages}
        options: dict[str, str] = {}
        if raw.get("breakdown"):
            prop = ctx.catalog.definition(_object_type(raw), str(raw["breakdown"]))
            options = {o.value: o.label for o in prop.options} if prop else {}
        return reports.run(ctx, kind, raw), labels, options

    return run(request, session, load, readonly=True)


@router.get("/reports")
def show(request: Request) -> Response:
    session = sessions.require(request)
    kind = _kind(request)
    raw = _raw(request, kind)
    ot = _object_type(raw)

    def choices(ctx: Ctx) -> dict[str, Any]:
        return {"stages": list(ctx.catalog.stages),
                "enum_props": [(d.name, d.label) for d in ctx.catalog.properties(ot)
                               if d.type is PropertyType.ENUMERATION]}

    context = run(request, session, choices, readonly=True)
    result: ReportResult | None = None
    error = ""
    panels: list[Panel] = []
    try:
        result, labels, options = _compute(request, kind, raw)
        panels = chart_panels(request, result, labels, options)
    except DomainError as exc:
        error = exc.message
    query = urlencode(list(request.query_params.multi_items()))
    table = result.table() if result is not None else None
    return pages.render(request, "reports.html", {
        **context, "kind": kind, "q": request.query_params, "raw": raw, "error": error,
        "panels": [(Markup(p.svg), p) for p in panels], "table": table, "result": result,
        "query": query, "modes": list(FunnelMode), "intervals": list(Interval),
        "selected": set(request.query_params.getlist("stages"))}, session,
        section="reports")


@router.get("/reports/export.csv")
def export_csv(request: Request) -> Response:
    kind = _kind(request)
    result, _, _ = _compute(request, kind, _raw(request, kind))
    return Response(to_csv(result.table()), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="{kind.value}.csv"'})


@router.get("/reports/chart.svg")
def export_svg(request: Request) -> Response:
    kind = _kind(request)
    result, labels, options = _compute(request, kind, _raw(request, kind))
    svgs = [p.svg for p in chart_panels(request, result, labels, options)]
    index = request.query_params.get("chart", "0")
    if not is_decimal(index) or int(index) >= len(svgs):
        raise WebError(404, "No such chart")
    return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + svgs[int(index)],
                    media_type="image/svg+xml",
                    headers={"Content-Disposition":
                             f'attachment; filename="{kind.value}-{index}.svg"'})


@router.get("/reports/funnel/records")
def funnel_records(request: Request) -> Response:
    """The records behind one funnel number: the same query as the API's."""
    session = sessions.require(request)
    raw = _raw(request, ReportKind.FUNNEL)
    stage = request.query_params.get("stage") or ""
    after_s = request.query_params.get("after") or ""
    # A page link the app wrote, or nonsense: nonsense starts from the beginning.
    after = int(after_s) if is_decimal(after_s) and len(after_s) <= 18 else None
    bv: tuple[str | None] | None = None
    if "bv" in request.query_params:
        bv = (request.query_params["bv"] or None,)
    ot = _object_type(raw)
    page = run(request, session, lambda ctx: reports.funnel_records(
        ctx, raw, stage, after=after, limit=RECORDS_PAGE, breakdown_value=bv), readonly=True)
    back = urlencode([(k, v) for k, v in request.query_params.multi_items()
                      if k not in ("stage", "bv", "after")])
    more = None
    if page.next_after is not None:
        more = urlencode([(k, v) for k, v in request.query_params.multi_items()
                          if k != "after"] + [("after", str(page.next_after))])
    return pages.render(request, "report_records.html", {
        "page": page, "plural": ot.plural, "back": back, "more": more}, session,
        section="reports")
