"""Rules 18 (form exception), 28, 29 and 33: forms and their submissions."""

from __future__ import annotations

from typing import Any

import pytest

from stagecoach.domain.errors import NotFound, ValidationError
from stagecoach.services.inbound import forms
from stagecoach.services.records import reads
from stagecoach.store.inbound import forms as form_store
from tests.helpers import CO, Acct, C

LEAD_FORM = {"name": "Demo request", "kind": "lead",
             "fields": [{"name": "email", "label": "Email", "required": True},
                        {"name": "firstname", "label": "First name", "required": False}]}
NEWSLETTER = {**LEAD_FORM, "name": "Newsletter", "kind": "subscription"}


def make_form(acct: Acct, body: dict[str, Any]) -> str:
    return str(acct.in_unit(lambda ctx: forms.create(ctx, body))["id"])


def submit(acct: Acct, form_id: str, **fields: str) -> forms.SubmitResult:
    result: forms.SubmitResult = acct.in_unit(lambda ctx: forms.submit(
        ctx, form_id, list(fields.items()), {"pageUri": "https://x.test/p", "pageName": "P"}))
    return result


def test_subscription_form_makes_a_new_contact_a_subscriber(acct: Acct) -> None:
    fid = make_form(acct, NEWSLETTER)
    done = submit(acct, fid, email="ann@example.test")
    assert done.created
    assert acct.stage(C, done.contact_id) == "subscriber"


def test_lead_form_makes_a_new_contact_a_lead(acct: Acct) -> None:
    fid = make_form(acct, LEAD_FORM)
    done = submit(acct, fid, email="bob@example.test", firstname="Bob")
    assert acct.stage(C, done.contact_id) == "lead"
    assert acct.values(C, done.contact_id)["firstname"] == "Bob"


def test_form_default_stage_wins_over_the_kind(acct: Acct) -> None:
    fid = make_form(acct, {**LEAD_FORM, "lifecycleStages": [
        {"objectTypeId": "0-1", "value": "marketingqualifiedlead"},
        {"objectTypeId": "0-2", "value": "lead"}]})
    done = submit(acct, fid, email="mql@example.test")
    assert acct.stage(C, done.contact_id) == "marketingqualifiedlead"


def test_stage_sent_with_the_submission_wins_even_when_the_form_does_not_list_it(
        acct: Acct) -> None:
    fid = make_form(acct, {**NEWSLETTER, "lifecycleStages": [
        {"objectTypeId": "0-1", "value": "lead"}, {"objectTypeId": "0-2", "value": "lead"}]})
    done = submit(acct, fid, email="sql@example.test", lifecyclestage="salesqualifiedlead")
    assert acct.stage(C, done.contact_id) == "salesqualifiedlead"


def test_invalid_stage_sent_with_the_submission_is_refused(acct: Acct) -> None:
    fid = make_form(acct, LEAD_FORM)
    with pytest.raises(ValidationError) as err:
        submit(acct, fid, email="x@example.test", lifecyclestage="wizard")
    assert err.value.code == "INVALID_OPTION"


def test_form_stage_wins_over_the_create_setting(acct: Acct) -> None:
    acct.settings(createDefault={"enabled": True, "stage": "opportunity"})
    fid = make_form(acct, NEWSLETTER)
    done = submit(acct, fid, email="sub@example.test")
    assert acct.stage(C, done.contact_id) == "subscriber"


def test_submission_matches_the_contact_by_email_case_insensitively(acct: Acct) -> None:
    cid = acct.contact(email="Cara@Example.test", stage="subscriber")
    fid = make_form(acct, LEAD_FORM)
    done = submit(acct, fid, email="CARA@example.TEST", firstname="Cara")
    assert done.contact_id == cid and not done.created
    assert acct.stage(C, cid) == "lead"
    assert acct.values(C, cid)["firstname"] == "Cara"


def test_submission_moves_an_existing_contact_forward_only(acct: Acct) -> None:
    cid = acct.contact(email="cust@example.test", stage="customer")
    fid = make_form(acct, NEWSLETTER)
    submit(acct, fid, email="cust@example.test", lifecyclestage="lead")
    assert acct.stage(C, cid) == "customer"
    with acct.ctx_readonly() as ctx:
        hist = reads.history_of(ctx, C, [cid])[cid]
    assert hist["lifecyclestage"][0].value == "customer"


def test_submission_records_its_source_as_the_form(acct: Acct) -> None:
    fid = make_form(acct, LEAD_FORM)
    done = submit(acct, fid, email="src@example.test")
    with acct.ctx_readonly() as ctx:
        hist = reads.history_of(ctx, C, [done.contact_id])[done.contact_id]
    assert hist["lifecyclestage"][0].source_type == "FORM"
    assert hist["lifecyclestage"][0].source_id == fid


def test_submission_associates_the_company_of_the_email_domain(acct: Acct) -> None:
    fid = make_form(acct, LEAD_FORM)
    done = submit(acct, fid, email="dee@acme-widgets.test")
    company = acct.values(C, done.contact_id).get("associatedcompanyid")
    assert company is not None
    assert acct.values(CO, int(company))["domain"] == "acme-widgets.test"


def test_submission_is_kept_with_its_page_and_contact(acct: Acct) -> None:
    fid = make_form(acct, LEAD_FORM)
    done = submit(acct, fid, email="keep@example.test", firstname="K")
    with acct.ctx_readonly() as ctx:
        rows = form_store.submissions(ctx.conn, acct.id, fid)
    assert len(rows) == 1
    assert rows[0].contact_id == done.contact_id
    assert rows[0].page_uri == "https://x.test/p"
    assert rows[0].values == {"email": "keep@example.test", "firstname": "K"}


def test_field_not_in_the_form_is_refused(acct: Acct) -> None:
    fid = make_form(acct, LEAD_FORM)
    with pytest.raises(ValidationError) as err:
        submit(acct, fid, email="f@example.test", jobtitle="CEO")
    assert err.value.code == "FIELD_NOT_IN_FORM_DEFINITION"


def test_missing_required_field_is_refused_and_nothing_is_written(acct: Acct) -> None:
    fid = make_form(acct, {**LEAD_FORM, "fields": [
        {"name": "email", "label": "Email", "required": True},
        {"name": "firstname", "label": "First name", "required": True}]})
    with pytest.raises(ValidationError):
        submit(acct, fid, email="req@example.test")
    with acct.ctx_readonly() as ctx:
        assert form_store.submissions(ctx.conn, acct.id, fid) == []


def test_unknown_form_is_not_found(acct: Acct) -> None:
    with pytest.raises(NotFound):
        submit(acct, "00000000-0000-0000-0000-000000000000", email="n@example.test")


def test_form_stages_need_both_object_types(acct: Acct) -> None:
    with pytest.raises(ValidationError):
        make_form(acct, {**LEAD_FORM, "lifecycleStages": [
            {"objectTypeId": "0-1", "value": "lead"}]})


def test_form_referring_to_a_stage_is_listed_for_stage_deletion(acct: Acct) -> None:
    make_form(acct, {**LEAD_FORM, "lifecycleStages": [
        {"objectTypeId": "0-1", "value": "evangelist"},
        {"objectTypeId": "0-2", "value": "lead"}]})
    with acct.ctx_readonly() as ctx:
        assert len(form_store.forms_referring_to_stage(ctx.conn, acct.id, "evangelist")) == 1
        assert form_store.forms_referring_to_stage(ctx.conn, acct.id, "customer") == []


def test_a_stage_sent_with_the_submission_wins_over_the_create_setting(acct: Acct) -> None:
    acct.settings(createDefault={"enabled": True, "stage": "opportunity"})
    fid = make_form(acct, LEAD_FORM)
    done = submit(acct, fid, email="sent@example.test", lifecyclestage="subscriber")
    assert acct.stage(C, done.contact_id) == "subscriber"


def test_a_submission_moves_an_existing_contact_forward_to_the_forms_default(acct: Acct
                                                                            ) -> None:
    cid = acct.contact(email="up@example.test", stage="lead")
    fid = make_form(acct, {**NEWSLETTER, "lifecycleStages": [
        {"objectTypeId": "0-1", "value": "salesqualifiedlead"},
        {"objectTypeId": "0-2", "value": "lead"}]})
    done = submit(acct, fid, email="up@example.test")
    assert (done.contact_id, done.created) == (cid, False)
    assert acct.stage(C, cid) == "salesqualifiedlead"


FORM_WITH_COMPANY_STAGE = {**LEAD_FORM, "lifecycleStages": [
    {"objectTypeId": "0-1", "value": "marketingqualifiedlead"},
    {"objectTypeId": "0-2", "value": "salesqualifiedlead"}]}


def test_a_company_the_submission_creates_gets_the_forms_company_stage(acct: Acct) -> None:
    fid = make_form(acct, FORM_WITH_COMPANY_STAGE)
    done = submit(acct, fid, email="eve@new-domain.test")
    company = int(acct.values(C, done.contact_id)["associatedcompanyid"])
    assert acct.stage(C, done.contact_id) == "marketingqualifiedlead"
    assert acct.stage(CO, company) == "salesqualifiedlead"


def test_the_forms_company_stage_moves_an_existing_primary_company_forward_only(
        acct: Acct) -> None:
    behind = acct.company("lead", domain="behind.test")
    ahead = acct.company("customer", domain="ahead.test")
    fid = make_form(acct, FORM_WITH_COMPANY_STAGE)
    submit(acct, fid, email="fay@behind.test")
    submit(acct, fid, email="gus@ahead.test")
    assert acct.stage(CO, behind) == "salesqualifiedlead"
    assert acct.stage(CO, ahead) == "customer"
