"""The web app in a real browser against a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from stagecoach.domain.objects import ObjectType
from tests.browser.conftest import PASSWORD, Server, shoot
from tests.helpers import Acct

pytestmark = pytest.mark.browser
C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL
_n = itertools.count(1)


def new_account(server: Server, name: str = "Acme Corp") -> tuple[Acct, str]:
    email = f"admin{next(_n)}-{server.db}@acme.test"
    made = server.sc.create_account(name, email, PASSWORD)
    return Acct(server.sc, made.account_id), email


def login(page: Page, server: Server, email: str, *, shot: bool = False) -> None:
    page.goto(server.url + "/contacts")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    if shot:
        shoot(page, server, "login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/contacts$"))


def stage_of(acct: Acct, ot: ObjectType, rid: int) -> Any:
    return acct.stage(ot, rid)


def test_login_shows_account_name_and_navigation(page: Page, server: Server) -> None:
    acct, email = new_account(server, "Northwind Traders")
    login(page, server, email, shot=True)
    expect(page.get_by_test_id("account-name")).to_have_text("Northwind Traders")
    nav = page.get_by_role("navigation", name="Main")
    for label in ("Contacts", "Companies", "Deals", "Reports", "Forms", "Imports", "Settings"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(server.url + "/companies")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fcompanies"))


def test_wrong_password_is_refused(page: Page, server: Server) -> None:
    _, email = new_account(server)
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")


def test_filter_contacts_by_stage_chip(page: Page, server: Server) -> None:
    acct, email = new_account(server)
    for i, stage in enumerate(["lead", "lead", "lead", "customer", "customer", "subscriber"]):
        acct.contact(stage, email=f"p{i}@example.org", firstname=f"Person{i}")
    login(page, server, email)
    chips = page.get_by_test_id("stage-chips")
    expect(chips.get_by_role("link", name=re.compile(r"^All 6"))).to_be_visible()
    expect(chips.get_by_role("link", name=re.compile(r"^Lead 3"))).to_be_visible()
    shoot(page, server, "contacts")
    chips.get_by_role("link", name=re.compile(r"^Lead 3")).click()
    expect(page.get_by_test_id("records").locator("tbody tr")).to_have_count(3)
    expect(page.get_by_test_id("total")).to_contain_text("3 contacts")
    expect(page.get_by_test_id("records")).not_to_contain_text("Customer")
    page.get_by_role("searchbox").fill("person1")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("records").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("records")).to_contain_text("Person1")


def test_create_contact_then_move_backward_after_confirmation(page: Page, server: Server
                                                              ) -> None:
    acct, email = new_account(server)
    login(page, server, email)
    page.get_by_role("button", name="Create contact").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Email").fill("new.person@example.org")
    dialog.get_by_label("First name").fill("New")
    dialog.get_by_label("Last name").fill("Person")
    dialog.get_by_role("button", name="Create").click()
    expect(page.get_by_test_id("current-stage")).to_have_text("Subscriber")  # rule 18
    page.get_by_label("New lifecycle stage").select_option("customer")
    page.get_by_role("button", name="Change stage").click()
    expect(page.get_by_test_id("current-stage")).to_have_text("Customer")
    dates = page.get_by_test_id("stage-dates")
    expect(dates.locator('tr[data-stage="customer"] td.became')).not_to_be_empty()
    shoot(page, server, "contact")

    page.get_by_label("New lifecycle stage").select_option("lead")
    page.get_by_role("button", name="Change stage").click()
    confirm = page.get_by_test_id("stage-confirm")
    expect(confirm).to_contain_text("Move back to Lead?")
    expect(page.get_by_test_id("dates-to-clear")).to_contain_text("Became a Customer Date")
    shoot(page, server, "stage-confirm")
    page.get_by_role("button", name="Move back to Lead").click()
    expect(page.get_by_test_id("current-stage")).to_have_text("Lead")
    expect(dates.locator('tr[data-stage="customer"] td.became')).to_be_empty()
    expect(dates.locator('tr[data-stage="subscriber"] td.became')).not_to_be_empty()
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("CRM_UI")
    expect(history).to_contain_text(email)


def test_company_stage_change_with_sync_moves_primary_contacts(page: Page, server: Server
                                                               ) -> None:
    acct, email = new_account(server)
    company = acct.company("lead", name="Globex", domain="globex.example")
    a = acct.contact("subscriber", email="a@globex.example", firstname="Ann")
    b = acct.contact("subscriber", email="b@other.example", firstname="Bob")
    acct.associate(C, b, CO, company, (1,))
    login(page, server, email)
    page.get_by_role("link", name="Settings").click()
    form = page.get_by_test_id("settings-form")
    form.get_by_role("switch", name="Sync lifecycle stages with the primary company").check()
    shoot(page, server, "settings")
    form.get_by_role("button", name="Save settings").click()
    expect(page.get_by_test_id("flash")).to_contain_text("Settings saved")
    assert acct.sc is not None

    page.goto(f"{server.url}/companies/{company}")
    page.get_by_label("New lifecycle stage").select_option("opportunity")
    page.get_by_role("button", name="Change stage").click()
    flash = page.get_by_test_id("flash")
    expect(flash).to_contain_text("Automation also changed")
    expect(flash).to_contain_text("Ann")
    expect(flash).to_contain_text("Bob")
    expect(page.get_by_test_id("contacts")).to_contain_text("Opportunity")
    shoot(page, server, "company")
    page.get_by_role("link", name="Companies", exact=True).click()
    expect(page.get_by_test_id("records")).to_contain_text("Globex")
    shoot(page, server, "companies")
    assert stage_of(acct, C, a) == "opportunity"
    assert stage_of(acct, C, b) == "opportunity"


def _deal_setup(server: Server) -> tuple[Acct, str, int, int, int]:
    acct, email = new_account(server)
    company = acct.company("lead", name="Initech", domain="initech.example")
    contact = acct.contact("lead", email="peter@initech.example", firstname="Peter")
    deal = acct.create(D, {"dealname": "Initech renewal", "amount": "12500",
                           "dealstage": "contractsent"},
                       assoc=[(C, contact, ()), (CO, company, (5,))])
    return acct, email, company, contact, deal


def test_dragging_a_deal_to_closed_won_makes_its_records_customers(page: Page, server: Server
                                                                   ) -> None:
    acct, email, company, contact, deal = _deal_setup(server)
    login(page, server, email)
    page.get_by_role("link", name="Deals").click()
    expect(page.get_by_test_id("total-contractsent")).to_have_text("12,500")
    shoot(page, server, "deals")
    expect(page.locator("[data-board]")).to_have_attribute("data-ready", "true")
    # Real mouse steps: Chromium starts an HTML5 drag only after the pointer moves.
    page.locator(f"#deal-{deal} .deal-name").hover()
    page.mouse.down()
    target = page.locator('.column[data-stage="closedwon"]')
    box = target.bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 60, steps=5)
    page.mouse.move(box["x"] + 50, box["y"] + 80, steps=5)
    page.mouse.up()
    result = page.get_by_test_id("move-result")
    expect(result).to_contain_text("Peter")
    expect(result).to_contain_text("Initech")
    expect(result.locator("tbody tr")).to_have_count(2)
    expect(result).to_contain_text("Customer")
    expect(page.get_by_test_id("total-closedwon")).to_have_text("12,500")
    shoot(page, server, "deals-moved")
    assert stage_of(acct, C, contact) == "customer"
    assert stage_of(acct, CO, company) == "customer"


def test_keyboard_move_of_a_deal_runs_the_same_automation(page: Page, server: Server) -> None:
    acct, email, company, contact, deal = _deal_setup(server)
    login(page, server, email)
    page.goto(server.url + "/deals")
    page.locator(f"#deal-{deal}").focus()
    page.keyboard.press("Tab")  # into the card's stage select
    select = page.get_by_label("Move Initech renewal to stage")
    expect(select).to_be_focused()
    select.select_option("closedwon")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("move-result")).to_contain_text("Customer")
    assert stage_of(acct, C, contact) == "customer"
    assert stage_of(acct, CO, company) == "customer"


def test_add_move_up_and_delete_a_stage_with_a_replacement_moves_its_records(
        page: Page, server: Server) -> None:
    acct, email = new_account(server)
    acct.settings(createDefault={"enabled": False, "stage": "subscriber"},
                  autoAssociateCompaniesByDomain=False)
    login(page, server, email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stages").click()
    page.get_by_label("Label", exact=True).fill("Trial")
    page.get_by_role("button", name="Add stage").click()
    rows = page.get_by_test_id("stage-row")
    expect(rows.last.get_by_label("Label of Trial")).to_have_value("Trial")
    with acct.ctx_readonly() as ctx:
        value = next(s.value for s in ctx.catalog.stages if s.label == "Trial")
    moved = [acct.contact(value, email=f"trial{i}@example.org") for i in range(2)]
    page.get_by_role("button", name="Move Trial up").click()
    expect(rows.nth(rows.count() - 2).get_by_label("Label of Trial")).to_be_visible()
    shoot(page, server, "stages")
    trial = page.locator(f'tr[data-stage="{value}"]')
    trial.drag_to(rows.first)  # stages.js posts the drop as a position; the server orders
    expect(rows.first.get_by_label("Label of Trial")).to_be_visible()
    with acct.ctx_readonly() as ctx:
        assert ctx.catalog.stages.values[0] == value
    trial.get_by_label("Replacement for Trial").select_option("customer")
    page.once("dialog", lambda dialog: dialog.accept())
    trial.get_by_role("button", name="Delete Trial").click()
    expect(page.get_by_test_id("flash")).to_contain_text("2 records moved to customer")
    expect(page.locator(f'tr[data-stage="{value}"]')).to_have_count(0)
    assert [acct.stage(C, rid) for rid in moved] == ["customer", "customer"]
    page.goto(f"{server.url}/contacts/{moved[0]}")
    expect(page.get_by_test_id("explain-chain")).to_contain_text("stage_deleted")
    page.get_by_test_id("explain").scroll_into_view_if_needed()
    shoot(page, server, "explain")
    acct.contact(None, email="nostage@example.org")
    page.goto(f"{server.url}/settings/lifecycle")
    page.get_by_role("switch", name="Set lifecycle stage when a contact or company is created"
                     ).check()
    page.get_by_role("button", name="Preview effect on existing records").click()
    expect(page.get_by_test_id("preview-total")).to_contain_text("1 record")
    shoot(page, server, "preview")
