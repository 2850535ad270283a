"""`/settings/lifecycle`: preview before and after saving, apply to existing records as a
job, and the job page; on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import itertools
import re
import time

from fastapi.testclient import TestClient

from stagecoach.domain.objects import ObjectType
from stagecoach.library import Stagecoach
from stagecoach.services.auth import accounts
from stagecoach.store.core import db
from tests.helpers import Acct, drain
from tests.web.client import PASSWORD, client, sign_in

C = ObjectType.CONTACT
URL = "/settings/lifecycle"
_n = itertools.count(1)


def _signed_in(sc: Stagecoach) -> tuple[Acct, TestClient, str]:
    made = sc.create_account("Backfill Inc", f"backfill{next(_n)}@backfill.test", PASSWORD)
    c = client(sc)
    return Acct(sc, made.account_id), c, sign_in(c, made.admin_email)


def _form(token: str, **extra: str) -> dict[str, str]:
    """The settings form as the page posts it with create-default on at Lead."""
    return {"csrf_token": token, "createDefault_enabled": "on", "createDefault_stage": "lead",
            "dealCreated_enabled": "on", "dealCreated_stage": "opportunity",
            "dealWon_enabled": "on", "dealWon_stage": "customer",
            "apiBackwardWrites": "ignore", **extra}


def _without_stage(acct: Acct, n: int) -> list[int]:
    return [acct.contact(None, email=f"none{i}@example.org") for i in range(n)]


def _wait_done(c: TestClient, url: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        page = c.get(url).text
        if 'data-state="RUNNING"' not in page or time.monotonic() > deadline:
            return page
        assert 'http-equiv="refresh"' in page
        time.sleep(0.2)


def test_preview_before_saving_lists_the_records_and_saves_nothing(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    acct.settings(createDefault={"enabled": False, "stage": "subscriber"},
                  autoAssociateCompaniesByDomain=False)
    ids = _without_stage(acct, 3)
    r = c.post(f"{URL}/preview", data=_form(token))
    assert r.status_code == 200
    page = html.unescape(r.text)
    section = page[page.index('data-testid="backfill-preview"'):page.index("</section>")]
    assert re.search(r"would change <strong>3</strong> records", section), section[:900]
    assert all(f'href="/contacts/{i}"' in section for i in ids)
    assert "Save and apply to existing records" in section
    assert acct.settings()["createDefault"]["enabled"] is False
    assert [acct.stage(C, i) for i in ids] == [None] * 3


def test_saving_shows_the_preview_and_apply_moves_the_records_through_a_job(
        sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    acct.settings(createDefault={"enabled": False, "stage": "subscriber"},
                  autoAssociateCompaniesByDomain=False)
    ids = _without_stage(acct, 2)
    r = c.post(URL, data=_form(token))
    assert r.status_code == 303 and r.headers["location"] == f"{URL}?apply=createDefault"
    raw = c.get(r.headers["location"]).text
    assert re.search(r"would change <strong>2</strong> records", raw)
    body = re.search(r'name="apply_body" value="([^"]+)"', raw)
    assert body
    r = c.post(f"{URL}/apply", data={"csrf_token": token,
                                     "apply_body": html.unescape(body.group(1))})
    assert r.status_code == 303 and "/jobs/" in r.headers["location"]
    drain(sc)
    done = _wait_done(c, r.headers["location"])
    assert 'data-state="DONE"' in done and "2 of 2 records processed" in done
    assert [acct.stage(C, i) for i in ids] == ["lead", "lead"]


def test_a_change_that_moves_no_record_shows_no_apply_button(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    c.post(URL, data=_form(token))
    r = c.post(URL, data=_form(token, apiBackwardWrites="reject"))
    assert r.headers["location"] == URL
    assert "Apply to existing records" not in c.get(URL).text


def test_members_cannot_preview_or_apply(sc: Stagecoach) -> None:
    acct, _, _ = _signed_in(sc)
    acct.settings(createDefault={"enabled": False, "stage": "subscriber"},
                  autoAssociateCompaniesByDomain=False)
    ids = _without_stage(acct, 1)
    member = f"member{next(_n)}@backfill.test"
    with db.transaction(sc.engine) as conn:
        accounts.create_user(conn, acct.id, member, PASSWORD, "member", 0)
    c = client(sc)
    token = sign_in(c, member)
    assert c.post(f"{URL}/preview", data=_form(token)).status_code == 403
    body = '{"createDefault": {"enabled": true, "stage": "lead"}}'
    assert c.post(f"{URL}/apply", data={"csrf_token": token, "apply_body": body}
                  ).status_code == 403
    assert c.post(f"{URL}/apply", data={"apply_body": body}).status_code == 403
    assert acct.stage(C, ids[0]) is None
