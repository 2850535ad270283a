"""HubSpot's imports API over HTTP: multipart start, state and counters, error rows, cancel."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stagecoach.api.app import create_app
from stagecoach.services.importing import imports
from stagecoach.store.importing import imports as store
from stagecoach.store.importing.imports import State
from tests.helpers import Acct, drain
from tests.integration.imports_helpers import by_email


def request_json(mappings: list[dict[str, Any]], **extra: Any) -> str:
    return json.dumps({"name": "People", "files": [{
        "fileName": "people.csv", "fileFormat": "CSV",
        "fileImportPage": {"hasHeader": True, "columnMappings": mappings}}], **extra})


MAPPINGS = [
    {"columnObjectTypeId": "0-1", "columnName": "Email", "propertyName": "email",
     "idColumnType": "HUBSPOT_ALTERNATE_ID"},
    {"columnObjectTypeId": "0-1", "columnName": "Stage", "propertyName": "lifecyclestage"},
    {"columnObjectTypeId": "0-2", "columnName": "Company", "propertyName": "domain"},
]
CSV = ("Email,Stage,Company,Notes\n"
       "ann@gmail.com,Lead,acme.test,x\nbob@gmail.com,wizard,acme.test,y\n"
       "cy@gmail.com,,,z\n")


def wait_done(client: TestClient, import_id: str) -> dict[str, Any]:
    drain(client.app.state.sc)  # type: ignore[attr-defined]
    deadline = time.time() + 60
    while time.time() < deadline:
        body = client.get(f"/crm/v3/imports/{import_id}").json()
        if body["state"] not in ("STARTED", "PROCESSING"):
            return dict(body)
        time.sleep(0.05)
    raise AssertionError("import did not finish")


def test_import_over_http_runs_in_the_background_and_reports_error_rows(
        acct: Acct, client: TestClient) -> None:
    r = client.post("/crm/v3/imports", data={"importRequest": request_json(
        MAPPINGS, defaultLifecycleStage="subscriber")},
        files={"files": ("people.csv", CSV.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    started = r.json()
    done = wait_done(client, started["id"])
    assert done["state"] == "DONE"
    counters = done["metadata"]["counters"]
    assert (counters["TOTAL_ROWS"], counters["CREATED_OBJECTS"], counters["ERRORS"]) == (3, 2, 1)
    found = by_email(acct, "ann@gmail.com", "cy@gmail.com")
    assert found["ann@gmail.com"].stage == "lead"
    assert found["cy@gmail.com"].stage == "subscriber"
    assert found["ann@gmail.com"].values["associatedcompanyid"] is not None
    errors = client.get(f"/crm/v3/imports/{started['id']}/errors").json()["results"]
    assert len(errors) == 1
    e = errors[0]
    assert e["rowNumber"] == 2 and e["columnName"] == "Stage" and e["knownColumnNumber"] == 2
    assert e["errorType"] == "INVALID_OPTION" and e["invalidValue"] == "wizard"
    assert e["sourceData"]["rowData"] == ["bob@gmail.com", "wizard", "acme.test", "y"]


def test_error_rows_are_paged(acct: Acct, client: TestClient) -> None:
    body = "Email,Stage\n" + "".join(f"p{i}@example.test,nope\n" for i in range(5))
    r = client.post("/crm/v3/imports/", data={"importRequest": request_json(MAPPINGS[:2])},
                    files={"files": ("p.csv", body.encode(), "text/csv")})
    iid = r.json()["id"]
    wait_done(client, iid)
    first = client.get(f"/crm/v3/imports/{iid}/errors?limit=2").json()
    assert [e["rowNumber"] for e in first["results"]] == [1, 2]
    after = first["paging"]["next"]["after"]
    rest = client.get(f"/crm/v3/imports/{iid}/errors?limit=10&after={after}").json()
    assert [e["rowNumber"] for e in rest["results"]] == [3, 4, 5]
    assert "paging" not in rest


@pytest.mark.parametrize(("data", "files", "words"), [
    ({}, {"files": ("p.csv", b"Email\n", "text/csv")}, "importRequest"),
    ({"importRequest": "{nope"}, {"files": ("p.csv", b"Email\n", "text/csv")}, "JSON"),
    ({"importRequest": request_json(MAPPINGS[:1])}, None, "files"),
    ({"importRequest": request_json([{"columnObjectTypeId": "0-1", "columnName": "Email",
                                      "propertyName": "shoe_size"}])},
     {"files": ("p.csv", b"Email\na@x.test\n", "text/csv")}, "shoe_size"),
    ({"importRequest": request_json(MAPPINGS[:1])},
     {"files": ("p.csv", b"", "text/csv")}, "empty"),
    ({"importRequest": request_json(MAPPINGS[:1])},
     {"files": ("p.csv", b"Name\nx\n", "text/csv")}, "not in the file"),
])
def test_bad_import_requests_are_validation_errors(
        client: TestClient, data: dict[str, str], files: Any, words: str) -> None:
    r = client.post("/crm/v3/imports", data=data, files=files)
    assert r.status_code == 400, r.text
    assert r.json()["category"] == "VALIDATION_ERROR"
    assert words in r.json()["message"]


def test_imports_need_the_import_scope(client: TestClient) -> None:
    assert client.get("/crm/v3/imports/1", headers={"Authorization": "Bearer x"}
                      ).status_code == 401
    assert client.get("/crm/v3/imports/999999").status_code == 404


def test_cancel_stops_an_unfinished_import(acct: Acct, client: TestClient, tmp_path: Any
                                           ) -> None:
    f = tmp_path / "c.csv"
    f.write_text("email\na@example.test\n")
    iid = acct.in_unit(lambda ctx: imports.start(
        ctx, name="c", object_type=imports.C, file_path=f, file_name="c.csv", specs=None,
        default_stage=None))
    r = client.post(f"/crm/v3/imports/{iid}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "COMPLETE"
    assert client.get(f"/crm/v3/imports/{iid}").json()["state"] == "CANCELED"
    final = imports.run(acct.sc.engine, acct.id, iid, acct.tick)
    assert final.state is State.CANCELED and final.created == 0


def test_server_start_resumes_unfinished_imports(acct: Acct, tmp_path: Any) -> None:
    f = tmp_path / "r.csv"
    f.write_text("email\nresume@example.test\n")
    iid = acct.in_unit(lambda ctx: imports.start(
        ctx, name="r", object_type=imports.C, file_path=f, file_name="r.csv", specs=None,
        default_stage=None))
    app = create_app(acct.sc)
    with TestClient(app):
        # The app's own worker finds the import on the queue.
        deadline = time.time() + 60
        while time.time() < deadline:
            with acct.ctx_readonly() as ctx:
                found = store.get(ctx.conn, acct.id, iid)
            if found is not None and found.state.value not in store.UNFINISHED:
                break
            time.sleep(0.05)
    assert found is not None and found.state is State.DONE
    assert "resume@example.test" in by_email(acct, "resume@example.test")
