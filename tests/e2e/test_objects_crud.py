"""Single-object CRUD through the official SDK and raw HTTP (api spec §1-§3)."""

from __future__ import annotations

import pytest
from hubspot.crm.companies import SimplePublicObjectInputForCreate as CompanyCreate
from hubspot.crm.contacts import ApiException, SimplePublicObjectInput
from hubspot.crm.contacts import SimplePublicObjectInputForCreate as ContactCreate
from hubspot.crm.deals import SimplePublicObjectInputForCreate as DealCreate

from stagecoach.services.core import uow
from tests.e2e.conftest import Server

pytestmark = pytest.mark.sdk


def test_contact_round_trip_create_read_update_archive(server: Server) -> None:
    client = server.sdk()
    made = client.crm.contacts.basic_api.create(ContactCreate(properties={
        "email": "Ada@Example.test", "firstname": "Ada", "lifecyclestage": "lead"}))
    assert made.id.isdigit()
    assert made.properties["hs_object_id"] == made.id
    assert made.properties["email"] == "ada@example.test"
    assert made.properties["lifecyclestage"] == "lead"
    assert made.created_at is not None and made.updated_at is not None

    got = client.crm.contacts.basic_api.get_by_id(made.id, properties=["firstname", "email"])
    assert got.properties["firstname"] == "Ada"
    assert got.archived is False

    updated = client.crm.contacts.basic_api.update(made.id, SimplePublicObjectInput(
        properties={"lastname": "Lovelace"}))
    assert updated.properties["lastname"] == "Lovelace"

    client.crm.contacts.basic_api.archive(made.id)
    with pytest.raises(ApiException) as err:
        client.crm.contacts.basic_api.get_by_id(made.id)
    assert err.value.status == 404
    archived = client.crm.contacts.basic_api.get_by_id(made.id, archived=True)
    assert archived.archived is True and archived.archived_at is not None


def test_create_answers_201_with_string_values_and_iso_times(server: Server) -> None:
    with server.http() as http:
        r = http.post("/crm/v3/objects/deals", json={"properties": {
            "dealname": "Big", "amount": 1500.5, "closedate": "1700000000000"}})
        assert r.status_code == 201
        body = r.json()
        assert body["properties"]["amount"] == "1500.5"
        # epoch milliseconds are accepted and answered as ISO
        assert body["properties"]["closedate"] == "2023-11-14T22:13:20.000Z"
        assert body["properties"]["pipeline"] == "default"
        assert body["properties"]["dealstage"] == "appointmentscheduled"
        assert body["createdAt"].endswith("Z") and body["archived"] is False


def test_default_properties_per_type_and_requested_empty_is_null(server: Server) -> None:
    client = server.sdk()
    co = client.crm.companies.basic_api.create(CompanyCreate(properties={"name": "Acme"}))
    got = client.crm.companies.basic_api.get_by_id(co.id)
    assert set(got.properties) == {"name", "domain", "createdate", "hs_lastmodifieddate",
                                   "hs_object_id"}
    assert got.properties["domain"] is None
    with server.http() as http:
        r = http.get(f"/crm/v3/objects/companies/{co.id}",
                     params={"properties": "name,industry,no_such_property"})
    assert r.json()["properties"] == {"name": "Acme", "industry": None}
    deal = client.crm.deals.basic_api.create(DealCreate(properties={"dealname": "D"}))
    assert set(client.crm.deals.basic_api.get_by_id(deal.id).properties) == {
        "dealname", "amount", "closedate", "pipeline", "dealstage", "createdate",
        "hs_lastmodifieddate", "hs_object_id"}


def test_query_lists_repeated_comma_and_mixed_and_case_insensitive_booleans(
        server: Server) -> None:
    with server.http() as http:
        cid = http.post("/crm/v3/objects/contacts", json={"properties": {
            "email": "q@example.test", "firstname": "Q", "lastname": "R", "city": "Oslo"}}
        ).json()["id"]
        for query in ("properties=firstname&properties=lastname&properties=city",
                      "properties=firstname,lastname,city",
                      "properties=firstname,lastname&properties=city"):
            r = http.get(f"/crm/v3/objects/contacts/{cid}?{query}&archived=False")
            assert r.status_code == 200, r.text
            assert r.json()["properties"] == {"firstname": "Q", "lastname": "R",
                                              "city": "Oslo"}
        for flag in ("true", "True", "TRUE"):
            r = http.get(f"/crm/v3/objects/contacts?archived={flag}")
            assert r.status_code == 200 and r.json()["results"] == []
        assert http.get("/crm/v3/objects/contacts?archived=maybe").status_code == 400


@pytest.mark.parametrize("alias", ["contacts", "contact", "0-1"])
def test_object_type_aliases(server: Server, alias: str) -> None:
    with server.http() as http:
        r = http.post(f"/crm/v3/objects/{alias}", json={"properties": {"firstname": alias}})
        assert r.status_code == 201
        assert http.get(f"/crm/v3/objects/contacts/{r.json()['id']}").status_code == 200
        assert http.get("/crm/v3/objects/widgets").status_code == 404


def test_list_pages_with_after_cursor_and_no_paging_on_last_page(server: Server) -> None:
    client = server.sdk()
    ids = [client.crm.contacts.basic_api.create(ContactCreate(
        properties={"firstname": f"P{i}"})).id for i in range(5)]
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = client.crm.contacts.basic_api.get_page(limit=2, after=after)
        pages += 1
        seen += [r.id for r in page.results]
        if page.paging is None:
            break
        assert page.paging.next.link
        after = page.paging.next.after
    assert seen == ids and pages == 3
    with server.http() as http:
        assert http.get("/crm/v3/objects/contacts?limit=101").status_code == 400
        assert http.get("/crm/v3/objects/contacts?after=abc").status_code == 400


def test_id_property_email_reads_and_updates_and_empty_string_clears(server: Server) -> None:
    with server.http() as http:
        http.post("/crm/v3/objects/contacts", json={"properties": {
            "email": "idp@example.test", "jobtitle": "CTO"}})
        r = http.get("/crm/v3/objects/contacts/IDP@example.test",
                     params={"idProperty": "email", "properties": "jobtitle"})
        assert r.status_code == 200 and r.json()["properties"]["jobtitle"] == "CTO"
        r = http.patch("/crm/v3/objects/contacts/idp@example.test?idProperty=email",
                       json={"properties": {"jobtitle": ""}})
        assert r.status_code == 200
        assert r.json()["properties"]["jobtitle"] is None
        assert http.get("/crm/v3/objects/contacts/nobody@example.test?idProperty=email"
                        ).status_code == 404
        assert http.get("/crm/v3/objects/contacts/x?idProperty=firstname").status_code == 400


def test_errors_have_hubspot_shape_and_exact_status(server: Server) -> None:
    with server.http() as http:
        r = http.post("/crm/v3/objects/contacts", json={"properties": {
            "lifecyclestage": "wizard"}})
        assert r.status_code == 400
        body = r.json()
        assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
        assert body["correlationId"]
        assert body["errors"][0]["code"] == "INVALID_OPTION"
        assert "lead" in body["errors"][0]["context"]["allowedOptions"]
        http.post("/crm/v3/objects/contacts", json={"properties": {"email": "d@example.test"}})
        r = http.post("/crm/v3/objects/contacts", json={"properties": {
            "email": "D@example.test"}})
        assert r.status_code == 409 and r.json()["category"] == "CONFLICT"
        r = http.post("/crm/v3/objects/contacts", json={"properties": {"nope": "x"}})
        assert r.status_code == 400 and r.json()["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"
        r = http.post("/crm/v3/objects/contacts", content=b"{not json",
                      headers={"content-type": "application/json"})
        assert r.status_code == 400
        r = http.patch("/crm/v3/objects/contacts/999999999", json={"properties": {}})
        assert r.status_code == 404 and r.json()["category"] == "OBJECT_NOT_FOUND"
        r = http.post("/crm/v3/objects/contacts", json={"properties": {"createdate": "1"}})
        assert r.status_code == 400
        assert http.delete("/crm/v3/objects/contacts/999999999").status_code == 404


def test_missing_or_unknown_token_is_401_and_missing_scope_is_403(server: Server) -> None:
    import httpx

    r = httpx.get(server.url("/crm/v3/objects/contacts"))
    assert r.status_code == 401 and r.json()["category"] == "INVALID_AUTHENTICATION"
    r = httpx.get(server.url("/crm/v3/objects/contacts"),
                  headers={"Authorization": "Bearer sc-1-nope"})
    assert r.status_code == 401
    token = _token(server, ["crm.objects.contacts.read"])
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(server.url("/crm/v3/objects/contacts"), headers=auth).status_code == 200
    r = httpx.post(server.url("/crm/v3/objects/contacts"), headers=auth,
                   json={"properties": {}})
    assert r.status_code == 403 and r.json()["category"] == "MISSING_SCOPES"
    assert httpx.get(server.url("/crm/v3/objects/deals"), headers=auth).status_code == 403


def _token(server: Server, scopes: list[str]) -> str:
    from stagecoach.library import now_ms
    from stagecoach.services.auth import accounts

    return uow.run_conn(server.live.sc.engine, lambda conn: accounts.create_token(
        conn, server.account_id, "limited", scopes, now_ms()))


def test_delete_is_204_idempotent_and_archived_list_shows_it(server: Server) -> None:
    with server.http() as http:
        cid = http.post("/crm/v3/objects/contacts", json={"properties": {}}).json()["id"]
        assert http.delete(f"/crm/v3/objects/contacts/{cid}").status_code == 204
        assert http.delete(f"/crm/v3/objects/contacts/{cid}").status_code == 204
        live = http.get("/crm/v3/objects/contacts").json()["results"]
        assert cid not in [r["id"] for r in live]
        gone = http.get("/crm/v3/objects/contacts?archived=true").json()["results"]
        assert [r["id"] for r in gone] == [cid]
        assert gone[0]["archived"] is True and gone[0]["archivedAt"]
