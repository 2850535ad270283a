"""The command line's setup path, as an operator runs it: init, token, serve, /health."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from stagecoach.library import now_ms
from stagecoach.services.core import uow
from tests.conftest import pg_database_url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stagecoach(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stagecoach", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/cli.db"
    return pg_database_url("cli").replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def initialised(database_url: str) -> dict[str, object]:
    done = stagecoach("init", "--database-url", database_url, "--json", "--name", "Acme")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_init_json_prints_account_token_and_admin_login(initialised: dict[str, object]
                                                        ) -> None:
    assert set(initialised) == {"account_id", "token", "admin_email", "admin_password"}
    assert str(initialised["token"]).startswith(f"sc-{initialised['account_id']}-")


@pytest.fixture
def server(database_url: str, initialised: dict[str, object]) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "stagecoach", "serve", "--database-url",
                             database_url, "--port", str(port)],
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


def test_serve_answers_health_without_authentication(server: str, database_url: str) -> None:
    body = httpx.get(server + "/health").json()
    assert body["status"] == "ok"
    assert body["version"]
    assert body["database"] == {"status": "ok",
                                "dialect": "sqlite" if "sqlite" in database_url
                                else "postgresql"}


def test_unknown_route_answers_in_hubspot_error_shape(server: str) -> None:
    r = httpx.get(server + "/no/such/route")
    assert r.status_code == 404
    body = r.json()
    assert body["status"] == "error" and body["category"] == "OBJECT_NOT_FOUND"
    assert body["correlationId"] and body["errors"]


def test_token_create_makes_a_token_that_authenticates(database_url: str,
                                                       initialised: dict[str, object]) -> None:
    from stagecoach.library import Stagecoach
    from stagecoach.services.auth import accounts

    done = stagecoach("token", "create", "--account-id", str(initialised["account_id"]),
                      "--scopes", "crm.objects.contacts.read", "--database-url", database_url)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    sc = Stagecoach(database_url, upgrade=False)
    found = uow.run_conn(sc.engine, lambda c: accounts.authenticate_token(c, token, now_ms()))
    sc.close()
    assert found is not None
    assert found.scopes == frozenset({"crm.objects.contacts.read"})


def test_token_create_refuses_unknown_scopes(database_url: str,
                                             initialised: dict[str, object]) -> None:
    done = stagecoach("token", "create", "--account-id", str(initialised["account_id"]),
                      "--scopes", "crm.everything", "--database-url", database_url)
    assert done.returncode != 0
    assert "Unknown scopes" in done.stderr + done.stdout


def test_tokens_are_listed_with_their_state_and_revoked_from_the_command_line(
        database_url: str, initialised: dict[str, object]) -> None:
    account = str(initialised["account_id"])
    done = stagecoach("token", "create", "--account-id", account, "--integration",
                      "salesforce", "--expires-in-days", "30", "--database-url", database_url)
    assert done.returncode == 0, done.stderr
    listed = stagecoach("token", "list", "--account-id", account, "--json",
                        "--database-url", database_url)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    mine = [r for r in rows if r["integration"] == "salesforce"]
    assert len(mine) == 1 and mine[0]["state"] == "live" and mine[0]["expiresAt"]
    revoked = stagecoach("token", "revoke", str(mine[0]["id"]), "--account-id", account,
                         "--database-url", database_url)
    assert revoked.returncode == 0, revoked.stderr
    again = stagecoach("token", "list", "--account-id", account, "--json",
                       "--database-url", database_url)
    states = {json.loads(line)["id"]: json.loads(line)["state"]
              for line in again.stdout.splitlines()}
    assert states[mine[0]["id"]] == "revoked"
    twice = stagecoach("token", "revoke", str(mine[0]["id"]), "--account-id", account,
                       "--database-url", database_url)
    assert twice.returncode != 0 and "no live token" in twice.stderr + twice.stdout
