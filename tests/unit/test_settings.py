from __future__ import annotations

import pytest

from stagecoach.domain.deals import DEFAULT_DEAL_STAGES, DealStage, Pipeline
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.settings import AutomationSettings, merge
from stagecoach.domain.stages import StageSet

PIPELINES = (Pipeline("default", "Sales", 0, tuple(
    DealStage(s, "default", label, i, p, closed)
    for i, (s, label, p, closed) in enumerate(DEFAULT_DEAL_STAGES))),)
STAGES = StageSet.default()


def test_defaults_match_the_api_spec() -> None:
    assert AutomationSettings().to_json() == {
        "createDefault": {"enabled": False, "stage": "lead"},
        "dealCreated": {"enabled": True, "stage": "opportunity"},
        "dealWon": {"enabled": True, "stage": "customer"},
        "syncWithPrimaryCompany": False,
        "companySyncScope": "primary",  # automation spec rule 78
        "autoAssociateCompaniesByDomain": True,
        "apiBackwardWrites": "ignore",
        "pipelineStageRules": [],
    }


def test_a_patch_merges_only_the_keys_given() -> None:
    s = merge(AutomationSettings(), {"dealWon": {"stage": "evangelist"}}, STAGES, PIPELINES)
    assert s.deal_won.enabled and s.deal_won.stage == "evangelist"
    assert s.deal_created == AutomationSettings().deal_created


@pytest.mark.parametrize("patch", [
    {"unknownKey": True},
    {"dealWon": {"stage": "wizard"}},
    {"syncWithPrimaryCompany": "yes"},
    {"apiBackwardWrites": "sometimes"},
    {"pipelineStageRules": [{"pipelineId": "nope", "stageId": "closedwon",
                             "lifecycleStage": "customer"}]},
    {"pipelineStageRules": [{"pipelineId": "default", "stageId": "nope",
                             "lifecycleStage": "customer"}]},
    {"pipelineStageRules": [{"pipelineId": "default", "stageId": "closedwon",
                             "lifecycleStage": "wizard"}]},
])
def test_invalid_settings_are_refused(patch: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        merge(AutomationSettings(), patch, STAGES, PIPELINES)
