"""Malformed input of every shape gets a 4xx in HubSpot's error shape, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Server

C = "/crm/v3/objects/contacts"
V4 = "/crm/v4/objects/contacts/1/associations/companies/2"
BAD: list[tuple[str, str, Any]] = [
    ("POST", C, []),
    ("POST", C, "x"),
    ("POST", C, {"properties": []}),
    ("POST", C, {"properties": {"firstname": {"a": 1}}}),
    ("POST", C, {"properties": {"firstname": "a\u0000b"}}),
    ("POST", C, {"properties": {"email": "not-an-email"}}),
    ("POST", C, {"properties": {"closedate": "999999999999999999"}}),
    ("POST", C, {"properties": {"closedate": "-999999999999999999"}}),
    ("POST", C, {"properties": {}, "associations": [{"to": {"id": "x"}, "types": []}]}),
    ("POST", C, {"properties": {}, "associations": [{"to": "x"}]}),
    ("POST", C, {"properties": {}, "associations": [{"to": {"id": "1"}, "types": [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": "x"}]}]}),
    ("POST", C, {"properties": {}, "associations": "x"}),
    ("GET", C + "?limit=-1", None),
    ("GET", C + "?limit=abc", None),
    ("GET", C + "?associations=widgets", None),
    ("GET", C + "/1?idProperty=email%00", None),
    ("GET", C + "/a%00b?idProperty=email", None),
    ("GET", C + "/99999999999999999999999", None),
    ("GET", C + "/\u00b2", None),
    ("POST", C + "/batch/archive", {"inputs": [{"id": "\u00b2"}]}),
    ("GET", C + "?after=\u00b2", None),
    ("PATCH", C + "/1", {"properties": "x"}),
    ("PATCH", C + "/1", None),
    ("POST", C + "/search", {"filterGroups": "x"}),
    ("POST", C + "/search", {"filterGroups": [{"filters": [{"propertyName": 1}]}]}),
    ("POST", C + "/search", {"filterGroups": [{"filters": "x"}]}),
    ("POST", C + "/search", {"sorts": [1]}),
    ("POST", C + "/search", {"sorts": [{"propertyName": "email", "direction": "UP"}]}),
    ("POST", C + "/search", {"after": "x"}),
    ("POST", C + "/search", {"query": 5}),
    ("POST", C + "/search", {"properties": "email"}),
    ("POST", C + "/search", {"filterGroups": [{"filters": [
        {"propertyName": "email", "operator": "IN", "values": [{"a": 1}]}]}]}),
    ("POST", C + "/batch/create", {"inputs": [1, "x"]}),
    ("POST", C + "/batch/upsert", {"inputs": [{"id": "a@b.test", "idProperty": "nope"}]}),
    ("POST", C + "/batch/upsert", {"inputs": [{"id": "a@b.test", "idProperty": "email"},
                                              {"id": "1", "idProperty": "hs_object_id"}]}),
    ("POST", C + "/batch/read", {"inputs": [{"id": "1"}], "properties": "x"}),
    ("POST", C + "/batch/archive", {"inputs": [{"id": "x"}]}),
    ("POST", C + "/merge", {"primaryObjectId": {"a": 1}, "objectIdToMerge": [1]}),
    ("PUT", V4, {}),
    ("PUT", V4, [{"associationTypeId": "x"}]),
    ("PUT", V4, [{"associationCategory": "USER_DEFINED", "associationTypeId": 1}]),
    ("PUT", "/crm/v4/objects/contacts/abc/associations/companies/2", [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}]),
    ("PUT", "/crm/v4/objects/contacts/1/associations/contacts/2", [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}]),
    ("DELETE", "/crm/v4/objects/contacts/1/associations/contacts/2", None),
    ("POST", "/crm/v4/associations/contacts/companies/batch/archive", {"inputs": [
        {"from": {"id": "1"}, "to": "x"}]}),
    ("POST", "/crm/v4/associations/contacts/companies/batch/read", {"inputs": "x"}),
    ("POST", "/crm/v4/associations/widgets/companies/batch/read", {"inputs": []}),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD,
                         ids=[f"{m} {p} {str(b)[:40]}" for m, p, b in BAD])
def test_bad_input_is_a_4xx_in_hubspot_shape(server: Server, method: str, path: str,
                                              body: Any) -> None:
    with server.http() as http:
        r = http.request(method, path, json=body) if body is not None else http.request(
            method, path)
    assert 400 <= r.status_code < 500, r.text
    err = r.json()
    assert err["status"] == "error" and err["correlationId"] and err["category"]


def test_deeply_nested_json_is_400(server: Server) -> None:
    deep = "[" * 5000 + "]" * 5000
    with server.http() as http:
        r = http.post(C, content=deep.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 400


def test_odd_but_well_formed_input_is_answered_per_input(server: Server) -> None:
    with server.http() as http:
        r = http.post(C + "/search", json={"filterGroups": [{"filters": [
            {"propertyName": "hs_object_id", "operator": "EQ", "value": "1" * 40}]}]})
        assert r.status_code == 200 and r.json()["total"] == 0
        r = http.post(C + "/batch/update", json={"inputs": [{"id": {"a": 1},
                                                             "properties": {}}]})
        assert r.status_code == 207
        assert r.json()["errors"][0]["category"] == "OBJECT_NOT_FOUND"


def test_dates_at_the_edges_of_what_iso_can_write(server: Server) -> None:
    with server.http() as http:
        r = http.post("/crm/v3/objects/deals", json={"properties": {
            "dealname": "old", "closedate": "0001-01-01T00:00:00.000Z"}})
        assert r.status_code == 201
        got = http.get(f"/crm/v3/objects/deals/{r.json()['id']}?properties=closedate").json()
        assert got["properties"]["closedate"] == "0001-01-01T00:00:00.000Z"
        assert http.post("/crm/v3/objects/deals", json={"properties": {
            "closedate": "253402300800000"}}).status_code == 400
