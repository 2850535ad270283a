"""Background work as an operator runs it (automation spec rules 79-80): `stagecoach serve`
runs a worker, `serve --no-worker` leaves queued work to `stagecoach worker`, and `/health`
says whether a worker is alive and how long due work has waited."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import pg_database_url
from tests.e2e.test_cli_setup import free_port, stagecoach


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/worker.db"
    return pg_database_url("cli_worker").replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def token(database_url: str) -> str:
    done = stagecoach("init", "--database-url", database_url, "--json", "--name", "Acme")
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["token"])


@contextmanager
def serving(database_url: str, *flags: str) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "stagecoach", "serve", "--database-url",
                             database_url, "--port", str(port), *flags],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def _worker_health(base: str) -> dict[str, Any]:
    return dict(httpx.get(base + "/health").json()["worker"])


def test_serve_runs_a_worker_whose_heartbeat_health_reports(database_url: str, token: str
                                                            ) -> None:
    with serving(database_url) as base:
        deadline = time.monotonic() + 15
        while _worker_health(base)["lastHeartbeat"] is None:
            assert time.monotonic() < deadline, "no heartbeat"
            time.sleep(0.1)
        assert _worker_health(base)["lastHeartbeatAgeSeconds"] < 15


def test_serve_without_a_worker_leaves_queued_work_to_stagecoach_worker_once(
        database_url: str, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    body = {"createDefault": {"enabled": True, "stage": "lead"}}
    with serving(database_url, "--no-worker") as base:
        r = httpx.post(base + "/lifecycle/v1/settings/apply", json=body, headers=auth)
        assert r.status_code == 202, r.text
        job_url = f"{base}/lifecycle/v1/jobs/{r.json()['id']}"
        time.sleep(2.5)  # longer than a running worker may take to start it
        assert httpx.get(job_url, headers=auth).json()["state"] == "RUNNING"
        waiting = _worker_health(base)
        assert waiting["lastHeartbeat"] is None and waiting["oldestDueAgeSeconds"] >= 2
        done = stagecoach("worker", "--once", "--database-url", database_url)
        assert done.returncode == 0, done.stderr
        assert "Ran 1 work items" in done.stderr
        assert httpx.get(job_url, headers=auth).json()["state"] == "DONE"
        assert _worker_health(base)["oldestDueAgeSeconds"] == 0
