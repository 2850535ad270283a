"""Deal pipelines as a service (api spec section 6; rule 22: won and lost are stage data)."""

from __future__ import annotations

from typing import Any

import pytest

from stagecoach.domain.errors import Conflict, NotFound, ValidationError
from stagecoach.services.catalog import pipeline_stages, pipelines
from stagecoach.services.catalog.pipeline_input import StageSpec
from stagecoach.services.catalog.pipelines import PipelineSpec
from tests.helpers import Acct, C, D


def md(probability: str, closed: str = "false") -> dict[str, Any]:
    return {"isClosed": closed, "probability": probability}


def renewals(acct: Acct) -> pipelines.PipelineView:
    return acct.in_unit(lambda ctx: pipelines.create(ctx, PipelineSpec("Renewals", None, [
        StageSpec(label="Up for renewal", metadata=md("0.5")),
        StageSpec(id="renewed", label="Renewed", metadata=md("1.0", "true")),
        StageSpec(label="Churned", metadata=md("0.0", "true")),
    ])))


def test_a_new_pipeline_gets_numeric_ids_for_stages_given_without_one(acct: Acct) -> None:
    p = renewals(acct)
    assert p.id.isdigit() and p.label == "Renewals" and p.display_order == 1
    assert [s.label for s in p.stages] == ["Up for renewal", "Renewed", "Churned"]
    assert p.stages[0].id.isdigit() and p.stages[2].id.isdigit()
    assert p.stages[1].id == "renewed"
    assert len({p.id, *(s.id for s in p.stages)}) == 4
    assert [(s.probability, s.is_closed) for s in p.stages] == [
        (0.5, False), (1.0, True), (0.0, True)]
    with acct.ctx_readonly() as ctx:
        assert [x.id for x in pipelines.list_all(ctx)] == ["default", p.id]
        assert ctx.catalog.deal_stage("renewed").is_won
        assert ctx.catalog.deal_stage(p.stages[2].id).is_lost


def test_a_won_stage_of_a_new_pipeline_triggers_rule_20(acct: Acct) -> None:
    p = renewals(acct)
    cid = acct.contact(stage="lead")
    did = acct.create(D, {"dealname": "Renewal", "pipeline": p.id,
                          "dealstage": p.stages[0].id})
    acct.associate(D, did, C, cid)
    assert acct.stage(C, cid) == "opportunity"
    acct.update(D, did, {"dealstage": "renewed"})
    values = acct.values(C, cid)
    assert values["lifecyclestage"] == "customer"
    assert values["closedate"] == acct.now


def test_a_stage_made_won_later_counts_for_deals_entering_it_afterwards(acct: Acct) -> None:
    p = renewals(acct)
    acct.in_unit(lambda ctx: pipeline_stages.update(ctx, p.id, p.stages[0].id, StageSpec(
        metadata={"isClosed": "true", "probability": "1.0"})))
    cid = acct.contact(stage="lead")
    did = acct.create(D, {"dealname": "R", "pipeline": p.id, "dealstage": "renewed"},
                      assoc=[(C, cid, ())])
    acct.update(D, did, {"dealstage": p.stages[0].id})
    assert acct.stage(C, cid) == "customer"


@pytest.mark.parametrize("metadata", [
    {"probability": "1.5"},
    {"probability": "-0.1"},
    {"probability": "high"},
    {"isClosed": "maybe", "probability": "0.5"},
    {"isClosed": "true", "probability": "0.5"},
    {"isClosed": "false"},
    {"probability": "0.5", "colour": "red"},
])
def test_invalid_stage_metadata_is_refused(acct: Acct, metadata: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: pipeline_stages.create(ctx, "default", StageSpec(
            label="Odd", metadata=metadata)))
    assert err.value.code == "INVALID_STAGE_METADATA"


def test_stage_labels_are_unique_within_a_pipeline(acct: Acct) -> None:
    with pytest.raises(ValidationError):
        acct.in_unit(lambda ctx: pipeline_stages.create(ctx, "default", StageSpec(
            label="closed won", metadata=md("1.0", "true"))))


def test_a_stage_id_already_used_is_a_conflict(acct: Acct) -> None:
    with pytest.raises(Conflict):
        acct.in_unit(lambda ctx: pipeline_stages.create(ctx, "default", StageSpec(
            id="closedwon", label="Won again", metadata=md("1.0", "true"))))


def test_updating_a_pipeline_changes_label_and_order(acct: Acct) -> None:
    p = renewals(acct)
    acct.in_unit(lambda ctx: pipelines.update(ctx, p.id, PipelineSpec("Upsell", -1)))
    with acct.ctx_readonly() as ctx:
        got = pipelines.list_all(ctx)
        assert [(x.id, x.label) for x in got][0] == (p.id, "Upsell")
        assert ctx.catalog.default_pipeline.id == p.id


def test_deleting_a_pipeline_with_deals_is_refused(acct: Acct) -> None:
    p = renewals(acct)
    acct.create(D, {"dealname": "R", "pipeline": p.id})
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: pipelines.delete(ctx, p.id))
    assert err.value.code == "PIPELINE_IN_USE"
    assert "1 deal is in it" in err.value.message


def test_deleting_an_empty_pipeline_archives_it(acct: Acct) -> None:
    p = renewals(acct)
    acct.in_unit(lambda ctx: pipelines.delete(ctx, p.id))
    with acct.ctx_readonly() as ctx:
        with pytest.raises(NotFound):
            pipelines.get(ctx, p.id)
        assert ctx.catalog.deal_stage("renewed") is None
    with pytest.raises(ValidationError):
        acct.create(D, {"dealname": "R", "pipeline": p.id})
    with pytest.raises(Conflict):  # its ids stay taken
        acct.in_unit(lambda ctx: pipeline_stages.create(ctx, "default", StageSpec(
            id="renewed", label="Renewed", metadata=md("1.0", "true"))))


def test_the_only_pipeline_cannot_be_deleted(acct: Acct) -> None:
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: pipelines.delete(ctx, "default"))
    assert "only pipeline" in err.value.message


def test_deleting_a_stage_named_by_a_pipeline_stage_rule_is_refused(acct: Acct) -> None:
    acct.settings(pipelineStageRules=[{"pipelineId": "default", "stageId": "contractsent",
                                       "lifecycleStage": "salesqualifiedlead"}])
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: pipeline_stages.delete(ctx, "default", "contractsent"))
    assert "pipeline stage rule" in err.value.message
    with pytest.raises(ValidationError):
        acct.in_unit(lambda ctx: pipelines.delete(ctx, "default"))


def test_deleting_a_stage_with_deals_is_refused_and_an_empty_one_goes(acct: Acct) -> None:
    acct.create(D, {"dealname": "A", "dealstage": "qualifiedtobuy"})
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: pipeline_stages.delete(ctx, "default", "qualifiedtobuy"))
    assert "1 deal is at stage qualifiedtobuy" in err.value.message
    acct.in_unit(lambda ctx: pipeline_stages.delete(ctx, "default", "presentationscheduled"))
    with acct.ctx_readonly() as ctx:
        assert ctx.catalog.deal_stage("presentationscheduled") is None
    with pytest.raises(NotFound):
        acct.in_unit(lambda ctx: pipelines.get_stage(ctx, "default", "presentationscheduled"))


def test_replacing_a_pipeline_keeps_named_stages_creates_new_and_drops_the_rest(
        acct: Acct) -> None:
    p = renewals(acct)
    due = p.stages[0]
    got = acct.in_unit(lambda ctx: pipelines.replace(ctx, p.id, PipelineSpec("Renewals v2", 3, [
        StageSpec(id=due.id, label="Due soon", metadata=md("0.4")),
        StageSpec(label="Signed", metadata=md("1.0", "true")),
    ])))
    assert got.label == "Renewals v2" and got.display_order == 3
    assert [(s.id == due.id, s.label, s.probability) for s in got.stages] == [
        (True, "Due soon", 0.4), (False, "Signed", 1.0)]
    with acct.ctx_readonly() as ctx:
        assert ctx.catalog.deal_stage("renewed") is None


def test_replacing_a_pipeline_cannot_drop_a_stage_holding_deals(acct: Acct) -> None:
    p = renewals(acct)
    acct.create(D, {"dealname": "R", "pipeline": p.id, "dealstage": "renewed"})
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: pipelines.replace(ctx, p.id, PipelineSpec("R", 1, [
            StageSpec(label="Only", metadata=md("0.1"))])))
    assert "1 deal is at stage renewed" in err.value.message
    with acct.ctx_readonly() as ctx:
        assert [s.label for s in pipelines.get(ctx, p.id).stages] == [
            "Up for renewal", "Renewed", "Churned"]


def test_replacing_a_stage_needs_its_whole_metadata(acct: Acct) -> None:
    with pytest.raises(ValidationError):
        acct.in_unit(lambda ctx: pipeline_stages.replace(ctx, "default", "closedlost",
                                                         StageSpec(label="Lost",
                                                                   metadata={})))
    got = acct.in_unit(lambda ctx: pipeline_stages.replace(
        ctx, "default", "closedlost", StageSpec(label="Lost", display_order=9,
                                                metadata=md("0.0", "true"))))
    assert (got.label, got.display_order, got.is_closed) == ("Lost", 9, True)
