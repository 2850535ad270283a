"""Lifecycle behaviour seen through the CRM API: forward-only writes with the ignored
header, reject mode, clear then set, "became a" dates, history with sources."""

from __future__ import annotations

from typing import Any

import pytest
from hubspot.crm.contacts import SimplePublicObjectInput

from tests.e2e.conftest import Server

pytestmark = pytest.mark.sdk
HEADER = "Stagecoach-Ignored-Properties"


def _contact(server: Server, **props: str) -> str:
    with server.http() as http:
        return str(http.post("/crm/v3/objects/contacts",
                             json={"properties": props}).json()["id"])


def _get(server: Server, cid: str, props: str, history: str | None = None) -> dict[str, Any]:
    params = {"properties": props}
    if history:
        params["propertiesWithHistory"] = history
    with server.http() as http:
        return dict(http.get(f"/crm/v3/objects/contacts/{cid}", params=params).json())


def _settings(server: Server, **patch: Any) -> None:
    from stagecoach.services.lifecycle import settings

    with server.live.sc.unit(server.account_id) as ctx:
        settings.patch(ctx, patch)


def test_backward_write_answers_success_keeps_the_value_and_says_so(server: Server) -> None:
    cid = _contact(server, lifecyclestage="customer")
    with server.http() as http:
        r = http.patch(f"/crm/v3/objects/contacts/{cid}",
                       json={"properties": {"lifecyclestage": "lead", "firstname": "Kept"}})
    assert r.status_code == 200
    assert r.headers[HEADER] == "lifecyclestage"
    assert r.json()["properties"]["lifecyclestage"] == "customer"
    assert _get(server, cid, "lifecyclestage,firstname")["properties"] == {
        "lifecyclestage": "customer", "firstname": "Kept"}
    # through the SDK too: success, value unchanged
    server.sdk().crm.contacts.basic_api.update(cid, SimplePublicObjectInput(
        properties={"lifecyclestage": "subscriber"}))
    assert _get(server, cid, "lifecyclestage")["properties"]["lifecyclestage"] == "customer"


def test_forward_write_has_no_ignored_header(server: Server) -> None:
    cid = _contact(server, lifecyclestage="lead")
    with server.http() as http:
        r = http.patch(f"/crm/v3/objects/contacts/{cid}",
                       json={"properties": {"lifecyclestage": "customer"}})
    assert r.status_code == 200 and HEADER not in r.headers


def test_batch_header_names_ignored_properties(server: Server) -> None:
    cid = _contact(server, lifecyclestage="customer")
    with server.http() as http:
        r = http.post("/crm/v3/objects/contacts/batch/update", json={"inputs": [
            {"id": cid, "properties": {"lifecyclestage": "lead"}}]})
    assert r.status_code == 200 and r.headers[HEADER] == "lifecyclestage"


def test_reject_mode_answers_400_backward_lifecycle_stage(server: Server) -> None:
    _settings(server, apiBackwardWrites="reject")
    cid = _contact(server, lifecyclestage="customer")
    with server.http() as http:
        r = http.patch(f"/crm/v3/objects/contacts/{cid}",
                       json={"properties": {"lifecyclestage": "lead"}})
        assert r.status_code == 400
        assert r.json()["errors"][0]["code"] == "BACKWARD_LIFECYCLE_STAGE"
        r = http.post("/crm/v3/objects/contacts/batch/update", json={"inputs": [
            {"id": cid, "properties": {"lifecyclestage": "lead"}}]})
        assert r.status_code == 207
    assert _get(server, cid, "lifecyclestage")["properties"]["lifecyclestage"] == "customer"


def test_clear_then_set_moves_backward_and_clears_later_became_dates(server: Server) -> None:
    cid = _contact(server, lifecyclestage="lead")
    with server.http() as http:
        http.patch(f"/crm/v3/objects/contacts/{cid}",
                   json={"properties": {"lifecyclestage": "customer"}})
        mid = _get(server, cid, "hs_lifecyclestage_customer_date,hs_lifecyclestage_lead_date")
        assert mid["properties"]["hs_lifecyclestage_customer_date"] is not None
        r = http.patch(f"/crm/v3/objects/contacts/{cid}",
                       json={"properties": {"lifecyclestage": ""}})
        assert r.status_code == 200 and HEADER not in r.headers
        http.patch(f"/crm/v3/objects/contacts/{cid}",
                   json={"properties": {"lifecyclestage": "marketingqualifiedlead"}})
    got = _get(server, cid, "lifecyclestage,hs_lifecyclestage_customer_date,"
                            "hs_lifecyclestage_lead_date,"
                            "hs_lifecyclestage_marketingqualifiedlead_date",
               history="lifecyclestage")
    p = got["properties"]
    assert p["lifecyclestage"] == "marketingqualifiedlead"
    assert p["hs_lifecyclestage_customer_date"] is None
    assert p["hs_lifecyclestage_lead_date"] == mid["properties"]["hs_lifecyclestage_lead_date"]
    assert p["hs_lifecyclestage_marketingqualifiedlead_date"] is not None
    hist = got["propertiesWithHistory"]["lifecyclestage"]
    assert [h["value"] for h in hist] == ["marketingqualifiedlead", "", "customer", "lead"]
    assert all(h["sourceType"] == "API" for h in hist)
    assert hist[0]["timestamp"] >= hist[-1]["timestamp"]


def test_history_entries_have_every_field_newest_first(server: Server) -> None:
    cid = _contact(server, firstname="A")
    with server.http() as http:
        http.patch(f"/crm/v3/objects/contacts/{cid}", json={"properties": {"firstname": "B"}})
    res = server.sdk().crm.contacts.basic_api.get_by_id(cid, properties_with_history=[
        "firstname"])
    hist = res.properties_with_history["firstname"]
    assert [h.value for h in hist] == ["B", "A"]
    assert hist[0].source_type == "API" and hist[0].source_id
    assert hist[0].timestamp >= hist[1].timestamp
    with server.http() as http:
        raw = http.get(f"/crm/v3/objects/contacts/{cid}?propertiesWithHistory=firstname").json()
    assert set(raw["propertiesWithHistory"]["firstname"][0]) == {
        "value", "timestamp", "sourceType", "sourceId", "sourceLabel", "updatedByUserId"}


def test_company_email_domain_creates_primary_company_and_sync_follows(
        server: Server) -> None:
    _settings(server, syncWithPrimaryCompany=True)
    cid = _contact(server, email="x@syncco.test", lifecyclestage="subscriber")
    with server.http() as http:
        got = http.get(f"/crm/v3/objects/contacts/{cid}?associations=companies").json()
        [primary] = [a["id"] for a in got["associations"]["companies"]["results"]
                     if a["type"] == "contact_to_company"]
        http.patch(f"/crm/v3/objects/companies/{primary}",
                   json={"properties": {"lifecyclestage": "salesqualifiedlead"}})
    assert _get(server, cid, "lifecyclestage")["properties"]["lifecyclestage"] == \
        "salesqualifiedlead"
