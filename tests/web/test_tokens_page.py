"""The API tokens page (issue 20, point 6): admins see every token with its state and last
use, create one (shown once) that works at once, and revoke one; members cannot."""

from __future__ import annotations

import itertools
import re

from stagecoach.library import Stagecoach
from stagecoach.services.auth import accounts
from stagecoach.services.core import uow
from tests.web.client import PASSWORD, client, csrf_of, sign_in

_n = itertools.count(1)


def test_an_admin_creates_a_token_that_works_and_revokes_it(sc: Stagecoach) -> None:
    made = sc.create_account("Tokens Inc", f"tok{next(_n)}@tokens.test", PASSWORD)
    c = client(sc)
    token = sign_in(c, made.admin_email)
    page = c.post("/settings/tokens", data={
        "csrf_token": token, "name": "Nightly", "integration": "salesforce",
        "expires_days": "30", "scope": ["crm.objects.contacts.read"]})
    assert page.status_code == 200
    shown = re.search(r'data-testid="new-token-value">([^<]+)<', page.text)
    assert shown is not None
    api = c.get("/crm/v3/objects/contacts", headers={"Authorization": f"Bearer {shown[1]}"})
    assert api.status_code == 200
    assert c.get("/crm/v3/objects/companies",
                 headers={"Authorization": f"Bearer {shown[1]}"}).status_code == 403
    listed = uow.run_conn(sc.engine, lambda conn: accounts.tokens(conn, made.account_id))
    mine = next(t for t in listed if t.name == "Nightly")
    assert mine.integration == "salesforce" and mine.expires_at is not None
    again = c.get("/settings/tokens")
    assert "Nightly" in again.text and shown[1] not in again.text
    r = c.post(f"/settings/tokens/{mine.id}/revoke", data={"csrf_token": csrf_of(again.text)})
    assert r.status_code == 303
    assert c.get("/crm/v3/objects/contacts",
                 headers={"Authorization": f"Bearer {shown[1]}"}).status_code == 401


def test_members_cannot_see_or_make_tokens(sc: Stagecoach) -> None:
    made = sc.create_account("Members Inc", f"mem{next(_n)}@tokens.test", PASSWORD)
    email = f"member{next(_n)}@tokens.test"
    uow.run_conn(sc.engine, lambda conn: accounts.create_user(
        conn, made.account_id, email, PASSWORD, "member", 0))
    c = client(sc)
    token = sign_in(c, email)
    assert c.get("/settings/tokens").status_code == 403
    assert c.post("/settings/tokens", data={"csrf_token": token, "name": "x",
                                            "scope": ["crm.objects.contacts.read"]}
                  ).status_code == 403
