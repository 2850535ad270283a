"""`?asOf=` on object reads (api spec section 8): the single read, the list and batch read
answer the records as they stood at that instant, rebuilt from the property history."""

from __future__ import annotations

from fastapi.testclient import TestClient

from stagecoach.domain.values import ms_to_iso
from stagecoach.library import Stagecoach
from stagecoach.services.records import records
from tests.helpers import CO, Acct, C
from tests.integration.test_batch_query_counts import counting

BASE = "/crm/v3/objects/contacts"


def _archive(acct: Acct, rid: int) -> None:
    with acct.unit() as ctx:
        assert records.archive(ctx, C, [rid])


def test_object_read_as_of_returns_stage_before_later_move(acct: Acct,
                                                          client: TestClient) -> None:
    rid = acct.contact(stage="lead", firstname="Ada")
    t_lead = acct.tick()
    acct.set_stage(C, rid, "customer")
    acct.update(C, rid, {"firstname": "Grace"})
    props = {"properties": "lifecyclestage,firstname"}
    then = client.get(f"{BASE}/{rid}", params={**props, "asOf": ms_to_iso(t_lead)})
    now = client.get(f"{BASE}/{rid}", params=props)
    assert then.status_code == now.status_code == 200, then.text
    assert then.json()["properties"]["lifecyclestage"] == "lead"
    assert then.json()["properties"]["firstname"] == "Ada"
    assert now.json()["properties"]["lifecyclestage"] == "customer"
    assert now.json()["properties"]["firstname"] == "Grace"
    # Epoch milliseconds name the same instant.
    by_ms = client.get(f"{BASE}/{rid}", params={**props, "asOf": str(t_lead)})
    assert by_ms.json()["properties"] == then.json()["properties"]
    assert then.json()["updatedAt"] <= ms_to_iso(t_lead)


def test_object_read_as_of_before_creation_is_404(acct: Acct, client: TestClient) -> None:
    before = acct.tick()
    rid = acct.contact(stage="lead")
    r = client.get(f"{BASE}/{rid}", params={"asOf": str(before)})
    assert r.status_code == 404 and r.json()["category"] == "OBJECT_NOT_FOUND"


def test_object_archived_after_as_of_is_read_as_it_was(acct: Acct, client: TestClient) -> None:
    rid = acct.contact(stage="lead")
    t_live = acct.tick()
    _archive(acct, rid)
    assert client.get(f"{BASE}/{rid}").status_code == 404
    then = client.get(f"{BASE}/{rid}", params={"asOf": str(t_live),
                                                "properties": "lifecyclestage"})
    assert then.status_code == 200, then.text
    assert then.json()["archived"] is False and "archivedAt" not in then.json()
    assert then.json()["properties"]["lifecyclestage"] == "lead"
    listed = client.get(BASE, params={"asOf": str(t_live)}).json()["results"]
    assert [x["id"] for x in listed] == [str(rid)]
    # And after the archiving it is archived then too.
    later = client.get(f"{BASE}/{rid}", params={"asOf": str(acct.tick()), "archived": "true"})
    assert later.status_code == 200 and later.json()["archived"] is True


def test_list_and_batch_read_as_of_leave_out_records_created_later(
        acct: Acct, client: TestClient) -> None:
    a = acct.contact(stage="lead")
    t1 = acct.tick()
    b = acct.contact(stage="subscriber")
    acct.set_stage(C, a, "opportunity")
    params = {"asOf": ms_to_iso(t1), "properties": "lifecyclestage"}
    listed = client.get(BASE, params=params)
    assert listed.status_code == 200, listed.text
    assert [(x["id"], x["properties"]["lifecyclestage"]) for x in listed.json()["results"]] == [
        (str(a), "lead")]
    batch = client.post(f"{BASE}/batch/read", params={"asOf": ms_to_iso(t1)},
                        json={"inputs": [{"id": str(a)}, {"id": str(b)}],
                              "properties": ["lifecyclestage"]})
    assert batch.status_code == 207, batch.text
    assert [(x["id"], x["properties"]["lifecyclestage"]) for x in batch.json()["results"]] == [
        (str(a), "lead")]
    assert [e["id"] for e in batch.json()["errors"]] == [str(b)]


def test_history_as_of_stops_at_that_instant(acct: Acct, client: TestClient) -> None:
    rid = acct.contact(stage="lead")
    t_lead = acct.tick()
    acct.set_stage(C, rid, "customer")
    r = client.get(f"{BASE}/{rid}", params={"asOf": str(t_lead),
                                            "propertiesWithHistory": "lifecyclestage"})
    assert [h["value"] for h in r.json()["propertiesWithHistory"]["lifecyclestage"]] == [
        "lead"]


def test_as_of_that_is_not_a_datetime_is_400(acct: Acct, client: TestClient) -> None:
    rid = acct.contact()
    for url in (f"{BASE}/{rid}", BASE):
        r = client.get(url, params={"asOf": "yesterday-ish"})
        assert r.status_code == 400 and r.json()["errors"][0]["code"] == "INVALID_AS_OF"


def test_list_as_of_costs_the_same_statements_for_10_and_60_records(
        sc: Stagecoach, acct: Acct, client: TestClient) -> None:
    ids = [acct.contact(stage="lead", firstname=f"N{i}") for i in range(60)]
    t = acct.tick()
    for rid in ids:
        acct.set_stage(C, rid, "customer")
    costs = []
    # The server process remembers the token after its first request (api/auth.py): warm.
    assert client.get(BASE, params={"limit": "1"}).status_code == 200
    for limit in (10, 60):
        with counting(sc) as statements:
            r = client.get(BASE, params={"asOf": str(t), "limit": str(limit),
                                         "properties": "lifecyclestage,firstname,lastname"})
        assert r.status_code == 200
        assert {x["properties"]["lifecyclestage"] for x in r.json()["results"]} == {"lead"}
        costs.append(len(statements))
    with counting(sc) as statements:
        client.post(f"{BASE}/batch/read", params={"asOf": str(t)},
                    json={"inputs": [{"id": str(i)} for i in ids], "properties": ["email"]})
    assert costs[0] == costs[1]
    assert len(statements) <= costs[0] + 2


def test_read_as_of_lists_the_associations_that_stood_then(acct: Acct,
                                                           client: TestClient) -> None:
    rid = acct.contact(stage="lead")
    first = acct.company(name="First")
    acct.associate(C, rid, CO, first, (1,))  # primary
    t_first = acct.tick()
    second = acct.company(name="Second")
    acct.associate(C, rid, CO, second, (1,))  # the first is demoted to unlabelled
    t_both = acct.tick()
    r = client.delete(f"/crm/v4/objects/contacts/{rid}/associations/companies/{first}")
    assert r.status_code == 204, r.text
    with acct.unit() as ctx:
        assert records.archive(ctx, CO, [second])

    def companies(as_of: int | None) -> dict[str, list[str]]:
        params = {"associations": "companies", **({} if as_of is None else {"asOf": str(as_of)})}
        body = client.get(f"{BASE}/{rid}", params=params).json()
        found: dict[str, list[str]] = {}
        for x in body.get("associations", {}).get("companies", {}).get("results", []):
            found.setdefault(x["id"], []).append(x["type"])
        return found

    then = companies(t_first)
    assert set(then) == {str(first)} and len(then[str(first)]) == 2  # primary + unlabelled
    both = companies(t_both)
    assert set(both) == {str(first), str(second)}
    assert len(both[str(first)]) == 1 and len(both[str(second)]) == 2
    assert set(companies(None)) == set()  # one removed, the other archived since
    # The list read sees the same pairs at that moment.
    listed = client.get(BASE, params={"asOf": str(t_both), "associations": "companies"})
    got = {x["id"] for r in listed.json()["results"]
           for x in r["associations"]["companies"]["results"]}
    assert got == {str(first), str(second)}
