"""The /lifecycle/v1 routes of this module, over HTTP (in-process ASGI client)."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from stagecoach.api.app import create_app
from tests.helpers import UI, Acct, C, D, drain


def test_demote_route_moves_backward_with_reason(acct: Acct, client: TestClient) -> None:
    cid = acct.contact(stage="customer")
    r = client.post(f"/lifecycle/v1/contacts/{cid}/demote",
                    json={"stage": "lead", "reason": "test account"})
    assert r.status_code == 200, r.text
    assert r.json() == {"objectType": "contacts", "id": str(cid), "from": "customer",
                        "to": "lead", "reason": "test account"}
    assert acct.stage(C, cid) == "lead"


def test_demote_route_errors_are_hubspot_shaped(acct: Acct, client: TestClient) -> None:
    cid = acct.contact(stage="lead")
    r = client.post(f"/lifecycle/v1/0-1/{cid}/demote", json={"stage": "customer",
                                                             "reason": "x"})
    assert r.status_code == 400
    assert r.json()["category"] == "VALIDATION_ERROR"
    assert r.json()["errors"][0]["code"] == "NOT_A_DEMOTION"
    r = client.post(f"/lifecycle/v1/contacts/{cid}/demote", json={"stage": "subscriber"})
    assert r.json()["errors"][0]["code"] == "REASON_REQUIRED"
    r = client.post("/lifecycle/v1/contacts/abc/demote", json={"stage": "lead", "reason": "x"})
    assert r.status_code == 404
    r = client.post(f"/lifecycle/v1/contacts/{cid}/demote", json=["x"])
    assert r.status_code == 400


def test_demote_needs_its_own_scope(acct: Acct, client: TestClient) -> None:
    cid = acct.contact(stage="customer")
    token = acct.token_with("crm.objects.contacts.write", "crm.objects.contacts.read")
    r = client.post(f"/lifecycle/v1/contacts/{cid}/demote",
                    json={"stage": "lead", "reason": "x"},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
    assert r.json()["category"] == "MISSING_SCOPES"
    assert acct.stage(C, cid) == "customer"


def test_explain_and_timeline_routes(acct: Acct, client: TestClient) -> None:
    cid = acct.contact(stage="lead")
    t0 = acct.now
    did = acct.create(D, {"dealname": "d"}, assoc=[(C, cid, ())])
    acct.update(D, did, {"dealstage": "closedwon"}, UI)
    body = client.get(f"/lifecycle/v1/contacts/{cid}/explain").json()
    assert set(body) >= {"objectType", "id", "stage", "chain", "blockedWrites"}
    assert body["stage"] == "customer"
    assert body["chain"][-1]["property"] == "dealstage"
    tl = client.get(f"/lifecycle/v1/contacts/{cid}/timeline",
                    params={"asOf": str(t0)}).json()
    assert [c["to"] for c in tl["changes"]] == ["lead", "opportunity", "customer"]
    assert tl["asOf"]["stage"] == "lead"
    r = client.get(f"/lifecycle/v1/contacts/{cid}/timeline", params={"asOf": "yesterday"})
    assert r.status_code == 400


def test_preview_and_apply_routes_run_a_job(acct: Acct, client: TestClient) -> None:
    ids = [acct.contact() for _ in range(3)]
    body = {"createDefault": {"enabled": True, "stage": "subscriber"}}
    r = client.post("/lifecycle/v1/settings/preview", json=body, params={"limit": 2})
    assert r.status_code == 200
    assert r.json()["total"] == 3 and len(r.json()["results"]) == 2
    r = client.post("/lifecycle/v1/settings/apply", json=body)
    assert r.status_code == 202, r.text
    job = r.json()
    assert set(job) >= {"id", "state", "processed", "total"} and job["total"] == 3
    drain(acct.sc)
    for _ in range(200):
        job = client.get(f"/lifecycle/v1/jobs/{job['id']}").json()
        if job["state"] != "RUNNING":
            break
        time.sleep(0.05)
    assert (job["state"], job["processed"]) == ("DONE", 3)
    assert {acct.stage(C, i) for i in ids} == {"subscriber"}
    r = client.post("/lifecycle/v1/settings/apply", json={"nope": 1})
    assert r.status_code == 400
    assert client.get("/lifecycle/v1/jobs/99999999").status_code == 404


def test_a_job_left_running_resumes_when_a_server_starts(acct: Acct) -> None:
    from stagecoach.services.lifecycle import backfill

    ids = [acct.contact() for _ in range(2)]
    job = acct.in_unit(lambda ctx: backfill.start(
        ctx, {"createDefault": {"enabled": True, "stage": "lead"}}))
    with TestClient(create_app(acct.sc)) as c:
        c.headers["Authorization"] = f"Bearer {acct.token}"
        for _ in range(200):
            state = c.get(f"/lifecycle/v1/jobs/{job['id']}").json()
            if state["state"] != "RUNNING":
                break
            time.sleep(0.05)
    assert (state["state"], state["processed"], state["total"]) == ("DONE", 2, 2)
    assert {acct.stage(C, i) for i in ids} == {"lead"}
