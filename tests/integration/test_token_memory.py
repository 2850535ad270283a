"""A server process remembers the tokens it authenticated (api/auth.py), yet a token revoked
or given other scopes, even by hand in the database, is refused by the next request."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, update

from stagecoach.services.auth.accounts import hash_token
from stagecoach.services.core import uow
from stagecoach.store.auth import accounts
from stagecoach.store.records import records as record_store
from stagecoach.store.schema import api_tokens
from tests.helpers import Acct, C, bearer

CONTACTS = "/crm/v3/objects/contacts"


def _token_id(acct: Acct) -> int:
    found = uow.run_conn(acct.sc.engine, lambda conn: accounts.find_token(
        conn, acct.id, hash_token(acct.token), acct.now))
    assert found is not None
    return found.id


def _create(client: TestClient, acct: Acct, email: str) -> Any:
    return client.post(CONTACTS, headers=bearer(acct), json={"properties": {"email": email}})


def test_a_remembered_token_needs_no_transaction_of_its_own(
        client: TestClient, acct: Acct) -> None:
    assert _create(client, acct, "first@example.test").status_code == 201
    begins: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("BEGIN") or "api_tokens" in statement:
            begins.append(statement)

    event.listen(acct.sc.engine, "before_cursor_execute", listener)
    try:
        assert _create(client, acct, "second@example.test").status_code == 201
    finally:
        event.remove(acct.sc.engine, "before_cursor_execute", listener)
    # One token statement, inside the unit of work (on SQLite, after its only BEGIN).
    assert [s for s in begins if "api_tokens" in s] == [begins[-1]]
    assert len([s for s in begins if s.startswith("BEGIN")]) <= 1


def test_a_token_revoked_after_use_is_refused_by_the_next_request(
        client: TestClient, acct: Acct) -> None:
    assert _create(client, acct, "before@example.test").status_code == 201
    assert client.get(CONTACTS, headers=bearer(acct)).status_code == 200
    tid = _token_id(acct)
    uow.run_conn(acct.sc.engine,
                          lambda conn: accounts.revoke_token(conn, acct.id, tid, acct.now))
    r = _create(client, acct, "after@example.test")
    assert r.status_code == 401, r.text
    assert r.json()["category"] == "INVALID_AUTHENTICATION"
    assert client.get(CONTACTS, headers=bearer(acct)).status_code == 401
    # An error that would come before the unit of work is still a 401 first.
    bad = client.post(CONTACTS, headers={**bearer(acct), "Content-Type": "application/json"},
                      content=b"{not json")
    assert bad.status_code == 401
    # Nothing was written for the refused request.
    found = uow.run_conn(acct.sc.engine, lambda conn: record_store.find_by(
        conn, acct.id, C, "email", ["after@example.test"]))
    assert found == {}


def test_a_revoked_token_answers_401_before_a_bad_body_or_a_missing_scope(
        client: TestClient, acct: Acct) -> None:
    assert _create(client, acct, "seen@example.test").status_code == 201
    tid = _token_id(acct)
    uow.run_conn(acct.sc.engine, lambda conn: conn.execute(
        update(api_tokens).where(api_tokens.c.account_id == acct.id, api_tokens.c.id == tid)
        .values(revoked_at=acct.now)))
    bad = client.post(CONTACTS, headers={**bearer(acct), "Content-Type": "application/json"},
                      content=b"{not json")
    assert bad.status_code == 401


def test_scopes_changed_in_the_database_apply_to_the_next_request(
        client: TestClient, acct: Acct) -> None:
    assert _create(client, acct, "scoped@example.test").status_code == 201
    tid = _token_id(acct)
    uow.run_conn(acct.sc.engine, lambda conn: conn.execute(
        update(api_tokens).where(api_tokens.c.account_id == acct.id, api_tokens.c.id == tid)
        .values(scopes="crm.objects.contacts.read")))
    r = _create(client, acct, "denied@example.test")
    assert r.status_code == 403, r.text
    assert client.get(CONTACTS, headers=bearer(acct)).status_code == 200
    bad = client.post(CONTACTS, headers={**bearer(acct), "Content-Type": "application/json"},
                      content=b"{not json")
    assert bad.status_code == 403
