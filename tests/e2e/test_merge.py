"""Merging contacts and companies (lifecycle rule 44) through the SDK."""

from __future__ import annotations

import pytest
from hubspot.crm.contacts import PublicMergeInput

from tests.e2e.conftest import Server

pytestmark = pytest.mark.sdk


def _new(server: Server, t: str, **props: str) -> str:
    with server.http() as http:
        return str(http.post(f"/crm/v3/objects/{t}", json={"properties": props}).json()["id"])


def test_survivor_keeps_the_furthest_stage_written_by_merge_objects(server: Server) -> None:
    keep = _new(server, "contacts", email="keep@example.test", lifecyclestage="lead",
                firstname="Keep")
    gone = _new(server, "contacts", email="gone@example.test", lifecyclestage="customer",
                jobtitle="CEO", firstname="Gone")
    merged = server.sdk().crm.contacts.basic_api.merge(PublicMergeInput(
        primary_object_id=keep, object_id_to_merge=gone))
    assert merged.id == keep
    with server.http() as http:
        got = http.get(f"/crm/v3/objects/contacts/{keep}", params={
            "properties": "lifecyclestage,firstname,jobtitle,email",
            "propertiesWithHistory": "lifecyclestage"}).json()
    p = got["properties"]
    assert p["lifecyclestage"] == "customer"
    assert p["firstname"] == "Keep"          # the survivor's own value wins
    assert p["jobtitle"] == "CEO"            # an empty one is filled from the other
    assert p["email"] == "keep@example.test"
    newest = got["propertiesWithHistory"]["lifecyclestage"][0]
    assert newest["sourceType"] == "MERGE_OBJECTS" and newest["value"] == "customer"


def test_a_survivor_further_along_keeps_its_stage(server: Server) -> None:
    keep = _new(server, "contacts", lifecyclestage="evangelist")
    gone = _new(server, "contacts", lifecyclestage="customer")
    server.sdk().crm.contacts.basic_api.merge(PublicMergeInput(
        primary_object_id=keep, object_id_to_merge=gone))
    with server.http() as http:
        got = http.get(f"/crm/v3/objects/contacts/{keep}?properties=lifecyclestage").json()
    assert got["properties"]["lifecyclestage"] == "evangelist"


def test_merged_record_is_archived_reads_answer_the_survivor_and_history_stays(
        server: Server) -> None:
    keep = _new(server, "contacts", lifecyclestage="lead")
    gone = _new(server, "contacts", lifecyclestage="opportunity", firstname="Old")
    server.sdk().crm.contacts.basic_api.merge(PublicMergeInput(
        primary_object_id=keep, object_id_to_merge=gone))
    with server.http() as http:
        # a read of the merged id answers the survivor, as HubSpot does
        assert http.get(f"/crm/v3/objects/contacts/{gone}").json()["id"] == keep
        own = http.get(f"/crm/v3/objects/contacts/{gone}", params={
            "archived": "true", "propertiesWithHistory": "lifecyclestage,firstname"}).json()
        assert own["id"] == gone and own["archived"] is True
        assert [h["value"] for h in own["propertiesWithHistory"]["lifecyclestage"]] == [
            "opportunity"]
        listed = [r["id"] for r in http.get("/crm/v3/objects/contacts").json()["results"]]
        assert listed == [keep]
        # a merged record cannot be merged again
        r = http.post("/crm/v3/objects/contacts/merge",
                      json={"primaryObjectId": keep, "objectIdToMerge": gone})
        assert r.status_code == 404


def test_associations_move_to_the_survivor_and_its_primary_stays(server: Server) -> None:
    keep, gone = _new(server, "contacts"), _new(server, "contacts")
    co_keep, co_gone = _new(server, "companies"), _new(server, "companies")
    deal = _new(server, "deals", dealname="D")
    v4 = server.sdk().crm.associations.v4.basic_api
    from hubspot.crm.associations.v4 import AssociationSpec

    primary = [AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=1)]
    v4.create("contacts", keep, "companies", co_keep, primary)
    v4.create("contacts", gone, "companies", co_gone, primary)
    v4.create_default("contacts", gone, "deals", deal)
    server.sdk().crm.contacts.basic_api.merge(PublicMergeInput(
        primary_object_id=keep, object_id_to_merge=gone))
    page = v4.get_page("contacts", keep, "companies")
    types = {int(r.to_object_id): {t.type_id for t in r.association_types}
             for r in page.results}
    assert types == {int(co_keep): {1, 279}, int(co_gone): {279}}
    deals = v4.get_page("contacts", keep, "deals")
    assert [int(r.to_object_id) for r in deals.results] == [int(deal)]
    assert v4.get_page("deals", deal, "contacts").results[0].to_object_id == keep


def test_company_merge_keeps_furthest_stage(server: Server) -> None:
    keep = _new(server, "companies", lifecyclestage="subscriber", domain="keep.test")
    gone = _new(server, "companies", lifecyclestage="salesqualifiedlead", domain="gone.test")
    with server.http() as http:
        r = http.post("/crm/v3/objects/companies/merge",
                      json={"primaryObjectId": keep, "objectIdToMerge": gone})
        assert r.status_code == 200
        got = http.get(f"/crm/v3/objects/companies/{keep}?properties=lifecyclestage,domain")
    assert got.json()["properties"] == {"lifecyclestage": "salesqualifiedlead",
                                        "domain": "keep.test"}


def test_merge_bad_input_is_400_or_404(server: Server) -> None:
    c = _new(server, "contacts")
    with server.http() as http:
        assert http.post("/crm/v3/objects/contacts/merge", json={
            "primaryObjectId": c, "objectIdToMerge": c}).status_code == 400
        assert http.post("/crm/v3/objects/contacts/merge", json={
            "primaryObjectId": c, "objectIdToMerge": "987654321"}).status_code == 404
        assert http.post("/crm/v3/objects/contacts/merge", json={
            "primaryObjectId": c}).status_code == 400
