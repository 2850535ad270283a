"""Stage paths (the pre-aggregate funnels over all time read) stay exact through the
catalog's changes — a stage added, reordered, deleted with its records moved to a
replacement — and `stagecoach verify` finds and rebuilds a tampered one."""

from __future__ import annotations

from sqlalchemy import delete, update

from stagecoach.services import reports, stages
from stagecoach.services.verify import PATH, verify
from stagecoach.store import stage_codes
from stagecoach.store.schema import stage_paths
from tests import reports_reference as ref
from tests.helpers import UI, Acct, C

MODES = ("ordered", "any", "reached")


def _funnels_equal_the_reference(acct: Acct, chosen: list[str]) -> None:
    with acct.ctx_readonly() as ctx:
        versions = ref.load_versions(ctx.conn, acct.id)
        created = ref.load_created(ctx.conn, acct.id)
        for mode in MODES:
            for extra in ({}, {"breakdown": "hs_lead_status"}):
                got = reports.funnel(ctx, {"stages": chosen, "mode": mode, **extra})
                assert [s.count for s in got.steps] == ref.funnel(
                    versions, created, chosen, mode), (mode, extra)


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
