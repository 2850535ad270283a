"""Rule 17 over HTTP: a write flagged `Stagecoach-Migration: true` (scope lifecycle.migrate)
may set the "became a" dates, with its source recorded; unflagged writes cannot."""

from __future__ import annotations

from fastapi.testclient import TestClient

from stagecoach.domain import lifecycle_dates as ld
from tests.helpers import Acct, C

BECAME_LEAD = ld.became_key("lead")
MIGRATING = {"Stagecoach-Migration": "true"}
PATH = "/crm/v3/objects/contacts"


def _contact(email: str) -> dict[str, str]:
    return {"email": email, "lifecyclestage": "lead", BECAME_LEAD: "2020-01-01T00:00:00.000Z"}


def test_a_create_flagged_as_a_migration_sets_a_became_date_recorded_as_a_migration(
        client: TestClient) -> None:
    r = client.post(PATH, json={"properties": _contact("mig@x.test")}, headers=MIGRATING)
    assert r.status_code == 201, r.text
    got = client.get(f"{PATH}/{r.json()['id']}",
                     params={"propertiesWithHistory": BECAME_LEAD}).json()
    [newest, *_] = got["propertiesWithHistory"][BECAME_LEAD]
    assert newest["value"] == "2020-01-01T00:00:00.000Z"
    assert newest["sourceType"] == "API"
    assert "migration" in newest["sourceLabel"]


def test_the_same_create_unflagged_is_refused_as_read_only(client: TestClient) -> None:
    r = client.post(PATH, json={"properties": _contact("plain@x.test")})
    assert r.status_code == 400
    assert r.json()["errors"][0]["code"] == "READ_ONLY_VALUE"
    found = client.post(PATH + "/search", json={"filterGroups": [{"filters": [
        {"propertyName": "email", "operator": "EQ", "value": "plain@x.test"}]}]}).json()
    assert found["total"] == 0


def test_a_migration_without_the_migrate_scope_is_forbidden_and_writes_nothing(
        acct: Acct, client: TestClient) -> None:
    token = acct.token_with("crm.objects.contacts.read", "crm.objects.contacts.write")
    headers = {**MIGRATING, "Authorization": f"Bearer {token}"}
    r = client.post(PATH, json={"properties": _contact("noscope@x.test")}, headers=headers)
    assert r.status_code == 403
    assert r.json()["category"] == "MISSING_SCOPES"
    assert "lifecycle.migrate" in r.json()["message"]
    r = client.post(PATH + "/batch/create", headers=headers,
                    json={"inputs": [{"properties": _contact("noscope2@x.test")}]})
    assert r.status_code == 403
    found = client.post(PATH + "/search", json={"filterGroups": [{"filters": [
        {"propertyName": "email", "operator": "HAS_PROPERTY"}]}]}).json()
    assert found["total"] == 0


def test_updates_and_batch_writes_flagged_as_a_migration_set_became_dates(
        acct: Acct, client: TestClient) -> None:
    cid = acct.contact(stage="lead", email="upd@x.test")
    r = client.patch(f"{PATH}/{cid}", headers=MIGRATING,
                     json={"properties": {BECAME_LEAD: "2019-02-03T00:00:00.000Z"}})
    assert r.status_code == 200, r.text
    assert acct.values(C, cid)[BECAME_LEAD] == 1549152000000
    r = client.post(PATH + "/batch/update", headers=MIGRATING, json={"inputs": [
        {"id": str(cid), "properties": {BECAME_LEAD: "2018-02-03T00:00:00.000Z"}}]})
    assert r.status_code == 200, r.text
    r = client.post(PATH + "/batch/upsert", headers=MIGRATING, json={"inputs": [
        {"id": "new@x.test", "idProperty": "email", "properties": _contact("new@x.test")}]})
    assert r.status_code == 200, r.text
    r = client.post("/crm/v3/objects/companies/batch/create", headers=MIGRATING, json={
        "inputs": [{"properties": {"domain": "acme.test", "lifecyclestage": "lead",
                                   BECAME_LEAD: "2017-01-01T00:00:00.000Z"}}]})
    assert r.status_code == 201, r.text
    assert r.json()["results"][0]["properties"][BECAME_LEAD] == "2017-01-01T00:00:00.000Z"
    r = client.post(PATH + "/batch/update", json={"inputs": [
        {"id": str(cid), "properties": {BECAME_LEAD: "2010-02-03T00:00:00.000Z"}}]})
    assert r.json()["errors"][0]["category"] == "VALIDATION_ERROR"
    assert acct.values(C, cid)[BECAME_LEAD] == 1517616000000


def test_a_migration_header_other_than_true_or_false_is_a_bad_request(
        client: TestClient) -> None:
    r = client.post(PATH, json={"properties": {"email": "h@x.test"}},
                    headers={"Stagecoach-Migration": "yes"})
    assert r.status_code == 400
    assert r.json()["category"] == "VALIDATION_ERROR"

