"""Lifecycle spec §2-§3: the forward-only policy, clearing and moving backward (rules 1-10)."""

from __future__ import annotations

import pytest

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.sources import Source, SourceType
from tests.helpers import (
    API,
    CO,
    UI,
    Acct,
    C,
    D,
    blocked_rows,
    source,
    stage_history,
    write_batch,
)


def test_automatic_update_moves_a_record_forward_only(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    co = acct.company(stage="customer")
    cid = acct.contact(stage="evangelist")
    acct.associate(C, cid, CO, co, (1,))
    assert acct.stage(C, cid) == "evangelist"
    acct.set_stage(CO, co, "evangelist")
    assert acct.stage(C, cid) == "evangelist"


@pytest.mark.parametrize("kind", [SourceType.IMPORT, SourceType.FORM, SourceType.WORKFLOWS,
                                  SourceType.INTEGRATION, SourceType.ANALYTICS])
def test_imports_forms_and_workflows_cannot_move_a_stage_backward(
    acct: Acct, kind: SourceType
) -> None:
    cid = acct.contact(stage="opportunity")
    acct.set_stage(C, cid, "lead", source(kind, "x"))
    assert acct.stage(C, cid) == "opportunity"
    acct.set_stage(C, cid, "customer", source(kind, "x"))
    assert acct.stage(C, cid) == "customer"


def test_a_person_in_the_web_app_may_set_any_stage_backward_included(acct: Acct) -> None:
    cid = acct.contact(stage="customer")
    acct.set_stage(C, cid, "subscriber", UI)
    assert acct.stage(C, cid) == "subscriber"
    assert stage_history(acct, C, cid)[0].source_type == "CRM_UI"


def test_api_backward_write_is_ignored_by_default_and_reported(acct: Acct) -> None:
    cid = acct.contact(stage="customer")
    result = acct.set_stage(C, cid, "lead", API)
    assert result.error is None
    assert result.ignored == ["lifecyclestage"]
    assert acct.stage(C, cid) == "customer"


def test_api_backward_write_is_rejected_when_the_account_says_reject(acct: Acct) -> None:
    acct.settings(apiBackwardWrites="reject")
    cid = acct.contact(stage="customer")
    with pytest.raises(ValidationError) as err:
        acct.set_stage(C, cid, "lead", API)
    assert err.value.code == "BACKWARD_LIFECYCLE_STAGE"
    assert acct.stage(C, cid) == "customer"


def test_api_backward_write_is_applied_when_the_account_says_allow(acct: Acct) -> None:
    acct.settings(apiBackwardWrites="allow")
    cid = acct.contact(stage="customer")
    acct.set_stage(C, cid, "lead", API)
    assert acct.stage(C, cid) == "lead"


def test_a_record_at_the_last_stage_is_not_moved_by_forward_only_writes(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    cid = acct.contact(stage="other")
    acct.set_stage(C, cid, "evangelist", source(SourceType.IMPORT))
    co = acct.company(stage="customer")
    acct.associate(C, cid, CO, co, (1,))
    assert acct.stage(C, cid) == "other"
    reasons = {b.reason for b in blocked_rows(acct, C, cid)}
    assert reasons == {"last_stage"}
    acct.set_stage(C, cid, "lead", UI)  # a manual write still moves it
    assert acct.stage(C, cid) == "lead"


def test_refused_write_is_kept_in_the_blocked_writes_log(acct: Acct) -> None:
    cid = acct.contact(stage="customer")
    acct.set_stage(C, cid, "lead", source(SourceType.IMPORT, "import-7"))
    [row] = blocked_rows(acct, C, cid)
    assert (row.property, row.attempted_value, row.kept_value) == ("lifecyclestage", "lead",
                                                                   "customer")
    assert (row.source_type, row.source_id, row.reason) == ("IMPORT", "import-7", "backward")
    assert row.ts == acct.now


def test_writing_the_current_value_is_a_no_op_and_not_blocked(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    result = acct.set_stage(C, cid, "lead", API)
    assert result.ignored == []
    assert blocked_rows(acct, C, cid) == []
    assert len(stage_history(acct, C, cid)) == 1


def test_empty_string_clears_the_stage_through_the_api(acct: Acct) -> None:
    cid = acct.contact(stage="customer")
    acct.update(C, cid, {"lifecyclestage": ""}, API)
    assert acct.stage(C, cid) is None
    assert stage_history(acct, C, cid)[0].value is None


@pytest.mark.parametrize("kind", [SourceType.IMPORT, SourceType.FORM])
def test_an_empty_import_or_form_value_means_no_change(acct: Acct, kind: SourceType) -> None:
    cid = acct.contact(stage="customer", firstname="Ada")
    acct.update(C, cid, {"lifecyclestage": "", "firstname": ""}, source(kind))
    assert acct.stage(C, cid) == "customer"
    assert acct.values(C, cid)["firstname"] == "Ada"


def test_after_a_clear_any_stage_may_be_written(acct: Acct) -> None:
    cid = acct.contact(stage="customer")
    acct.update(C, cid, {"lifecyclestage": ""}, API)
    acct.set_stage(C, cid, "lead", API)
    assert acct.stage(C, cid) == "lead"


def test_a_batch_that_clears_then_sets_a_record_applies_its_inputs_in_order(acct: Acct) -> None:
    cid = acct.contact(stage="customer")
    results = write_batch(acct, C, [(cid, {"lifecyclestage": ""}),
                                    (cid, {"lifecyclestage": "lead"})])
    assert [r.error for r in results] == [None, None]
    assert acct.stage(C, cid) == "lead"
    assert [v.value for v in stage_history(acct, C, cid)] == ["lead", None, "customer"]


def test_a_batch_that_sets_then_clears_ends_cleared(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    write_batch(acct, C, [(cid, {"lifecyclestage": "customer"}), (cid, {"lifecyclestage": ""})])
    assert acct.stage(C, cid) is None


# Rule 2: "whatever their other options" -------------------------------------------------

@pytest.mark.parametrize("kind", [SourceType.IMPORT, SourceType.FORM, SourceType.WORKFLOWS])
def test_intake_and_workflows_stay_forward_only_when_the_api_may_write_backward(
    acct: Acct, kind: SourceType
) -> None:
    acct.settings(apiBackwardWrites="allow")
    cid = acct.contact(stage="customer")
    acct.set_stage(C, cid, "lead", source(kind, "x"))
    assert acct.stage(C, cid) == "customer"
    assert [b.reason for b in blocked_rows(acct, C, cid)] == ["backward"]


# Rule 5 ----------------------------------------------------------------------------------

def test_clearing_moves_a_record_off_the_last_stage(acct: Acct) -> None:
    cid = acct.contact(stage="other")
    acct.update(C, cid, {"lifecyclestage": ""}, API)
    assert acct.stage(C, cid) is None
    acct.set_stage(C, cid, "lead", API)
    assert acct.stage(C, cid) == "lead"


def test_an_api_write_moves_a_record_off_the_last_stage_only_when_backward_is_allowed(
    acct: Acct,
) -> None:
    cid = acct.contact(stage="other")
    ignored = acct.set_stage(C, cid, "customer", API)
    assert ignored.ignored == ["lifecyclestage"]
    assert acct.stage(C, cid) == "other"
    assert [b.reason for b in blocked_rows(acct, C, cid)] == ["last_stage"]
    acct.settings(apiBackwardWrites="allow")
    acct.set_stage(C, cid, "customer", API)
    assert acct.stage(C, cid) == "customer"


def test_deal_automation_does_not_move_a_record_at_the_last_stage(acct: Acct) -> None:
    cid = acct.contact(stage="other")
    co = acct.company(stage="other")
    did = acct.create(D, {"dealname": "D", "dealstage": "appointmentscheduled"},
                      assoc=[(C, cid, ()), (CO, co, ())])
    acct.update(D, did, {"dealstage": "closedwon"})
    assert (acct.stage(C, cid), acct.stage(CO, co)) == ("other", "other")
    blocked = blocked_rows(acct, C, cid)
    assert {(b.source_id, b.attempted_value, b.reason) for b in blocked} == {
        ("deal_created", "opportunity", "last_stage"), ("deal_won", "customer", "last_stage")}


def test_the_last_stage_is_the_last_of_the_current_order(acct: Acct) -> None:
    from stagecoach.services.lifecycle import stages

    at_evangelist = acct.contact(stage="evangelist")
    at_other = acct.contact(stage="other")
    acct.in_unit(lambda ctx: stages.move(ctx, "other", 0))
    acct.set_stage(C, at_evangelist, "customer", source(SourceType.IMPORT))
    acct.set_stage(C, at_other, "lead", source(SourceType.IMPORT))
    assert acct.stage(C, at_evangelist) == "evangelist"
    assert [b.reason for b in blocked_rows(acct, C, at_evangelist)] == ["last_stage"]
    assert acct.stage(C, at_other) == "lead"  # forward from the first stage now


# Rule 6: an automatic write that is refused is logged with its cause --------------------

def test_a_refused_automatic_write_is_logged_with_the_change_that_caused_it(acct: Acct
                                                                         ) -> None:
    from stagecoach.services.lifecycle import explain

    cid = acct.contact(stage="customer")
    did = acct.create(D, {"dealname": "D", "dealstage": "appointmentscheduled"},
                      assoc=[(C, cid, ())])
    [row] = blocked_rows(acct, C, cid)
    assert (row.attempted_value, row.kept_value, row.reason) == ("opportunity", "customer",
                                                                 "backward")
    assert (row.source_type, row.source_id) == ("LIFECYCLE_AUTOMATION", "deal_created")
    assert row.cause_kind is not None and row.cause_id is not None
    with acct.ctx_readonly() as ctx:
        listed = explain.explain(ctx, C, cid)["blockedWrites"]
    assert listed[0]["cause"] == {"kind": row.cause_kind, "id": str(row.cause_id)}
    assert did


# Rule 8: who may clear ------------------------------------------------------------------

@pytest.mark.parametrize("who", [UI, source(SourceType.WORKFLOWS, "wf-clear")],
                         ids=["web-app", "workflow-clear-property-value"])
def test_the_web_app_and_a_workflow_clear_action_clear_the_stage(acct: Acct, who: Source
                                                                 ) -> None:
    cid = acct.contact(stage="customer")
    acct.update(C, cid, {"lifecyclestage": ""}, who)
    assert acct.stage(C, cid) is None
    newest = stage_history(acct, C, cid)[0]
    assert (newest.value, newest.source_type) == (None, who.type.value)

