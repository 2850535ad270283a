"""A real server process (uvicorn) on a free loopback port, on SQLite and on PostgreSQL,
driven by Debian's Chromium through Playwright. Never downloads a browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stagecoach.library import Stagecoach
from tests.conftest import pg_database_url

ROOT = Path(__file__).resolve().parents[2]
# Every browser run takes its screenshots; the committed ones in docs/screenshots/ are
# refreshed only on request (STAGECOACH_UPDATE_SCREENSHOTS=1), so a test run leaves the
# checkout clean.
SCREENSHOTS = (ROOT / "docs" / "screenshots" if os.environ.get("STAGECOACH_UPDATE_SCREENSHOTS")
               else Path(os.environ.get("TMPDIR", "/tmp")) / "stagecoach-screenshots")
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"


@dataclass
class Server:
    url: str
    sc: Stagecoach
    db: str  # "sqlite" or "postgres"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited:\n" + log.read_text()[-3000:])
        try:
            with urllib.request.urlopen(url + "/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start:\n" + log.read_text()[-3000:])


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp(f"web-{request.param}")
    url = (f"sqlite:///{tmp}/web.db" if request.param == "sqlite"
           else pg_database_url("browser"))
    sc = Stagecoach(url)  # migrates before the server starts
    port = _free_port()
    log = tmp / "server.log"
    env = {**os.environ, "STAGECOACH_DATABASE_URL": url,
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "stagecoach.api.asgi:app_factory", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=str(tmp))
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, proc, log)
        yield Server(base, sc, request.param)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        sc.close()


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("run tools/ensure-chromium.sh to install Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1360, "height": 860})  # type: ignore[attr-defined]
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


def shoot(page: object, server: Server, name: str) -> None:
    """Screenshots of every page, once (from the SQLite run), kept small."""
    if server.db != "sqlite":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))  # type: ignore[attr-defined]
