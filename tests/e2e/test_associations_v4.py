"""Associations v4 through the SDK: labelled and default PUTs, list, delete, batches,
labels, primary semantics, and the lifecycle reactions they trigger."""

from __future__ import annotations

import pytest
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicAssociationMultiArchive,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicDefaultAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicAssociationMultiArchive,
    PublicAssociationMultiPost,
    PublicDefaultAssociationMultiPost,
    PublicFetchAssociationsBatchRequest,
    PublicObjectId,
)

from tests.e2e.conftest import Server

pytestmark = pytest.mark.sdk
PRIMARY = AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=1)


def _new(server: Server, t: str, props: dict[str, str] | None = None) -> str:
    with server.http() as http:
        r = http.post(f"/crm/v3/objects/{t}", json={"properties": props or {}})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


def _types(server: Server, t: str, rid: str, to: str) -> dict[int, set[int]]:
    page = server.sdk().crm.associations.v4.basic_api.get_page(t, rid, to)
    return {int(r.to_object_id): {x.type_id for x in r.association_types}
            for r in page.results}


def test_labelled_put_answers_201_with_labels_and_lists_both_types(server: Server) -> None:
    c, co = _new(server, "contacts"), _new(server, "companies")
    v4 = server.sdk().crm.associations.v4.basic_api
    res = v4.create("contacts", c, "companies", co, [PRIMARY])
    assert res.labels == ["Primary"]
    assert res.from_object_type_id == "0-1" and res.to_object_id == co
    assert _types(server, "contacts", c, "companies") == {int(co): {1, 279}}
    assert _types(server, "companies", co, "contacts") == {int(c): {2, 280}}
    with server.http() as http:
        raw = http.get(f"/crm/v4/objects/contacts/{c}/associations/companies").json()
    assert raw["results"][0]["toObjectId"] == int(co)  # a JSON number
    assert {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"} in \
        raw["results"][0]["associationTypes"]


def test_default_put_answers_200_and_is_unlabelled(server: Server) -> None:
    c, co = _new(server, "contacts"), _new(server, "companies")
    res = server.sdk().crm.associations.v4.basic_api.create_default("contact", c, "company", co)
    assert res.status == "COMPLETE"
    assert {r.association_spec.association_type_id for r in res.results} == {279, 280}
    # an unlabelled association never turns primary by itself
    assert _types(server, "contacts", c, "companies") == {int(co): {279}}


def test_a_new_primary_company_demotes_the_previous_one(server: Server) -> None:
    c = _new(server, "contacts")
    a, b = _new(server, "companies"), _new(server, "companies")
    v4 = server.sdk().crm.associations.v4.basic_api
    v4.create("contacts", c, "companies", a, [PRIMARY])
    v4.create("contacts", c, "companies", b, [PRIMARY])
    assert _types(server, "contacts", c, "companies") == {int(a): {279}, int(b): {1, 279}}
    with server.http() as http:
        got = http.get(f"/crm/v3/objects/contacts/{c}",
                       params={"properties": "associatedcompanyid"}).json()
    assert got["properties"]["associatedcompanyid"] == b


def test_delete_removes_every_type_between_the_pair(server: Server) -> None:
    c, co = _new(server, "contacts"), _new(server, "companies")
    v4 = server.sdk().crm.associations.v4.basic_api
    v4.create("contacts", c, "companies", co, [PRIMARY])
    with server.http() as http:
        r = http.delete(f"/crm/v4/objects/contacts/{c}/associations/companies/{co}")
        assert r.status_code == 204
    assert _types(server, "contacts", c, "companies") == {}
    assert _types(server, "companies", co, "contacts") == {}


def test_v3_read_lists_each_associated_record_once_per_type(server: Server) -> None:
    c, co, d = _new(server, "contacts"), _new(server, "companies"), _new(server, "deals")
    v4 = server.sdk().crm.associations.v4.basic_api
    v4.create("contacts", c, "companies", co, [PRIMARY])
    v4.create_default("deals", d, "contacts", c)
    got = server.sdk().crm.contacts.basic_api.get_by_id(c, associations=["companies", "deals"])
    assert sorted((x.id, x.type) for x in got.associations["companies"].results) == [
        (co, "contact_to_company"), (co, "contact_to_company_unlabeled")]
    assert [(x.id, x.type) for x in got.associations["deals"].results] == [(d, "contact_to_deal")]


def test_batch_create_default_read_archive(server: Server) -> None:
    v4 = server.sdk().crm.associations.v4.batch_api
    c1, c2 = _new(server, "contacts"), _new(server, "contacts")
    co1, co2 = _new(server, "companies"), _new(server, "companies")
    made = v4.create("contacts", "companies", BatchInputPublicAssociationMultiPost(inputs=[
        PublicAssociationMultiPost(_from=PublicObjectId(id=c1), to=PublicObjectId(id=co1),
                                   types=[PRIMARY])]))
    assert made.results[0].labels == ["Primary"]
    v4.create_default("contacts", "companies", BatchInputPublicDefaultAssociationMultiPost(
        inputs=[PublicDefaultAssociationMultiPost(_from=PublicObjectId(id=c2),
                                                  to=PublicObjectId(id=co2))]))
    read = v4.get_page("contacts", "companies", BatchInputPublicFetchAssociationsBatchRequest(
        inputs=[PublicFetchAssociationsBatchRequest(id=c1),
                PublicFetchAssociationsBatchRequest(id=c2)]))
    got = {r._from.id: {int(t.to_object_id) for t in r.to} for r in read.results}
    assert got == {c1: {int(co1)}, c2: {int(co2)}}
    v4.archive("contacts", "companies", BatchInputPublicAssociationMultiArchive(inputs=[
        PublicAssociationMultiArchive(_from=PublicObjectId(id=c1), to=[PublicObjectId(id=co1)])]))
    assert _types(server, "contacts", c1, "companies") == {}


def test_batch_create_with_an_unknown_record_is_207(server: Server) -> None:
    c, co = _new(server, "contacts"), _new(server, "companies")
    with server.http() as http:
        r = http.post("/crm/v4/associations/contacts/companies/batch/create", json={"inputs": [
            {"from": {"id": c}, "to": {"id": co}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]},
            {"from": {"id": c}, "to": {"id": "987654321"}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]})
        assert r.status_code == 207
        assert r.json()["errors"][0]["context"]["index"] == ["1"]
        bad = http.put(f"/crm/v4/objects/contacts/{c}/associations/companies/{co}",
                       json=[{"associationCategory": "HUBSPOT_DEFINED",
                              "associationTypeId": 3}])
        assert bad.status_code == 400


def test_labels_of_a_pair_of_types(server: Server) -> None:
    res = server.sdk().crm.associations.v4.schema.definitions_api.get_all("contacts",
                                                                          "companies")
    assert {(r.type_id, r.label) for r in res.results} == {(279, None), (1, "Primary")}


def test_deal_won_makes_contacts_and_companies_associated_through_v4_customers(
        server: Server) -> None:
    c = _new(server, "contacts", {"lifecyclestage": "lead"})
    co = _new(server, "companies", {"lifecyclestage": "lead"})
    d = _new(server, "deals", {"dealname": "Win"})
    v4 = server.sdk().crm.associations.v4.basic_api
    v4.create_default("deals", d, "contacts", c)
    v4.create_default("deals", d, "companies", co)
    with server.http() as http:
        # an open deal makes them opportunities (rule 19)
        stage = http.get(f"/crm/v3/objects/contacts/{c}?properties=lifecyclestage").json()
        assert stage["properties"]["lifecyclestage"] == "opportunity"
        r = http.patch(f"/crm/v3/objects/deals/{d}",
                       json={"properties": {"dealstage": "closedwon"}})
        assert r.status_code == 200
        for t, rid in (("contacts", c), ("companies", co)):
            got = http.get(f"/crm/v3/objects/{t}/{rid}",
                           params={"properties": "lifecyclestage,closedate",
                                   "propertiesWithHistory": "lifecyclestage"}).json()
            assert got["properties"]["lifecyclestage"] == "customer"
            assert got["properties"]["closedate"] is not None
            newest = got["propertiesWithHistory"]["lifecyclestage"][0]
            assert newest["sourceType"] == "LIFECYCLE_AUTOMATION"
            assert newest["sourceId"] == "deal_won"


def test_create_with_associations_makes_them_and_a_deal_makes_opportunities(
        server: Server) -> None:
    from hubspot.crm.deals import PublicAssociationsForObject, PublicObjectId
    from hubspot.crm.deals import SimplePublicObjectInputForCreate as DealCreate

    c = _new(server, "contacts", {"lifecyclestage": "lead"})
    co = _new(server, "companies")
    spec = {"associationCategory": "HUBSPOT_DEFINED"}
    with server.http() as http:
        r = http.post("/crm/v3/objects/contacts", json={"properties": {}, "associations": [
            {"to": {"id": int(co)}, "types": [{**spec, "associationTypeId": 1}]}]})
        assert r.status_code == 201
    assert _types(server, "contacts", r.json()["id"], "companies") == {int(co): {1, 279}}
    deal = server.sdk().crm.deals.basic_api.create(DealCreate(
        properties={"dealname": "New"},
        associations=[PublicAssociationsForObject(to=PublicObjectId(id=c), types=[
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}])]))
    assert _types(server, "deals", deal.id, "contacts") == {int(c): {3}}
    with server.http() as http:
        got = http.get(f"/crm/v3/objects/contacts/{c}?properties=lifecyclestage").json()
    assert got["properties"]["lifecyclestage"] == "opportunity"
