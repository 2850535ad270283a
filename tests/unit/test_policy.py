from __future__ import annotations

import pytest

from stagecoach.domain.policy import (
    BackwardWriteRejected,
    BackwardWrites,
    Mode,
    Outcome,
    decide,
    empty_clears,
    mode_for,
)
from stagecoach.domain.sources import SourceType
from stagecoach.domain.stages import StageSet

STAGES = StageSet.default()


@pytest.mark.parametrize(("current", "target", "outcome"), [
    (None, "lead", Outcome.APPLY),
    ("lead", "customer", Outcome.APPLY),
    ("customer", "lead", Outcome.BLOCKED),
    ("lead", "lead", Outcome.NOOP),
    ("other", "evangelist", Outcome.BLOCKED),
    ("customer", None, Outcome.APPLY),
    (None, None, Outcome.NOOP),
])
def test_forward_only_decisions(current: str | None, target: str | None,
                                outcome: Outcome) -> None:
    assert decide(STAGES, current, target, Mode.FORWARD_ONLY).outcome is outcome


def test_a_refusal_at_the_last_stage_says_so() -> None:
    assert decide(STAGES, "other", "customer", Mode.FORWARD_ONLY).reason == "last_stage"
    assert decide(STAGES, "customer", "lead", Mode.FORWARD_ONLY).reason == "backward"


def test_manual_sources_may_move_backward() -> None:
    for kind in (SourceType.CRM_UI, SourceType.CRM_UI_BULK_ACTION):
        assert mode_for(kind, BackwardWrites.IGNORE) is Mode.ANY


def test_api_mode_follows_the_account_setting() -> None:
    assert mode_for(SourceType.API, BackwardWrites.IGNORE) is Mode.FORWARD_ONLY
    assert mode_for(SourceType.API, BackwardWrites.ALLOW) is Mode.ANY
    assert mode_for(SourceType.API, BackwardWrites.REJECT) is Mode.REJECT_BACKWARD


@pytest.mark.parametrize("kind", [SourceType.IMPORT, SourceType.FORM, SourceType.WORKFLOWS,
                                  SourceType.ANALYTICS, SourceType.INTEGRATION])
def test_automation_and_intake_are_forward_only_whatever_the_api_setting(kind: SourceType
                                                                        ) -> None:
    assert mode_for(kind, BackwardWrites.ALLOW) is Mode.FORWARD_ONLY


def test_reject_mode_raises_with_its_error_code() -> None:
    with pytest.raises(BackwardWriteRejected) as err:
        decide(STAGES, "customer", "lead", Mode.REJECT_BACKWARD)
    assert err.value.code == "BACKWARD_LIFECYCLE_STAGE"


def test_reordering_changes_what_forward_means() -> None:
    swapped = STAGES.reordered(["subscriber", "marketingqualifiedlead", "lead",
                                "salesqualifiedlead", "opportunity", "customer", "evangelist",
                                "other"])
    assert decide(swapped, "marketingqualifiedlead", "lead", Mode.FORWARD_ONLY).outcome is (
        Outcome.APPLY)
    assert decide(STAGES, "marketingqualifiedlead", "lead", Mode.FORWARD_ONLY).outcome is (
        Outcome.BLOCKED)


def test_empty_values_clear_except_for_imports_forms_and_tracking() -> None:
    assert empty_clears(SourceType.API) and empty_clears(SourceType.CRM_UI)
    assert empty_clears(SourceType.WORKFLOWS)
    assert not empty_clears(SourceType.IMPORT)
    assert not empty_clears(SourceType.FORM)
    assert not empty_clears(SourceType.ANALYTICS)
