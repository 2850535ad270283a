"""Api spec section 2: the server logs the correlation id of every error."""

from __future__ import annotations

import time

from tests.e2e.conftest import Server


def test_a_served_error_leaves_its_correlation_id_in_the_server_log(server: Server) -> None:
    with server.http() as http:
        r = http.get("/crm/v3/objects/contacts/987654321")
    assert r.status_code == 404
    cid = r.json()["correlationId"]
    deadline = time.time() + 5
    while cid not in server.live.log_path.read_text() and time.time() < deadline:
        time.sleep(0.05)
    assert cid in server.live.log_path.read_text()
