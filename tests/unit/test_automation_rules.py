"""The automation rules as one model: what each setting makes (domain/automation.py), what
a step's changes run of it, and what applying settings to existing records runs of it
(domain/backfill.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from stagecoach.domain import associations as atypes
from stagecoach.domain import automation as rules
from stagecoach.domain import backfill
from stagecoach.domain.automation import (
    AssociationChanges,
    AtDealStages,
    EmptyStage,
    FollowPrimaryCompany,
    Intent,
    PropertyChanges,
    StampCloseDate,
    StepSummary,
    Trigger,
)
from stagecoach.domain.catalog import Catalog
from stagecoach.domain.deals import DEFAULT_DEAL_STAGES, DealStage, Pipeline
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.settings import AutomationSettings, PipelineStageRule, StageSetting
from stagecoach.domain.stages import StageSet

C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL
DAY = 86_400_000
PIPELINE = Pipeline("default", "Sales Pipeline", 0, tuple(
    DealStage(sid, "default", label, i, p, closed)
    for i, (sid, label, p, closed) in enumerate(DEFAULT_DEAL_STAGES)))
OPEN = tuple(s.id for s in PIPELINE.stages if s.is_open)
WON = ("closedwon",)
DEFAULTS = AutomationSettings()   # dealCreated -> opportunity, dealWon -> customer


def catalog(**settings: Any) -> Catalog:
    return Catalog(1, StageSet.default(), replace(DEFAULTS, **settings), (PIPELINE,))


ALL_ON = dict(create_default=StageSetting(True, "lead"), sync_with_primary_company=True,
              pipeline_stage_rules=(
                  PipelineStageRule("default", "qualifiedtobuy", "salesqualifiedlead"),
                  PipelineStageRule("default", "gone", "lead")))


@pytest.mark.parametrize(("settings", "expected"), [
    ({}, {"dealCreated": (AtDealStages("deal_created", "opportunity", OPEN),),
          "dealWon": (AtDealStages("deal_won", "customer", WON), StampCloseDate(WON))}),
    (ALL_ON, {
        "createDefault": (EmptyStage("lead"),),
        "dealCreated": (AtDealStages("deal_created", "opportunity", OPEN),),
        "dealWon": (AtDealStages("deal_won", "customer", WON), StampCloseDate(WON)),
        "pipelineStageRules": (AtDealStages("pipeline_stage_rule", "salesqualifiedlead",
                                            ("qualifiedtobuy",)),),
        "syncWithPrimaryCompany": (FollowPrimaryCompany(),)}),
    (dict(deal_created=StageSetting(False, "opportunity"),
          deal_won=StageSetting(False, "customer")), {}),
])
def test_each_setting_that_is_on_makes_its_rules_and_unknown_deal_stages_make_none(
        settings: dict[str, Any], expected: dict[str, tuple[rules.Rule, ...]]) -> None:
    cat = catalog(**settings)
    assert rules.setting_rules(cat.settings, cat) == expected


def summary(props: tuple[tuple[ObjectType, str, str | None], ...] = (),
            links: tuple[tuple[ObjectType, ObjectType, int], ...] = ()) -> StepSummary:
    return StepSummary([PropertyChanges(ot, p, v, 1) for ot, p, v in props],
                       [AssociationChanges(f, t, tid, "add", 1) for f, t, tid in links])


DEAL_CONTACT = atypes.unlabelled(D, C).id


@pytest.mark.parametrize(("settings", "step", "expected"), [
    ({}, summary(), []),
    ({}, summary(((D, "dealstage", "closedwon"),)), [
        Intent(AtDealStages("deal_won", "customer", WON), Trigger.DEAL_STAGE),
        Intent(StampCloseDate(WON), Trigger.DEAL_STAGE)]),
    # Entering an open stage is not a deal being created.
    ({}, summary(((D, "dealstage", "qualifiedtobuy"),)), []),
    ({}, summary(links=((D, C, DEAL_CONTACT),)), [
        Intent(AtDealStages("deal_created", "opportunity", OPEN), Trigger.ASSOCIATION),
        Intent(AtDealStages("deal_won", "customer", WON), Trigger.ASSOCIATION),
        Intent(StampCloseDate(WON), Trigger.ASSOCIATION)]),
    (ALL_ON, summary(((D, "dealstage", "qualifiedtobuy"),)), [
        Intent(AtDealStages("pipeline_stage_rule", "salesqualifiedlead", ("qualifiedtobuy",)),
               Trigger.DEAL_STAGE)]),
    (ALL_ON, summary(((CO, "lifecyclestage", "customer"),)), [
        Intent(FollowPrimaryCompany(), Trigger.COMPANY_STAGE)]),
    (ALL_ON, summary(((CO, "lifecyclestage", None),)), []),
    (ALL_ON, summary(links=((C, CO, atypes.CONTACT_TO_PRIMARY_COMPANY),)), [
        Intent(FollowPrimaryCompany(), Trigger.PRIMARY_SET)]),
    (ALL_ON, summary(links=((C, CO, atypes.CONTACT_TO_COMPANY),)), []),
    ({}, summary(((CO, "lifecyclestage", "customer"),),
                 ((C, CO, atypes.CONTACT_TO_PRIMARY_COMPANY),)), []),
])
def test_a_steps_changes_run_the_rules_of_the_settings_that_react_to_them(
        settings: dict[str, Any], step: StepSummary, expected: list[Intent]) -> None:
    assert rules.reactions(step, catalog(**settings)) == expected


@pytest.mark.parametrize(("keys", "settings", "stage_rules", "won"), [
    (["dealWon"], {}, (AtDealStages("deal_won", "customer", WON),), WON),
    (["createDefault"], {}, (), ()),   # off: nothing to apply
    (["createDefault", "syncWithPrimaryCompany", "apiBackwardWrites"], ALL_ON,
     (EmptyStage("lead"), FollowPrimaryCompany()), ()),
    (["pipelineStageRules", "dealCreated"], ALL_ON,
     (AtDealStages("deal_created", "opportunity", OPEN),
      AtDealStages("pipeline_stage_rule", "salesqualifiedlead", ("qualifiedtobuy",))), ()),
])
def test_applying_settings_runs_the_same_rules_for_the_keys_named(
        keys: list[str], settings: dict[str, Any],
        stage_rules: tuple[backfill.StageRule, ...], won: tuple[str, ...]) -> None:
    cat = catalog(**settings)
    plan = backfill.plan(keys, cat.settings, cat)
    assert (plan.stage_rules, plan.won_stage_ids) == (stage_rules, won)


@pytest.mark.parametrize(("keys", "expected"), [
    (["apiBackwardWrites", "dealWon", "createDefault"], ["createDefault", "dealWon"]),
    ({"syncWithPrimaryCompany": True, "autoAssociateCompaniesByDomain": False},
     ["syncWithPrimaryCompany"]),
    ([""], []),
])
def test_only_settings_that_can_move_existing_records_are_applicable(
        keys: Any, expected: list[str]) -> None:
    assert backfill.applicable(keys) == expected


@pytest.mark.parametrize(("created", "won", "days"), [
    (0, 3 * DAY, 3),
    (0, 3 * DAY - 1, 2),      # whole days
    (5 * DAY, 5 * DAY, 0),
    (5 * DAY, 2 * DAY, 0),    # created after its deal was won
])
def test_days_to_close_counts_whole_days_from_creation_to_the_win(
        created: int, won: int, days: int) -> None:
    assert rules.days_to_close(created, won) == days
    assert rules.close_date_values(created, won) == {"closedate": str(won),
                                                     "days_to_close": str(days)}
