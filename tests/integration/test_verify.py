from __future__ import annotations

from sqlalchemy import literal, select, update

from stagecoach.domain import lifecycle_dates as ld
from stagecoach.services.integrity.verify import verify
from stagecoach.services.lifecycle import demotion
from stagecoach.store.schema import records
from tests.helpers import CO, UI, Acct, C


def _diffs(acct: Acct, fix: bool = False):  # type: ignore[no-untyped-def]
    return list(verify(acct.sc.engine, [acct.id], fix=fix))


def test_verify_finds_nothing_after_ordinary_writes(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    co = acct.company(stage="lead")
    cid = acct.contact(stage="subscriber")
    acct.associate(C, cid, CO, co, (1,))
    acct.set_stage(CO, co, "customer", UI)
    acct.update(C, cid, {"lifecyclestage": ""}, UI)
    acct.set_stage(C, cid, "lead", UI)
    acct.in_unit(lambda ctx: demotion.demote(ctx, CO, co, "lead", "oops", UI))
    assert _diffs(acct) == []


def test_verify_reports_and_fixes_a_tampered_record(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    acct.set_stage(C, cid, "customer")
    with acct.sc.engine.begin() as conn:
        conn.execute(update(records).where(records.c.account_id == acct.id,
                                           records.c.id == cid)
                     .values(lifecyclestage="evangelist", props={}))
    found = _diffs(acct)
    assert {d.property for d in found} >= {"lifecyclestage", ld.became_key("customer")}
    assert next(d for d in found if d.property == "lifecyclestage").expected == "customer"
    assert _diffs(acct, fix=True)
    assert _diffs(acct) == []
    assert acct.stage(C, cid) == "customer"


def test_verify_uses_the_order_in_force_when_each_version_was_written(acct: Acct) -> None:
    from stagecoach.domain.stages import StageSet
    from stagecoach.store.auth.accounts import write_stage_set

    cid = acct.contact(stage="customer")
    with acct.unit() as ctx:
        order = list(ctx.catalog.stages.values)
        order.remove("lead")
        order.append("lead")  # lead is now after customer: entering it clears nothing
        write_stage_set(ctx.conn, acct.id, StageSet(tuple(
            next(s for s in ctx.catalog.stages if s.value == v) for v in order)), ctx.now)
    acct.set_stage(C, cid, "lead")
    acct.set_stage(C, cid, "customer", UI)
    assert _diffs(acct) == []


def test_verify_reports_and_rebuilds_tampered_stays(acct: Acct) -> None:
    from sqlalchemy import delete

    from stagecoach.services.integrity.verify import STAYS
    from stagecoach.store.schema import stage_stays, stay_exits

    cid = acct.contact(stage="lead")
    acct.set_stage(C, cid, "customer")
    other = acct.contact(stage="subscriber")
    S = stage_stays.c
    with acct.sc.engine.begin() as conn:
        conn.execute(delete(stage_stays).where(S.account_id == acct.id, S.record_id == cid,
                                               S.stage == "customer"))
        # An exit for a stay that is still open.
        conn.execute(stay_exits.insert().from_select(
            ["account_id", "stay_id", "object_type", "record_id", "stage", "entered_at",
             "exited_at", "duration_ms"],
            select(S.account_id, S.id, S.object_type, S.record_id, S.stage, S.entered_at,
                   S.entered_at + 5, literal(5))
            .where(S.account_id == acct.id, S.record_id == other)))
    found = [d for d in _diffs(acct) if d.property == STAYS]
    assert sorted(d.record_id for d in found) == sorted([cid, other])
    lead_only = next(d for d in found if d.record_id == cid)
    assert [s[0] for s in lead_only.stored] == ["lead"]
    assert [s[0] for s in lead_only.expected] == ["lead", "customer"]
    assert _diffs(acct, fix=True)
    assert _diffs(acct) == []


def test_verify_reports_and_repairs_a_wrong_current_stage_entry_time(acct: Acct) -> None:
    from stagecoach.services.integrity.verify import ENTERED

    cid = acct.contact(stage="lead")
    acct.set_stage(C, cid, "customer")
    R = records.c
    with acct.sc.engine.begin() as conn:
        entered = conn.execute(select(R.stage_entered_at).where(
            R.account_id == acct.id, R.id == cid)).scalar_one()
        conn.execute(update(records).where(R.account_id == acct.id, R.id == cid)
                     .values(stage_entered_at=entered - 1))
    found = [d for d in _diffs(acct) if d.property == ENTERED]
    assert [(d.record_id, d.stored, d.expected) for d in found] == [(cid, entered - 1, entered)]
    assert _diffs(acct, fix=True)
    assert _diffs(acct) == []
