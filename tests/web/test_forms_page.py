"""`/forms` over HTTP on SQLite and PostgreSQL: definitions edited by signed-in users, and the
public hosted page whose submissions follow the HubSpot submission semantics (rule 33)."""

from __future__ import annotations

import itertools
import re

from fastapi.testclient import TestClient

from stagecoach.domain.objects import ObjectType
from stagecoach.library import Stagecoach
from stagecoach.services.inbound import forms
from tests.helpers import Acct
from tests.web.client import PASSWORD, client, sign_in

C = ObjectType.CONTACT
_n = itertools.count(1)
_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def _signed_in(sc: Stagecoach) -> tuple[Acct, TestClient, str]:
    made = sc.create_account("Forms Inc", f"forms{next(_n)}@forms.test", PASSWORD)
    c = client(sc)
    token = sign_in(c, made.admin_email)
    return Acct(sc, made.account_id), c, token


def _create(c: TestClient, token: str, stage: str = "marketingqualifiedlead") -> str:
    r = c.post("/forms", data={"name": "Demo request", "kind": "lead",
                               "fields": "email, Email, required\nfirstname, First name",
                               "contact_stage": stage, "csrf_token": token})
    assert r.status_code == 303, r.text[:1000]
    return str(r.headers["location"]).rsplit("/", 1)[1]


def _contact_by_email(acct: Acct, email: str) -> int | None:
    from stagecoach.store.records import records
    found = acct.in_unit(lambda ctx: records.find_by(ctx.conn, ctx.account_id, C, "email",
                                                     [email]))
    return found[email].id if email in found else None


def test_a_form_is_created_edited_listed_and_deleted(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    fid = _create(c, token)
    saved = acct.in_unit(lambda ctx: forms.get(ctx, fid))
    assert saved["kind"] == "lead"
    assert [f["name"] for f in saved["fields"]] == ["email", "firstname"]
    assert saved["fields"][0]["required"] is True
    assert saved["lifecycleStages"][0]["value"] == "marketingqualifiedlead"
    r = c.post(f"/forms/{fid}", data={"name": "Newsletter", "kind": "subscription",
                                      "fields": "email, Email, required", "contact_stage": "",
                                      "csrf_token": token})
    assert r.status_code == 303
    saved = acct.in_unit(lambda ctx: forms.get(ctx, fid))
    assert saved["name"] == "Newsletter" and "lifecycleStages" not in saved
    assert "Newsletter" in c.get("/forms").text
    assert c.post(f"/forms/{fid}/delete", data={"csrf_token": token}).status_code == 303
    assert acct.in_unit(lambda ctx: forms.list_forms(ctx)) == []


def test_an_invalid_form_shows_the_error_and_writes_nothing(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    r = c.post("/forms", data={"name": "No email", "kind": "lead", "fields": "firstname",
                               "csrf_token": token})
    assert r.status_code == 400
    assert "needs an email field" in r.text
    assert acct.in_unit(lambda ctx: forms.list_forms(ctx)) == []


def test_admin_form_posts_need_the_csrf_token(sc: Stagecoach) -> None:
    acct, c, _ = _signed_in(sc)
    r = c.post("/forms", data={"name": "X", "kind": "lead", "fields": "email"})
    assert r.status_code == 403
    assert acct.in_unit(lambda ctx: forms.list_forms(ctx)) == []


def test_a_visitor_submits_the_hosted_form_and_gets_the_forms_stage(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    fid = _create(c, token)
    visitor = client(sc)
    url = f"/forms/{fid}/view?portalId={acct.id}"
    page = visitor.get(url)
    assert page.status_code == 200 and "Demo request" in page.text
    form_token = _TOKEN.search(page.text)
    assert form_token
    r = visitor.post(url, data={"form_token": form_token.group(1), "email": "v@visit.test",
                                "firstname": "Vera"})
    assert r.status_code == 200 and "Thanks for submitting" in r.text
    rid = _contact_by_email(acct, "v@visit.test")
    assert rid is not None
    values = acct.values(C, rid)
    assert values["lifecyclestage"] == "marketingqualifiedlead"
    assert values["firstname"] == "Vera"


def test_a_hosted_submission_without_a_valid_token_writes_nothing(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    fid = _create(c, token)
    visitor = client(sc)
    url = f"/forms/{fid}/view?portalId={acct.id}"
    r = visitor.post(url, data={"form_token": "forged", "email": "f@visit.test"})
    assert r.status_code == 403
    assert _contact_by_email(acct, "f@visit.test") is None


def test_a_hosted_submission_missing_a_required_field_says_so(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    fid = _create(c, token)
    visitor = client(sc)
    url = f"/forms/{fid}/view?portalId={acct.id}"
    form_token = _TOKEN.search(visitor.get(url).text)
    assert form_token
    r = visitor.post(url, data={"form_token": form_token.group(1), "firstname": "No mail"})
    assert r.status_code == 400
    assert "email" in r.text


def test_an_unknown_hosted_form_is_a_404_page(sc: Stagecoach) -> None:
    acct, _, _ = _signed_in(sc)
    visitor = client(sc)
    assert visitor.get(f"/forms/nope/view?portalId={acct.id}").status_code == 404
    assert visitor.get("/forms/nope/view?portalId=999999999").status_code == 404
    assert visitor.get("/forms/nope/view").status_code == 404
