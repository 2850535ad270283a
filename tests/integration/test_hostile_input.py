"""Hostile input gets a 400 in HubSpot's error shape, never a 500, and writes nothing
(issue 20, point 2). Each case failed with a 500 before the input guard."""

from __future__ import annotations

import itertools
import json

import pytest
from fastapi.testclient import TestClient

from stagecoach.library import Stagecoach
from tests.helpers import Acct, D
from tests.web.client import PASSWORD, sign_in
from tests.web.client import client as web_client

_n = itertools.count(1)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _assert_400(r: object, *, naming: str | None = None) -> None:
    assert r.status_code == 400, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
    if naming is not None:
        assert naming in body["message"], body["message"]


@pytest.mark.parametrize("path", [
    "/crm/v3/objects/contacts", "/lifecycle/v1/forms", "/lifecycle/v1/events/identify",
    "/lifecycle/v1/reports/funnel", "/crm/v3/objects/contacts/search",
])
def test_json_nested_a_thousand_deep_is_refused(client: TestClient, path: str) -> None:
    body = '{"properties": {"x": ' + _nested(1000) + "}}"
    _assert_400(client.post(path, content=body, headers={"content-type": "application/json"}),
                naming="nested")


def test_an_anonymous_form_submission_nested_deep_is_refused(acct: Acct,
                                                             client: TestClient) -> None:
    body = '{"fields": ' + _nested(5000) + "}"
    r = client.post(f"/submissions/v3/integration/submit/{acct.id}/nope", content=body,
                    headers={"content-type": "application/json", "authorization": ""})
    _assert_400(r)


def test_a_lone_surrogate_is_refused_naming_the_field(client: TestClient) -> None:
    body = '{"properties": {"firstname": "a\\ud800b"}}'
    r = client.post("/crm/v3/objects/contacts", content=body,
                    headers={"content-type": "application/json"})
    _assert_400(r, naming="properties.firstname")
    listed = client.get("/crm/v3/objects/contacts").json()["results"]
    assert listed == []


def test_a_nul_character_in_a_body_a_path_or_a_query_is_refused(client: TestClient) -> None:
    r = client.post("/crm/v3/objects/contacts",
                    content=json.dumps({"properties": {"email": "a\u0000@x.test"}}),
                    headers={"content-type": "application/json"})
    _assert_400(r, naming="properties.email")
    _assert_400(client.get("/crm/v3/objects/contacts/a%00b?idProperty=email"))
    _assert_400(client.get("/crm/v3/objects/contacts?after=%00"))
    assert client.get("/crm/v3/objects/contacts").json()["results"] == []


@pytest.mark.parametrize("path", [
    "/crm/v3/imports?after=99999999999999999999999",
    "/crm/v3/imports/1/errors?after=99999999999999999999999",
    "/lifecycle/v1/events?after=99999999999999999999999",
])
def test_paging_past_int64_is_a_400(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code in (400, 404), r.text
    assert r.status_code != 404 or "import" in r.json()["message"].lower()


def test_funnel_records_after_past_int64_is_a_400(client: TestClient) -> None:
    r = client.get("/lifecycle/v1/reports/funnel/records",
                   params={"stages": "lead", "stage": "lead", "after": "9" * 25})
    _assert_400(r)


def test_a_search_in_of_a_hundred_thousand_values_is_refused(client: TestClient) -> None:
    body = {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "IN",
                                           "values": [f"{i}@x.test" for i in range(100_000)]}]}]}
    r = client.post("/crm/v3/objects/contacts/search", json=body)
    _assert_400(r, naming="at most 1000")


def test_huge_amounts_sum_on_the_deal_board(sc: Stagecoach) -> None:
    made = sc.create_account("Board Inc", f"board{next(_n)}@board.test", PASSWORD)
    acct = Acct(sc, made.account_id)
    for _ in range(2):
        acct.create(D, {"dealname": "Big", "amount": "1e308", "pipeline": "default",
                        "dealstage": "appointmentscheduled"})
    c = web_client(sc)
    sign_in(c, made.admin_email)
    r = c.get("/deals")
    assert r.status_code == 200
    assert "2" + "0" * 308 in r.text.replace(",", "")
