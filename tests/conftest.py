"""Shared fixtures: every integration test runs on SQLite and on PostgreSQL.

Each test gets a fresh account in a database migrated once per session; accounts share
nothing, so this is as isolated as a fresh database and much faster.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from stagecoach.library import Stagecoach
from tests.helpers import Acct

# Apps built in tests read their rate limit from the environment; tests that are about
# rate limiting set their own. Others must not trip over HubSpot's 190 per 10 seconds.
os.environ.setdefault("STAGECOACH_RATE_LIMIT", "100000")

PG_ADMIN_URL = os.environ.get(
    "STAGECOACH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pg_database_url(name: str) -> str:
    """A fresh PostgreSQL database for this test process."""
    # Named by worker and checkout, so parallel runs (xdist, other worktrees) never meet.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    where = hashlib.sha1(os.getcwd().encode()).hexdigest()[:8]
    db_name = f"stagecoach_{name}_{worker}_{where}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + db_name


@pytest.fixture(scope="session")
def tmp_root() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="stagecoach-tests-") as d:
        yield d


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def sc(request: pytest.FixtureRequest, tmp_root: str) -> Iterator[Stagecoach]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_root}/suite.db"
    else:
        url = pg_database_url("suite")
    instance = Stagecoach(url)
    yield instance
    instance.close()


@pytest.fixture
def acct(sc: Stagecoach) -> Acct:
    return Acct.new(sc)


@pytest.fixture
def client(acct: Acct) -> Iterator[TestClient]:
    """The API in process, every request carrying the account's token unless it sends
    its own. The rate limiter leases permits once per block of requests; it is left out
    so that every request is alike (statement counts, token checks). So is the embedded
    worker: a test runs background work when it means to (`tests.helpers.drain`)."""
    from stagecoach.api.app import create_app

    app = create_app(acct.sc, worker=False)
    app.state.ratelimiter = None
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {acct.token}"
        yield c
