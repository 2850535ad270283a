"""Stage paths (the pre-aggregate funnels read) stay exact through the catalog's changes —
a stage added, reordered, deleted with its records moved to a replacement — and
`stagecoach verify` finds and rebuilds a tampered one. Funnels with `asOf` or a range
count the slice of each path entered then, cut exactly at its bounds."""

from __future__ import annotations

from sqlalchemy import delete, update

from stagecoach.services.core.writes import ItemWrite
from stagecoach.services.integrity.verify import PATH, verify
from stagecoach.services.lifecycle import stages
from stagecoach.services.records import records
from stagecoach.services.reporting import reports
from stagecoach.store.lifecycle import stage_codes
from stagecoach.store.schema import stage_paths
from tests import reports_reference as ref
from tests.helpers import UI, Acct, C

MODES = ("ordered", "any", "reached")


def _funnels_equal_the_reference(acct: Acct, chosen: list[str], start: int | None = None,
                                 end: int | None = None, as_of: int | None = None) -> None:
    window = {k: v for k, v in (("from", start), ("to", end), ("asOf", as_of))
              if v is not None}
    with acct.ctx_readonly() as ctx:
        versions = ref.load_versions(ctx.conn, acct.id)
        created = ref.load_created(ctx.conn, acct.id)
        for mode in MODES:
            for extra in ({}, {"breakdown": "hs_lead_status"}):
                got = reports.funnel(ctx, {"stages": chosen, "mode": mode, **window,
                                           **extra})
                assert [s.count for s in got.steps] == ref.funnel(
                    versions, created, chosen, mode, start, end, as_of), (mode, extra, window)


def _write_at(acct: Acct, at: int, rid: int, stage: str) -> None:
    with acct.sc.unit(acct.id, at) as ctx:
        res = records.update_many(ctx, C, [ItemWrite(rid, {"lifecyclestage": stage})], UI)
    assert res[0].error is None


def test_funnels_as_of_and_over_ranges_cut_paths_exactly_at_entries_and_ties(
        acct: Acct) -> None:
    a = acct.contact(stage="subscriber", hs_lead_status="NEW")
    b = acct.contact(stage="lead")
    acct.set_stage(C, a, "lead")
    tie = acct.tick()
    # Two entries of `a` at one instant (a tie group), one of `b` too.
    for rid, value in ((a, "customer"), (a, "opportunity"), (b, "opportunity")):
        _write_at(acct, tie, rid, value)
    acct.set_stage(C, b, "subscriber", UI)
    acct.set_stage(C, a, "lead", UI)
    acct.set_stage(C, b, "customer", UI)
    with acct.ctx_readonly() as ctx:
        instants = sorted({v.ts for v in ref.load_versions(ctx.conn, acct.id)})
    bounds = sorted({t + d for t in instants for d in (-1, 0, 1)})
    chosen = ["subscriber", "lead", "opportunity", "customer"]
    for t in bounds:
        _funnels_equal_the_reference(acct, chosen, as_of=t)
        _funnels_equal_the_reference(acct, ["lead", "customer", "opportunity"], as_of=t)
    for i, lo in enumerate(instants):
        for hi in instants[i:]:
            _funnels_equal_the_reference(acct, chosen, start=lo, end=hi)
            if lo < hi:
                _funnels_equal_the_reference(acct, chosen, start=lo + 1, end=hi - 1,
                                             as_of=hi)


def test_a_path_too_long_to_slice_is_counted_from_its_stays(acct: Acct) -> None:
    a = acct.contact(stage="subscriber")
    b = acct.contact(stage="lead")
    for i in range(70):
        acct.set_stage(C, a, "lead" if i % 2 == 0 else "subscriber", UI)
    acct.set_stage(C, a, "customer", UI)
    as_of = acct.tick()
    acct.set_stage(C, a, "opportunity", UI)
    acct.set_stage(C, b, "customer", UI)
    with acct.unit() as ctx:
        got = reports.funnel(ctx, {"stages": ["lead", "customer"], "asOf": as_of})
    assert [s.count for s in got.steps] == [2, 1]
    _funnels_equal_the_reference(acct, ["subscriber", "lead", "customer", "opportunity"],
                                 as_of=as_of)
    _funnels_equal_the_reference(acct, ["lead", "customer", "opportunity"],
                                 start=as_of - 1_000_000, end=acct.now)


def test_paths_stay_exact_through_added_reordered_and_replaced_stages(acct: Acct) -> None:
    trial = acct.in_unit(lambda ctx: stages.add(ctx, "Trial", position=2)).value
    a = acct.contact(stage="subscriber", hs_lead_status="NEW")
    b = acct.contact(stage="lead")
    acct.set_stage(C, a, trial)
    acct.set_stage(C, b, trial)
    acct.set_stage(C, b, "customer")
    with acct.unit() as ctx:
        order = list(ctx.catalog.stages.values)
    order.remove(trial)
    order.insert(0, trial)
    acct.in_unit(lambda ctx: stages.reorder(ctx, order))
    acct.set_stage(C, b, "lead", UI)
    acct.in_unit(lambda ctx: stages.delete(ctx, trial, replacement="opportunity"))
    later = acct.in_unit(lambda ctx: stages.add(ctx, "Churned")).value
    acct.set_stage(C, a, later)
    with acct.unit() as ctx:
        codes = stage_codes.load(ctx.conn, acct.id)
    assert trial in codes and later in codes  # a deleted stage keeps its code
    assert len(set(codes.values())) == len(codes)
    assert list(verify(acct.sc.engine, [acct.id])) == []
    _funnels_equal_the_reference(acct, ["subscriber", "lead", "opportunity", later])
    _funnels_equal_the_reference(acct, ["lead", "customer", "opportunity"])


def test_verify_reports_and_rebuilds_tampered_paths(acct: Acct) -> None:
    a = acct.contact(stage="lead")
    acct.set_stage(C, a, "customer")
    b = acct.contact(stage="subscriber")
    P = stage_paths.c
    with acct.sc.engine.begin() as conn:
        conn.execute(update(stage_paths).where(P.account_id == acct.id, P.record_id == a)
                     .values(path="0"))
        conn.execute(delete(stage_paths).where(P.account_id == acct.id, P.record_id == b))
    found = [d for d in verify(acct.sc.engine, [acct.id]) if d.property == PATH]
    assert sorted(d.record_id for d in found) == sorted([a, b])
    assert list(verify(acct.sc.engine, [acct.id], fix=True))
    assert list(verify(acct.sc.engine, [acct.id])) == []
    _funnels_equal_the_reference(acct, ["subscriber", "lead", "customer"])
