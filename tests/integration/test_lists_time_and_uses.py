"""Time-relative lists refreshed as of a later `now`; lists used elsewhere: the
hs_list_memberships search filter, and stages named by list filters (rule 58); the change
feed's membership events; statements per step independent of the batch size."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from stagecoach.domain.errors import ValidationError
from stagecoach.services.lifecycle import stages
from stagecoach.services.lists import maintain
from tests.helpers import Acct, C, write_batch
from tests.integration.lists_helpers import branch, make_list, members, prop, stage_is

DAY = 86_400_000


def _recent(days: int) -> dict[str, Any]:
    return branch([prop("createdate", "TIME_POINT", "IS_AFTER", timePoint={
        "timeType": "INDEXED", "zoneId": "UTC", "indexReference": {"referenceType": "NOW"},
        "offset": {"days": -days}})])


def test_a_list_indexed_from_now_is_refreshed_as_of_a_later_now(acct: Acct) -> None:
    lid = make_list(acct, "New this week", _recent(7))
    cid = acct.contact()
    assert members(acct, lid) == {cid}
    acct.tick(3 * DAY)
    assert acct.in_unit(maintain.refresh_time_relative) == 0
    assert members(acct, lid) == {cid}
    acct.tick(5 * DAY)
    assert acct.in_unit(maintain.refresh_time_relative) == 1
    assert members(acct, lid) == set()


def test_a_write_evaluates_time_filters_at_its_own_time(acct: Acct) -> None:
    overdue = make_list(acct, "Overdue", branch([prop(
        "closedate", "TIME_POINT", "IS_BEFORE", timePoint={
            "timeType": "INDEXED", "zoneId": "UTC",
            "indexReference": {"referenceType": "NOW"}})]))
    cid = acct.contact(closedate=str(acct.now + 5 * DAY))
    assert members(acct, overdue) == set()
    acct.tick(3 * DAY)
    # Two days ahead of the list's creation, one day behind the write's own time.
    acct.update(C, cid, {"closedate": str(acct.now - DAY)})
    assert members(acct, overdue) == {cid}


def test_search_filters_by_list_membership(acct: Acct, client: TestClient) -> None:
    lid = make_list(acct, "Customers", stage_is("customer"))
    yes, no = acct.contact("customer"), acct.contact("lead")

    def ids(operator: str, **value: Any) -> set[str]:
        r = client.post("/crm/v3/objects/contacts/search", json={"filterGroups": [{
            "filters": [{"propertyName": "hs_list_memberships", "operator": operator,
                         **value}]}]})
        assert r.status_code == 200, r.text
        return {x["id"] for x in r.json()["results"]}

    assert ids("EQ", value=str(lid)) == {str(yes)}
    assert ids("NEQ", value=str(lid)) == {str(no)}
    assert ids("IN", values=[str(lid)]) == {str(yes)}
    r = client.post("/crm/v3/objects/contacts/search", json={"filterGroups": [{
        "filters": [{"propertyName": "hs_list_memberships", "operator": "GT",
                     "value": "1"}]}]})
    assert r.status_code == 400


def test_a_stage_named_by_a_list_cannot_be_deleted(acct: Acct) -> None:
    make_list(acct, "Evangelists", stage_is("evangelist"))
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: stages.delete(ctx, "evangelist"))
    assert "Evangelists" in err.value.message


def test_membership_changes_are_events_of_the_change_feed(acct: Acct, client: TestClient
                                                          ) -> None:
    lid = make_list(acct, "Customers", stage_is("customer"))
    cid = acct.contact("lead")
    acct.set_stage(C, cid, "customer")
    events = client.get("/lifecycle/v1/events", params={"limit": 1000,
                                                        "types": "list.membershipChange"})
    mine = [e for e in events.json()["results"] if e["objectId"] == str(cid)]
    assert [(e["listId"], e["action"]) for e in mine] == [(str(lid), "ADDED")], mine


@contextmanager
def _counting(acct: Acct) -> Iterator[list[str]]:
    seen: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(acct.sc.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(acct.sc.engine, "before_cursor_execute", listener)


def test_keeping_lists_costs_the_same_statements_for_10_and_200_records(acct: Acct) -> None:
    make_list(acct, "Customers", stage_is("customer"))
    make_list(acct, "Named", branch([prop("firstname", "STRING", "CONTAINS", value="a")]))

    def cost(n: int) -> int:
        ids = [acct.contact("lead") for _ in range(n)]
        with _counting(acct) as seen:
            write_batch(acct, C, [(i, {"lifecyclestage": "customer", "firstname": "Ada"})
                                  for i in ids])
        # The write path's own statements vary with the id pool; the lists' do not.
        return len([s for s in seen if "list_membership" in s])

    # Per list: who joins, who leaves, the joins applied (nobody left); and the change
    # feed's one statement, which reads the log too.
    assert cost(10) == cost(200) == 7
