"""Forms CRUD, the submission endpoint and tracking events over HTTP (api spec 7-8)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from stagecoach.api.app import create_app
from tests.helpers import Acct, C

FORM = {"name": "Demo request", "kind": "lead",
        "fields": [{"name": "email", "label": "Email", "required": True},
                   {"name": "firstname", "label": "First name", "required": True}]}


def submit_url(acct: Acct, form_id: str) -> str:
    return f"/submissions/v3/integration/submit/{acct.id}/{form_id}"


def make(client: TestClient, body: dict[str, Any] = FORM) -> dict[str, Any]:
    r = client.post("/lifecycle/v1/forms", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_forms_crud_round_trip(client: TestClient) -> None:
    made = make(client)
    assert len(made["id"]) == 36 and made["kind"] == "lead"
    assert "lifecycleStages" not in made
    listed = client.get("/lifecycle/v1/forms").json()["results"]
    assert [f["id"] for f in listed] == [made["id"]]
    patched = client.patch(f"/lifecycle/v1/forms/{made['id']}", json={
        "name": "Renamed", "lifecycleStages": [{"objectTypeId": "0-1", "value": "lead"},
                                               {"objectTypeId": "0-2", "value": "lead"}]})
    assert patched.status_code == 200
    assert patched.json()["name"] == "Renamed"
    assert patched.json()["lifecycleStages"][0] == {"objectTypeId": "0-1", "value": "lead"}
    assert client.get(f"/lifecycle/v1/forms/{made['id']}").json()["name"] == "Renamed"
    assert client.delete(f"/lifecycle/v1/forms/{made['id']}").status_code == 204
    assert client.get(f"/lifecycle/v1/forms/{made['id']}").status_code == 404


def test_invalid_form_definition_is_a_validation_error(client: TestClient) -> None:
    r = client.post("/lifecycle/v1/forms", json={**FORM, "kind": "webinar"})
    assert r.status_code == 400
    assert r.json()["category"] == "VALIDATION_ERROR"
    assert client.post("/lifecycle/v1/forms", content=b"{not json").status_code == 400


def test_forms_need_the_forms_scope(client: TestClient) -> None:
    r = client.get("/lifecycle/v1/forms", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


def test_submission_endpoint_needs_no_token_and_answers_an_inline_message(
        acct: Acct, client: TestClient) -> None:
    fid = make(client)["id"]
    anonymous = TestClient(create_app(acct.sc))
    r = anonymous.post(submit_url(acct, fid), json={
        "fields": [{"objectTypeId": "0-1", "name": "email", "value": "Web@Example.test"},
                   {"objectTypeId": "0-1", "name": "firstname", "value": "Web"}],
        "context": {"pageUri": "https://example.test/demo", "pageName": "Demo"},
        "submittedAt": "1700000000000"})
    assert r.status_code == 200, r.text
    assert isinstance(r.json()["inlineMessage"], str)
    with acct.ctx_readonly() as ctx:
        from stagecoach.store.records import records
        found = records.find_by(ctx.conn, acct.id, C, "email", ["web@example.test"])
    assert found["web@example.test"].stage == "lead"


def test_submission_errors(acct: Acct, client: TestClient) -> None:
    fid = make(client)["id"]
    email = {"objectTypeId": "0-1", "name": "email", "value": "e@example.test"}
    first = {"objectTypeId": "0-1", "name": "firstname", "value": "E"}
    unknown = client.post(submit_url(acct, "11111111-1111-1111-1111-111111111111"),
                          json={"fields": [email, first]})
    assert unknown.status_code == 404
    missing = client.post(submit_url(acct, fid), json={"fields": [email]})
    assert missing.status_code == 400
    extra = client.post(submit_url(acct, fid), json={"fields": [
        email, first, {"objectTypeId": "0-1", "name": "jobtitle", "value": "CEO"}]})
    assert extra.status_code == 400
    assert extra.json()["errors"][0]["code"] == "FIELD_NOT_IN_FORM_DEFINITION"
    staged = client.post(submit_url(acct, fid), json={"fields": [
        email, first, {"objectTypeId": "0-1", "name": "lifecyclestage", "value": "Evangelist"}]})
    assert staged.status_code == 200
    bad_stage = client.post(submit_url(acct, fid), json={"fields": [
        email, first, {"objectTypeId": "0-1", "name": "lifecyclestage", "value": "nope"}]})
    assert bad_stage.status_code == 400
    assert client.post(submit_url(acct, fid), content=b"[]").status_code == 400
    assert client.post(f"/submissions/v3/integration/submit/x/{fid}",
                       json={"fields": [email, first]}).status_code == 404


def test_tracking_endpoints_create_and_move_contacts(acct: Acct, client: TestClient) -> None:
    r = client.post("/lifecycle/v1/events/email-click", json={"email": "T@Example.test"})
    assert r.status_code == 200, r.text
    cid = int(r.json()["id"])
    assert acct.stage(C, cid) == "subscriber"
    r = client.post("/lifecycle/v1/events/identify",
                    json={"email": "t@example.test", "properties": {"firstname": "Tia"}})
    assert int(r.json()["id"]) == cid
    assert acct.stage(C, cid) == "lead"
    assert acct.values(C, cid)["firstname"] == "Tia"
    assert client.post("/lifecycle/v1/events/identify", json={}).status_code == 400
    assert client.post("/lifecycle/v1/events/identify",
                       json={"email": "not-an-email"}).status_code == 400
