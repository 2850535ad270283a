"""Rule 17 in imports: an import flagged `"migration": true` (scope lifecycle.migrate) may
set the "became a" dates; an unflagged one cannot."""

from __future__ import annotations

from fastapi.testclient import TestClient

from stagecoach.domain import lifecycle_dates as ld
from tests.helpers import Acct, C
from tests.integration.imports_helpers import by_email
from tests.integration.test_imports_http import request_json, wait_done

BECAME_LEAD = ld.became_key("lead")
MAPPINGS = [
    {"columnObjectTypeId": "0-1", "columnName": "Email", "propertyName": "email",
     "idColumnType": "HUBSPOT_ALTERNATE_ID"},
    {"columnObjectTypeId": "0-1", "columnName": "Stage", "propertyName": "lifecyclestage"},
    {"columnObjectTypeId": "0-1", "columnName": "Lead since", "propertyName": BECAME_LEAD},
]
CSV = "Email,Stage,Lead since\nann@gmail.com,Lead,2020-01-01T00:00:00.000Z\n"


def _start(client: TestClient, headers: dict[str, str] | None = None, **extra: object
           ) -> object:
    return client.post("/crm/v3/imports", data={"importRequest": request_json(
        MAPPINGS, **extra)}, files={"files": ("people.csv", CSV.encode(), "text/csv")},
        headers=headers or {})


def test_an_import_flagged_as_a_migration_sets_became_dates(
        acct: Acct, client: TestClient) -> None:
    r = _start(client, migration=True)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    done = wait_done(client, r.json()["id"])  # type: ignore[attr-defined]
    assert done["metadata"]["counters"]["ERRORS"] == 0
    cid = by_email(acct, "ann@gmail.com")["ann@gmail.com"].id
    assert acct.values(C, cid)[BECAME_LEAD] == 1577836800000
    got = client.get(f"/crm/v3/objects/contacts/{cid}",
                     params={"propertiesWithHistory": BECAME_LEAD}).json()
    [newest, *_] = got["propertiesWithHistory"][BECAME_LEAD]
    assert newest["sourceType"] == "IMPORT"
    assert "migration" in newest["sourceLabel"]


def test_an_unflagged_import_cannot_set_became_dates(acct: Acct, client: TestClient) -> None:
    r = _start(client)
    done = wait_done(client, r.json()["id"])  # type: ignore[attr-defined]
    assert done["metadata"]["counters"]["ERRORS"] == 1
    assert by_email(acct, "ann@gmail.com") == {}


def test_a_migration_import_needs_the_migrate_scope(acct: Acct, client: TestClient) -> None:
    token = acct.token_with("crm.import", "crm.objects.contacts.write", name="importer")
    r = _start(client, {"Authorization": f"Bearer {token}"}, migration=True)
    assert r.status_code == 403  # type: ignore[attr-defined]
    assert r.json()["category"] == "MISSING_SCOPES"  # type: ignore[attr-defined]
    assert client.get("/crm/v3/imports").json()["results"] == []
