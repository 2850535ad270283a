"""Lifecycle reports computed in the database from `property_history` (rules 45-47).

Every report is a constant number of statements whatever the number of records; Python
only sees aggregates (one row per stage, breakdown value and, for stage changes, day).

An *entry* into stage s is a `lifecyclestage` version whose value is s (creating a record at
a stage writes one; a clear writes a NULL value, which enters nothing). A *stay* runs from an
entry version to the record's next `lifecyclestage` version, if any. `asOf` drops every
version after it, records created after it and records archived by then; the breakdown
property and filterGroups use current values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CTE,
    Connection,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain.properties import PropertyDef
from stagecoach.domain.reports import DAY_MS, MEDIAN, P90, FunnelMode, ReportParams
from stagecoach.store.db import is_postgres
from stagecoach.store.filters import compile_groups, property_value
from stagecoach.store.schema import property_history, records

H = property_history.c
R = records.c
STAGE_PROPERTY = "lifecyclestage"
Key = tuple[str | None, int]  # (breakdown value, step index)


class _Query:
    """The pieces every report shares: the records in scope and the versions to read."""

    def __init__(self, conn: Connection, account_id: int, p: ReportParams,
                 breakdown: PropertyDef | None) -> None:
        self.p = p
        self.account_id = account_id
        pg = is_postgres(conn)
        alive: ColumnElement[bool] = R.archived.is_(False)
        if p.as_of is not None:
            alive = or_(alive, R.archived_at > p.as_of)
        conds = [R.account_id == account_id, R.object_type == int(p.object_type), alive,
                 compile_groups(p.filter_groups, pg)]
        if p.as_of is not None:
            conds.append(R.created_at <= p.as_of)
        cols: list[ColumnElement[Any]] = [R.id.label("record_id")]
        if p.breakdown is not None:
            assert breakdown is not None and breakdown.name == p.breakdown
            cols.append(property_value(breakdown, pg).label("bval"))
        self.pop = select(*cols).where(*conds).cte("pop")
        # Without a segment or a breakdown, nothing needs the record rows but the few to
        # leave out (archived then, or created later): an anti-join on a small set instead
        # of a join with every record.
        self.joined = bool(p.filter_groups) or p.breakdown is not None
        # `= true` (not IS TRUE) so that the partial index on archived records is used.
        gone: ColumnElement[bool] = R.archived == true()
        if p.as_of is not None:
            gone = or_(and_(gone, or_(R.archived_at.is_(None), R.archived_at <= p.as_of)),
                       R.created_at > p.as_of)
        self.excluded = select(R.id).where(R.account_id == account_id,
                                           R.object_type == int(p.object_type), gone)

    @staticmethod
    def prepare(conn: Connection) -> None:
        """Sorts and window partitions of a report stay in memory on PostgreSQL (the
        default 4MB spills a million-row sort to disk); local to the transaction."""
        if is_postgres(conn):
            conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")

    def history(self) -> Any:
        """property_history, joined to the records in scope when their rows are needed."""
        if self.joined:
            return property_history.join(self.pop, self.pop.c.record_id == H.record_id)
        return property_history

    def scoped(self) -> list[ColumnElement[bool]]:
        return [] if self.joined else [H.record_id.not_in(self.excluded)]

    def bval(self, source: Any) -> list[ColumnElement[Any]]:
        return [source.c.bval] if self.p.breakdown is not None else []

    def versions(self) -> list[ColumnElement[bool]]:
        """Every stage version that existed as of the report's instant."""
        conds = [H.account_id == self.account_id, H.object_type == int(self.p.object_type),
                 H.property == STAGE_PROPERTY]
        if self.p.as_of is not None:
            conds.append(H.ts <= self.p.as_of)
        return conds

    def in_range(self, ts: ColumnElement[int]) -> list[ColumnElement[bool]]:
        out = []
        if self.p.start is not None:
            out.append(ts >= self.p.start)
        if self.p.end is not None:
            out.append(ts <= self.p.end)
        return out

    def entries(self) -> list[ColumnElement[bool]]:
        return [*self.versions(), *self.in_range(H.ts)]



# --- Funnel ---------------------------------------------------------------------------

def _ordered_steps(q: _Query) -> list[CTE]:
    """Step i holds each record's earliest entry into stage i at or after its step i-1
    entry. Taking the earliest entry at every step is the greedy choice, and it finds a
    chain t1 <= t2 <= ... <= ti whenever one exists."""
    steps: list[CTE] = []
    for i, stage in enumerate(q.p.stages):
        if i == 0:
            source, bcols, scope = q.history(), q.bval(q.pop), q.scoped()
        else:
            prev = steps[-1]
            source = property_history.join(
                prev, and_(prev.c.record_id == H.record_id, H.ts >= prev.c.t))
            bcols, scope = q.bval(prev), []
        steps.append(
            select(H.record_id, *bcols, func.min(H.ts).label("t"))
            .select_from(source)
            .where(*q.entries(), *scope, H.value == stage)
            .group_by(H.record_id, *bcols)
            .cte(f"step{i}")
        )
    return steps


def _furthest(q: _Query) -> Any:
    """`reached`: each record's furthest selected stage entered in the range (its index)."""
    idx = case(*((H.value == s, i) for i, s in enumerate(q.p.stages)), else_=-1)
    bcols = q.bval(q.pop)
    return (
        select(H.record_id, *bcols, func.max(idx).label("f"))
        .select_from(q.history())
        .where(*q.entries(), *q.scoped(), H.value.in_(q.p.stages))
        .group_by(H.record_id, *bcols)
        .subquery("furthest")
    )


def funnel_counts(conn: Connection, account_id: int, p: ReportParams,
                  breakdown: PropertyDef | None) -> dict[Key, int]:
    """Count per (breakdown value, step). `reached` returns counts by furthest step, which
    domain.reports.reached_counts turns into step counts."""
    q = _Query(conn, account_id, p, breakdown)
    q.prepare(conn)
    if p.mode is FunnelMode.ORDERED:
        steps = _ordered_steps(q)
        stmt: Any = union_all(*(
            select(literal(i).label("step"), *q.bval(s), func.count().label("n"))
            .select_from(s)
            .group_by(*q.bval(s))
            for i, s in enumerate(steps)
        ))
    elif p.mode is FunnelMode.ANY:
        # Per stage, the records with an entry: each reads one stage's slice of the
        # (value, record_id) index in order, so grouping streams without sorting or hashing.
        members = [_stage_members(q, stage) for stage in p.stages]
        stmt = union_all(*(
            select(literal(i).label("step"), *q.bval(m), func.count().label("n"))
            .select_from(m)
            .group_by(*q.bval(m))
            for i, m in enumerate(members)
        ))
    else:
        f = _furthest(q)
        stmt = select(f.c.f.label("step"), *q.bval(f), func.count().label("n")).group_by(
            f.c.f, *q.bval(f))
    out: dict[Key, int] = {}
    for row in conn.execute(stmt):
        m = row._mapping
        key = (m["bval"] if p.breakdown is not None else None, int(m["step"]))
        out[key] = out.get(key, 0) + int(m["n"])
    return out


def _stage_members(q: _Query, stage: str) -> Any:
    """(record_id[, bval]) of the records that entered `stage` in the range."""
    bcols = q.bval(q.pop)
    return (
        select(H.record_id, *bcols)
        .select_from(q.history())
        .where(*q.entries(), *q.scoped(), H.value == stage)
        .group_by(H.record_id, *bcols)
        .subquery(f"entered_{stage}")
    )


def _step_members(q: _Query, step: int) -> Any:
    """(record_id[, bval]) of the records counted at `step`."""
    p = q.p
    if p.mode is FunnelMode.ORDERED:
        s = _ordered_steps(q)[step]
        return select(s.c.record_id, *q.bval(s)).subquery("members")
    if p.mode is FunnelMode.ANY:
        return _stage_members(q, p.stages[step])
    f = _furthest(q)
    return select(f.c.record_id, *q.bval(f)).where(f.c.f >= step).subquery("members")


def funnel_records(
    conn: Connection, account_id: int, p: ReportParams, breakdown: PropertyDef | None,
    step: int, *,
    breakdown_value: tuple[str | None] | None, after: int | None, limit: int,
) -> tuple[int, list[int]]:
    """The ids of the records counted at `step` (ascending, after `after`) and their total.
    `breakdown_value` narrows to one breakdown group (a 1-tuple so None can be asked for)."""
    q = _Query(conn, account_id, p, breakdown)
    q.prepare(conn)
    m = _step_members(q, step)
    conds: list[ColumnElement[bool]] = []
    if breakdown_value is not None and p.breakdown is not None:
        v = breakdown_value[0]
        conds.append(m.c.bval.is_(None) if v is None else m.c.bval == v)
    total = conn.execute(select(func.count()).select_from(m).where(*conds)).scalar_one()
    if after is not None:
        conds.append(m.c.record_id > after)
    ids = conn.execute(
        select(m.c.record_id).where(*conds).order_by(m.c.record_id).limit(limit)
    ).scalars().all()
    return int(total), [int(i) for i in ids]


# --- Time in stage --------------------------------------------------------------------

@dataclass(frozen=True)
class StayStats:
    count: int
    total_ms: int
    median_ms: int | None
    p90_ms: int | None


def _rank(n: Any, frac: tuple[int, int]) -> Any:
    num, den = frac
    return (n * num + (den - 1)) // den


def stage_times(
    conn: Connection, account_id: int, p: ReportParams, breakdown: PropertyDef | None,
    now: int,
) -> tuple[dict[tuple[str | None, str], StayStats], dict[tuple[str | None, str], StayStats]]:
    """Completed stays and open (current) stays, per (breakdown value, stage).

    One scan: each version with the time of the record's next version (LEAD); a version
    with a next one is a completed stay, the last one an open stay aged `asOf or now`."""
    q = _Query(conn, account_id, p, breakdown)
    q.prepare(conn)
    at = p.as_of if p.as_of is not None else now
    bcols = q.bval(q.pop)
    v = (
        select(H.value, H.ts, *bcols,
               func.lead(H.ts).over(partition_by=H.record_id, order_by=(H.ts, H.id))
               .label("next_ts"))
        .select_from(q.history())
        .where(*q.versions(), *q.scoped())
        .subquery("v")
    )
    is_open = v.c.next_ts.is_(None)
    stays = (
        select(
            v.c.value, *q.bval(v),
            case((is_open, 1), else_=0).label("open"),
            case((is_open, literal(at) - v.c.ts), else_=v.c.next_ts - v.c.ts).label("d"),
        )
        .where(v.c.value.in_(p.stages), or_(is_open, and_(true(), *q.in_range(v.c.ts))))
        .cte("stays")
    )
    # Nearest ranks need each group's size: a GROUP BY beside the ranking, joined on the
    # group, rather than COUNT(*) OVER, which buffers every partition.
    part = (stays.c.open, stays.c.value, *q.bval(stays))
    ranked = select(
        stays, func.row_number().over(partition_by=part, order_by=stays.c.d).label("rn"),
    ).subquery("ranked")
    sizes = select(*part, func.count().label("n"), func.sum(stays.c.d).label("total")
                   ).group_by(*part).subquery("sizes")
    same_group = and_(ranked.c.open == sizes.c.open, ranked.c.value == sizes.c.value,
                      *([ranked.c.bval.is_not_distinct_from(sizes.c.bval)]
                        if p.breakdown is not None else []))
    med, p90 = _rank(sizes.c.n, MEDIAN), _rank(sizes.c.n, P90)
    agg = (
        select(
            sizes.c.open, sizes.c.value, *q.bval(sizes), sizes.c.n, sizes.c.total,
            func.max(case((ranked.c.rn == med, ranked.c.d))).label("med"),
            func.max(case((ranked.c.rn == p90, ranked.c.d))).label("p90"),
        )
        .select_from(sizes.join(ranked, and_(same_group, ranked.c.rn.in_([med, p90]))))
        .group_by(sizes.c.open, sizes.c.value, *q.bval(sizes), sizes.c.n, sizes.c.total)
    )
    done: dict[tuple[str | None, str], StayStats] = {}
    current: dict[tuple[str | None, str], StayStats] = {}
    for row in conn.execute(agg):
        m = row._mapping
        key = (m["bval"] if p.breakdown is not None else None, m["value"])
        stats = StayStats(int(m["n"]), int(m["total"]),
                          _int(m["med"]), _int(m["p90"]))
        (current if m["open"] else done)[key] = stats
    return done, current


def _int(v: Any) -> int | None:
    return None if v is None else int(v)


# --- Stage changes --------------------------------------------------------------------

def entries_per_day(
    conn: Connection, account_id: int, p: ReportParams, breakdown: PropertyDef | None,
) -> list[tuple[str | None, str, int, int]]:
    """(breakdown value, stage, UTC day start ms, entries), every entry counted."""
    q = _Query(conn, account_id, p, breakdown)
    q.prepare(conn)
    bcols = q.bval(q.pop)
    day = H.ts // DAY_MS
    stmt = (
        select(H.value, *bcols, day.label("day"), func.count().label("n"))
        .select_from(q.history())
        .where(*q.entries(), *q.scoped(), H.value.in_(p.stages))
        .group_by(H.value, *bcols, day)
    )
    return [
        (r._mapping["bval"] if p.breakdown is not None else None, r.value,
         int(r.day) * DAY_MS, int(r.n))
        for r in conn.execute(stmt)
    ]

