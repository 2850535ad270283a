"""Rule 48: every report gives the same numbers from the API, the command line and the web
app (its charts, the tables beside them, the whole table and its CSV), with and without a
breakdown, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stagecoach.api.app import create_app
from stagecoach.library import Stagecoach
from stagecoach.web.pages import fmt_duration
from tests.helpers import T0, Acct, C
from tests.integration.test_reports_cli import cli
from tests.integration.test_reports_funnel import STAGES, build_paths
from tests.web.client import PASSWORD, client, sign_in

_n = itertools.count(1)
# The web form takes whole UTC days; the API and the command line get the same instants.
DAYS = {"from": "2023-11-01", "to": "2023-12-31"}
INSTANTS = {"from": "2023-11-01T00:00:00.000Z", "to": "2023-12-31T23:59:59.999Z"}
# Time in stage over stages nobody is in any more: a current stay's age depends on the
# clock of each call, a completed stay's length does not.
CASES = {
    "funnel": ({"stages": STAGES, "mode": "any"}, "funnel-chart"),
    "time-in-stage": ({"stages": ["lead", "marketingqualifiedlead"]}, "time-chart"),
    "stage-changes": ({"stages": STAGES, "interval": "week"}, "changes-chart"),
}


def _data(sc: Stagecoach) -> tuple[Acct, TestClient, TestClient]:
    made = sc.create_account("Same Numbers", f"same{next(_n)}@numbers.test", PASSWORD, now=T0)
    acct = Acct(sc, made.account_id, T0, made.token)
    ids = build_paths(acct)
    acct.update(C, ids["c1"], {"hs_lead_status": "NEW"})
    acct.update(C, ids["c2"], {"hs_lead_status": "NEW"})
    acct.update(C, ids["c4"], {"hs_lead_status": "OPEN"})
    web = client(sc)
    sign_in(web, made.admin_email)
    api = TestClient(create_app(sc))
    api.headers["Authorization"] = f"Bearer {made.token}"
    return acct, web, api


def _cells(html: str, testid_or_caption: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*data-testid="{testid_or_caption}".*?</table>', html, re.S)
    assert table, testid_or_caption
    body = table.group(0).split("<tbody>")[1]
    return [[unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body)]


def _panel_tables(html: str) -> dict[str, list[list[str]]]:
    """The table beside each chart, by its caption (the chart's title)."""
    found = re.finditer(r'<table class="data chart-numbers"[^>]*>\s*<caption>(.*?)</caption>'
                        r"(.*?)</table>", html, re.S)
    return {unescape(m.group(1)): [
        [unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", m.group(2).split("<tbody>")[1])]
        for m in found}


def _chart_texts(html: str, prefix: str) -> dict[str, list[str]]:
    """What each chart prints beside its bars, by the chart's title."""
    out = {}
    for svg in re.findall(rf'<svg[^>]*id="{prefix}[^"]*".*?</svg>', html, re.S):
        title = unescape(re.search(r"<title[^>]*>(.*?)</title>", svg).group(1))  # type: ignore[union-attr]
        out[title] = [unescape(t) for t in re.findall(r'<g aria-label="[^"]*: ([^"]*)">', svg)]
    return out


def _expected_panels(kind: str, body: dict[str, Any], labels: dict[str, str]
                     ) -> dict[str, tuple[list[list[str]], list[str]]]:
    """The chart titles, table rows and bar texts the API's JSON implies, groups included."""
    lead_status = {"NEW": "New", "OPEN": "Open", None: "(no value)"}
    out: dict[str, tuple[list[list[str]], list[str]]] = {}

    def pct(x: float | None) -> str:
        return "" if x is None else f"{x * 100:.1f}%"

    groups = [(None, body)] + [(g["value"], g) for g in body.get("breakdown", [])
                               if g["value"] in lead_status]
    for value, part in groups:
        name = "" if part is body else lead_status[value] + ": "
        if kind == "funnel":
            title = f"{name}funnel (any)" if name else "Funnel (any)"
            out[title] = ([[labels[s["stage"]], str(s["count"]), pct(s["nextStepConversion"]),
                            pct(s["cumulativeConversion"])] for s in part["steps"]],
                          [f"{s['count']} ({pct(s['cumulativeConversion'])})"
                           for s in part["steps"]])
        elif kind == "time-in-stage":
            title = f"{name}median time in stage" if name else "Median time in stage"
            d = fmt_duration
            out[title] = ([[labels[s["stage"]], str(s["completedStays"]), d(s["medianMs"]),
                            d(s["p90Ms"]), d(s["meanMs"]), str(s["currentCount"]),
                            d(s["currentMedianAgeMs"])] for s in part["stages"]],
                          [d(s["medianMs"]) or "no stays" for s in part["stages"]])
        else:
            for s in part["series"]:
                stage = labels[s["stage"]]
                title = (f"{name}entered {stage} per week" if name
                         else f"Entered {stage} per week")
                out[title] = ([[p["start"][:10], str(p["count"])] for p in s["points"]],
                              [str(p["count"]) for p in s["points"]])
    return out


@pytest.mark.parametrize("breakdown", [False, True], ids=["whole", "breakdown"])
@pytest.mark.parametrize("kind", list(CASES))
def test_api_cli_and_web_give_the_same_numbers(sc: Stagecoach, kind: str,
                                               breakdown: bool) -> None:
    acct, web, api = _data(sc)
    raw, chart_prefix = CASES[kind]
    extra = {"breakdown": "hs_lead_status"} if breakdown else {}
    api_params = {**{k: ",".join(v) if isinstance(v, list) else v for k, v in raw.items()},
                  **INSTANTS, **extra}
    body = api.get(f"/lifecycle/v1/reports/{kind}", params=api_params).json()
    api_csv = api.get(f"/lifecycle/v1/reports/{kind}",
                      params={**api_params, "format": "csv"}).text
    # The numbers are not trivial: something was counted, and a breakdown splits them.
    assert ("breakdown" in body) is breakdown
    assert re.search(r",[1-9]\d*(,|\r)", api_csv)

    args = [a for k, v in api_params.items() for a in (f"--{k}", str(v))]
    assert json.loads(cli(acct, kind, *args, "--json")) == body
    assert cli(acct, kind, *args, "--csv").replace("\r\n", "\n") == api_csv.replace("\r\n",
                                                                                  "\n")

    query = [("report", kind), *DAYS.items(), *extra.items()]
    query += [(k, s) for k, v in raw.items() for s in (v if isinstance(v, list) else [v])]
    assert web.get("/reports/export.csv", params=query).text == api_csv
    page = web.get("/reports", params=query)
    assert page.status_code == 200
    csv_rows = list(csv.reader(io.StringIO(api_csv)))
    assert _cells(page.text, "report-table") == csv_rows[1:]

    # Stage labels as the page itself names them (its stage picker).
    labels = dict(re.findall(r'<option value="([a-z]+)"[^>]*>([^<]+)</option>',
                             page.text.split('data-testid="report-stages"')[1]
                             .split("</select>")[0]))
    expected = _expected_panels(kind, body, labels)
    tables, texts = _panel_tables(page.text), _chart_texts(page.text, chart_prefix)
    assert expected and set(expected) <= set(tables)
    assert any(t.startswith("New: ") for t in expected) is breakdown
    for title, (rows, bar_texts) in expected.items():
        assert tables[title] == rows, title
        assert texts[title] == bar_texts, title
