"""The api spec's section 8 report clauses over HTTP: defaults, null and above-1
conversions, GET query parameters (filterGroups as JSON text) and the CSV columns."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient

from tests.helpers import Acct, C
from tests.integration.test_reports_funnel import STAGES, build_paths

BASE = "/lifecycle/v1/reports"
KINDS = ("funnel", "time-in-stage", "stage-changes")


def _stage_set(acct: Acct) -> list[str]:
    return list(acct.in_unit(lambda ctx: ctx.catalog.stages.values))


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_reports_default_to_contacts_the_whole_stage_set_and_the_ordered_mode(
        acct: Acct, client: TestClient):
    build_paths(acct)
    acct.company("lead")
    acct.company("customer")
    whole = _stage_set(acct)
    for kind in KINDS:
        r = client.post(f"{BASE}/{kind}", json={})
        got = client.get(f"{BASE}/{kind}")
        assert r.status_code == got.status_code == 200, r.text
        body = r.json()
        assert body["objectType"] == "contacts" == got.json()["objectType"]
        listed = body.get("steps") or body.get("stages") or body.get("series")
        assert [s["stage"] for s in listed] == whole
    funnel = client.post(f"{BASE}/funnel", json={}).json()
    assert funnel["mode"] == "ordered"
    # The companies are left out: only the four contacts that were leads count there.
    contacts = client.post(f"{BASE}/funnel", json={"stages": ["lead"], "mode": "any"}).json()
    assert contacts["steps"][0]["count"] == 4
    # The default mode is ordered, not any or reached (which count differently here).
    default = client.post(f"{BASE}/funnel", json={"stages": STAGES}).json()["steps"]
    ordered = client.post(f"{BASE}/funnel", json={"stages": STAGES, "mode": "ordered"}
                          ).json()["steps"]
    assert default == ordered
    assert [s["count"] for s in default] == [4, 3, 2, 1]


def test_a_conversion_whose_base_is_zero_is_null(acct: Acct, client: TestClient):
    # `any` mode: nobody entered MQL, two entered customer after it.
    acct.contact("lead")
    acct.contact("customer")
    acct.contact("customer")
    steps = client.post(f"{BASE}/funnel", json={
        "stages": ["marketingqualifiedlead", "customer", "evangelist"], "mode": "any"}
    ).json()["steps"]
    assert [s["count"] for s in steps] == [0, 2, 0]
    assert [s["nextStepConversion"] for s in steps] == [None, 0.0, None]
    assert [s["cumulativeConversion"] for s in steps] == [None, None, None]


def test_in_any_mode_a_later_stage_can_outnumber_an_earlier_one(acct: Acct,
                                                                 client: TestClient):
    acct.contact("lead")
    acct.contact("customer")
    acct.contact("customer")
    body = {"stages": ["lead", "customer"]}
    anyway = client.post(f"{BASE}/funnel", json={**body, "mode": "any"}).json()["steps"]
    assert [s["count"] for s in anyway] == [1, 2]
    assert anyway[0]["nextStepConversion"] == 2.0 and anyway[1]["cumulativeConversion"] == 2.0
    for mode in ("ordered", "reached"):
        steps = client.post(f"{BASE}/funnel", json={**body, "mode": mode}).json()["steps"]
        assert all((s["nextStepConversion"] or 0) <= 1 and (s["cumulativeConversion"] or 0) <= 1
                   for s in steps), (mode, steps)


def test_get_takes_the_same_names_as_query_parameters_with_filter_groups_as_json_text(
        acct: Acct, client: TestClient):
    acct.contact("lead", city="Paris")
    p = acct.contact("lead", city="Paris")
    acct.set_stage(C, p, "customer")
    acct.contact("customer", city="Lyon")
    acct.company("lead", city="Paris")
    groups = [{"filters": [{"propertyName": "city", "operator": "EQ", "value": "Paris"}]}]
    # asOf fixes the clock of current stays, so that two calls can compare equal.
    for kind, extra in (("funnel", {"mode": "any"}),
                        ("time-in-stage", {"asOf": "2024-01-01T00:00:00.000Z"}),
                        ("stage-changes", {"interval": "day",
                                           "from": "2023-11-14T00:00:00.000Z",
                                           "to": "2023-11-15T00:00:00.000Z"})):
        posted = client.post(f"{BASE}/{kind}", json={
            "objectType": "contacts", "stages": ["lead", "customer"],
            "filterGroups": groups, **extra})
        got = client.get(f"{BASE}/{kind}", params={
            "objectType": "contacts", "stages": "lead,customer",
            "filterGroups": json.dumps(groups), **extra})
        assert posted.status_code == got.status_code == 200, got.text
        assert posted.json() == got.json()
    funnel = client.get(f"{BASE}/funnel", params={
        "stages": "lead,customer", "mode": "any", "filterGroups": json.dumps(groups)}).json()
    # The segment: the two Paris contacts (not Lyon's, not the Paris company).
    assert [s["count"] for s in funnel["steps"]] == [2, 1]


def test_csv_columns_are_the_json_keys_with_breakdown_first_when_asked(
        acct: Acct, client: TestClient):
    acct.contact("lead", hs_lead_status="NEW")
    q = acct.contact("lead", hs_lead_status="OPEN")
    acct.tick(3_600_000)
    acct.set_stage(C, q, "customer")
    span = {"from": "2023-11-14T00:00:00.000Z", "to": "2023-11-15T00:00:00.000Z",
            "asOf": "2024-01-01T00:00:00.000Z"}
    headers = {
        "funnel": ["stage", "count", "nextStepConversion", "cumulativeConversion"],
        "time-in-stage": ["stage", "completedStays", "medianMs", "p90Ms", "meanMs",
                          "currentCount", "currentMedianAgeMs"],
        "stage-changes": ["stage", "start", "count"],
    }
    for kind, header in headers.items():
        params = {"stages": "lead,customer", "interval": "day", **span} \
            if kind == "stage-changes" else {"stages": "lead,customer", **span}
        plain = client.get(f"{BASE}/{kind}", params={**params, "format": "csv"})
        assert plain.status_code == 200 and plain.headers["content-type"].startswith("text/csv")
        assert _rows(plain.text)[0] == header
        split = client.get(f"{BASE}/{kind}", params={**params, "format": "csv",
                                                     "breakdown": "hs_lead_status"})
        rows = _rows(split.text)
        assert rows[0] == ["breakdown", *header]
        assert {r[0] for r in rows[1:]} >= {"NEW", "OPEN"}
        # Each group's rows carry the same numbers as the JSON's breakdown entry.
        body = client.get(f"{BASE}/{kind}", params={**params, "breakdown": "hs_lead_status"}
                          ).json()
        new = next(g for g in body["breakdown"] if g["value"] == "NEW")
        new_rows = [r[1:] for r in rows[1:] if r[0] == "NEW"]
        if kind == "funnel":
            assert new_rows == [[s["stage"], str(s["count"]),
                                 "" if s["nextStepConversion"] is None
                                 else str(s["nextStepConversion"]),
                                 "" if s["cumulativeConversion"] is None
                                 else str(s["cumulativeConversion"])] for s in new["steps"]]
        elif kind == "time-in-stage":
            assert [r[:2] for r in new_rows] == [[s["stage"], str(s["completedStays"])]
                                                 for s in new["stages"]]
            assert [r[5] for r in new_rows] == [str(s["currentCount"]) for s in new["stages"]]
        else:
            assert new_rows == [[s["stage"], p["start"], str(p["count"])]
                                for s in new["series"] for p in s["points"]]
