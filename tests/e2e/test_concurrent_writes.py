"""Concurrent requests that race for one unique value: one wins, the others get the
HubSpot answer a sequential request would get (409), never a 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.e2e.conftest import Server


def test_concurrent_creates_of_one_email_make_one_contact(server: Server) -> None:
    def create(i: int) -> httpx.Response:
        return httpx.post(server.url("/crm/v3/objects/contacts"), headers=server.headers,
                          json={"properties": {"email": "race@example.test",
                                               "firstname": f"R{i}"}}, timeout=60)

    with ThreadPoolExecutor(6) as pool:
        codes = sorted(r.status_code for r in pool.map(create, range(6)))
    assert codes == [201] + [409] * 5
    with server.http() as http:
        r = http.post("/crm/v3/objects/contacts/search", json={"filterGroups": [{"filters": [
            {"propertyName": "email", "operator": "EQ", "value": "race@example.test"}]}]})
    assert r.json()["total"] == 1


def test_concurrent_primary_company_changes_leave_one_primary(server: Server) -> None:
    with server.http() as http:
        c = http.post("/crm/v3/objects/contacts", json={"properties": {}}).json()["id"]
        companies = [http.post("/crm/v3/objects/companies", json={"properties": {}}
                               ).json()["id"] for _ in range(4)]

    def make_primary(co: str) -> httpx.Response:
        return httpx.put(
            server.url(f"/crm/v4/objects/contacts/{c}/associations/companies/{co}"),
            headers=server.headers, timeout=60,
            json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}])

    with ThreadPoolExecutor(4) as pool:
        codes = {r.status_code for r in pool.map(make_primary, companies)}
    assert codes <= {201, 409}
    with server.http() as http:
        res = http.get(f"/crm/v4/objects/contacts/{c}/associations/companies").json()
    primaries = [r for r in res["results"]
                 if any(t["typeId"] == 1 for t in r["associationTypes"])]
    assert len(primaries) == 1
