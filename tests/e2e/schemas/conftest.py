"""A real Stagecoach server process for the schema routes' SDK tests, on SQLite and on
PostgreSQL: uvicorn in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from stagecoach.library import Stagecoach
from tests.conftest import pg_database_url

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class SchemaServer:
    base_url: str
    sc: Stagecoach  # the same database, in-process, to set up accounts and check results


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not become healthy:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def schema_server(request: pytest.FixtureRequest, tmp_root: str) -> Iterator[SchemaServer]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_root}/schemas_e2e.db"
    else:
        url = pg_database_url("schemas_e2e")
    sc = Stagecoach(url)  # migrates before the server starts
    port = _free_port()
    log = Path(tmp_root) / f"schemas_server_{request.param}.log"
    env = {**os.environ, "STAGECOACH_DATABASE_URL": url,
           "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "stagecoach.api.asgi:app_factory", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, log)
        yield SchemaServer(base, sc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        sc.close()
