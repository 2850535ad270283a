"""`/reports` over HTTP on SQLite and PostgreSQL: charts, the table, exports and the records
behind a funnel step show the same numbers as the report service (rule 48)."""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi.testclient import TestClient

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.report_results import to_csv
from stagecoach.domain.reports import ReportKind
from stagecoach.library import Stagecoach
from stagecoach.services.reporting import reports
from stagecoach.web.pages import fmt_duration
from tests.helpers import Acct
from tests.web.client import PASSWORD, client, sign_in

_n = itertools.count(1)
FUNNEL = "/reports?report=funnel&stages=lead&stages=customer&mode=reached"


def _signed_in(sc: Stagecoach) -> tuple[Acct, TestClient]:
    made = sc.create_account("Reports Inc", f"reports{next(_n)}@reports.test", PASSWORD)
    c = client(sc)
    sign_in(c, made.admin_email)
    return Acct(sc, made.account_id), c


def _people(acct: Acct) -> tuple[int, int, int]:
    return (acct.contact("lead", email="a@r.test"), acct.contact("lead", email="b@r.test"),
            acct.contact("customer", email="c@r.test"))


def test_the_funnel_page_draws_an_accessible_chart_with_the_counts(sc: Stagecoach) -> None:
    acct, c = _signed_in(sc)
    _people(acct)
    r = c.get(FUNNEL)
    assert r.status_code == 200
    svg = re.search(r'<svg[^>]*id="funnel-chart".*?</svg>', r.text, re.S)
    assert svg, r.text[:2000]
    assert "<title" in svg.group(0) and "<desc" in svg.group(0)
    assert 'role="img"' in svg.group(0)
    # reached: lead counts everyone who reached lead or later (3), customer 1
    assert ">3 (100.0%)<" in svg.group(0)
    assert ">1 (33.3%)<" in svg.group(0)
    assert 'data-testid="report-table"' in r.text


def test_the_csv_export_is_the_services_csv(sc: Stagecoach) -> None:
    acct, c = _signed_in(sc)
    _people(acct)
    r = c.get(FUNNEL.replace("/reports?", "/reports/export.csv?"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    raw = {"objectType": "contacts", "stages": ["lead", "customer"], "mode": "reached"}
    expected = acct.in_unit(lambda ctx: to_csv(reports.run(ctx, ReportKind.FUNNEL,
                                                           raw).table()))
    assert r.text == expected
    assert "lead,3," in r.text


def test_the_svg_download_is_a_standalone_svg(sc: Stagecoach) -> None:
    acct, c = _signed_in(sc)
    _people(acct)
    r = c.get(FUNNEL.replace("/reports?", "/reports/chart.svg?") + "&chart=0")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert 'xmlns="http://www.w3.org/2000/svg"' in r.text
    assert c.get(FUNNEL.replace("/reports?", "/reports/chart.svg?") + "&chart=9"
                 ).status_code == 404


def test_a_funnel_step_lists_the_records_behind_it(sc: Stagecoach) -> None:
    acct, c = _signed_in(sc)
    a, b, cust = _people(acct)
    page = c.get(FUNNEL).text
    hrefs = re.findall(r'href="(/reports/funnel/records\?[^"]+)"', page)
    customer_href = next(h for h in hrefs if "stage=customer" in h).replace("&amp;", "&")
    r = c.get(customer_href)
    assert r.status_code == 200
    assert f'href="/contacts/{cust}"' in r.text
    assert f'href="/contacts/{a}"' not in r.text
    lead = c.get(customer_href.replace("stage=customer", "stage=lead")).text
    assert all(f'href="/contacts/{i}"' in lead for i in (a, b, cust))


def test_time_in_stage_and_stage_changes_render(sc: Stagecoach) -> None:
    acct, c = _signed_in(sc)
    rid = acct.contact("lead", email="t@r.test")
    acct.tick(3_600_000)
    acct.set_stage(ObjectType.CONTACT, rid, "customer")
    r = c.get("/reports?report=time-in-stage&stages=lead")
    assert r.status_code == 200 and 'id="time-chart"' in r.text
    assert ">1h 1m<" in r.text  # the stay: one hour plus the helper clock's minute
    r = c.get("/reports?report=stage-changes&stages=customer&interval=month")
    assert r.status_code == 200 and 'id="changes-chart-0"' in r.text


def test_bad_parameters_show_an_error_not_a_500(sc: Stagecoach) -> None:
    _, c = _signed_in(sc)
    r = c.get("/reports?report=funnel&from=2024-05-01&to=2024-01-01")
    assert r.status_code == 200
    assert "from must not be after to" in r.text
    assert c.get("/reports?report=nope").status_code == 404


def test_reports_need_a_session(sc: Stagecoach) -> None:
    r = client(sc).get("/reports")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_funnel_with_a_breakdown_charts_each_value_with_its_numbers(sc: Stagecoach) -> None:
    acct, c = _signed_in(sc)
    acct.contact("lead", email="n1@r.test", hs_lead_status="NEW")
    acct.contact("customer", email="n2@r.test", hs_lead_status="NEW")
    acct.contact("customer", email="o1@r.test", hs_lead_status="OPEN")
    acct.contact("lead", email="x1@r.test")
    r = c.get(FUNNEL + "&breakdown=hs_lead_status")
    assert r.status_code == 200
    charts_ = {m.group(1): m.group(0) for m in
               re.finditer(r'<svg[^>]*id="(funnel-chart(?:-\d+)?)".*?</svg>', r.text, re.S)}
    assert set(charts_) >= {"funnel-chart", "funnel-chart-0"}
    by_title = {re.search(r"<title[^>]*>(.*?)</title>", svg).group(1): svg  # type: ignore[union-attr]
                for svg in charts_.values()}
    new = by_title["New: funnel (reached)"]
    opened = by_title["Open: funnel (reached)"]
    none = by_title["(no value): funnel (reached)"]
    assert 'role="img"' in new and "<desc" in new
    # reached: NEW has lead 2, customer 1; OPEN lead 1, customer 1; no value lead 1.
    assert re.findall(r">(\d+) \(", new) == ["2", "1"]
    assert re.findall(r">(\d+) \(", opened) == ["1", "1"]
    assert re.findall(r">(\d+) \(", none) == ["1", "0"]
    assert "bv=NEW" in new  # each bar leads to its group's records
    # The same numbers are in the table beside the charts.
    table = re.search(r'data-testid="report-table".*?</table>', r.text, re.S).group(0)  # type: ignore[union-attr]
    assert "<td>NEW</td><td>lead</td><td>2</td>" in table
    assert "<td>OPEN</td><td>customer</td><td>1</td>" in table


def _svgs(html: str, prefix: str) -> dict[str, str]:
    """The page's charts whose id starts with `prefix`, by their title."""
    found = re.finditer(rf'<svg[^>]*id="{prefix}[^"]*".*?</svg>', html, re.S)
    return {re.search(r"<title[^>]*>(.*?)</title>", m.group(0)).group(1): m.group(0)  # type: ignore[union-attr]
            for m in found}


def _panel_rows(html: str, title: str) -> list[list[str]]:
    """The rows of the table beside the chart titled `title`."""
    table = re.search(rf"<table[^>]*chart-numbers[^>]*>\s*<caption>{re.escape(title)}"
                      r"</caption>.*?</table>", html, re.S)
    assert table, f"no table beside {title!r}"
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
            for row in re.findall(r"<tr>(.*?)</tr>", table.group(0).split("<tbody>")[1])]


def _bar_width(svg: str, label: str) -> float:
    bar = re.search(rf'aria-label="{re.escape(label)}: [^"]*">.*?<rect[^>]*width="([\d.]+)"',
                    svg)
    assert bar, label
    return float(bar.group(1))


def test_time_in_stage_charts_each_breakdown_value_on_one_scale(sc: Stagecoach) -> None:
    acct, c = _signed_in(sc)
    quick = acct.contact("lead", email="q@r.test", hs_lead_status="NEW")
    slow = acct.contact("lead", email="s@r.test", hs_lead_status="OPEN")
    acct.tick(3_600_000)
    acct.set_stage(ObjectType.CONTACT, quick, "customer")
    acct.tick(3 * 3_600_000)
    acct.set_stage(ObjectType.CONTACT, slow, "customer")
    r = c.get("/reports?report=time-in-stage&stages=lead&stages=customer"
              "&breakdown=hs_lead_status")
    assert r.status_code == 200
    svgs = _svgs(r.text, "time-chart")
    new, opened = svgs["New: median time in stage"], svgs["Open: median time in stage"]
    assert 'role="img"' in new and "<desc" in new and "breakdown value is New" in new
    # The quick NEW stay is about a quarter of the slow OPEN one; on a shared scale its
    # bar is about a quarter as long, and OPEN's bar is the longest one drawn.
    assert _bar_width(opened, "Lead") > 3 * _bar_width(new, "Lead")
    assert _bar_width(opened, "Lead") == max(_bar_width(s, "Lead") for s in svgs.values())
    result = acct.in_unit(lambda ctx: reports.time_in_stage(ctx, {
        "stages": ["lead", "customer"], "breakdown": "hs_lead_status"}))
    groups = dict(result.breakdown or ())
    for value, title in (("NEW", "New"), ("OPEN", "Open")):
        lead, customer = groups[value]
        assert lead.completed_stays == 1 and customer.current_count == 1
        rows = _panel_rows(r.text, f"{title}: median time in stage")
        assert rows[0] == ["Lead", "1", fmt_duration(lead.median_ms),
                           fmt_duration(lead.p90_ms), fmt_duration(lead.mean_ms), "0", ""]
        # Customer: nobody left it; the one record is in it now.
        assert rows[1][:2] == ["Customer", "0"] and rows[1][5] == "1"
        assert rows[1][6] != ""  # its age: the page's clock is the real one, not the test's
    assert fmt_duration(groups["NEW"][0].median_ms).startswith("1h ")


def test_stage_changes_chart_each_breakdown_value_per_stage(sc: Stagecoach) -> None:
    acct, c = _signed_in(sc)
    acct.contact("lead", email="n1@r.test", hs_lead_status="NEW")
    acct.contact("lead", email="n2@r.test", hs_lead_status="NEW")
    acct.contact("lead", email="o1@r.test", hs_lead_status="OPEN")
    acct.contact("customer", email="x1@r.test")
    r = c.get("/reports?report=stage-changes&stages=lead&stages=customer&interval=month"
              "&from=2023-11-01&to=2023-11-30&breakdown=hs_lead_status")
    assert r.status_code == 200
    svgs = _svgs(r.text, "changes-chart")
    assert {"Entered Lead per month", "New: entered Lead per month",
            "Open: entered Lead per month", "(no value): entered Customer per month"
            } <= set(svgs)
    new = svgs["New: entered Lead per month"]
    assert 'role="img"' in new and "<desc" in new
    month = re.search(r'aria-label="(\d{4}-\d{2}-01): ', new).group(1)  # type: ignore[union-attr]
    assert _panel_rows(r.text, "New: entered Lead per month") == [[month, "2"]]
    assert _panel_rows(r.text, "Open: entered Lead per month") == [[month, "1"]]
    assert _panel_rows(r.text, "(no value): entered Lead per month") == [[month, "0"]]
    assert _panel_rows(r.text, "(no value): entered Customer per month") == [[month, "1"]]
    # Small multiples of a stage share the whole series' scale.
    assert _bar_width(svgs["Entered Lead per month"], month) == pytest.approx(
        3 * _bar_width(svgs["Open: entered Lead per month"], month), abs=0.2)
    # The whole table keeps the API's columns, the breakdown first.
    table = re.search(r'data-testid="report-table".*?</table>', r.text, re.S).group(0)  # type: ignore[union-attr]
    assert "<th scope=\"col\">breakdown</th>" in table and "<td>NEW</td><td>lead</td>" in table


@pytest.mark.parametrize("report", [
    "report=funnel&stages=lead&stages=customer&mode=reached",
    "report=time-in-stage&stages=lead&stages=customer",
    "report=stage-changes&stages=lead&stages=customer&interval=month"])
def test_every_chart_of_a_breakdown_downloads_as_svg_and_the_csv_has_its_column(
        sc: Stagecoach, report: str) -> None:
    acct, c = _signed_in(sc)
    acct.contact("lead", email="n1@r.test", hs_lead_status="NEW")
    acct.contact("customer", email="o1@r.test", hs_lead_status="OPEN")
    query = report + "&breakdown=hs_lead_status"
    page = c.get("/reports?" + query).text
    titles = re.findall(r'<svg[^>]*class="chart".*?<title[^>]*>(.*?)</title>', page, re.S)
    assert len(titles) > 3
    for i, title in enumerate(titles):
        assert f"chart={i}" in page
        svg = c.get(f"/reports/chart.svg?{query}&chart={i}")
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg")
        assert f">{title}</title>" in svg.text
    assert c.get(f"/reports/chart.svg?{query}&chart={len(titles)}").status_code == 404
    csv_text = c.get(f"/reports/export.csv?{query}").text
    assert csv_text.startswith("breakdown,stage,")
    assert "\r\nNEW,lead," in csv_text and "\r\nOPEN,customer," in csv_text
