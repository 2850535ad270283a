"""The change feed (automation spec rules 49-52): every committed change writes its events
in its own transaction, numbered by a per-account seq, read back with GET
/lifecycle/v1/events."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from stagecoach.services.inbound import forms
from stagecoach.services.records import merge, records
from tests.helpers import CO, Acct, C


def _feed(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/lifecycle/v1/events", params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    return list(r.json()["results"])


def _of(events: list[dict[str, Any]], object_id: int) -> list[dict[str, Any]]:
    return [e for e in events if e["objectId"] == str(object_id)]


def test_creating_a_contact_writes_a_creation_then_its_property_changes(
        acct: Acct, client: TestClient) -> None:
    cid = acct.contact("lead", email="ada@example.test")
    mine = _of(_feed(client), cid)
    assert mine[0]["eventType"] == "object.creation"
    assert mine[0]["objectTypeId"] == "0-1" and mine[0]["changeSource"] == "API"
    changes = {e["propertyName"]: e for e in mine if e["eventType"] == "object.propertyChange"}
    assert changes["email"]["propertyValue"] == "ada@example.test"
    assert changes["email"]["previousValue"] is None
    assert changes["lifecyclestage"]["propertyValue"] == "lead"
    seqs = [int(e["seq"]) for e in _feed(client)]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_a_cascade_names_the_cause_of_each_automated_change(acct: Acct, client: TestClient
                                                            ) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    company = acct.company("lead")
    cid = acct.contact("subscriber")
    acct.associate(C, cid, CO, company, (1,))
    after = _feed(client)[-1]["seq"]
    was = acct.stage(C, cid)
    acct.set_stage(CO, company, "customer")
    new = _feed(client, after=after)
    contact_stage = [e for e in _of(new, cid) if e.get("propertyName") == "lifecyclestage"]
    assert [e["propertyValue"] for e in contact_stage] == ["customer"]
    assert contact_stage[0]["previousValue"] == was
    assert contact_stage[0]["changeSource"] == "LIFECYCLE_AUTOMATION"
    assert contact_stage[0]["sourceId"] == "company_sync"
    assert contact_stage[0]["cause"]["kind"] == "property"


def test_an_unchanged_write_and_a_rolled_back_write_leave_no_event(
        acct: Acct, client: TestClient) -> None:
    cid = acct.contact("lead", firstname="Ada")
    before = _feed(client)
    acct.update(C, cid, {"firstname": "Ada"})
    assert _feed(client) == before
    with pytest.raises(RuntimeError), acct.unit() as ctx:
        records.update_many(ctx, C, [records.ItemWrite(cid, {"firstname": "Grace"})],
                            records.Source(records.SourceType.API))
        raise RuntimeError("roll back")
    assert _feed(client) == before


def test_archive_restore_and_merge_are_their_own_events(acct: Acct, client: TestClient
                                                       ) -> None:
    a, b = acct.contact("lead"), acct.contact("subscriber")
    acct.in_unit(lambda ctx: records.archive(ctx, C, [a]))
    acct.in_unit(lambda ctx: records.restore(ctx, C, [a]))
    acct.in_unit(lambda ctx: merge.merge(ctx, C, a, b))
    kinds = [e["eventType"] for e in _of(_feed(client), a)]
    assert "object.deletion" in kinds and "object.restore" in kinds
    assert "object.propertyChange" not in [e["eventType"] for e in _of(_feed(client), a)
                                          if e.get("propertyName") == "hs_archived"]
    merged = [e for e in _of(_feed(client), b) if e["eventType"] == "object.merge"]
    assert merged and merged[0]["primaryObjectId"] == str(a)
    assert merged[0]["mergedObjectIds"] == [str(b)]


def test_associations_are_events_on_both_sides(acct: Acct, client: TestClient) -> None:
    company, cid = acct.company(), acct.contact()
    acct.associate(C, cid, CO, company, (1,))
    mine = [e for e in _of(_feed(client), cid) if e["eventType"] == "object.associationChange"]
    assert {(e["toObjectTypeId"], e["toObjectId"], e["associationTypeId"],
             e["associationRemoved"]) for e in mine} >= {("0-2", str(company), 1, False)}
    theirs = [e for e in _of(_feed(client), company)
              if e["eventType"] == "object.associationChange"]
    assert {e["toObjectId"] for e in theirs} == {str(cid)}


def test_a_form_submission_is_an_event_on_its_contact(acct: Acct, client: TestClient
                                                      ) -> None:
    form = acct.in_unit(lambda ctx: forms.create(ctx, {
        "name": "Signup", "kind": "lead",
        "fields": [{"name": "email", "label": "Email", "required": True}]}))
    done = acct.in_unit(lambda ctx: forms.submit(ctx, form["id"], [("email", "f@x.test")], {}))
    got = [e for e in _of(_feed(client), done.contact_id)
           if e["eventType"] == "form.submission"]
    assert got and got[0]["formId"] == form["id"]
    assert got[0]["submissionId"] == str(done.submission_id)


def test_the_feed_pages_by_seq_and_filters_by_type(acct: Acct, client: TestClient) -> None:
    for i in range(5):
        acct.contact(firstname=f"P{i}")
    everything = _feed(client)
    r = client.get("/lifecycle/v1/events", params={"limit": 3})
    first = r.json()
    assert [e["seq"] for e in first["results"]] == [e["seq"] for e in everything[:3]]
    nxt = client.get("/lifecycle/v1/events",
                     params={"limit": 1000, "after": first["paging"]["next"]["after"]}).json()
    assert [e["seq"] for e in nxt["results"]] == [e["seq"] for e in everything[3:]]
    assert "paging" not in nxt
    created = _feed(client, types="object.creation")
    assert len(created) == 5 and {e["eventType"] for e in created} == {"object.creation"}


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "1001"}, {"after": "-1"},
                                    {"after": "x"}, {"types": "object.nope"},
                                    {"after": "9" * 30}])
def test_bad_feed_parameters_are_400_in_hubspots_shape(client: TestClient,
                                                       params: dict[str, str]) -> None:
    r = client.get("/lifecycle/v1/events", params=params)
    assert r.status_code == 400, r.text
    assert r.json()["status"] == "error" and r.json()["category"] == "VALIDATION_ERROR"


def test_the_feed_needs_the_events_read_scope(acct: Acct, client: TestClient) -> None:
    token = acct.token_with("crm.objects.contacts.read")
    r = client.get("/lifecycle/v1/events", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403


def test_events_past_retention_are_dropped_by_the_accounts_recurring_work(
        acct: Acct, client: TestClient) -> None:
    from stagecoach.services.feed import retention
    from stagecoach.services.worker.kinds import Later
    from stagecoach.store.worker import work_items

    acct.contact("lead")
    item = acct.in_unit(lambda ctx: work_items.get(ctx.conn, acct.id, retention.KIND, 0))
    assert item is not None and item.state == "PENDING"
    day = 86_400_000
    acct.tick(31 * day)
    kept = acct.contact("subscriber")
    # An idle month later nothing more goes: retention counts back from the newest event.
    for now in (acct.now, acct.now + 60 * day):
        again = retention.kind(acct.sc.engine, lambda now=now: now).run(item)
        assert isinstance(again, Later) and again.at == now + day
        assert {e["objectId"] for e in _feed(client)} == {str(kept)}
