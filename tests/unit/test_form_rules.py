"""Rule 33 as pure planning: which stage a submission brings, and what it may send."""

from __future__ import annotations

import pytest

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.forms import FormDef, FormField, FormKind, parse_definition, plan_submission
from stagecoach.domain.stages import StageSet

STAGES = StageSet.default()
FIELDS = (FormField("email", "Email", True), FormField("firstname", "First name", False))


def form(kind: FormKind, contact_stage: str | None = None) -> FormDef:
    return FormDef("f", "F", kind, FIELDS, contact_stage, contact_stage)


@pytest.mark.parametrize(("kind", "stage"), [(FormKind.SUBSCRIPTION, "subscriber"),
                                              (FormKind.LEAD, "lead")])
def test_the_kind_gives_the_stage_when_nothing_else_does(kind: FormKind, stage: str) -> None:
    assert plan_submission(form(kind), [("email", "a@x.test")], STAGES).stage == stage


def test_the_form_default_beats_the_kind() -> None:
    s = plan_submission(form(FormKind.LEAD, "evangelist"), [("email", "a@x.test")], STAGES)
    assert s.stage == "evangelist"


def test_a_sent_stage_beats_the_form_default_even_unlisted() -> None:
    s = plan_submission(form(FormKind.LEAD, "evangelist"),
                        [("email", "a@x.test"), ("lifecyclestage", "Customer")], STAGES)
    assert s.stage == "customer"
    assert "lifecyclestage" not in s.properties


def test_undeclared_fields_and_missing_required_ones_are_refused() -> None:
    with pytest.raises(ValidationError) as err:
        plan_submission(form(FormKind.LEAD), [("email", "a@x.test"), ("phone", "1")], STAGES)
    assert err.value.code == "FIELD_NOT_IN_FORM_DEFINITION"
    with pytest.raises(ValidationError) as err:
        plan_submission(form(FormKind.LEAD), [("firstname", "A")], STAGES)
    assert err.value.code == "REQUIRED_FIELD_MISSING"


def test_definition_needs_both_stage_entries_and_an_email_field() -> None:
    base = {"name": "F", "kind": "lead", "fields": [{"name": "email", "label": "E"}]}
    assert parse_definition(base, STAGES, form_id="x").contact_stage is None
    with pytest.raises(ValidationError):
        parse_definition({**base, "lifecycleStages": [{"objectTypeId": "0-1",
                                                       "value": "lead"}]}, STAGES, form_id="x")
    with pytest.raises(ValidationError):
        parse_definition({**base, "fields": [{"name": "firstname", "label": "F"}]}, STAGES,
                         form_id="x")
    with pytest.raises(ValidationError):
        parse_definition({**base, "lifecycleStages": [
            {"objectTypeId": "0-1", "value": "nope"}, {"objectTypeId": "0-2", "value": "lead"}]},
            STAGES, form_id="x")
