"""Lists through the official SDK (hubspot-api-client) against a real server: create, get
with filters, update filters with what the SDK read back, memberships of a MANUAL list,
search, delete and restore (automation spec rule 57)."""

from __future__ import annotations

from typing import Any

import pytest
from hubspot.crm.lists import (
    ListCreateRequest,
    ListFilterUpdateRequest,
    ListSearchRequest,
    MembershipChangeRequest,
)

from tests.e2e.conftest import Server

pytestmark = pytest.mark.sdk


def _stage_branch(*stages: str) -> dict[str, Any]:
    return {"filterBranchType": "OR", "filterBranchOperator": "OR", "filters": [],
            "filterBranches": [{
                "filterBranchType": "AND", "filterBranchOperator": "AND",
                "filterBranches": [],
                "filters": [{"filterType": "PROPERTY", "property": "lifecyclestage",
                             "operation": {"operationType": "ENUMERATION",
                                           "operator": "IS_ANY_OF",
                                           "values": list(stages)}}]}]}


def _contacts(server: Server, *stages: str) -> list[str]:
    with server.http() as http:
        return [http.post("/crm/v3/objects/contacts", json={"properties": {
            "lifecyclestage": s}}).json()["id"] for s in stages]


def test_dynamic_list_lifecycle_through_the_sdk(server: Server) -> None:
    lead, customer = _contacts(server, "lead", "customer")
    lists = server.sdk().crm.lists
    made = lists.lists_api.create(ListCreateRequest(
        name="Customers", object_type_id="0-1", processing_type="DYNAMIC",
        filter_branch=_stage_branch("customer"))).list
    assert made.list_id.isdigit() and made.size == 1 and made.list_version == 1
    assert made.processing_status == "COMPLETE"

    got = lists.lists_api.get_by_id(made.list_id, include_filters=True).list
    assert got.filter_branch is not None and got.name == "Customers"
    # Change the filters the SDK read back (it adds "type" to every operation).
    operation = got.filter_branch.filter_branches[0].filters[0].operation
    operation.values = ["lead", "customer"]
    updated = lists.lists_api.update_list_filters(
        made.list_id, ListFilterUpdateRequest(filter_branch=got.filter_branch)).updated_list
    assert updated.list_version == 2 and updated.size == 2

    page = lists.memberships_api.get_page(made.list_id, limit=1)
    assert page.total == 2 and [r.record_id for r in page.results] == [lead]
    nxt = lists.memberships_api.get_page(made.list_id, after=page.paging.next.after)
    assert [r.record_id for r in nxt.results] == [customer]

    renamed = lists.lists_api.update_name(made.list_id, list_name="Leads and customers")
    assert renamed.updated_list.name == "Leads and customers"


def test_manual_list_memberships_search_delete_restore_through_the_sdk(server: Server
                                                                       ) -> None:
    ids = _contacts(server, "lead", "lead", "subscriber")
    lists = server.sdk().crm.lists
    made = lists.lists_api.create(ListCreateRequest(
        name="Hand picked", object_type_id="0-1", processing_type="MANUAL")).list
    lid = made.list_id

    added = lists.memberships_api.add(lid, ids + ["999999999"])
    assert sorted(added.records_ids_added, key=int) == sorted(ids, key=int)
    assert added.record_ids_missing == ["999999999"]
    removed = lists.memberships_api.remove(lid, [ids[0]])
    assert removed.record_ids_removed == [ids[0]]
    both = lists.memberships_api.add_and_remove(lid, MembershipChangeRequest(
        record_ids_to_add=[ids[0]], record_ids_to_remove=[ids[1]]))
    assert both.records_ids_added == [ids[0]] and both.record_ids_removed == [ids[1]]

    page = lists.memberships_api.get_page(lid)
    assert sorted(r.record_id for r in page.results) == sorted([ids[0], ids[2]])
    assert page.results[0].membership_timestamp is not None
    joined = lists.memberships_api.get_page_ordered_by_added_to_list_date(lid)
    assert joined.results[-1].record_id == ids[0]
    mine = lists.memberships_api.get_lists(object_type_id="0-1", record_id=ids[0])
    assert [m.list_id for m in mine.results] == [lid]

    found = lists.lists_api.do_search(ListSearchRequest(query="hand", processing_types=[
        "MANUAL"]))
    assert found.total == 1 and found.lists[0].list_id == lid and found.has_more is False
    assert found.lists[0].additional_properties["hs_list_size"] == "2"

    lists.lists_api.remove(lid)
    assert lists.lists_api.get_all(list_ids=[lid]).lists == []
    lists.lists_api.restore(lid)
    back = lists.lists_api.get_by_name(list_name="Hand picked", object_type_id="0-1").list
    assert back.list_id == lid and back.size == 2
    lists.memberships_api.remove_all(lid)
    assert lists.lists_api.get_by_id(lid).list.size == 0
