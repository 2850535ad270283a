"""Batch endpoints: exact statuses (201/200/207/204), inputs applied in order, upsert."""

from __future__ import annotations

import pytest
from hubspot.crm.companies import BatchInputSimplePublicObjectBatchInputUpsert as CoUpsertBatch
from hubspot.crm.companies import SimplePublicObjectBatchInputUpsert as CoUpsert
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
)

from tests.e2e.conftest import Server

pytestmark = pytest.mark.sdk


def _create(server: Server, props: list[dict[str, str]]) -> list[str]:
    res = server.sdk().crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(inputs=[
            SimplePublicObjectBatchInputForCreate(properties=p) for p in props]))
    return [r.id for r in res.results]


def test_batch_create_answers_201_and_keeps_input_order(server: Server) -> None:
    ids = _create(server, [{"email": f"b{i}@example.test"} for i in range(3)])
    assert len(ids) == 3
    got = server.sdk().crm.contacts.batch_api.read(BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=i) for i in ids], properties=["email"],
        properties_with_history=[]))
    assert [r.properties["email"] for r in got.results] == [f"b{i}@example.test"
                                                            for i in range(3)]


def test_batch_create_with_a_bad_input_answers_207_naming_it(server: Server) -> None:
    with server.http() as http:
        r = http.post("/crm/v3/objects/contacts/batch/create", json={"inputs": [
            {"properties": {"email": "ok@example.test"}},
            {"properties": {"lifecyclestage": "wizard"}},
            {"properties": {"email": "ok2@example.test"}},
        ]})
    assert r.status_code == 207
    body = r.json()
    assert len(body["results"]) == 2 and body["numErrors"] == 1
    err = body["errors"][0]
    assert err["context"]["index"] == ["1"] and err["category"] == "VALIDATION_ERROR"
    assert err["errors"][0]["code"] == "INVALID_OPTION"
    # the SDK reads the 207 too
    res = server.sdk().crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(inputs=[
            SimplePublicObjectBatchInputForCreate(properties={"email": "ok@example.test"})]))
    assert res.errors[0].category == "CONFLICT"


def test_batch_read_reports_missing_ids_with_207(server: Server) -> None:
    ids = _create(server, [{"firstname": "A"}])
    with server.http() as http:
        r = http.post("/crm/v3/objects/contacts/batch/read", json={
            "inputs": [{"id": ids[0]}, {"id": "987654321"}], "properties": ["firstname"]})
    assert r.status_code == 207
    assert r.json()["results"][0]["properties"] == {"firstname": "A"}
    assert r.json()["errors"][0]["context"]["ids"] == ["987654321"]


def test_batch_read_by_email_id_property(server: Server) -> None:
    _create(server, [{"email": "r1@example.test", "firstname": "R1"}])
    with server.http() as http:
        r = http.post("/crm/v3/objects/contacts/batch/read", json={
            "idProperty": "email", "inputs": [{"id": "R1@example.test"}],
            "properties": ["firstname"]})
    assert r.status_code == 200 and r.json()["results"][0]["properties"]["firstname"] == "R1"


def test_batch_update_applies_inputs_in_order_clear_then_set(server: Server) -> None:
    [cid] = _create(server, [{"lifecyclestage": "customer"}])
    res = server.sdk().crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(
        inputs=[SimplePublicObjectBatchInput(id=cid, properties={"lifecyclestage": ""}),
                SimplePublicObjectBatchInput(id=cid, properties={"lifecyclestage": "lead"})]))
    assert res.status == "COMPLETE"
    got = server.sdk().crm.contacts.basic_api.get_by_id(cid, properties=["lifecyclestage"])
    assert got.properties["lifecyclestage"] == "lead"


def test_batch_update_unknown_id_is_207_and_others_applied(server: Server) -> None:
    [cid] = _create(server, [{"firstname": "Old"}])
    with server.http() as http:
        r = http.post("/crm/v3/objects/contacts/batch/update", json={"inputs": [
            {"id": "987654321", "properties": {"firstname": "X"}},
            {"id": cid, "properties": {"firstname": "New"}}]})
        assert r.status_code == 207
        assert r.json()["errors"][0]["context"]["index"] == ["0"]
        assert r.json()["results"][0]["properties"]["firstname"] == "New"


def test_batch_upsert_by_email_creates_then_updates(server: Server) -> None:
    client = server.sdk()
    inputs = [SimplePublicObjectBatchInputUpsert(id="up@example.test", id_property="email",
                                                 properties={"firstname": "First"})]
    first = client.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(inputs=inputs))
    assert first.results[0].new is True
    assert first.results[0].properties["email"] == "up@example.test"
    second = client.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(inputs=[
            SimplePublicObjectBatchInputUpsert(id="UP@example.test", id_property="email",
                                               properties={"firstname": "Second"})]))
    assert second.results[0].new is False and second.results[0].id == first.results[0].id
    assert second.results[0].properties["firstname"] == "Second"


def test_batch_upsert_same_key_twice_in_one_batch_applies_in_order(server: Server) -> None:
    with server.http() as http:
        r = http.post("/crm/v3/objects/contacts/batch/upsert", json={"inputs": [
            {"id": "twice@example.test", "idProperty": "email",
             "properties": {"firstname": "One"}},
            {"id": "twice@example.test", "idProperty": "email",
             "properties": {"firstname": "Two"}}]})
        assert r.status_code == 200
        assert len({x["id"] for x in r.json()["results"]}) == 1
        got = http.get("/crm/v3/objects/contacts/twice@example.test?idProperty=email")
        assert got.json()["properties"]["firstname"] == "Two"


def test_batch_upsert_companies_by_domain(server: Server) -> None:
    client = server.sdk()
    res = client.crm.companies.batch_api.upsert(CoUpsertBatch(inputs=[
        CoUpsert(id="acme.test", id_property="domain", properties={"name": "Acme"})]))
    assert res.results[0].new is True
    res2 = client.crm.companies.batch_api.upsert(CoUpsertBatch(inputs=[
        CoUpsert(id="https://www.acme.test/", id_property="domain",
                 properties={"name": "Acme Inc"})]))
    assert res2.results[0].new is False and res2.results[0].id == res.results[0].id


def test_batch_archive_is_204_and_limits_are_enforced(server: Server) -> None:
    ids = _create(server, [{"firstname": "A"}, {"firstname": "B"}])
    server.sdk().crm.contacts.batch_api.archive(BatchInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=i) for i in ids]))
    with server.http() as http:
        assert http.get("/crm/v3/objects/contacts").json()["results"] == []
        r = http.post("/crm/v3/objects/contacts/batch/create", json={"inputs": [
            {"properties": {}}] * 101})
        assert r.status_code == 400
        assert http.post("/crm/v3/objects/contacts/batch/create",
                         json={"inputs": "x"}).status_code == 400
