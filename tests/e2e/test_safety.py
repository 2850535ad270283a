"""Safety (api spec §9): rate limits across server processes, idempotency keys, body and
string size limits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import pg_database_url
from tests.e2e.conftest import LiveServer, Server, new_account, start_server

LIMIT = 20
DAILY = 1000  # a block of one permit: every request is counted in the database


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def strict_server(request: pytest.FixtureRequest, tmp_root: str) -> Iterator[LiveServer]:
    """Two server processes sharing one database, with a low rate limit and body limit."""
    url = (f"sqlite:///{tmp_root}/strict.db" if request.param == "sqlite"
           else pg_database_url("strict"))
    srv = start_server(url, Path(tmp_root), workers=2,
                       env={"STAGECOACH_RATE_LIMIT": str(LIMIT),
                            "STAGECOACH_DAILY_RATE_LIMIT": str(DAILY),
                            "STAGECOACH_MAX_BODY_BYTES": "20000"})
    yield srv
    srv.stop()


def _fresh_window() -> None:
    """Wait for the start of a 10-second window so a burst falls inside one."""
    while time.time() % 10 > 0.5:
        time.sleep(0.05)


def _burst(s: Server) -> list[httpx.Response] | None:
    """2 x LIMIT concurrent reads inside one 10-second window (None if the machine was too
    slow to finish the burst before the window ended)."""
    _fresh_window()
    start = time.time()
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(
            lambda _: httpx.get(s.url("/crm/v3/objects/contacts"), headers=s.headers,
                                timeout=30), range(2 * LIMIT)))
    same_window = int(start // 10) == int(time.time() // 10)
    return responses if same_window else None


def test_rate_limit_holds_across_processes_with_429_and_headers(
        strict_server: LiveServer) -> None:
    for _ in range(3):
        responses = _burst(new_account(strict_server))
        if responses is not None:
            break
    else:
        pytest.skip("the machine was too slow to send a burst within one window")
    ok = [r for r in responses if r.status_code == 200]
    limited = [r for r in responses if r.status_code == 429]
    assert len(ok) + len(limited) == 2 * LIMIT
    # never more than the limit, whichever process answered
    assert len(ok) <= LIMIT
    assert len(ok) >= LIMIT - 2  # at most one unspent lease block per process
    r = limited[0]
    assert r.json()["category"] == "RATE_LIMITS"
    assert 1 <= int(r.headers["Retry-After"]) <= 10
    assert r.headers["X-HubSpot-RateLimit-Max"] == str(LIMIT)
    assert r.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert "X-HubSpot-RateLimit-Remaining" in ok[0].headers
    # another token has its own allowance
    other = new_account(strict_server)
    assert httpx.get(other.url("/crm/v3/objects/contacts"),
                     headers=other.headers).status_code == 200


def test_body_over_the_configured_size_is_413(strict_server: LiveServer) -> None:
    s = new_account(strict_server)
    r = httpx.post(s.url("/crm/v3/objects/contacts"), headers=s.headers,
                   json={"properties": {"firstname": "x" * 30000}})
    assert r.status_code == 413 and r.json()["category"] == "PAYLOAD_TOO_LARGE"

    def chunks() -> Iterator[bytes]:
        yield b'{"properties": {"firstname": "'
        for _ in range(30):
            yield b"x" * 1000
        yield b'"}}'

    r = httpx.post(s.url("/crm/v3/objects/contacts"), headers=s.headers, content=chunks())
    assert r.status_code == 413


def test_string_longer_than_the_maximum_is_400(server: Server) -> None:
    with server.http() as http:
        r = http.post("/crm/v3/objects/contacts",
                      json={"properties": {"firstname": "x" * 70000}})
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "VALUE_TOO_LONG"


def test_idempotency_key_replays_the_first_response_and_writes_once(server: Server) -> None:
    body = {"properties": {"email": "once@example.test"}}
    with server.http() as http:
        first = http.post("/crm/v3/objects/contacts", json=body,
                          headers={"Idempotency-Key": "k-1"})
        again = http.post("/crm/v3/objects/contacts", json=body,
                          headers={"Idempotency-Key": "k-1"})
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        listed = http.get("/crm/v3/objects/contacts").json()["results"]
        assert len(listed) == 1
        other = http.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "z"}},
                          headers={"Idempotency-Key": "k-1"})
        assert other.status_code == 409 and other.json()["category"] == "CONFLICT"


def test_idempotent_batch_create_retried_concurrently_writes_once(server: Server) -> None:
    body = {"inputs": [{"properties": {"firstname": f"n{i}"}} for i in range(20)]}

    def send(_: int) -> httpx.Response:
        return httpx.post(server.url("/crm/v3/objects/contacts/batch/create"), json=body,
                          headers={**server.headers, "Idempotency-Key": "batch-1"},
                          timeout=60)

    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(send, range(4)))
    assert {r.status_code for r in responses} == {201}
    assert len({tuple(x["id"] for x in r.json()["results"]) for r in responses}) == 1
    with server.http() as http:
        r = http.post("/crm/v3/objects/contacts/search", json={"limit": 0})
    assert r.json()["total"] == 20


def test_without_a_key_a_retry_creates_again(server: Server) -> None:
    with server.http() as http:
        for _ in range(2):
            http.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "t"}})
        assert len(http.get("/crm/v3/objects/contacts").json()["results"]) == 2


def test_daily_limit_headers_count_the_account_across_processes(
        strict_server: LiveServer) -> None:
    s = new_account(strict_server)
    _fresh_window()
    seen = []
    for _ in range(6):  # the two processes answer in turn, sharing one count
        r = httpx.get(s.url("/crm/v3/objects/contacts"), headers=s.headers, timeout=30)
        assert r.status_code == 200
        assert r.headers["X-HubSpot-RateLimit-Daily"] == str(DAILY)
        assert r.headers["X-HubSpot-RateLimit-Max"] == str(LIMIT)
        assert r.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        seen.append(int(r.headers["X-HubSpot-RateLimit-Daily-Remaining"]))
    assert seen == list(range(DAILY - 1, DAILY - 7, -1))
