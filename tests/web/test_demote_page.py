"""Demoting a contact or company from its page (rule 7), over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import itertools
import re

import pytest
from fastapi.testclient import TestClient

from stagecoach.domain.objects import ObjectType
from stagecoach.library import Stagecoach
from stagecoach.services.auth import accounts
from stagecoach.store.core import db
from stagecoach.store.records import record_views
from tests.helpers import Acct
from tests.web.client import PASSWORD, client, sign_in

C, CO = ObjectType.CONTACT, ObjectType.COMPANY
KINDS = {C: "contacts", CO: "companies"}
_n = itertools.count(1)


def _admin(sc: Stagecoach) -> tuple[Acct, TestClient, str]:
    made = sc.create_account("Demote Inc", f"demote{next(_n)}@demote.test", PASSWORD)
    c = client(sc)
    return Acct(sc, made.account_id), c, sign_in(c, made.admin_email)


def _stage_versions(acct: Acct, ot: ObjectType, rid: int) -> list[object]:
    with acct.ctx_readonly() as ctx:
        return [h for h in record_views.recent_history(ctx.conn, acct.id, ot, rid)
                if h.property == "lifecyclestage"]


def _demote_form(page: str) -> str:
    found = re.search(r'<form method="post" action="[^"]+/demote".*?</form>', page, re.S)
    assert found, "no demote form on the page"
    return found.group(0)


@pytest.mark.parametrize("ot", [C, CO])
def test_an_admin_demotes_a_record_with_a_reason_by_a_plain_form_post(
        sc: Stagecoach, ot: ObjectType) -> None:
    acct, c, token = _admin(sc)
    rid = acct.create(ot, {"lifecyclestage": "opportunity"})
    url = f"/{KINDS[ot]}/{rid}"
    form = _demote_form(c.get(url).text)
    # Only stages before the current one are offered.
    assert re.findall(r'<option value="([^"]+)"', form) == [
        "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead"]
    assert 'name="reason"' in form

    r = c.post(f"{url}/demote", data={"stage": "lead", "reason": "Budget frozen until Q3",
                                      "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == url

    page = html.unescape(c.get(url).text)
    assert re.search(r'data-testid="current-stage">Lead<', page)
    assert "Demoted from Opportunity to Lead." in page
    assert "Reason: Budget frozen until Q3" in page
    assert acct.stage(ot, rid) == "lead"
    latest = _stage_versions(acct, ot, rid)[0]
    assert (latest.value, latest.note) == ("lead", "Budget frozen until Q3")
    assert (latest.source_type, latest.source_id) == ("CRM_UI", "demotion")
    assert latest.user_id is not None


def test_a_demotion_without_a_reason_shows_the_error_and_writes_nothing(
        sc: Stagecoach) -> None:
    acct, c, token = _admin(sc)
    rid = acct.contact("customer")
    before = _stage_versions(acct, C, rid)
    r = c.post(f"/contacts/{rid}/demote", data={"stage": "lead", "reason": "   ",
                                                "csrf_token": token})
    assert r.status_code == 303
    page = c.get(f"/contacts/{rid}").text
    assert "A demotion needs a reason" in page and "flash-error" in page
    assert acct.stage(C, rid) == "customer"
    assert _stage_versions(acct, C, rid) == before


@pytest.mark.parametrize("target", ["customer", "evangelist", "no-such-stage"])
def test_a_demotion_that_is_not_backward_shows_the_error_and_writes_nothing(
        sc: Stagecoach, target: str) -> None:
    acct, c, token = _admin(sc)
    rid = acct.company("customer")
    before = _stage_versions(acct, CO, rid)
    r = c.post(f"/companies/{rid}/demote", data={"stage": target, "reason": "Churned",
                                                 "csrf_token": token})
    assert r.status_code == 303
    page = c.get(f"/companies/{rid}").text
    assert "flash-error" in page
    assert acct.stage(CO, rid) == "customer"
    assert _stage_versions(acct, CO, rid) == before


def test_a_member_has_no_demote_permission_and_is_refused_with_403(sc: Stagecoach) -> None:
    acct, _, _ = _admin(sc)
    member = f"member{next(_n)}@demote.test"
    with db.transaction(sc.engine) as conn:
        accounts.create_user(conn, acct.id, member, PASSWORD, "member", 0)
    c = client(sc)
    token = sign_in(c, member)
    rid = acct.contact("customer")
    page = c.get(f"/contacts/{rid}").text
    assert "/demote" not in page and "Only admins can demote" in page
    r = c.post(f"/contacts/{rid}/demote", data={"stage": "lead", "reason": "Churned",
                                                "csrf_token": token})
    assert r.status_code == 403
    assert "Only admins can demote a record" in r.text
    assert acct.stage(C, rid) == "customer"


def test_a_demotion_without_the_csrf_token_is_refused_and_writes_nothing(
        sc: Stagecoach) -> None:
    acct, c, _ = _admin(sc)
    rid = acct.contact("customer")
    r = c.post(f"/contacts/{rid}/demote", data={"stage": "lead", "reason": "Churned"})
    assert r.status_code == 403
    assert acct.stage(C, rid) == "customer"


def test_demoting_a_record_that_does_not_exist_is_a_404_page(sc: Stagecoach) -> None:
    _, c, token = _admin(sc)
    r = c.post("/contacts/999999/demote", data={"stage": "lead", "reason": "Churned",
                                                "csrf_token": token})
    assert r.status_code == 404
    assert "<html" in r.text.lower()


def test_a_record_at_its_first_stage_offers_no_demotion(sc: Stagecoach) -> None:
    acct, c, _ = _admin(sc)
    rid = acct.contact("subscriber")
    assert 'data-testid="demote"' not in c.get(f"/contacts/{rid}").text
