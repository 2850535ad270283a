"""Creating a contact from a company's page and a company from a contact's page (rule 18a),
over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import itertools

from fastapi.testclient import TestClient

from stagecoach.domain.objects import ObjectType
from stagecoach.library import Stagecoach
from stagecoach.services.lifecycle import stages
from stagecoach.store.records import record_views
from tests.helpers import Acct
from tests.web.client import PASSWORD, client, sign_in

C, CO = ObjectType.CONTACT, ObjectType.COMPANY
_n = itertools.count(1)


def _admin(sc: Stagecoach) -> tuple[Acct, TestClient, str]:
    made = sc.create_account("Related Inc", f"related{next(_n)}@related.test", PASSWORD)
    c = client(sc)
    return Acct(sc, made.account_id), c, sign_in(c, made.admin_email)


def _associated(acct: Acct, ot: ObjectType, rid: int, other: ObjectType
                ) -> list[record_views.Associated]:
    with acct.ctx_readonly() as ctx:
        return record_views.associated(ctx.conn, acct.id, ot, rid, other)[0]


def _first_stage(acct: Acct) -> str:
    with acct.ctx_readonly() as ctx:
        return ctx.catalog.stages.first


def test_a_contact_created_on_a_companys_page_is_associated_and_gets_the_first_stage(
        sc: Stagecoach) -> None:
    acct, c, token = _admin(sc)
    company = acct.company("customer", name="Globex")
    url = f"/companies/{company}"
    assert f'action="/companies/{company}/contacts/new"' in c.get(url).text
    r = c.post(f"{url}/contacts/new", data={
        "email": "ada@globex.test", "firstname": "Ada", "lastname": "Byron",
        "primary": "on", "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == url
    page = html.unescape(c.get(url).text)
    assert "Contact “Ada Byron” created." in page
    [linked] = _associated(acct, CO, company, C)
    assert linked.primary
    assert linked.record.values["email"] == "ada@globex.test"
    assert linked.record.stage == _first_stage(acct)
    with acct.ctx_readonly() as ctx:
        versions = [h for h in record_views.recent_history(ctx.conn, acct.id, C,
                                                           linked.record.id)
                    if h.property == "lifecyclestage"]
    assert [(v.value, v.source_type) for v in versions] == [(_first_stage(acct), "CRM_UI")]


def test_a_company_created_on_a_contacts_page_follows_a_reordered_first_stage(
        sc: Stagecoach) -> None:
    acct, c, token = _admin(sc)
    with acct.unit() as ctx:  # the current order, not the default one, decides
        stages.move(ctx, "lead", 0)
    contact = acct.contact("opportunity", firstname="Grace")
    url = f"/contacts/{contact}"
    r = c.post(f"{url}/companies/new", data={"name": "Navy", "domain": "navy.mil",
                                             "csrf_token": token})
    assert r.status_code == 303
    [linked] = _associated(acct, C, contact, CO)
    assert not linked.primary
    assert linked.record.values["name"] == "Navy"
    assert linked.record.stage == "lead" == _first_stage(acct)
    assert acct.stage(C, contact) == "opportunity"


def test_a_new_related_record_with_nothing_typed_in_is_refused_and_nothing_is_created(
        sc: Stagecoach) -> None:
    acct, c, token = _admin(sc)
    company = acct.company("lead", name="Initech")
    r = c.post(f"/companies/{company}/contacts/new", data={"email": " ", "csrf_token": token})
    assert r.status_code == 303
    assert "Give the new contact an email or a name." in html.unescape(
        c.get(f"/companies/{company}").text)
    assert _associated(acct, CO, company, C) == []


def test_a_new_contact_needs_the_csrf_token(sc: Stagecoach) -> None:
    acct, c, _ = _admin(sc)
    company = acct.company("lead", name="Umbrella")
    r = c.post(f"/companies/{company}/contacts/new", data={"email": "x@umbrella.test"})
    assert r.status_code == 403
    assert _associated(acct, CO, company, C) == []
