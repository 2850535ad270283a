"""Batch create/update of contacts through the whole HTTP path (in-process ASGI app):
SQL statements and milliseconds per request, beside a raw baseline taken in the same run
(one plain INSERT of the same number of record rows).

    PYTHONPATH=src python -m bench.api_batch [--database-url URL] [--runs 5]

Prints one JSON object per line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from stagecoach.api.app import create_app
from stagecoach.library import Stagecoach
from stagecoach.services.core import uow
from stagecoach.store.core import ids
from stagecoach.store.schema import records


def _measure(sc: Stagecoach, fn: Callable[[], Any]) -> tuple[int, float]:
    count = [0]

    def listener(*_: Any) -> None:
        count[0] += 1

    event.listen(sc.engine, "before_cursor_execute", listener)
    start = time.perf_counter()
    try:
        fn()
    finally:
        event.remove(sc.engine, "before_cursor_execute", listener)
    return count[0], (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    sc = Stagecoach(url)
    made = sc.create_account("Bench", "bench@example.test")
    app = create_app(sc)
    app.state.ratelimiter = None
    client = TestClient(app)
    auth = {"Authorization": f"Bearer {made.token}"}
    serial = iter(range(10**9))

    def create(n: int) -> list[str]:
        r = client.post("/crm/v3/objects/contacts/batch/create", headers=auth, json={
            "inputs": [{"properties": {"email": f"c{(k := next(serial))}@firm{k}.test",
                                       "lifecyclestage": "lead"}} for _ in range(n)]})
        assert r.status_code == 201, r.text
        return [x["id"] for x in r.json()["results"]]

    def update(chunk: list[str]) -> None:
        r = client.post("/crm/v3/objects/contacts/batch/update", headers=auth, json={
            "inputs": [{"id": i, "properties": {"lifecyclestage": "customer"}}
                       for i in chunk]})
        assert r.status_code == 200, r.text

    def baseline(n: int) -> None:
        def insert(conn: Any) -> None:
            new = ids.take(conn, made.account_id, "record", n)
            conn.execute(records.insert(), [
                {"account_id": made.account_id, "object_type": 1, "id": i, "created_at": 0,
                 "updated_at": 0, "archived": False, "props": {}} for i in new])
        uow.run_conn(sc.engine, insert)

    create(2)
    for n in (10, 100):
        made_ids: list[list[str]] = []

        def create_and_keep(size: int, out: list[list[str]] = made_ids) -> None:
            out.append(create(size))

        creates = [_measure(sc, partial(create_and_keep, n)) for _ in range(args.runs)]
        updates = [_measure(sc, partial(update, chunk)) for chunk in made_ids]
        raw = [_measure(sc, partial(baseline, n))[1] for _ in range(args.runs)]
        print(json.dumps({
            "database": sc.engine.dialect.name, "inputs": n,
            "create_statements": creates[0][0],
            "create_ms_median": round(statistics.median(c[1] for c in creates), 1),
            "update_statements": updates[0][0],
            "update_ms_median": round(statistics.median(u[1] for u in updates), 1),
            "raw_insert_ms_median": round(statistics.median(raw), 1),
        }))
    sc.close()


if __name__ == "__main__":
    main()
