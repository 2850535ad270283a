"""A token of account A never reads or changes account B's data: by id, search, batch,
association or merge."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Server


@pytest.fixture
def b_data(server: Server) -> dict[str, Any]:
    """Records of account B. Ids are per account (on SQLite both accounts count from 1), so
    B's ids are pushed past the few ids the tests create in A: a hit would be A's own."""
    with server.http() as http:
        http.post("/crm/v3/objects/contacts/batch/create",
                  json={"inputs": [{"properties": {}}] * 10})
        c = http.post("/crm/v3/objects/contacts", json={"properties": {
            "email": "secret@b.test", "firstname": "Secret", "lifecyclestage": "lead"}}
        ).json()["id"]
        co = http.post("/crm/v3/objects/companies",
                       json={"properties": {"name": "B Corp"}}).json()["id"]
        # (the contact's email domain gave it a company of its own: rule 27)
        return {"contact": c, "company": co, "links": _links(http, c)}


def _b_unchanged(b: Server, ids: dict[str, Any]) -> None:
    with b.http() as http:
        got = http.get(f"/crm/v3/objects/contacts/{ids['contact']}",
                       params={"properties": "firstname,lifecyclestage"})
        assert got.status_code == 200
        assert got.json()["properties"] == {"firstname": "Secret", "lifecyclestage": "lead"}
        assert _links(http, ids["contact"]) == ids["links"]


def _links(http: Any, contact: str) -> Any:
    return http.get(f"/crm/v4/objects/contacts/{contact}/associations/companies"
                    ).json()["results"]


def test_reads_by_id_email_list_and_search_see_nothing_of_another_account(
        server: Server, b_data: dict[str, Any]) -> None:
    a = server.new_account()
    c = b_data["contact"]
    with a.http() as http:
        assert http.get(f"/crm/v3/objects/contacts/{c}").status_code == 404
        assert http.get(f"/crm/v3/objects/contacts/{c}?archived=true").status_code == 404
        assert http.get("/crm/v3/objects/contacts/secret@b.test?idProperty=email"
                        ).status_code == 404
        assert http.get("/crm/v3/objects/contacts").json()["results"] == []
        r = http.post("/crm/v3/objects/contacts/search", json={"query": "secret"})
        assert r.json()["total"] == 0
        r = http.post("/crm/v3/objects/contacts/search", json={"filterGroups": [{"filters": [
            {"propertyName": "hs_object_id", "operator": "EQ", "value": c}]}]})
        assert r.json()["total"] == 0
        r = http.post("/crm/v3/objects/contacts/batch/read", json={"inputs": [{"id": c}]})
        assert r.status_code == 207 and r.json()["results"] == []
        assert http.get(f"/crm/v4/objects/contacts/{c}/associations/companies"
                        ).status_code == 404


def test_writes_by_id_batch_association_and_merge_cannot_touch_another_account(
        server: Server, b_data: dict[str, Any]) -> None:
    a = server.new_account()
    c, co = b_data["contact"], b_data["company"]
    with a.http() as http:
        mine = http.post("/crm/v3/objects/contacts", json={"properties": {}}).json()["id"]
        my_co = http.post("/crm/v3/objects/companies", json={"properties": {}}).json()["id"]
        assert http.patch(f"/crm/v3/objects/contacts/{c}", json={"properties": {
            "firstname": "Hacked"}}).status_code == 404
        assert http.delete(f"/crm/v3/objects/contacts/{c}").status_code == 404
        r = http.post("/crm/v3/objects/contacts/batch/update", json={"inputs": [
            {"id": c, "properties": {"firstname": "Hacked"}}]})
        assert r.status_code == 207
        r = http.post("/crm/v3/objects/contacts/batch/upsert", json={"inputs": [
            {"id": "secret@b.test", "idProperty": "email",
             "properties": {"firstname": "Hacked"}}]})
        assert r.json()["results"][0]["new"] is True  # a contact of A's own
        http.post("/crm/v3/objects/contacts/batch/archive", json={"inputs": [{"id": c}]})
        assert http.put(f"/crm/v4/objects/contacts/{c}/associations/default/companies/{my_co}"
                        ).status_code == 404
        assert http.put(f"/crm/v4/objects/contacts/{mine}/associations/default/companies/{co}"
                        ).status_code == 404
        r = http.post("/crm/v4/associations/contacts/companies/batch/associate/default",
                      json={"inputs": [{"from": {"id": c}, "to": {"id": my_co}}]})
        assert r.status_code == 207
        http.delete(f"/crm/v4/objects/contacts/{c}/associations/companies/{co}")
        assert http.post("/crm/v3/objects/contacts/merge", json={
            "primaryObjectId": mine, "objectIdToMerge": c}).status_code == 404
        assert http.post("/crm/v3/objects/contacts/merge", json={
            "primaryObjectId": c, "objectIdToMerge": mine}).status_code == 404
        r = http.post("/crm/v3/objects/contacts", json={"properties": {},
                      "associations": [{"to": {"id": co}, "types": [
                          {"associationCategory": "HUBSPOT_DEFINED",
                           "associationTypeId": 279}]}]})
        assert r.status_code == 404
    _b_unchanged(server, b_data)
