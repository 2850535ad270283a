"""Integrations (automation spec rules 76-77) and the life of a token: an integration's
token writes with the integration as source, a new contact it creates is a Lead, its stage
writes are forward-only and may clear; tokens expire and remember their last use."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from stagecoach.services.auth import accounts
from stagecoach.services.core import uow
from tests.helpers import Acct, C

DAY = 86_400_000


def _token(acct: Acct, integration: str | None, expires_at: int | None = None) -> str:
    from stagecoach.library import now_ms

    return uow.run_conn(acct.sc.engine, lambda conn: accounts.create_token(
        conn, acct.id, integration or "plain", accounts.ALL_SCOPES, now_ms(),
        integration=integration, expires_at=expires_at))


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _stage_history(client: TestClient, cid: str, token: str) -> list[dict[str, Any]]:
    r = client.get(f"/crm/v3/objects/contacts/{cid}",
                   params={"propertiesWithHistory": "lifecyclestage"}, headers=_as(token))
    return list(r.json()["propertiesWithHistory"]["lifecyclestage"])


def test_an_integrations_new_contact_is_a_lead_with_the_integration_as_source(
        acct: Acct, client: TestClient) -> None:
    token = _token(acct, "hubsync")
    r = client.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "Ada"}},
                    headers=_as(token))
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["lifecyclestage"] == "lead"
    first = _stage_history(client, r.json()["id"], token)[-1]
    assert (first["sourceType"], first["sourceId"]) == ("INTEGRATION", "hubsync")


def test_the_salesforce_integration_writes_as_salesforce(acct: Acct, client: TestClient
                                                         ) -> None:
    token = _token(acct, "salesforce")
    r = client.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "Sal"}},
                    headers=_as(token))
    newest = _stage_history(client, r.json()["id"], token)[0]
    assert (newest["sourceType"], newest["sourceId"]) == ("SALESFORCE", "salesforce")


def test_an_integrations_stage_writes_are_forward_only_and_may_clear(
        acct: Acct, client: TestClient) -> None:
    token = _token(acct, "hubsync")
    cid = acct.contact("customer")
    back = client.patch(f"/crm/v3/objects/contacts/{cid}",
                        json={"properties": {"lifecyclestage": "lead"}}, headers=_as(token))
    assert back.status_code == 200
    assert acct.stage(C, cid) == "customer"
    cleared = client.patch(f"/crm/v3/objects/contacts/{cid}",
                           json={"properties": {"lifecyclestage": ""}}, headers=_as(token))
    assert cleared.status_code == 200, cleared.text
    assert acct.stage(C, cid) is None


def test_an_expired_token_is_refused_even_when_the_server_remembers_it(
        acct: Acct, client: TestClient) -> None:
    from stagecoach.library import now_ms

    token = _token(acct, None, expires_at=now_ms() + DAY)
    assert client.get("/crm/v3/objects/contacts", headers=_as(token)).status_code == 200
    # A day passes: the expiry is moved to the past rather than waited for.
    acct.in_unit(lambda ctx: ctx.conn.exec_driver_sql(
        f"UPDATE api_tokens SET expires_at = {now_ms() - 1} "
        f"WHERE account_id = {acct.id} AND name = 'plain'"))
    r = client.get("/crm/v3/objects/contacts", headers=_as(token))
    assert r.status_code == 401, r.text


def test_a_token_remembers_when_it_was_last_used(acct: Acct, client: TestClient) -> None:
    token = _token(acct, None)
    before = uow.run_conn(acct.sc.engine, lambda c: accounts.tokens(c, acct.id))
    assert all(t.last_used_at is None for t in before if t.name == "plain")
    client.get("/crm/v3/objects/contacts", headers=_as(token))
    after = uow.run_conn(acct.sc.engine, lambda c: accounts.tokens(c, acct.id))
    assert [t.last_used_at is not None for t in after if t.name == "plain"] == [True]
