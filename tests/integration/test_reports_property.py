"""Property: every report computed in SQL equals the plain-Python reference over the same
history, on random histories written through the real write path (forward-only API and
workflow writes, backward moves and clears by a person, equal timestamps included)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stagecoach.domain.sources import Source, SourceType
from stagecoach.library import Stagecoach
from stagecoach.services.core.writes import ItemWrite
from stagecoach.services.records import records
from stagecoach.services.records.records import NewRecord
from stagecoach.services.reporting import reports
from tests import reports_reference as ref
from tests.helpers import API, UI, Acct, C

STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead",
          "opportunity", "customer")
WORKFLOW = Source(SourceType.WORKFLOWS, "wf-1", "Workflow")
SOURCES = {"api": API, "ui": UI, "workflow": WORKFLOW}

stage = st.sampled_from(STAGES)
step = st.one_of(
    st.tuples(st.just("create"), st.one_of(st.none(), stage)),
    st.tuples(st.sampled_from(sorted(SOURCES)), st.integers(0, 5), stage),
    st.tuples(st.just("clear"), st.integers(0, 5)),
)
gap = st.sampled_from([0, 0, 0, 1, 60_000, 3_600_000, 86_400_000])
history = st.lists(st.tuples(step, gap), min_size=1, max_size=30)
selection = st.lists(stage, min_size=1, max_size=5, unique=True)


def replay(acct: Acct, steps) -> list[int]:
    ids: list[int] = []
    for (kind, *args), dt in steps:
        acct.now += dt
        with acct.sc.unit(acct.id, acct.now) as ctx:
            if kind == "create":
                props = {"lifecyclestage": args[0]} if args[0] else {}
                res = records.create(ctx, C, [NewRecord(props)], API)
                ids.append(res[0].record_id)
            elif ids:
                rid = ids[args[0] % len(ids)]
                value = "" if kind == "clear" else args[1]
                source = UI if kind == "clear" else SOURCES[kind]
                records.update_many(ctx, C, [ItemWrite(rid, {"lifecyclestage": value})],
                                    source)
    return ids


def window(start_end: tuple[int, int] | None, t0: int, t1: int) -> tuple[int | None, ...]:
    if start_end is None:
        return None, None
    a, b = sorted(start_end)
    span = max(t1 - t0, 1)
    return t0 + span * a // 100, t0 + span * b // 100


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=history, chosen=selection,
       rng=st.one_of(st.none(), st.tuples(st.integers(0, 100), st.integers(0, 100))),
       as_of_pct=st.one_of(st.none(), st.integers(0, 100)),
       interval=st.sampled_from(["day", "week", "month"]))
def test_reports_equal_the_reference_on_random_histories(sc: Stagecoach, steps, chosen, rng,
                                                         as_of_pct, interval):
    acct = Acct.new(sc)
    t0 = acct.now
    replay(acct, steps)
    t1 = acct.now
    start, end = window(rng, t0, t1)
    as_of = None if as_of_pct is None else t0 + (t1 - t0) * as_of_pct // 100
    raw: dict[str, object] = {"stages": chosen}
    for key, v in (("from", start), ("to", end), ("asOf", as_of)):
        if v is not None:
            raw[key] = v
    with acct.ctx_readonly() as ctx:
        versions = ref.load_versions(ctx.conn, acct.id)
        created = ref.load_created(ctx.conn, acct.id)
        for mode in ("ordered", "any", "reached"):
            got = [s.count for s in reports.funnel(ctx, {**raw, "mode": mode}).steps]
            assert got == ref.funnel(versions, created, chosen, mode, start, end, as_of), mode
        times = reports.time_in_stage(ctx, raw).stages
        expected = ref.time_in_stage(versions, created, chosen, acct.now, start, end, as_of)
        for t in times:
            assert (t.completed_stays, t.median_ms, t.p90_ms, t.mean_ms, t.current_count,
                    t.current_median_age_ms) == expected[t.stage], t.stage
        lo = start if start is not None else t0
        hi = end if end is not None else (as_of if as_of is not None else t1)
        changes = reports.stage_changes(ctx, {**raw, "interval": interval, "from": lo,
                                              "to": hi}).as_json()
    want = ref.stage_changes(versions, created, chosen, interval, lo, hi, as_of)
    assert {s["stage"]: [(p["start"], p["count"]) for p in s["points"]]
            for s in changes["series"]} == want


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=history, chosen=selection,
       rng=st.one_of(st.none(), st.tuples(st.integers(0, 100), st.integers(0, 100))),
       as_of_pct=st.integers(0, 100), on_a_write=st.booleans())
def test_time_in_stage_as_of_after_every_creation_equals_the_reference(
        sc: Stagecoach, steps, chosen, rng, as_of_pct, on_a_write):
    # Every record exists at such an instant: the stays open then are read as the exits
    # spanning it plus the records' current stays begun by then (no probe per entry).
    acct = Acct.new(sc)
    t0 = acct.now
    replay(acct, steps)
    t1 = acct.now
    start, end = window(rng, t0, t1)
    with acct.ctx_readonly() as ctx:
        versions = ref.load_versions(ctx.conn, acct.id)
        created = ref.load_created(ctx.conn, acct.id)
        last = max(created.values(), default=t0)
        as_of = last + (t1 - last) * as_of_pct // 100
        later = sorted({v.ts for v in versions if v.ts >= last})
        if on_a_write and later:  # the instant of a stage change: ended then, not open
            as_of = later[as_of_pct % len(later)]
        raw: dict[str, object] = {"stages": chosen, "asOf": as_of}
        for key, v in (("from", start), ("to", end)):
            if v is not None:
                raw[key] = v
        times = reports.time_in_stage(ctx, raw).stages
    expected = ref.time_in_stage(versions, created, chosen, acct.now, start, end, as_of)
    for t in times:
        assert (t.completed_stays, t.median_ms, t.p90_ms, t.mean_ms, t.current_count,
                t.current_median_age_ms) == expected[t.stage], t.stage
