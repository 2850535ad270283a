"""A REAL server process per database (SQLite file, PostgreSQL), started once per session,
and a fresh account with an all-scopes token for each test.

    def test_something(server: Server) -> None:
        client = server.sdk()          # hubspot.HubSpot(access_token=..., host=...)
        httpx.get(server.url("/crm/v3/objects/contacts"), headers=server.headers)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from stagecoach.library import Stagecoach
from stagecoach.services.core import uow
from tests.conftest import pg_database_url

SRC = Path(__file__).resolve().parents[2] / "src"
_accounts = iter(range(1, 10**9))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A `stagecoach serve` process on a database."""

    base_url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    sc: Stagecoach = field(init=False)

    def __post_init__(self) -> None:
        self.sc = Stagecoach(self.database_url, upgrade=False)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.sc.close()


def start_server(database_url: str, log_dir: Path, *, workers: int = 1,
                 env: dict[str, str] | None = None) -> LiveServer:
    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    full_env = {**os.environ, "PYTHONPATH": str(SRC), "STAGECOACH_RATE_LIMIT": "100000",
                **(env or {})}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "stagecoach", "serve", "--database-url", database_url,
             "--port", str(port), "--workers", str(workers)],
            stdout=log, stderr=subprocess.STDOUT, env=full_env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()[-3000:]}")
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return LiveServer(base, database_url, proc, log_path)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not start: {log_path.read_text()[-3000:]}")


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def live_server(request: pytest.FixtureRequest, tmp_root: str) -> Iterator[LiveServer]:
    url = (f"sqlite:///{tmp_root}/e2e.db" if request.param == "sqlite"
           else pg_database_url("e2e"))
    srv = start_server(url, Path(tmp_root))
    yield srv
    srv.stop()


@dataclass
class Server:
    """One fresh account on a live server."""

    base_url: str
    token: str
    account_id: int
    live: LiveServer

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def url(self, path: str) -> str:
        return self.base_url + path

    def sdk(self, token: str | None = None) -> Any:
        import hubspot

        return hubspot.HubSpot(access_token=token or self.token, host=self.base_url)

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=self.headers, timeout=30)

    def new_account(self) -> Server:
        return new_account(self.live)


def new_account(live: LiveServer) -> Server:
    """An account and an all-scopes token (no web user: hashing its password would cost
    most of a test's time)."""
    from stagecoach.library import now_ms
    from stagecoach.services.auth import accounts
    from stagecoach.store.auth import accounts as account_store

    n = next(_accounts)

    def make(conn: Any) -> tuple[int, str]:
        aid = account_store.create_account(conn, f"E2E {n}", now_ms())
        return aid, accounts.create_token(conn, aid, "e2e", accounts.ALL_SCOPES, now_ms())

    account_id, token = uow.run_conn(live.sc.engine, make)
    return Server(live.base_url, token, account_id, live)


@pytest.fixture
def server(live_server: LiveServer) -> Server:
    return new_account(live_server)
