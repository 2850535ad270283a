"""Reports, forms and imports in a real browser against a real server, on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from stagecoach.domain.objects import ObjectType
from stagecoach.store.records import records
from tests.browser.conftest import Server, shoot
from tests.browser.test_web_app import login, new_account

pytestmark = pytest.mark.browser
C = ObjectType.CONTACT


def test_the_funnel_report_draws_a_chart_and_lists_the_records_behind_a_step(
        page: Page, server: Server) -> None:
    acct, email = new_account(server)
    for i, stage in enumerate(["lead", "lead", "lead", "customer"]):
        acct.contact(stage, email=f"f{i}@funnel.test")
    login(page, server, email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_test_id("report-stages").select_option(["lead", "customer"])
    page.get_by_label("Mode").select_option("reached")
    page.get_by_role("button", name="Run report").click()
    chart = page.locator("svg#funnel-chart")
    expect(chart).to_be_visible()
    expect(chart).to_contain_text("4 (100.0%)")
    expect(chart).to_contain_text("1 (25.0%)")
    expect(page.get_by_test_id("report-table")).to_contain_text("customer")
    shoot(page, server, "reports")
    chart.locator("a").nth(1).click()
    expect(page.get_by_test_id("records-total")).to_have_text("1 contacts")


@pytest.mark.parametrize("report", ["time-in-stage", "stage-changes"])
def test_a_report_with_a_breakdown_charts_each_value_beside_its_numbers_and_exports(
        page: Page, server: Server, report: str) -> None:
    acct, email = new_account(server)
    quick = acct.contact("lead", email="q@breakdown.test", hs_lead_status="NEW")
    slow = acct.contact("lead", email="s@breakdown.test", hs_lead_status="OPEN")
    acct.tick(3_600_000)
    acct.set_stage(C, quick, "customer")
    acct.tick(3 * 3_600_000)
    acct.set_stage(C, slow, "customer")
    login(page, server, email)
    page.goto(server.url + f"/reports?report={report}")
    page.get_by_test_id("report-stages").select_option(["lead", "customer"])
    if report == "stage-changes":
        page.get_by_label("Interval").select_option("month")
        page.locator("input[name=from]").fill("2023-11-01")
        page.locator("input[name=to]").fill("2023-11-30")
    page.get_by_label("Breakdown").select_option("hs_lead_status")
    page.get_by_role("button", name="Run report").click()
    title = ("New: median time in stage" if report == "time-in-stage"
             else "New: entered Lead per month")
    chart = page.get_by_role("img", name=title)
    expect(chart).to_be_visible()
    table = page.get_by_role("table", name=title)
    expect(table).to_be_visible()
    if report == "time-in-stage":
        expect(table.get_by_role("row").nth(1)).to_contain_text("Lead")
        expect(page.get_by_role("img", name="Open: median time in stage")).to_be_visible()
    else:
        expect(table.get_by_role("row").nth(1)).to_have_text(re.compile(r"2023-11-01\s*1"))
        expect(page.get_by_role("img", name="Open: entered Customer per month")
               ).to_be_visible()
    # The numbers sit beside their chart, not below it, on a wide screen.
    box_chart, box_table = chart.bounding_box(), table.bounding_box()
    assert box_chart and box_table
    assert box_table["x"] >= box_chart["x"] + box_chart["width"] - 1
    assert abs(box_table["y"] - box_chart["y"]) < box_chart["height"]
    shoot(page, server, f"reports-{report}-breakdown")
    with page.expect_download() as png:
        page.get_by_test_id("export-png-1").click()
    assert png.value.suggested_filename == f"{report}-1.png"
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        page.get_by_test_id("export-svg-1").click()
    assert b"<svg" in Path(svg.value.path()).read_bytes()
    with page.expect_download() as csv_file:
        page.get_by_test_id("export-csv").click()
    rows = Path(csv_file.value.path()).read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("breakdown,stage,")
    assert any(r.startswith("NEW,lead,") for r in rows)
    assert any(r.startswith("OPEN,customer,") for r in rows)


def test_a_visitor_submits_a_hosted_form_and_the_contact_gets_its_stage(
        page: Page, server: Server, browser: Any) -> None:
    acct, email = new_account(server)
    login(page, server, email)
    page.goto(server.url + "/forms/new")
    page.get_by_label("Name", exact=True).fill("Demo request")
    page.get_by_label("Default lifecycle stage").select_option("marketingqualifiedlead")
    page.get_by_role("button", name="Create form").click()
    expect(page.get_by_test_id("flash")).to_contain_text("Form created")
    page.goto(server.url + "/forms")
    expect(page.get_by_test_id("forms-table")).to_contain_text("Demo request")
    shoot(page, server, "forms")
    hosted = page.get_by_test_id("hosted-link").first.get_attribute("href")
    visitor = browser.new_context(viewport={"width": 1360, "height": 860})
    try:
        vp = visitor.new_page()
        vp.set_default_timeout(15_000)
        vp.goto(server.url + str(hosted))
        vp.locator("#f-email").fill("visitor@hosted.test")
        vp.locator("#f-firstname").fill("Vera")
        shoot(vp, server, "form-view")
        vp.get_by_role("button", name="Submit").click()
        expect(vp.get_by_test_id("form-thanks")).to_contain_text("Thanks")
    finally:
        visitor.close()
    found = acct.in_unit(lambda ctx: records.find_by(ctx.conn, ctx.account_id, C, "email",
                                                     ["visitor@hosted.test"]))
    assert acct.stage(C, found["visitor@hosted.test"].id) == "marketingqualifiedlead"


def test_an_import_runs_through_the_imports_page(page: Page, server: Server) -> None:
    acct, email = new_account(server)
    login(page, server, email)
    page.goto(server.url + "/imports")
    page.get_by_label("CSV file").set_input_files(files=[{
        "name": "people.csv", "mimeType": "text/csv",
        "buffer": b"Email,First Name,Lifecycle Stage\r\nia@imp.test,Ia,lead\r\n"
                  b"ib@imp.test,Ib,customer\r\nic@imp.test,Ic,bogus\r\n"}])
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_test_id("import-columns")).to_contain_text("ia@imp.test")
    page.get_by_role("button", name="Start import").click()
    expect(page.get_by_test_id("import-state")).to_have_text("DONE", timeout=30_000)
    expect(page.get_by_test_id("import-created")).to_have_text("2")
    expect(page.get_by_test_id("import-errors-csv")).to_be_visible()
    shoot(page, server, "imports")
    found = acct.in_unit(lambda ctx: records.find_by(ctx.conn, ctx.account_id, C, "email",
                                                     ["ib@imp.test"]))
    assert acct.stage(C, found["ib@imp.test"].id) == "customer"
    assert re.search(r"/imports/\d+$", page.url)
