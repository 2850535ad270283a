"""Imports and settings jobs run by the worker, on SQLite and PostgreSQL: queued in the
transaction that creates them, retried when a try fails, marked FAILED with the error when
every try did; and what /health says about background work."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stagecoach.api.app import create_app
from stagecoach.library import Stagecoach, now_ms
from stagecoach.services.core import uow
from stagecoach.services.importing import imports
from stagecoach.services.lifecycle import backfill
from stagecoach.services.worker import handlers
from stagecoach.store.worker import work_items
from stagecoach.store.worker.work_items import WorkItem
from tests.conftest import pg_database_url
from tests.helpers import Acct, C, drain
from tests.integration.imports_helpers import start, write

CREATE_DEFAULT = {"createDefault": {"enabled": True, "stage": "lead"}}


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def _item(acct: Acct, kind: str, ref: int) -> WorkItem:
    found = uow.run_conn(acct.sc.engine, lambda conn: work_items.get(
        conn, acct.id, kind, ref), readonly=True)
    assert found is not None
    return found


def _retry_until_given_up(acct: Acct, kind: str, ref: int, clock: Clock) -> WorkItem:
    """Run the item's tries one by one, each when it is due; the item once it stopped."""
    w = handlers.worker(acct.sc.engine, clock)
    for _ in range(20):
        w.run_until_idle()
        found = _item(acct, kind, ref)
        if found.state != "PENDING":
            return found
        clock.now = max(clock.now, found.scheduled_for)
    raise AssertionError("the item was never given up")


def test_starting_an_import_or_a_settings_job_queues_its_work(acct: Acct, tmp_path: Path
                                                              ) -> None:
    iid = start(acct, write(tmp_path / "q.csv", "email\nq@example.test\n"))
    job = acct.in_unit(lambda ctx: backfill.start(ctx, CREATE_DEFAULT))
    for kind, ref in ((imports.KIND, iid), (backfill.KIND, int(job["id"]))):
        queued = _item(acct, kind, ref)
        assert (queued.state, queued.attempts, queued.leased_by) == ("PENDING", 0, None)


def test_a_settings_job_failing_every_try_is_retried_then_failed_with_its_error(
        acct: Acct, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = acct.contact()
    job = acct.in_unit(lambda ctx: backfill.start(ctx, CREATE_DEFAULT))
    jid = int(job["id"])
    tries: list[int] = []

    def boom(ctx: Any, *a: Any) -> Any:
        tries.append(ctx.account_id)
        raise RuntimeError("disk full")

    monkeypatch.setattr(backfill, "_stage_step", boom)
    clock = Clock(acct.now)
    w = handlers.worker(acct.sc.engine, clock)
    w.run_until_idle()
    # One failed try: the job still runs, its item waits for the next try.
    with acct.ctx_readonly() as ctx:
        assert backfill.get(ctx, jid)["state"] == "RUNNING"
    waiting = _item(acct, backfill.KIND, jid)
    assert waiting.attempts == 1 and waiting.scheduled_for > clock.now
    given_up = _retry_until_given_up(acct, backfill.KIND, jid, clock)
    assert given_up.state == "FAILED" and "disk full" in (given_up.last_error or "")
    assert tries.count(acct.id) == given_up.attempts == 8
    with acct.ctx_readonly() as ctx:
        out = backfill.get(ctx, jid)
    assert out["state"] == "FAILED" and "RuntimeError: disk full" in out["error"]
    assert acct.stage(C, cid) is None


def test_a_settings_job_whose_try_failed_once_resumes_and_finishes(
        acct: Acct, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backfill, "CHUNK", 2)
    ids = [acct.contact() for _ in range(5)]
    job = acct.in_unit(lambda ctx: backfill.start(ctx, CREATE_DEFAULT))
    jid = int(job["id"])
    real, calls = backfill._stage_step, []

    def second_chunk_fails_once(ctx: Any, *a: Any) -> Any:
        if ctx.account_id == acct.id:
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("connection reset")
        return real(ctx, *a)

    monkeypatch.setattr(backfill, "_stage_step", second_chunk_fails_once)
    clock = Clock(acct.now)
    w = handlers.worker(acct.sc.engine, clock)
    w.run_until_idle()
    with acct.ctx_readonly() as ctx:
        assert backfill.get(ctx, jid)["processed"] == 2  # the first chunk stays
    clock.now = _item(acct, backfill.KIND, jid).scheduled_for
    w.run_until_idle()
    with acct.ctx_readonly() as ctx:
        final = backfill.get(ctx, jid)
    assert (final["state"], final["processed"], final["total"]) == ("DONE", 5, 5)
    assert {acct.stage(C, i) for i in ids} == {"lead"}
    assert _item(acct, backfill.KIND, jid).state == "DONE"


def test_an_import_failing_every_try_is_marked_failed_with_the_error(
        acct: Acct, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    iid = start(acct, write(tmp_path / "f.csv", "email\nf@example.test\n"))
    real = imports.run

    def unreachable(engine: Any, account_id: int, import_id: int, *a: Any, **kw: Any) -> Any:
        if account_id == acct.id:
            raise ConnectionError("database went away")
        return real(engine, account_id, import_id, *a, **kw)

    monkeypatch.setattr(imports, "run", unreachable)
    given_up = _retry_until_given_up(acct, imports.KIND, iid, Clock(acct.now))
    assert given_up.state == "FAILED" and given_up.attempts == 8
    with acct.ctx_readonly() as ctx:
        found = imports.get(ctx, iid)
    assert found.state.value == "FAILED"
    assert found.failure == "ConnectionError: database went away"


def test_an_import_runs_through_the_worker(acct: Acct, tmp_path: Path) -> None:
    iid = start(acct, write(tmp_path / "w.csv", "email,lifecyclestage\nw@example.test,lead\n"))
    drain(acct.sc)
    with acct.ctx_readonly() as ctx:
        done = imports.get(ctx, iid)
    assert (done.state.value, done.created) == ("DONE", 1)
    assert _item(acct, imports.KIND, iid).state == "DONE"


def test_the_servers_worker_runs_a_settings_job_started_over_http(acct: Acct) -> None:
    ids = [acct.contact() for _ in range(3)]
    with TestClient(create_app(acct.sc)) as c:
        c.headers["Authorization"] = f"Bearer {acct.token}"
        r = c.post("/lifecycle/v1/settings/apply", json=CREATE_DEFAULT)
        assert r.status_code == 202, r.text
        deadline = time.monotonic() + 30
        while (job := c.get(f"/lifecycle/v1/jobs/{r.json()['id']}").json())["state"] \
                == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.05)
    assert (job["state"], job["processed"]) == ("DONE", 3)
    assert {acct.stage(C, i) for i in ids} == {"lead"}


@pytest.fixture(params=["sqlite", "postgres"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stagecoach]:
    """A database of its own: what /health reports covers every account."""
    url = (f"sqlite:///{tmp_path}/health.db" if request.param == "sqlite"
           else pg_database_url("health"))
    sc = Stagecoach(url)
    yield sc
    sc.close()


def test_health_reports_the_workers_heartbeat_and_how_long_due_work_has_waited(
        fresh: Stagecoach) -> None:
    acct = Acct.new(fresh)
    # Written now: the work it schedules for later (the feed's retention) is not due.
    acct.now = now_ms()
    acct.contact()
    c = TestClient(create_app(fresh, worker=False))
    assert c.get("/health").json()["worker"] == {
        "lastHeartbeat": None, "lastHeartbeatAgeSeconds": None, "oldestDueAgeSeconds": 0}
    # A job due 90 seconds ago that no worker has run yet.
    with fresh.unit(acct.id, now_ms() - 90_000) as ctx:
        backfill.start(ctx, CREATE_DEFAULT)
    waiting = c.get("/health").json()["worker"]
    assert waiting["lastHeartbeat"] is None and 90 <= waiting["oldestDueAgeSeconds"] < 150
    assert drain(fresh) == 1
    after = c.get("/health").json()
    assert after["status"] == "ok"
    assert after["worker"]["lastHeartbeat"] is not None
    assert 0 <= after["worker"]["lastHeartbeatAgeSeconds"] < 30
    assert after["worker"]["oldestDueAgeSeconds"] == 0
