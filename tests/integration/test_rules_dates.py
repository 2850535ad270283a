"""Lifecycle spec §3-§4: "became a" dates and time in stage (rules 11-17)."""

from __future__ import annotations

import pytest

from stagecoach.domain import lifecycle_dates as ld
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.writes import WriteOptions
from tests.helpers import API, UI, Acct, C


def test_moving_back_clears_the_became_dates_of_later_stages(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    lead_at = acct.now
    acct.set_stage(C, cid, "opportunity")
    acct.set_stage(C, cid, "customer")
    acct.set_stage(C, cid, "lead", UI)
    values = acct.values(C, cid)
    assert values[ld.became_key("lead")] == lead_at
    assert ld.became_key("opportunity") not in values
    assert ld.became_key("customer") not in values


def test_moving_back_through_a_clear_also_clears_later_became_dates(acct: Acct) -> None:
    cid = acct.contact(stage="customer")
    acct.update(C, cid, {"lifecyclestage": ""}, API)
    acct.set_stage(C, cid, "lead", API)
    values = acct.values(C, cid)
    assert ld.became_key("customer") not in values
    assert values[ld.became_key("lead")] == acct.now


def test_entering_a_stage_again_keeps_its_first_became_date(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    first = acct.now
    acct.set_stage(C, cid, "customer")
    acct.set_stage(C, cid, "lead", UI)
    assert acct.values(C, cid)[ld.became_key("lead")] == first


def test_moving_backward_does_not_clear_closedate(acct: Acct) -> None:
    cid = acct.contact(stage="customer", closedate="2024-01-02T03:04:05.000Z")
    acct.set_stage(C, cid, "lead", UI)
    assert acct.values(C, cid)["closedate"] == 1704164645000


def test_skipped_stages_get_no_became_date(acct: Acct) -> None:
    cid = acct.contact(stage="subscriber")
    acct.set_stage(C, cid, "customer")
    values = acct.values(C, cid)
    assert ld.became_key("subscriber") in values and ld.became_key("customer") in values
    for skipped in ("lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity"):
        assert ld.became_key(skipped) not in values


def test_entered_and_exited_dates_are_the_latest_and_overwritten(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    acct.set_stage(C, cid, "customer")
    first_exit = acct.now
    acct.set_stage(C, cid, "lead", UI)
    reentered = acct.now
    acct.set_stage(C, cid, "customer")
    second_exit = acct.now
    values = acct.values(C, cid)
    assert values[ld.entered_key("lead")] == reentered
    assert values[ld.exited_key("lead")] == second_exit != first_exit


def test_latest_and_cumulative_time_are_whole_milliseconds_of_completed_stays(acct: Acct
                                                                             ) -> None:
    cid = acct.contact(stage="lead")
    acct.tick(1_000)
    acct.set_stage(C, cid, "customer")  # stay 1: 60_000 + 1_000 (tick before the write)
    acct.set_stage(C, cid, "lead", UI)
    acct.tick(4_000)
    acct.set_stage(C, cid, "customer")  # stay 2: 60_000 + 4_000
    values = acct.values(C, cid)
    assert values[ld.latest_key("lead")] == 64_000
    assert values[ld.cumulative_key("lead")] == 61_000 + 64_000
    assert ld.latest_key("customer") in values  # one completed stay of customer
    assert isinstance(values[ld.cumulative_key("lead")], int)


def test_clearing_exits_the_current_stage_without_entering_another(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    entered = acct.now
    acct.update(C, cid, {"lifecyclestage": ""}, API)
    values = acct.values(C, cid)
    assert values[ld.exited_key("lead")] == acct.now
    assert values[ld.latest_key("lead")] == acct.now - entered
    assert not any(k.startswith("hs_v2_date_entered_") and k != ld.entered_key("lead")
                   for k in values)


def test_derived_dates_are_read_only_to_ordinary_writers(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    with pytest.raises(ValidationError) as err:
        acct.update(C, cid, {ld.became_key("lead"): "2020-01-01T00:00:00Z"}, API)
    assert err.value.code == "READ_ONLY_VALUE"
    with pytest.raises(ValidationError):
        acct.update(C, cid, {ld.entered_key("lead"): "2020-01-01T00:00:00Z"}, API,
                    WriteOptions(migration=True))


def test_a_migration_write_may_set_became_dates_with_its_source(acct: Acct) -> None:
    from tests.helpers import stage_history

    cid = acct.contact(stage="lead")
    acct.update(C, cid, {ld.became_key("lead"): "2020-01-01T00:00:00.000Z"}, API,
                WriteOptions(migration=True))
    assert acct.values(C, cid)[ld.became_key("lead")] == 1577836800000
    assert stage_history(acct, C, cid)[0].value == "lead"


def test_a_forward_write_after_a_reorder_clears_became_dates_of_stages_now_after_it(
        acct: Acct) -> None:
    from stagecoach.services.lifecycle import stages

    cid = acct.contact(stage="subscriber")
    acct.set_stage(C, cid, "lead")
    acct.set_stage(C, cid, "opportunity")
    opportunity_at = acct.now
    acct.in_unit(lambda ctx: stages.reorder(ctx, [
        "subscriber", "opportunity", "marketingqualifiedlead", "lead", "salesqualifiedlead",
        "customer", "evangelist", "other"]))
    result = acct.set_stage(C, cid, "marketingqualifiedlead", API)  # forward in the new order
    assert result.ignored == []
    values = acct.values(C, cid)
    assert values["lifecyclestage"] == "marketingqualifiedlead"
    assert values[ld.became_key("marketingqualifiedlead")] == acct.now
    assert ld.became_key("lead") not in values  # lead now comes after the stage entered
    assert values[ld.became_key("opportunity")] == opportunity_at
    assert ld.became_key("subscriber") in values


def test_a_demotion_does_not_clear_closedate(acct: Acct) -> None:
    from stagecoach.services.lifecycle import demotion

    cid = acct.contact(stage="customer", closedate="2024-01-02T03:04:05.000Z")
    acct.in_unit(lambda ctx: demotion.demote(ctx, C, cid, "lead", "entered too early", UI))
    values = acct.values(C, cid)
    assert values["lifecyclestage"] == "lead"
    assert values["closedate"] == 1704164645000


def test_a_became_date_is_stamped_with_the_time_of_the_write_that_enters_the_stage(
        acct: Acct) -> None:
    cid = acct.contact()
    assert not any(k.startswith("hs_lifecyclestage_") for k in acct.values(C, cid))
    acct.tick(5_000)
    acct.set_stage(C, cid, "lead")
    assert acct.values(C, cid)[ld.became_key("lead")] == acct.now


def test_a_migration_write_keeps_its_source_on_the_became_date_version(acct: Acct) -> None:
    from stagecoach.domain.sources import Source, SourceType
    from stagecoach.services.records import reads

    migrator = Source(SourceType.API, "legacy-crm-migration")
    cid = acct.contact(stage="customer")
    acct.update(C, cid, {ld.became_key("customer"): "2019-05-06T07:08:09.000Z"}, migrator,
                WriteOptions(migration=True))
    with acct.ctx_readonly() as ctx:
        [newest, *_] = reads.history_of(ctx, C, [cid], [ld.became_key("customer")])[cid][
            ld.became_key("customer")]
    assert newest.value == "2019-05-06T07:08:09.000Z"
    assert (newest.source_type, newest.source_id) == ("API", "legacy-crm-migration")
