"""A batch of 100 costs the same number of SQL statements as a batch of 10: the whole HTTP
request path (auth, catalog, writes, history, stage moves, automation, the answer) is
counted on the engine with a `before_cursor_execute` listener."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from stagecoach.library import Stagecoach
from tests.helpers import Acct

# Ceilings for a batch of 100 contacts, whatever the database: a step that moves stages
# also closes and opens stays (store/lifecycle/stays.py; on PostgreSQL inside SET/RESET of a planner
# setting) and appends to the stage paths (store/lifecycle/stage_paths.py). The change feed
# adds three per unit, whatever its size (store/feed/events.py).
CREATE_100_STATEMENTS = 56
UPDATE_100_STATEMENTS = 28


@contextmanager
def counting(sc: Stagecoach) -> Iterator[list[str]]:
    statements: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(sc.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(sc.engine, "before_cursor_execute", listener)


def _cost(sc: Stagecoach, fn: Callable[[], Any]) -> int:
    with counting(sc) as statements:
        fn()
    return len(statements)


def _create_batch(client: TestClient, acct: Acct, n: int, tag: str) -> list[str]:
    r = client.post("/crm/v3/objects/contacts/batch/create",
                    headers={"Authorization": f"Bearer {acct.token}"},
                    json={"inputs": [{"properties": {
                        "email": f"{tag}{i}@firm{i}.test", "firstname": f"N{i}",
                        "lifecyclestage": "lead"}} for i in range(n)]})
    assert r.status_code == 201, r.text
    return [x["id"] for x in r.json()["results"]]


def test_batch_create_of_100_costs_the_same_statements_as_20(
        sc: Stagecoach, client: TestClient, acct: Acct) -> None:
    _create_batch(client, acct, 2, "warm")
    # (Both above what a transaction's first id reservation holds, store/core/ids.PREFETCH: a
    # smaller batch takes some ids from it, one statement fewer.)
    small = _cost(sc, lambda: _create_batch(client, acct, 20, "s"))
    large = _cost(sc, lambda: _create_batch(client, acct, 100, "l"))
    assert large == small, (small, large)
    # Auth, catalog stamp, the create, history, stage moves, the company by domain with its
    # association, counts and reactions, the answer (65 before the catalog cache, op id
    # blocks and skipping steps nothing can react to).
    assert large <= CREATE_100_STATEMENTS, large


def test_batch_update_of_100_costs_the_same_statements_as_20(
        sc: Stagecoach, client: TestClient, acct: Acct) -> None:
    ids = _create_batch(client, acct, 100, "u") + _create_batch(client, acct, 20, "v")
    auth = {"Authorization": f"Bearer {acct.token}"}

    def update(chunk: list[str]) -> None:
        r = client.post("/crm/v3/objects/contacts/batch/update", headers=auth, json={
            "inputs": [{"id": i, "properties": {"lifecyclestage": "customer",
                                                "lastname": "X"}} for i in chunk]})
        assert r.status_code == 200, r.text

    small = _cost(sc, lambda: update(ids[:20]))  # above store/core/ids.PREFETCH, as above
    large = _cost(sc, lambda: update(ids[20:120]))
    assert large == small, (small, large)
    assert large <= UPDATE_100_STATEMENTS, large


def test_search_and_list_cost_a_constant_number_of_statements(
        sc: Stagecoach, client: TestClient, acct: Acct) -> None:
    _create_batch(client, acct, 100, "r")
    auth = {"Authorization": f"Bearer {acct.token}"}
    small = _cost(sc, lambda: client.post("/crm/v3/objects/contacts/search", headers=auth,
                                          json={"limit": 10}))
    large = _cost(sc, lambda: client.post("/crm/v3/objects/contacts/search", headers=auth,
                                          json={"limit": 100}))
    assert large == small
    small = _cost(sc, lambda: client.get(
        "/crm/v3/objects/contacts?limit=10&associations=companies&propertiesWithHistory=email",
        headers=auth))
    large = _cost(sc, lambda: client.get(
        "/crm/v3/objects/contacts?limit=100&associations=companies&propertiesWithHistory=email",
        headers=auth))
    assert large == small
