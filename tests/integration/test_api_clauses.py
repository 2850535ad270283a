"""Clauses of api spec sections 1-9 that no other test pinned down (docs/api-coverage.md):
boundaries, defaults and shapes, each checked in the spec's own words."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from stagecoach.api.app import create_app
from stagecoach.domain.settings import AutomationSettings
from stagecoach.store.schema import api_tokens
from tests.helpers import Acct, drain

HAS_NAME = {"propertyName": "firstname", "operator": "HAS_PROPERTY"}


def _contacts(client: TestClient, n: int) -> list[str]:
    ids: list[str] = []
    for start in range(0, n, 100):
        r = client.post("/crm/v3/objects/contacts/batch/create", json={"inputs": [
            {"properties": {"firstname": f"P{i}"}} for i in range(start, min(n, start + 100))]})
        assert r.status_code == 201, r.text
        ids += [x["id"] for x in r.json()["results"]]
    return ids


def _ok_status(r: Any, status: int) -> None:
    assert r.status_code == status, r.text


# --- section 1: wire rules ---------------------------------------------------------------

def test_batch_read_update_and_upsert_answer_200_when_every_input_succeeds(
        client: TestClient) -> None:
    ids = _contacts(client, 2)
    _ok_status(client.post("/crm/v3/objects/contacts/batch/read", json={
        "inputs": [{"id": i} for i in ids], "properties": ["firstname"]}), 200)
    _ok_status(client.post("/crm/v3/objects/contacts/batch/update", json={
        "inputs": [{"id": i, "properties": {"city": "Oslo"}} for i in ids]}), 200)
    _ok_status(client.post("/crm/v3/objects/contacts/batch/upsert", json={"inputs": [
        {"id": "up@example.test", "idProperty": "email", "properties": {"city": "Rome"}}]}),
        200)


def test_other_successful_reads_and_merge_answer_200(client: TestClient) -> None:
    a, b = _contacts(client, 2)
    for path in ("/crm/v3/objects/contacts", f"/crm/v3/objects/contacts/{a}",
                 "/crm/v3/properties/contacts", "/crm/v3/pipelines/deals",
                 f"/crm/v4/objects/contacts/{a}/associations/companies",
                 "/crm/v4/associations/contacts/companies/labels", "/lifecycle/v1/settings"):
        _ok_status(client.get(path), 200)
    _ok_status(client.post("/crm/v3/objects/contacts/search", json={}), 200)
    _ok_status(client.post("/crm/v3/objects/contacts/merge", json={
        "primaryObjectId": a, "objectIdToMerge": b}), 200)


@pytest.mark.parametrize(("plural", "names"), [
    ("companies", ["companies", "company", "0-2"]),
    ("deals", ["deals", "deal", "0-3"]),
])
def test_companies_and_deals_are_named_plural_singular_or_by_id(
        client: TestClient, plural: str, names: list[str]) -> None:
    for name in names:
        r = client.post(f"/crm/v3/objects/{name}", json={"properties": {}})
        _ok_status(r, 201)
        rid = r.json()["id"]
        _ok_status(client.get(f"/crm/v3/objects/{plural}/{rid}"), 200)
        _ok_status(client.get(f"/crm/v3/objects/{name}/{rid}"), 200)
        _ok_status(client.post(f"/crm/v3/objects/{name}/search", json={}), 200)


def test_association_and_history_lists_arrive_repeated_comma_or_mixed(
        client: TestClient) -> None:
    cid = client.post("/crm/v3/objects/contacts", json={"properties": {
        "firstname": "A", "city": "Oslo"}}).json()["id"]
    co = client.post("/crm/v3/objects/companies", json={"properties": {}}).json()["id"]
    deal = client.post("/crm/v3/objects/deals", json={"properties": {}}).json()["id"]
    client.put(f"/crm/v4/objects/contacts/{cid}/associations/default/companies/{co}")
    client.put(f"/crm/v4/objects/contacts/{cid}/associations/default/deals/{deal}")
    for query in ("associations=companies&associations=deals", "associations=companies,deals",
                  "associations=company,deals&associations=0-3"):
        body = client.get(f"/crm/v3/objects/contacts/{cid}?{query}").json()
        assert set(body["associations"]) == {"companies", "deals"}, query
    for query in ("propertiesWithHistory=firstname&propertiesWithHistory=city",
                  "propertiesWithHistory=firstname,city",
                  "propertiesWithHistory=firstname&propertiesWithHistory=city,firstname"):
        body = client.get(f"/crm/v3/objects/contacts/{cid}?{query}").json()
        assert set(body["propertiesWithHistory"]) == {"firstname", "city"}, query


def test_booleans_in_queries_are_case_insensitive_on_a_single_read(client: TestClient) -> None:
    cid = _contacts(client, 1)[0]
    for flag in ("false", "False", "FALSE"):
        _ok_status(client.get(f"/crm/v3/objects/contacts/{cid}?archived={flag}"), 200)
    client.delete(f"/crm/v3/objects/contacts/{cid}")
    for flag in ("true", "True"):
        r = client.get(f"/crm/v3/objects/contacts/{cid}?archived={flag}")
        assert r.status_code == 200 and r.json()["archived"] is True


def test_numbers_booleans_and_datetimes_sent_as_json_come_back_as_strings(
        client: TestClient) -> None:
    for name, kind, field in (("optin", "bool", "booleancheckbox"),
                              ("seen_at", "datetime", "date"),
                              ("score", "number", "number")):
        _ok_status(client.post("/crm/v3/properties/contacts", json={
            "name": name, "label": name, "type": kind, "fieldType": field,
            "groupName": "contactinformation"}), 201)
    r = client.post("/crm/v3/objects/contacts", json={"properties": {
        "optin": True, "score": 7, "seen_at": 1700000000000, "firstname": 12}})
    _ok_status(r, 201)
    props = r.json()["properties"]
    assert (props["optin"], props["score"], props["seen_at"], props["firstname"]) == (
        "true", "7", "2023-11-14T22:13:20.000Z", "12")
    r = client.patch(f"/crm/v3/objects/contacts/{r.json()['id']}", json={"properties": {
        "optin": "False", "seen_at": "2024-09-11T13:27:39.356Z", "score": None}})
    props = r.json()["properties"]
    assert (props["optin"], props["seen_at"], props["score"]) == (
        "false", "2024-09-11T13:27:39.356Z", None)


def test_v4_reads_carry_ids_as_json_numbers(client: TestClient) -> None:
    cid = _contacts(client, 1)[0]
    co = client.post("/crm/v3/objects/companies", json={"properties": {}}).json()["id"]
    made = client.put(f"/crm/v4/objects/contacts/{cid}/associations/companies/{co}",
                      json=[{"associationCategory": "HUBSPOT_DEFINED",
                             "associationTypeId": 1}]).json()
    assert made["fromObjectId"] == int(cid) and made["toObjectId"] == int(co)
    listed = client.get(f"/crm/v4/objects/contacts/{cid}/associations/companies").json()
    assert listed["results"][0]["toObjectId"] == int(co)


# --- section 2: errors -------------------------------------------------------------------

def test_every_error_body_has_the_hubspot_shape_with_a_uuid_and_a_context(
        acct: Acct, client: TestClient) -> None:
    anonymous = TestClient(create_app(acct.sc))
    responses = [
        client.get("/crm/v3/objects/contacts/999999"),
        client.post("/lifecycle/v1/events/identify", json={}),
        client.put("/crm/v3/objects/contacts"),
        client.get("/no/such/route"),
        client.post("/crm/v3/objects/contacts", content=b"{nope",
                    headers={"content-type": "application/json"}),
        anonymous.get("/crm/v3/objects/contacts"),
    ]
    for r in responses:
        body = r.json()
        assert set(body) == {"status", "message", "correlationId", "category", "errors"}, body
        assert body["status"] == "error" and body["message"]
        uuid.UUID(body["correlationId"])
        assert body["errors"], body
        for e in body["errors"]:
            assert isinstance(e["message"], str) and isinstance(e["code"], str)
            assert isinstance(e["context"], dict), body


def test_an_invalid_option_names_the_property_and_the_allowed_options(
        client: TestClient) -> None:
    r = client.post("/crm/v3/objects/contacts", json={"properties": {
        "lifecyclestage": "wizard"}})
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"
    err = r.json()["errors"][0]
    assert err["code"] == "INVALID_OPTION"
    assert err["context"]["propertyName"] == ["lifecyclestage"]
    assert err["context"]["allowedOptions"][:3] == [
        "subscriber", "lead", "marketingqualifiedlead"]
    assert "lifecyclestage" in r.json()["message"]


def test_the_correlation_id_of_an_error_is_logged(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="stagecoach.api"):
        r = client.get("/crm/v3/objects/contacts/999999")
    assert r.json()["correlationId"] in caplog.text


# --- section 3: objects ------------------------------------------------------------------

def test_list_answers_10_records_by_default_and_at_most_100(client: TestClient) -> None:
    ids = _contacts(client, 101)
    page = client.get("/crm/v3/objects/contacts").json()
    assert [r["id"] for r in page["results"]] == ids[:10]
    assert page["paging"]["next"]["after"] and page["paging"]["next"]["link"]
    page = client.get("/crm/v3/objects/contacts?limit=100").json()
    assert len(page["results"]) == 100 and "paging" in page
    last = client.get(f"/crm/v3/objects/contacts?limit=100&after="
                      f"{page['paging']['next']['after']}").json()
    assert [r["id"] for r in last["results"]] == ids[100:] and "paging" not in last
    assert client.get("/crm/v3/objects/contacts?limit=101").status_code == 400


def test_a_list_page_carries_history_and_associations_when_asked(client: TestClient) -> None:
    cid = client.post("/crm/v3/objects/contacts", json={"properties": {
        "firstname": "Old"}}).json()["id"]
    client.patch(f"/crm/v3/objects/contacts/{cid}", json={"properties": {"firstname": "New"}})
    co = client.post("/crm/v3/objects/companies", json={"properties": {}}).json()["id"]
    client.put(f"/crm/v4/objects/contacts/{cid}/associations/default/companies/{co}")
    r = client.get("/crm/v3/objects/contacts?propertiesWithHistory=firstname"
                   "&associations=companies&properties=firstname")
    row = r.json()["results"][0]
    assert row["properties"] == {"firstname": "New"}
    assert [h["value"] for h in row["propertiesWithHistory"]["firstname"]] == ["New", "Old"]
    assert row["associations"]["companies"]["results"][0]["id"] == co


def test_contacts_default_properties_when_none_are_asked_for(client: TestClient) -> None:
    cid = client.post("/crm/v3/objects/contacts", json={"properties": {
        "email": "d@example.test", "city": "Oslo"}}).json()["id"]
    props = client.get(f"/crm/v3/objects/contacts/{cid}").json()["properties"]
    assert set(props) == {"firstname", "lastname", "email", "createdate", "lastmodifieddate",
                          "hs_object_id"}
    assert props["hs_object_id"] == cid and props["firstname"] is None
    listed = client.get("/crm/v3/objects/contacts").json()["results"][0]["properties"]
    assert set(listed) == set(props)


def test_every_batch_accepts_100_inputs_and_refuses_101(client: TestClient) -> None:
    ids = _contacts(client, 100)
    bodies: dict[str, Any] = {
        "create": lambda n: {"inputs": [{"properties": {}}] * n},
        "read": lambda n: {"inputs": [{"id": i} for i in (ids * 2)[:n]], "properties": []},
        "update": lambda n: {"inputs": [{"id": i, "properties": {"city": "x"}}
                                        for i in (ids * 2)[:n]]},
        "upsert": lambda n: {"inputs": [{"id": f"u{i}@example.test", "idProperty": "email",
                                         "properties": {}} for i in range(n)]},
        "archive": lambda n: {"inputs": [{"id": i} for i in (ids * 2)[:n]]},
    }
    for op, body in bodies.items():
        too_many = client.post(f"/crm/v3/objects/contacts/batch/{op}", json=body(101))
        assert too_many.status_code == 400, (op, too_many.text)
        assert too_many.json()["category"] == "VALIDATION_ERROR"
    for op in ("read", "update", "create", "upsert", "archive"):
        r = client.post(f"/crm/v3/objects/contacts/batch/{op}", json=bodies[op](100))
        assert r.status_code in (200, 201, 204), (op, r.text)


# --- section 4: search -------------------------------------------------------------------

def test_search_pages_10_by_default_and_up_to_200(client: TestClient) -> None:
    _contacts(client, 201)
    first = client.post("/crm/v3/objects/contacts/search", json={}).json()
    assert len(first["results"]) == 10 and first["total"] == 201
    assert first["paging"]["next"]["after"] == "10"
    big = client.post("/crm/v3/objects/contacts/search", json={"limit": 200}).json()
    assert len(big["results"]) == 200 and big["paging"]["next"]["after"] == "200"
    rest = client.post("/crm/v3/objects/contacts/search", json={
        "limit": 200, "after": "200"}).json()
    assert len(rest["results"]) == 1 and "paging" not in rest and rest["total"] == 201


def test_search_accepts_5_groups_6_filters_in_a_group_and_18_in_all(
        client: TestClient) -> None:
    _contacts(client, 1)
    for groups in ([[HAS_NAME]] * 5, [[HAS_NAME] * 6], [[HAS_NAME] * 6] * 3,
                   [[HAS_NAME] * 6, [HAS_NAME] * 6, [HAS_NAME] * 5, [HAS_NAME]]):
        r = client.post("/crm/v3/objects/contacts/search", json={
            "filterGroups": [{"filters": g} for g in groups]})
        assert r.status_code == 200 and r.json()["total"] == 1, r.text
    r = client.post("/crm/v3/objects/contacts/search", json={"filterGroups": [
        {"filters": [HAS_NAME] * 6}] * 3 + [{"filters": [HAS_NAME]}]})
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"


def test_search_between_uses_high_value_and_sees_a_write_at_once(client: TestClient) -> None:
    for n in ("5", "10", "15"):
        client.post("/crm/v3/objects/deals", json={"properties": {"dealname": n, "amount": n}})
    r = client.post("/crm/v3/objects/deals/search", json={"filterGroups": [{"filters": [
        {"propertyName": "amount", "operator": "BETWEEN", "value": "6", "highValue": "15"}]}],
        "sorts": ["amount"], "properties": ["dealname"]})
    assert [x["properties"]["dealname"] for x in r.json()["results"]] == ["10", "15"]


# --- section 5: associations -------------------------------------------------------------

@pytest.mark.parametrize(("pair", "types"), [
    ("contacts/companies", {279: None, 1: "Primary"}),
    ("companies/contacts", {280: None, 2: "Primary"}),
    ("deals/contacts", {3: None}),
    ("contacts/deals", {4: None}),
    ("deals/companies", {341: None, 5: "Primary"}),
    ("companies/deals", {342: None, 6: "Primary"}),
])
def test_labels_name_the_hubspot_type_ids_of_each_direction(
        client: TestClient, pair: str, types: dict[int, str | None]) -> None:
    r = client.get(f"/crm/v4/associations/{pair}/labels")
    assert r.status_code == 200
    assert {x["typeId"]: x["label"] for x in r.json()["results"]} == types
    assert {x["category"] for x in r.json()["results"]} == {"HUBSPOT_DEFINED"}


def test_a_primary_deal_company_brings_the_unlabelled_type_both_ways(
        client: TestClient) -> None:
    deal = client.post("/crm/v3/objects/deals", json={"properties": {}}).json()["id"]
    co = client.post("/crm/v3/objects/companies", json={"properties": {}}).json()["id"]
    _ok_status(client.put(f"/crm/v4/objects/deals/{deal}/associations/companies/{co}",
                          json=[{"associationCategory": "HUBSPOT_DEFINED",
                                 "associationTypeId": 5}]), 201)
    there = client.get(f"/crm/v4/objects/deals/{deal}/associations/companies").json()
    assert {t["typeId"] for t in there["results"][0]["associationTypes"]} == {5, 341}
    back = client.get(f"/crm/v4/objects/companies/{co}/associations/deals").json()
    assert {t["typeId"] for t in back["results"][0]["associationTypes"]} == {6, 342}
    _ok_status(client.delete(f"/crm/v4/objects/deals/{deal}/associations/companies/{co}"), 204)
    assert client.get(f"/crm/v4/objects/companies/{co}/associations/deals").json()[
        "results"] == []


# --- section 6: pipelines ----------------------------------------------------------------

def test_the_default_pipeline_has_the_spec_stages_with_string_metadata(
        client: TestClient) -> None:
    r = client.get("/crm/v3/pipelines/deals/default/stages")
    assert r.status_code == 200
    assert [(s["id"], s["metadata"]) for s in r.json()["results"]] == [
        ("appointmentscheduled", {"isClosed": "false", "probability": "0.2"}),
        ("qualifiedtobuy", {"isClosed": "false", "probability": "0.4"}),
        ("presentationscheduled", {"isClosed": "false", "probability": "0.6"}),
        ("decisionmakerboughtin", {"isClosed": "false", "probability": "0.8"}),
        ("contractsent", {"isClosed": "false", "probability": "0.9"}),
        ("closedwon", {"isClosed": "true", "probability": "1.0"}),
        ("closedlost", {"isClosed": "true", "probability": "0.0"}),
    ]


def test_a_custom_property_is_usable_in_search(client: TestClient) -> None:
    _ok_status(client.post("/crm/v3/properties/companies", json={
        "name": "tier", "label": "Tier", "type": "enumeration", "fieldType": "select",
        "groupName": "companyinformation",
        "options": [{"label": "Gold", "value": "gold"}, {"label": "Tin", "value": "tin"}]}),
        201)
    for tier in ("gold", "tin"):
        client.post("/crm/v3/objects/companies", json={"properties": {
            "name": tier, "tier": tier}})
    r = client.post("/crm/v3/objects/companies/search", json={"filterGroups": [{"filters": [
        {"propertyName": "tier", "operator": "EQ", "value": "gold"}]}], "properties": ["tier"]})
    assert [x["properties"]["tier"] for x in r.json()["results"]] == ["gold"]


# --- section 7 and 9: scopes and tokens --------------------------------------------------

def test_forms_and_imports_need_their_scopes(acct: Acct, client: TestClient) -> None:
    token = acct.token_with("crm.objects.contacts.read")
    auth = {"Authorization": f"Bearer {token}"}
    for method, path in (("GET", "/lifecycle/v1/forms"), ("GET", "/crm/v3/imports/1"),
                         ("PATCH", "/lifecycle/v1/settings"),
                         ("POST", "/lifecycle/v1/contacts/1/demote")):
        r = client.request(method, path, headers=auth, json={})
        assert r.status_code == 403 and r.json()["category"] == "MISSING_SCOPES", (path, r.text)


def test_tokens_are_stored_only_as_hashes(acct: Acct) -> None:
    with acct.sc.engine.connect() as conn:
        stored = conn.execute(select(api_tokens).where(
            api_tokens.c.account_id == acct.id)).mappings().all()
    assert stored
    for row in stored:
        assert acct.token not in [str(v) for v in row.values()]
        assert acct.token[-20:] not in row["token_hash"]


# --- section 8: Stagecoach's own endpoints -----------------------------------------------

def test_settings_default_to_the_spec_shape(client: TestClient) -> None:
    # The spec's literal is pinned once, on the domain defaults
    # (unit/test_settings.py::test_defaults_match_the_api_spec); the wire sends exactly them.
    assert client.get("/lifecycle/v1/settings").json() == AutomationSettings().to_json()


def test_explain_chain_entries_have_the_spec_fields_and_start_at_the_current_stage(
        client: TestClient) -> None:
    cid = client.post("/crm/v3/objects/contacts", json={"properties": {
        "lifecyclestage": "lead"}}).json()["id"]
    deal = client.post("/crm/v3/objects/deals", json={"properties": {}}).json()["id"]
    client.put(f"/crm/v4/objects/deals/{deal}/associations/default/contacts/{cid}")
    client.patch(f"/crm/v3/objects/deals/{deal}", json={"properties": {
        "dealstage": "closedwon"}})
    client.patch(f"/crm/v3/objects/contacts/{cid}", json={"properties": {
        "lifecyclestage": "lead"}})
    body = client.get(f"/lifecycle/v1/contacts/{cid}/explain").json()
    assert (body["objectType"], body["id"], body["stage"]) == ("contacts", cid, "customer")
    for step in body["chain"]:
        assert set(step) >= {"objectType", "objectId", "property", "from", "to", "rule",
                             "sourceType", "sourceId", "timestamp"}, step
    first, last = body["chain"][0], body["chain"][-1]
    assert (first["objectId"], first["property"], first["to"]) == (
        cid, "lifecyclestage", "customer")
    assert (last["objectType"], last["objectId"], last["property"], last["to"]) == (
        "deals", deal, "dealstage", "closedwon")
    blocked = body["blockedWrites"][0]
    assert set(blocked) >= {"property", "attemptedValue", "keptValue", "sourceType",
                            "sourceId", "reason", "timestamp"}
    assert (blocked["attemptedValue"], blocked["keptValue"]) == ("lead", "customer")


# --- section 7: imports ------------------------------------------------------------------

def _import(client: TestClient, acct: Acct, request: str, name: str, data: bytes) -> str:
    """Start an import of one CSV file and run it to its end as a worker would: its final
    state as the API reads it."""
    r = client.post("/crm/v3/imports", data={"importRequest": request}, files={
        "files": (name, data, "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json()["state"] in ("STARTED", "PROCESSING", "DONE", "FAILED")
    drain(acct.sc)
    return str(client.get(f"/crm/v3/imports/{r.json()['id']}").json()["state"])


def test_an_import_of_a_broken_file_is_read_as_failed(client: TestClient, acct: Acct) -> None:
    request = ('{"name": "broken", "files": [{"fileName": "q.csv", "fileFormat": "CSV", '
               '"fileImportPage": {"hasHeader": true, "columnMappings": ['
               '{"columnObjectTypeId": "0-1", "columnName": "email", "propertyName": "email"}'
               ']}}]}')
    state = _import(client, acct, request, "q.csv", b'email\na@example.test\n"b@example.test\n')
    assert state == "FAILED"
    assert client.get("/crm/v3/objects/contacts").json()["results"] == []


def test_a_custom_property_is_usable_in_imports_and_lists(client: TestClient,
                                                          acct: Acct) -> None:
    _ok_status(client.post("/crm/v3/properties/contacts", json={
        "name": "shoe_size", "label": "Shoe size", "type": "number", "fieldType": "number",
        "groupName": "contactinformation"}), 201)
    request = ('{"name": "shoes", "files": [{"fileName": "s.csv", "fileFormat": "CSV", '
               '"fileImportPage": {"hasHeader": true, "columnMappings": ['
               '{"columnObjectTypeId": "0-1", "columnName": "Email", "propertyName": "email",'
               ' "idColumnType": "HUBSPOT_ALTERNATE_ID"},'
               '{"columnObjectTypeId": "0-1", "columnName": "Size", "propertyName": "shoe_size"}'
               ']}}]}')
    assert _import(client, acct, request, "s.csv", b"Email,Size\nshoe@example.test,42\n") == "DONE"
    listed = client.get("/crm/v3/objects/contacts?properties=email,shoe_size").json()
    assert [x["properties"] for x in listed["results"]] == [
        {"email": "shoe@example.test", "shoe_size": "42"}]
