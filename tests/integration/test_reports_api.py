"""The reports over HTTP: POST bodies, GET query strings, CSV, errors, records behind a step."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from stagecoach.api.app import create_app
from tests.helpers import Acct, C
from tests.integration.test_reports_funnel import STAGES, build_paths

BASE = "/lifecycle/v1/reports"


def test_funnel_post_and_get_give_the_same_report(acct: Acct, client: TestClient):
    build_paths(acct)
    posted = client.post(f"{BASE}/funnel", json={"stages": STAGES, "mode": "any"})
    got = client.get(f"{BASE}/funnel", params={"stages": ",".join(STAGES), "mode": "any"})
    repeated = client.get(f"{BASE}/funnel", params=[("stages", s) for s in STAGES]
                          + [("mode", "any")])
    assert posted.status_code == got.status_code == repeated.status_code == 200
    assert posted.json() == got.json() == repeated.json()
    body = posted.json()
    assert body["mode"] == "any" and body["objectType"] == "contacts"
    assert [s["count"] for s in body["steps"]] == [4, 4, 4, 3]
    assert "breakdown" not in body


def test_funnel_csv_has_the_same_numbers(acct: Acct, client: TestClient):
    build_paths(acct)
    r = client.get(f"{BASE}/funnel", params={"stages": ",".join(STAGES), "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["stage", "count", "nextStepConversion", "cumulativeConversion"]
    assert rows[1] == ["lead", "4", "0.75", "1.0"]
    assert rows[4] == ["customer", "1", "", "0.25"]


def test_funnel_csv_with_breakdown_starts_with_the_breakdown_column(
        acct: Acct, client: TestClient):
    acct.create(C, {"lifecyclestage": "lead", "hs_lead_status": "NEW"})
    r = client.post(f"{BASE}/funnel?format=csv",
                    json={"stages": ["lead"], "breakdown": "hs_lead_status"})
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["breakdown", "stage", "count", "nextStepConversion",
                       "cumulativeConversion"]
    assert ["NEW", "lead", "1", "", "1.0"] in rows


def test_time_in_stage_and_stage_changes_over_http(acct: Acct, client: TestClient):
    a = acct.contact("lead")
    acct.tick(9 * 60_000)
    acct.set_stage(C, a, "customer")
    as_of = "2030-01-01T00:00:00Z"
    t = client.get(f"{BASE}/time-in-stage", params={"stages": "lead,customer",
                                                    "asOf": as_of})
    assert t.status_code == 200
    lead = t.json()["stages"][0]
    assert (lead["stage"], lead["completedStays"], lead["medianMs"]) == ("lead", 1, 600_000)
    s = client.post(f"{BASE}/stage-changes", json={"stages": ["customer"], "interval": "day",
                                                   "from": "2023-11-14T00:00:00Z",
                                                   "to": "2023-11-14T23:00:00Z"})
    assert s.status_code == 200
    assert s.json() == {"interval": "day", "objectType": "contacts", "series": [
        {"stage": "customer", "points": [{"start": "2023-11-14T00:00:00.000Z", "count": 1}]}]}
    c = client.post(f"{BASE}/stage-changes?format=csv",
                    json={"stages": ["customer"], "interval": "day",
                          "from": "2023-11-14T00:00:00Z", "to": "2023-11-14T23:00:00Z"})
    assert c.text.splitlines() == ["stage,start,count", "customer,2023-11-14T00:00:00.000Z,1"]


def test_funnel_records_pages_through_the_ids_of_a_step(acct: Acct, client: TestClient):
    ids = build_paths(acct)
    first = client.get(f"{BASE}/funnel/records",
                       params={"stages": ",".join(STAGES), "stage": "lead", "limit": 3})
    assert first.status_code == 200
    body = first.json()
    assert body["total"] == 4 and len(body["results"]) == 3
    rest = client.post(f"{BASE}/funnel/records",
                       json={"stages": STAGES, "stage": "lead",
                             "after": body["paging"]["next"]["after"]})
    assert "paging" not in rest.json()
    listed = [int(r["id"]) for r in body["results"] + rest.json()["results"]]
    assert listed == sorted(ids[k] for k in ("c1", "c2", "c4", "c5"))


def _error(r) -> dict:
    body = r.json()
    assert body["status"] == "error" and body["correlationId"] and body["errors"]
    return body


@pytest.mark.parametrize("method,path,kw,status", [
    ("post", "/funnel", {"json": {"stages": ["nope"]}}, 400),
    ("post", "/funnel", {"content": b"{not json", "headers": {
        "content-type": "application/json"}}, 400),
    ("post", "/funnel", {"json": [1, 2]}, 400),
    ("get", "/funnel", {"params": {"filterGroups": "[{"}}, 400),
    ("get", "/funnel", {"params": {"filterGroups": '[{"filters":[{"propertyName":"x",'
                                                   '"operator":"EQ","value":"1"}]}]'}}, 400),
    ("get", "/stage-changes", {"params": {"interval": "hour"}}, 400),
    ("get", "/funnel", {"params": {"objectType": "deals"}}, 400),
    ("get", "/funnel", {"params": {"format": "xml"}}, 400),
    ("get", "/funnel", {"params": {"from": "2024-02-01", "to": "2024-01-01"}}, 400),
    ("get", "/cohorts", {}, 404),
    ("get", "/funnel/records", {"params": {"stage": "nope"}}, 400),
    ("get", "/funnel/records", {"params": {}}, 400),
    ("get", "/funnel/records", {"params": {"stage": "lead", "limit": "0"}}, 400),
    ("get", "/stage-changes", {"params": {"interval": "day", "from": "1970-01-01T00:00:00Z",
                                          "to": "2100-01-01T00:00:00Z"}}, 400),
])
def test_bad_requests_get_hubspot_shaped_errors(client: TestClient, method, path, kw, status):
    r = getattr(client, method)(BASE + path, **kw)
    assert r.status_code == status
    assert _error(r)["category"] == ("VALIDATION_ERROR" if status == 400 else
                                     "OBJECT_NOT_FOUND")


def test_reports_need_a_token_with_the_object_read_scope(acct: Acct, client: TestClient):
    anonymous = TestClient(create_app(acct.sc))
    assert anonymous.get(f"{BASE}/funnel").status_code == 401
    token = acct.token_with("crm.objects.companies.read", name="companies only")
    limited = TestClient(create_app(acct.sc))
    limited.headers["Authorization"] = f"Bearer {token}"
    r = limited.get(f"{BASE}/funnel")
    assert r.status_code == 403 and _error(r)["category"] == "MISSING_SCOPES"
    assert limited.get(f"{BASE}/funnel", params={"objectType": "companies"}).status_code == 200
