"""/crm/v3/lists over HTTP: the paths, shapes and status codes of HubSpot's Lists v3 API
(automation spec rule 57), and errors in HubSpot's shape."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import Acct
from tests.integration.lists_helpers import branch, prop, stage_is

LIST_KEYS = {"listId", "name", "objectTypeId", "processingType", "processingStatus",
             "listVersion", "size", "createdAt", "updatedAt", "filtersUpdatedAt"}


def _create(client: TestClient, name: str, kind: str = "MANUAL",
            filters: dict[str, Any] | None = None, ot: str = "0-1") -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "objectTypeId": ot, "processingType": kind}
    if filters is not None:
        body["filterBranch"] = filters
    r = client.post("/crm/v3/lists/", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json()["list"])


def test_create_answers_200_with_the_list_and_both_paths_are_routed(
        acct: Acct, client: TestClient) -> None:
    acct.contact("customer")
    made = _create(client, "Customers", "DYNAMIC", stage_is("customer"))
    assert set(made) >= LIST_KEYS and made["listId"].isdigit()
    assert made["processingStatus"] == "COMPLETE" and made["listVersion"] == 1
    assert made["size"] == 1 and made["objectTypeId"] == "0-1"
    op = made["filterBranch"]["filterBranches"][0]["filters"][0]["operation"]
    assert op["includeObjectsWithNoValueSet"] is False
    r = client.post("/crm/v3/lists", json={"name": "Other", "objectTypeId": "0-1",
                                            "processingType": "MANUAL"})
    assert r.status_code == 200


def test_a_duplicate_name_for_the_same_type_is_409_and_another_type_is_fine(
        client: TestClient) -> None:
    _create(client, "VIPs")
    r = client.post("/crm/v3/lists/", json={"name": "VIPs", "objectTypeId": "0-1",
                                             "processingType": "MANUAL"})
    assert r.status_code == 409 and r.json()["category"] == "CONFLICT"
    _create(client, "VIPs", ot="0-2")


def test_reads_by_id_by_ids_by_name_and_search(client: TestClient) -> None:
    a = _create(client, "Alpha leads", "DYNAMIC", stage_is("lead"))
    b = _create(client, "Beta")
    one = client.get(f"/crm/v3/lists/{a['listId']}").json()["list"]
    assert one["name"] == "Alpha leads" and "filterBranch" not in one
    with_filters = client.get(f"/crm/v3/lists/{a['listId']}",
                              params={"includeFilters": "True"}).json()["list"]
    assert with_filters["filterBranch"] == a["filterBranch"]
    many = client.get("/crm/v3/lists/", params=[("listIds", a["listId"]),
                                                 ("listIds", b["listId"])]).json()
    assert [x["listId"] for x in many["lists"]] == [a["listId"], b["listId"]]
    named = client.get("/crm/v3/lists/object-type-id/0-1/name/Beta").json()["list"]
    assert named["listId"] == b["listId"]
    found = client.post("/crm/v3/lists/search", json={"query": "alpha"}).json()
    assert found["total"] == 1 and found["lists"][0]["listId"] == a["listId"]
    assert found["hasMore"] is False and found["offset"] == 1
    dyn = client.post("/crm/v3/lists/search", json={"processingTypes": ["MANUAL"],
                                                    "count": 1}).json()
    assert [x["name"] for x in dyn["lists"]] == ["Beta"]


def test_rename_and_update_filters_answer_the_updated_list(acct: Acct, client: TestClient
                                                           ) -> None:
    made = _create(client, "Stage", "DYNAMIC", stage_is("lead"))
    cid = acct.contact("customer")
    lid = made["listId"]
    r = client.put(f"/crm/v3/lists/{lid}/update-list-name", params={"listName": "Renamed"})
    assert r.status_code == 200 and r.json()["updatedList"]["name"] == "Renamed"
    r = client.put(f"/crm/v3/lists/{lid}/update-list-filters",
                   json={"filterBranch": stage_is("customer")})
    assert r.status_code == 200, r.text
    updated = r.json()["updatedList"]
    assert updated["listVersion"] == 2 and updated["size"] == 1
    members = client.get(f"/crm/v3/lists/{lid}/memberships").json()
    assert [m["recordId"] for m in members["results"]] == [str(cid)]


def test_manual_memberships_add_remove_and_page(acct: Acct, client: TestClient) -> None:
    lid = _create(client, "Picked")["listId"]
    ids = [acct.contact() for _ in range(5)]
    company = acct.company()
    r = client.put(f"/crm/v3/lists/{lid}/memberships/add",
                   json=[str(i) for i in ids] + [str(company), "nope"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["recordIdsAdded"] == body["recordsIdsAdded"] == [str(i) for i in ids]
    assert set(body["recordIdsMissing"]) == {str(company), "nope"}
    again = client.put(f"/crm/v3/lists/{lid}/memberships/add", json=[str(ids[0])]).json()
    assert again["recordIdsAdded"] == [] and again["recordIdsMissing"] == []
    r = client.put(f"/crm/v3/lists/{lid}/memberships/remove", json=[str(ids[1])])
    assert r.json()["recordIdsRemoved"] == [str(ids[1])]
    r = client.put(f"/crm/v3/lists/{lid}/memberships/add-and-remove",
                   json={"recordIdsToAdd": [str(ids[1])], "recordIdsToRemove": [str(ids[2])]})
    assert r.json()["recordIdsAdded"] == [str(ids[1])]
    assert r.json()["recordIdsRemoved"] == [str(ids[2])]
    first = client.get(f"/crm/v3/lists/{lid}/memberships", params={"limit": 2}).json()
    assert first["total"] == 4 and len(first["results"]) == 2
    assert set(first["results"][0]) == {"recordId", "membershipTimestamp"}
    after = first["paging"]["next"]["after"]
    assert "after=" in first["paging"]["next"]["link"]
    rest = client.get(f"/crm/v3/lists/{lid}/memberships", params={"after": after}).json()
    seen = [m["recordId"] for m in first["results"] + rest["results"]]
    assert seen == sorted(seen, key=int) and len(seen) == 4
    assert "next" not in rest.get("paging", {})
    joined = client.get(f"/crm/v3/lists/{lid}/memberships/join-order").json()
    assert joined["results"][-1]["recordId"] == str(ids[1])  # re-added last
    mine = client.get(f"/crm/v3/lists/records/0-1/{ids[1]}/memberships").json()["results"]
    assert [m["listId"] for m in mine] == [lid]
    assert set(mine[0]) == {"listId", "listVersion", "firstAddedTimestamp",
                            "lastAddedTimestamp"}
    assert mine[0]["firstAddedTimestamp"] <= mine[0]["lastAddedTimestamp"]
    r = client.delete(f"/crm/v3/lists/{lid}/memberships")
    assert r.status_code == 204
    assert client.get(f"/crm/v3/lists/{lid}").json()["list"]["size"] == 0


def test_manual_changes_to_a_dynamic_list_are_400(client: TestClient) -> None:
    lid = _create(client, "Dyn", "DYNAMIC", stage_is("lead"))["listId"]
    for r in (client.put(f"/crm/v3/lists/{lid}/memberships/add", json=["1"]),
              client.delete(f"/crm/v3/lists/{lid}/memberships")):
        assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"


def test_delete_and_restore_answer_204(client: TestClient) -> None:
    lid = _create(client, "Gone")["listId"]
    assert client.delete(f"/crm/v3/lists/{lid}").status_code == 204
    assert client.get(f"/crm/v3/lists/{lid}").status_code == 404
    assert client.put(f"/crm/v3/lists/{lid}/restore").status_code == 204
    assert client.get(f"/crm/v3/lists/{lid}").json()["list"]["name"] == "Gone"


def test_bad_input_is_400_in_hubspot_shape_never_500(client: TestClient) -> None:
    bad = [
        client.post("/crm/v3/lists/", json={"name": "x", "objectTypeId": "0-9",
                                             "processingType": "MANUAL"}),
        client.post("/crm/v3/lists/", json={"name": "x", "objectTypeId": "0-1",
                                             "processingType": "SOMETIMES"}),
        client.post("/crm/v3/lists/", json={"name": "x", "objectTypeId": "0-1",
                                             "processingType": "DYNAMIC"}),
        client.post("/crm/v3/lists/", json={"name": "", "objectTypeId": "0-1",
                                             "processingType": "MANUAL"}),
        client.post("/crm/v3/lists/", json={"name": "x", "objectTypeId": "0-1",
                                             "processingType": "DYNAMIC",
                                             "filterBranch": branch([prop(
                                                 "email", "ALL_PROPERTY", "IS_SET")])}),
        client.post("/crm/v3/lists/", json=["not", "an", "object"]),
        client.get("/crm/v3/lists/abc"),
        client.get("/crm/v3/lists/1/memberships", params={"limit": "1000"}),
        client.get("/crm/v3/lists/1/memberships", params={"after": "x"}),
        client.post("/crm/v3/lists/search", json={"count": "many"}),
    ]
    for r in bad:
        assert r.status_code == 400, r.text
        assert {"status", "message", "correlationId", "category"} <= set(r.json())
    assert client.get("/crm/v3/lists/999999").status_code == 404


def test_scopes_are_crm_lists_read_and_write(acct: Acct, client: TestClient) -> None:
    reader = acct.token_with("crm.lists.read")
    headers = {"Authorization": f"Bearer {reader}"}
    assert client.post("/crm/v3/lists/search", json={}, headers=headers).status_code == 200
    r = client.post("/crm/v3/lists/", headers=headers,
                    json={"name": "x", "objectTypeId": "0-1", "processingType": "MANUAL"})
    assert r.status_code == 403
