from __future__ import annotations

from stagecoach.domain import lifecycle_dates as ld
from stagecoach.domain.stages import StageSet

S = StageSet.default()


def test_first_entry_stamps_became_and_entered() -> None:
    patch = ld.stage_transition({}, None, "lead", 100, S)
    assert patch == {ld.entered_key("lead"): 100, ld.became_key("lead"): 100}


def test_leaving_a_stage_records_exit_and_stay_lengths() -> None:
    props = {ld.entered_key("lead"): 100, ld.cumulative_key("lead"): 50}
    patch = ld.stage_transition(props, "lead", "customer", 400, S)
    assert patch[ld.exited_key("lead")] == 400
    assert patch[ld.latest_key("lead")] == 300
    assert patch[ld.cumulative_key("lead")] == 350


def test_entering_an_earlier_stage_clears_later_became_dates_only() -> None:
    props = {ld.became_key("lead"): 1, ld.became_key("customer"): 2,
             ld.became_key("other"): 3, ld.entered_key("customer"): 2}
    patch = ld.stage_transition(props, "customer", "lead", 10, S)
    assert patch[ld.became_key("customer")] is None
    assert patch[ld.became_key("other")] is None
    assert ld.became_key("lead") not in patch  # kept as it was


def test_unknown_entry_leaves_the_last_stay_unknown() -> None:
    patch = ld.stage_transition({}, "lead", "customer", 10, S)
    assert patch[ld.latest_key("lead")] is None
    assert ld.cumulative_key("lead") not in patch


def test_replay_rebuilds_the_same_dates_as_live_transitions() -> None:
    versions = [ld.Version(10, "lifecyclestage", "lead", S),
                ld.Version(20, "lifecyclestage", "customer", S),
                ld.Version(30, "lifecyclestage", "lead", S),
                ld.Version(45, "lifecyclestage", None, S)]
    stage, props = ld.replay(versions)
    assert stage is None
    assert props[ld.became_key("lead")] == 10
    assert ld.became_key("customer") not in props
    assert props[ld.cumulative_key("lead")] == 10 + 15
    assert props[ld.latest_key("customer")] == 10


def test_replay_applies_migrated_became_dates() -> None:
    versions = [ld.Version(10, "lifecyclestage", "lead", S),
                ld.Version(11, ld.became_key("lead"), "5", S)]
    assert ld.replay(versions)[1][ld.became_key("lead")] == 5
