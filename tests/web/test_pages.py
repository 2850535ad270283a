"""The web app's pages over HTTP, on SQLite and PostgreSQL: what they write and show."""

from __future__ import annotations

import itertools
import re

from fastapi.testclient import TestClient

from stagecoach.domain.objects import ObjectType
from stagecoach.library import Stagecoach
from stagecoach.services.auth import accounts
from stagecoach.store.records import saved_views
from tests.helpers import Acct
from tests.web.client import PASSWORD, client, sign_in

C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL
_n = itertools.count(1)


def _signed_in(sc: Stagecoach) -> tuple[Acct, TestClient, str]:
    made = sc.create_account("Pages Inc", f"pages{next(_n)}@pages.test", PASSWORD)
    c = client(sc)
    token = sign_in(c, made.admin_email)
    return Acct(sc, made.account_id), c, token


def _created_id(response: object) -> int:
    location = response.headers["location"]  # type: ignore[attr-defined]
    return int(location.rsplit("/", 1)[1])


def test_a_contact_created_in_the_web_app_gets_the_create_default_stage_when_on(
        sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    off = _created_id(c.post("/contacts", data={"firstname": "A", "csrf_token": token}))
    acct.settings(createDefault={"enabled": True, "stage": "marketingqualifiedlead"})
    on = _created_id(c.post("/contacts", data={"firstname": "B", "csrf_token": token}))
    chosen = _created_id(c.post("/companies", data={"name": "C", "lifecyclestage": "customer",
                                                    "csrf_token": token}))
    assert acct.stage(C, off) == "subscriber"
    assert acct.stage(C, on) == "marketingqualifiedlead"
    assert acct.stage(CO, chosen) == "customer"


def test_a_backward_move_writes_nothing_until_confirmed(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    rid = acct.contact("customer", email="back@example.org")
    r = c.post(f"/contacts/{rid}/stage", data={"lifecyclestage": "lead", "csrf_token": token})
    assert r.status_code == 200
    assert "Became a Customer Date" in r.text
    assert acct.stage(C, rid) == "customer"
    r = c.post(f"/contacts/{rid}/stage", data={"lifecyclestage": "lead", "confirm": "yes",
                                              "csrf_token": token})
    assert r.status_code == 303
    values = acct.values(C, rid)
    assert values["lifecyclestage"] == "lead"
    assert "hs_lifecyclestage_customer_date" not in values


def test_a_forward_move_needs_no_confirmation(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    rid = acct.contact("lead", email="fwd@example.org")
    r = c.post(f"/contacts/{rid}/stage", data={"lifecyclestage": "opportunity",
                                              "csrf_token": token})
    assert r.status_code == 303
    assert acct.stage(C, rid) == "opportunity"


def test_editing_properties_writes_only_what_changed_with_the_user_as_source(
        sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    rid = acct.contact("lead", email="edit@example.org", firstname="Old")
    r = c.post(f"/contacts/{rid}/properties", data={
        "p_firstname": "New", "p_email": "edit@example.org", "p_hs_lead_status": "OPEN",
        "csrf_token": token})
    assert r.status_code == 303
    values = acct.values(C, rid)
    assert values["firstname"] == "New" and values["hs_lead_status"] == "OPEN"
    page = c.get(f"/contacts/{rid}").text
    assert "CRM_UI" in page
    history = re.findall(r'<div class="what">([^<]+)<span', page)
    # The email was sent unchanged: only its version from the creation is there.
    assert [h for h in history if h.startswith("Email")] == ["Email "]
    assert [h for h in history if h.startswith("First Name")] == ["First Name ", "First Name "]


def test_associations_add_make_primary_and_remove(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    rid = acct.contact("lead", email="assoc@free.example")
    first = acct.company(name="First", domain="first.example")
    second = acct.company(name="Second", domain="second.example")
    c.post(f"/contacts/{rid}/associations", data={"target": "first.example", "primary": "on",
                                                  "csrf_token": token})
    c.post(f"/contacts/{rid}/associations", data={"target": str(second),
                                                  "csrf_token": token})
    assert acct.values(C, rid)["associatedcompanyid"] == first
    c.post(f"/contacts/{rid}/associations/{second}/primary", data={"csrf_token": token})
    assert acct.values(C, rid)["associatedcompanyid"] == second
    page = c.get(f"/contacts/{rid}").text
    assert re.search(r"Second</a>\s*<span class=\"badge badge-primary\">Primary", page)
    c.post(f"/contacts/{rid}/associations/{second}/remove", data={"csrf_token": token})
    assert "associatedcompanyid" not in acct.values(C, rid)
    r = c.post(f"/contacts/{rid}/associations", data={"target": "nowhere.example",
                                                      "csrf_token": token})
    assert r.status_code == 303  # back to the page with the error as a message


def test_create_deal_from_a_contact_makes_it_an_opportunity(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    rid = acct.contact("lead", email="deal@example.org")
    r = c.post(f"/contacts/{rid}/deals", data={"dealname": "Pilot", "amount": "900",
                                               "dealstage": "qualifiedtobuy",
                                               "csrf_token": token})
    assert r.status_code == 303
    assert acct.stage(C, rid) == "opportunity"
    assert "Pilot" in c.get(f"/contacts/{rid}").text


def test_blocked_writes_are_listed_on_the_record_page(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    rid = acct.contact("customer", email="blocked@example.org")
    acct.set_stage(C, rid, "lead")  # API: forward-only, refused and logged (rule 6)
    page = c.get(f"/contacts/{rid}").text
    section = page[page.index('data-testid="blocked-writes"'):]
    assert "Lead" in section and "API" in section


def test_the_board_shows_amount_totals_and_what_a_move_changed(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    contact = acct.contact("lead", email="won@example.org")
    deal = acct.create(D, {"dealname": "Won deal", "amount": "1500.5",
                           "dealstage": "contractsent"}, assoc=[(C, contact, ())])
    acct.create(D, {"dealname": "Other", "amount": "500", "dealstage": "contractsent"})
    board = c.get("/deals").text
    assert 'data-testid="total-contractsent">2,000.50<' in board
    r = c.post(f"/deals/{deal}/move", data={"dealstage": "closedwon", "csrf_token": token})
    assert r.status_code == 303
    shown = c.get(r.headers["location"]).text
    result = shown[shown.index('data-testid="move-result"'):shown.index('class="board"')]
    assert "won@example.org" in result and "Customer" in result
    assert acct.stage(C, contact) == "customer"


def test_saved_views_are_created_applied_and_deleted(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    acct.contact("lead", email="lead@example.org")
    acct.contact("customer", email="cust@example.org")
    r = c.post("/contacts/views", data={"name": "Leads", "stage": "lead", "q": "",
                                        "sort": "email", "col": ["name", "email"],
                                        "shared": "on", "csrf_token": token})
    assert r.status_code == 303
    view_id = int(r.headers["location"].rsplit("=", 1)[1])
    page = c.get(f"/contacts?view={view_id}").text
    assert "lead@example.org" in page and "cust@example.org" not in page
    assert "Lifecycle stage</a>" not in page  # only the saved columns
    resorted = c.get(f"/contacts?view={view_id}&sort=-email").text  # sorting keeps the filter
    assert "lead@example.org" in resorted and "cust@example.org" not in resorted
    with acct.ctx_readonly() as ctx:
        assert saved_views.views_referring_to_stage(ctx.conn, acct.id, "lead") == ["Leads"]
    c.post(f"/contacts/views/{view_id}/delete", data={"csrf_token": token})
    assert c.get(f"/contacts?view={view_id}").status_code == 404


def test_a_personal_view_is_its_owners_alone_and_a_shared_one_is_everyones(
        sc: Stagecoach) -> None:
    acct, owner, token = _signed_in(sc)
    colleague_email = f"colleague{next(_n)}@pages.test"
    with acct.unit() as ctx:
        accounts.create_user(ctx.conn, acct.id, colleague_email, PASSWORD, "member", ctx.now)
    made = {}
    for name, shared in (("Mine only", False), ("Team leads", True)):
        data = {"name": name, "stage": "lead", "q": "", "sort": "email", "col": ["email"],
                "csrf_token": token, **({"shared": "on"} if shared else {})}
        location = owner.post("/contacts/views", data=data).headers["location"]
        made[name] = int(location.rsplit("=", 1)[1])
    colleague = client(sc)
    sign_in(colleague, colleague_email)
    listing = colleague.get("/contacts").text
    assert "Team leads" in listing and "Mine only" not in listing
    assert colleague.get(f"/contacts?view={made['Team leads']}").status_code == 200
    assert colleague.get(f"/contacts?view={made['Mine only']}").status_code == 404
    assert "Mine only" in owner.get("/contacts").text


def test_unknown_records_and_bad_addresses_get_html_error_pages(sc: Stagecoach) -> None:
    _, c, _ = _signed_in(sc)
    for path in ("/contacts/999999", "/companies/abc", "/contacts?view=12345"):
        r = c.get(path)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("text/html")
