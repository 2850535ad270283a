"""The schema routes through the official SDK (hubspot-api-client 12) and plain HTTP,
against a real server process, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import hubspot
import pytest
from hubspot.crm.pipelines import (
    PipelineInput,
    PipelinePatchInput,
    PipelineStageInput,
    PipelineStagePatchInput,
)
from hubspot.crm.pipelines.exceptions import ApiException as PipelineApiException
from hubspot.crm.properties import OptionInput, PropertyCreate, PropertyUpdate
from hubspot.crm.properties.exceptions import ApiException as PropertyApiException

from stagecoach.domain.objects import ObjectType
from stagecoach.services.auth import accounts
from stagecoach.services.core import uow
from stagecoach.services.core.writes import ItemWrite
from stagecoach.services.records import associations, records
from stagecoach.services.records.associations import AssociationRequest
from stagecoach.services.records.records import NewRecord
from tests.e2e.schemas.conftest import SchemaServer
from tests.helpers import API

pytestmark = pytest.mark.sdk
C, D = ObjectType.CONTACT, ObjectType.DEAL
_n = itertools.count(1)


@dataclass
class Caller:
    server: SchemaServer
    account_id: int
    token: str

    @property
    def sdk(self) -> hubspot.HubSpot:
        return hubspot.HubSpot(access_token=self.token, host=self.server.base_url)

    def http(self, method: str, path: str, token: str | None = None, **kw: Any
             ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token}", **kw.pop("headers", {})}
        return httpx.request(method, self.server.base_url + path, headers=headers,
                             timeout=30, **kw)

    def token_with(self, scopes: Sequence[str]) -> str:
        return uow.run_conn(self.server.sc.engine, lambda conn: accounts.create_token(
            conn, self.account_id, "limited", scopes, self.server.sc.clock()))

    def unit(self):  # type: ignore[no-untyped-def]
        return self.server.sc.unit(self.account_id)


@pytest.fixture
def caller(schema_server: SchemaServer) -> Caller:
    made = schema_server.sc.create_account(f"Schemas {next(_n)}",
                                           f"admin{next(_n)}@schemas.test")
    return Caller(schema_server, made.account_id, made.token)


def error_of(exc: Exception) -> dict[str, Any]:
    return json.loads(exc.body)  # type: ignore[attr-defined]


def test_sdk_lists_contact_properties_with_stages_as_lifecyclestage_options(
        caller: Caller) -> None:
    found = caller.sdk.crm.properties.core_api.get_all("contacts")
    by_name = {p.name: p for p in found.results}
    stage = by_name["lifecyclestage"]
    assert stage.type == "enumeration" and stage.field_type == "select"
    assert [o.value for o in stage.options][:3] == ["subscriber", "lead",
                                                    "marketingqualifiedlead"]
    assert [o.display_order for o in stage.options][:3] == [0, 1, 2]
    assert by_name["hs_lifecyclestage_customer_date"].modification_metadata.read_only_value
    assert by_name["email"].has_unique_value
    assert [o.value for o in by_name["hs_lead_status"].options][:2] == ["NEW", "OPEN"]
    # Object types may be named singular or by id.
    assert {p.name for p in caller.sdk.crm.properties.core_api.get_all("0-1").results} == set(
        by_name)


def test_sdk_creates_reads_updates_and_archives_a_custom_property(caller: Caller) -> None:
    api = caller.sdk.crm.properties.core_api
    made = api.create("contacts", property_create=PropertyCreate(
        name="tier", label="Tier", type="enumeration", field_type="select",
        group_name="contactinformation", options=[
            OptionInput(label="Gold", value="gold", display_order=0, hidden=False),
            OptionInput(label="Silver", value="silver", display_order=1, hidden=False)]))
    assert made.name == "tier" and made.created_at is not None and made.archived is False
    assert made.modification_metadata.archivable
    # Usable at once by writes and reads.
    with caller.unit() as ctx:
        rid = records.create(ctx, C, [NewRecord({"tier": "gold"})], API)[0].record_id
    assert rid is not None
    updated = api.update("contacts", "tier", property_update=PropertyUpdate(
        label="Customer tier", options=[
            OptionInput(label="Gold", value="gold", display_order=0, hidden=False),
            OptionInput(label="Platinum", value="platinum", display_order=1, hidden=False)]))
    assert updated.label == "Customer tier"
    assert [o.value for o in api.get_by_name("contacts", "tier").options] == [
        "gold", "platinum"]
    assert api.archive("contacts", "tier") is None
    with pytest.raises(PropertyApiException) as err:
        api.get_by_name("contacts", "tier")
    assert err.value.status == 404
    assert error_of(err.value)["category"] == "OBJECT_NOT_FOUND"
    archived = api.get_by_name("contacts", "tier", archived=True)
    assert archived.archived is True and archived.archived_at is not None
    assert [p.name for p in api.get_all("contacts", archived=True).results] == ["tier"]


def test_sdk_property_errors_have_hubspot_shape(caller: Caller) -> None:
    api = caller.sdk.crm.properties.core_api
    with pytest.raises(PropertyApiException) as err:
        api.create("contacts", property_create=PropertyCreate(
            name="email", label="Email", type="string", field_type="text",
            group_name="contactinformation"))
    assert err.value.status == 409
    body = error_of(err.value)
    assert body["status"] == "error" and body["category"] == "CONFLICT"
    assert body["correlationId"] and body["errors"][0]["code"] == "PROPERTY_EXISTS"
    with pytest.raises(PropertyApiException) as err:
        api.create("deals", property_create=PropertyCreate(
            name="weight", label="Weight", type="number", field_type="select",
            group_name="dealinformation"))
    assert err.value.status == 400
    assert error_of(err.value)["errors"][0]["code"] == "INVALID_FIELD_TYPE"
    with pytest.raises(PropertyApiException) as err:
        api.update("contacts", "createdate", property_update=PropertyUpdate(label="Born"))
    assert err.value.status == 400


def test_sdk_patching_lifecyclestage_options_changes_the_stage_set(caller: Caller) -> None:
    api = caller.sdk.crm.properties.core_api
    current = api.get_by_name("companies", "lifecyclestage").options
    kept = [(o.label, o.value) for o in current if o.value != "evangelist"]
    kept.insert(1, ("Trial", "trial"))  # a new stage between subscriber and lead
    # Sent in another order: displayOrder decides.
    options = [OptionInput(label=label, value=value, display_order=i, hidden=False)
               for i, (label, value) in enumerate(kept)][::-1]
    got = api.update("companies", "lifecyclestage",
                     property_update=PropertyUpdate(options=options))
    values = [o.value for o in got.options]
    assert values[0] == "subscriber" and values[2] == "lead"
    assert values[1].isdigit() and got.options[1].label == "Trial"
    assert "evangelist" not in values
    listed = caller.http("GET", "/lifecycle/v1/stages").json()["results"]
    assert [s["value"] for s in listed] == values
    # Contacts share the stage set.
    assert [o.value for o in api.get_by_name("contacts", "lifecyclestage").options] == values


def test_sdk_pipeline_lifecycle(caller: Caller) -> None:
    api = caller.sdk.crm.pipelines.pipelines_api
    stages_api = caller.sdk.crm.pipelines.pipeline_stages_api
    made = api.create("deals", pipeline_input=PipelineInput(label="Renewals", display_order=1,
                                                            stages=[
        PipelineStageInput(label="Due", display_order=0,
                           metadata={"isClosed": "false", "probability": "0.5"}),
        PipelineStageInput(label="Renewed", display_order=1,
                           metadata={"isClosed": "true", "probability": "1.0"}),
    ]))
    assert made.id.isdigit() and [s.label for s in made.stages] == ["Due", "Renewed"]
    assert made.stages[1].metadata == {"isClosed": "true", "probability": "1.0"}
    assert all(s.id.isdigit() for s in made.stages)
    assert [p.id for p in api.get_all("deals").results] == ["default", made.id]
    default = api.get_by_id("deals", "default")
    assert [(s.id, s.metadata["probability"]) for s in default.stages][-2:] == [
        ("closedwon", "1.0"), ("closedlost", "0.0")]
    assert api.update("deals", made.id, pipeline_patch_input=PipelinePatchInput(
        label="Renewals 2026")).label == "Renewals 2026"
    lost = stages_api.create("deals", made.id, pipeline_stage_input=PipelineStageInput(
        label="Lost", display_order=2, metadata={"isClosed": "true", "probability": "0.0"}))
    assert lost.id.isdigit() and lost.metadata["isClosed"] == "true"
    changed = stages_api.update("deals", made.id, lost.id,
                                pipeline_stage_patch_input=PipelineStagePatchInput(
                                    label="Churned"))
    assert changed.label == "Churned" and changed.metadata["probability"] == "0.0"
    assert stages_api.get_by_id("deals", made.id, lost.id).label == "Churned"
    assert len(stages_api.get_all("deals", made.id).results) == 3
    replaced = stages_api.replace("deals", made.id, lost.id,
                                  pipeline_stage_input=PipelineStageInput(
                                      label="Lost", display_order=5,
                                      metadata={"isClosed": "true", "probability": "0.0"}))
    assert (replaced.label, replaced.display_order) == ("Lost", 5)
    assert stages_api.archive("deals", made.id, lost.id) is None
    whole = api.replace("deals", made.id, pipeline_input=PipelineInput(
        label="Renewals", display_order=1, stages=[
            PipelineStageInput(label="Only", display_order=0,
                               metadata={"isClosed": "false", "probability": "0.5"})]))
    assert [s.label for s in whole.stages] == ["Only"]
    with pytest.raises(PipelineApiException) as err:
        stages_api.get_by_id("deals", made.id, lost.id)
    assert err.value.status == 404
    assert api.archive("deals", made.id) is None
    assert [p.id for p in api.get_all("deals").results] == ["default"]


def test_sdk_bad_stage_metadata_is_400(caller: Caller) -> None:
    with pytest.raises(PipelineApiException) as err:
        caller.sdk.crm.pipelines.pipeline_stages_api.create(
            "deals", "default", pipeline_stage_input=PipelineStageInput(
                label="Odd", display_order=9, metadata={"probability": "2"}))
    assert err.value.status == 400
    assert error_of(err.value)["errors"][0]["code"] == "INVALID_STAGE_METADATA"


def test_sdk_deleting_a_pipeline_with_deals_is_refused(caller: Caller) -> None:
    api = caller.sdk.crm.pipelines.pipelines_api
    made = api.create("deals", pipeline_input=PipelineInput(label="Busy", display_order=1,
                                                            stages=[
        PipelineStageInput(label="Open", display_order=0,
                           metadata={"isClosed": "false", "probability": "0.1"})]))
    with caller.unit() as ctx:
        records.create(ctx, D, [NewRecord({"dealname": "x", "pipeline": made.id})], API)
    with pytest.raises(PipelineApiException) as err:
        api.archive("deals", made.id)
    assert err.value.status == 400
    body = error_of(err.value)
    assert body["category"] == "VALIDATION_ERROR" and "1 deal is in it" in body["message"]
    assert api.get_by_id("deals", made.id).id == made.id


def test_a_won_stage_created_over_the_api_triggers_rule_20(caller: Caller) -> None:
    made = caller.sdk.crm.pipelines.pipelines_api.create("deals", pipeline_input=PipelineInput(
        label="Partners", display_order=1, stages=[
            PipelineStageInput(label="Open", display_order=0,
                               metadata={"isClosed": "false", "probability": "0.3"}),
            PipelineStageInput(label="Signed", display_order=1,
                               metadata={"isClosed": "true", "probability": "1.0"})]))
    with caller.unit() as ctx:
        cid = records.create(ctx, C, [NewRecord({"lifecyclestage": "lead"})], API)[0].record_id
        did = records.create(ctx, D, [NewRecord({"dealname": "p", "pipeline": made.id})],
                             API)[0].record_id
        assert cid is not None and did is not None
        associations.associate(ctx, [AssociationRequest(D, did, C, cid, ())], API)
    with caller.unit() as ctx:
        records.update_many(ctx, D, [ItemWrite(did, {"dealstage": made.stages[1].id})], API)
    with caller.unit() as ctx:
        from stagecoach.store.records import records as store

        assert store.load(ctx.conn, caller.account_id, C, [cid])[cid].stage == "customer"


def test_settings_get_patch_put_and_validation(caller: Caller) -> None:
    got = caller.http("GET", "/lifecycle/v1/settings")
    assert got.status_code == 200
    assert got.json()["dealWon"] == {"enabled": True, "stage": "customer"}
    assert got.json()["pipelineStageRules"] == []
    patched = caller.http("PATCH", "/lifecycle/v1/settings", json={
        "syncWithPrimaryCompany": True,
        "pipelineStageRules": [{"pipelineId": "default", "stageId": "contractsent",
                                "lifecycleStage": "salesqualifiedlead"}]})
    assert patched.status_code == 200
    assert patched.json()["syncWithPrimaryCompany"] is True
    assert patched.json()["dealCreated"] == {"enabled": True, "stage": "opportunity"}
    put = caller.http("PUT", "/lifecycle/v1/settings", json={"apiBackwardWrites": "reject"})
    assert put.status_code == 200
    assert put.json()["syncWithPrimaryCompany"] is False
    assert put.json()["pipelineStageRules"] == []
    assert put.json()["apiBackwardWrites"] == "reject"
    for bad in ({"colour": "blue"}, {"dealWon": {"enabled": True, "stage": "wizard"}},
                {"pipelineStageRules": [{"pipelineId": "nope", "stageId": "x",
                                         "lifecycleStage": "lead"}]},
                {"pipelineStageRules": [{"pipelineId": "default", "stageId": "nope",
                                         "lifecycleStage": "lead"}]}):
        r = caller.http("PATCH", "/lifecycle/v1/settings", json=bad)
        assert r.status_code == 400, bad
        assert r.json()["category"] == "VALIDATION_ERROR"
    r = caller.http("PATCH", "/lifecycle/v1/settings", content=b"{not json",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = caller.http("PATCH", "/lifecycle/v1/settings", json=[1, 2])
    assert r.status_code == 400


def test_stage_endpoints(caller: Caller) -> None:
    listed = caller.http("GET", "/lifecycle/v1/stages").json()["results"]
    assert listed[0] == {"value": "subscriber", "label": "Subscriber", "position": 0,
                         "recordCounts": {"contacts": 0, "companies": 0}}
    made = caller.http("POST", "/lifecycle/v1/stages", json={"label": "Trial", "position": 2})
    assert made.status_code == 201
    value = made.json()["value"]
    assert value.isdigit() and made.json()["position"] == 2
    moved = caller.http("PATCH", f"/lifecycle/v1/stages/{value}",
                        json={"label": "Free trial", "position": 0})
    assert moved.json() == {"value": value, "label": "Free trial", "position": 0,
                            "recordCounts": {"contacts": 0, "companies": 0}}
    assert caller.http("GET", f"/lifecycle/v1/stages/{value}").json()["label"] == "Free trial"
    with caller.unit() as ctx:
        records.create(ctx, C, [NewRecord({"lifecyclestage": value}),
                                NewRecord({"lifecyclestage": value})], API)
    assert caller.http("GET", f"/lifecycle/v1/stages/{value}").json()["recordCounts"] == {
        "contacts": 2, "companies": 0}
    refused = caller.http("DELETE", f"/lifecycle/v1/stages/{value}")
    assert refused.status_code == 400
    err = refused.json()["errors"][0]
    assert err["code"] == "STAGE_IN_USE"
    assert err["context"]["references"] == [
        {"kind": "records", "id": "contacts", "label": "2 contacts", "count": 2}]
    done = caller.http("DELETE", f"/lifecycle/v1/stages/{value}?replacement=lead")
    assert done.status_code == 200
    assert done.json() == {"value": value, "replacement": "lead", "moved": 2}
    assert caller.http("GET", f"/lifecycle/v1/stages/{value}").status_code == 404
    assert caller.http("GET", "/lifecycle/v1/stages/lead").json()["recordCounts"][
        "contacts"] == 2
    # A replacement may also come as a JSON body.
    with caller.unit() as ctx:
        records.create(ctx, C, [NewRecord({"lifecyclestage": "evangelist"})], API)
    done = caller.http("DELETE", "/lifecycle/v1/stages/evangelist",
                       json={"replacement": "customer"})
    assert done.json()["moved"] == 1
    assert caller.http("POST", "/lifecycle/v1/stages", json={"label": ""}).status_code == 400
    assert caller.http("POST", "/lifecycle/v1/stages",
                       json={"label": "X", "colour": 1}).status_code == 400
    assert caller.http("POST", "/lifecycle/v1/stages",
                       json={"label": "Y", "position": 99}).status_code == 400


def test_scopes_and_authentication(caller: Caller) -> None:
    reader = caller.token_with(["crm.schemas.contacts.read", "crm.schemas.deals.read"])
    assert caller.http("GET", "/lifecycle/v1/settings", token=reader).status_code == 403
    assert caller.http("GET", "/lifecycle/v1/stages", token=reader).status_code == 200
    r = caller.http("POST", "/lifecycle/v1/stages", token=reader, json={"label": "Nope"})
    assert r.status_code == 403 and r.json()["category"] == "MISSING_SCOPES"
    assert caller.http("GET", "/crm/v3/properties/contacts", token=reader).status_code == 200
    assert caller.http("GET", "/crm/v3/properties/companies", token=reader).status_code == 403
    assert caller.http("GET", "/crm/v3/pipelines/deals", token=reader).status_code == 200
    assert caller.http("POST", "/crm/v3/pipelines/deals", token=reader,
                       json={"label": "x", "stages": []}).status_code == 403
    company_admin = caller.token_with(["crm.schemas.companies.write",
                                       "crm.schemas.companies.read"])
    r = caller.http("PATCH", "/crm/v3/properties/companies/lifecyclestage",
                    token=company_admin, json={"options": []})
    assert r.status_code == 403
    bare = httpx.get(caller.server.base_url + "/crm/v3/properties/contacts")
    assert bare.status_code == 401 and bare.json()["category"] == "INVALID_AUTHENTICATION"
    assert caller.http("GET", "/crm/v3/properties/tickets").status_code == 404
    assert caller.http("GET", "/crm/v3/pipelines/contacts").status_code == 404


BAD_BODIES: list[Any] = [
    None, [], "text", 7, {"label": None}, {"label": 5}, {"label": "x" * 5000},
    {"options": "many"}, {"options": [{"label": "a"}]}, {"options": [None]},
    {"stages": [{"label": "a", "metadata": "closed"}]},
    {"stages": [{"label": "a", "metadata": {"probability": None}}]},
    {"stages": [{"label": "a", "metadata": {"probability": [1]}}]},
    {"stages": [{"id": "bad id!", "label": "a", "metadata": {"probability": "0"}}]},
    {"displayOrder": "first"}, {"displayOrder": 10**30}, {"position": -1},
    {"position": True}, {"metadata": {"isClosed": 1, "probability": 0.5}},
    {"name": "Bad", "label": "L", "type": "string", "groupName": "g"},
    {"name": "ok_one", "label": "L", "type": "enumeration", "groupName": "g"},
    {"replacement": 3}, {"createDefault": "on"}, {"pipelineStageRules": [None]},
    {"pipelineStageRules": [{"pipelineId": [], "stageId": {}, "lifecycleStage": 1}]},
]
WRITE_ROUTES = [
    ("POST", "/crm/v3/properties/contacts"), ("PATCH", "/crm/v3/properties/contacts/email"),
    ("PATCH", "/crm/v3/properties/contacts/lifecyclestage"),
    ("PATCH", "/crm/v3/properties/companies/hs_lead_status"),
    ("POST", "/crm/v3/pipelines/deals"), ("PATCH", "/crm/v3/pipelines/deals/default"),
    ("POST", "/crm/v3/pipelines/deals/default/stages"),
    ("PATCH", "/crm/v3/pipelines/deals/default/stages/closedwon"),
    ("PATCH", "/lifecycle/v1/settings"), ("PUT", "/lifecycle/v1/settings"),
    ("POST", "/lifecycle/v1/stages"), ("PATCH", "/lifecycle/v1/stages/lead"),
    ("DELETE", "/lifecycle/v1/stages/nope"),
]


def test_no_bad_input_produces_a_500(caller: Caller) -> None:
    headers = {"Authorization": f"Bearer {caller.token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=caller.server.base_url, headers=headers, timeout=30) as http:
        for method, path in WRITE_ROUTES:
            for body in BAD_BODIES:
                r = http.request(method, path, content=json.dumps(body).encode())
                assert r.status_code < 500, (method, path, body, r.text)
                if r.status_code >= 400:
                    assert r.json()["status"] == "error" and r.json()["correlationId"]
            r = http.request(method, path, content=b"\xff{")
            assert 400 <= r.status_code < 500, (method, path, r.text)


def test_openapi_document_lists_the_schema_routes(caller: Caller) -> None:
    paths = httpx.get(caller.server.base_url + "/openapi.json").json()["paths"]
    for path in ("/crm/v3/properties/{object_type}/{name}",
                 "/crm/v3/pipelines/{object_type}/{pipeline_id}/stages/{stage_id}",
                 "/lifecycle/v1/settings", "/lifecycle/v1/stages/{value}"):
        assert path in paths
