"""`/settings/lifecycle-stages` over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import re

from fastapi.testclient import TestClient

from stagecoach.domain.objects import ObjectType
from stagecoach.library import Stagecoach
from stagecoach.services.auth import accounts
from stagecoach.store.core import db
from tests.helpers import Acct
from tests.web.client import PASSWORD, client, sign_in

C, CO = ObjectType.CONTACT, ObjectType.COMPANY
URL = "/settings/lifecycle-stages"
_n = itertools.count(1)


def _signed_in(sc: Stagecoach) -> tuple[Acct, TestClient, str]:
    made = sc.create_account("Stages Inc", f"stages{next(_n)}@stages.test", PASSWORD)
    c = client(sc)
    return Acct(sc, made.account_id), c, sign_in(c, made.admin_email)


def _order(acct: Acct) -> list[str]:
    with acct.ctx_readonly() as ctx:
        return list(ctx.catalog.stages.values)


def _value_of(acct: Acct, label: str) -> str:
    with acct.ctx_readonly() as ctx:
        return next(s.value for s in ctx.catalog.stages if s.label == label)


def test_the_stage_page_lists_labels_values_and_record_counts_in_order(
        sc: Stagecoach) -> None:
    acct, c, _ = _signed_in(sc)
    acct.contact("lead")
    acct.contact("lead")
    acct.company("lead")
    page = c.get(URL).text
    rows = re.findall(r'<tr data-stage="([^"]+)"', page)
    assert rows == _order(acct)
    lead_row = page.split('data-stage="lead"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r"<td>2</td>\s*<td>1</td>", lead_row)
    assert "<code>lead</code>" in lead_row
    assert 'href="/settings/lifecycle-stages"' in c.get("/settings/lifecycle").text


def test_an_admin_adds_renames_and_moves_a_stage_up_without_javascript(
        sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    assert c.post(f"{URL}/add", data={"label": "Trial", "csrf_token": token}
                  ).status_code == 303
    value = _value_of(acct, "Trial")
    assert _order(acct)[-1] == value
    c.post(f"{URL}/rename", data={"value": value, "label": "Free trial", "csrf_token": token})
    assert _value_of(acct, "Free trial") == value
    c.post(f"{URL}/move", data={"value": value, "direction": "up", "csrf_token": token})
    assert _order(acct)[-2] == value
    c.post(f"{URL}/move", data={"value": value, "position": "0", "csrf_token": token})
    assert _order(acct)[0] == value


def test_a_duplicate_label_is_refused_with_a_message_and_nothing_changes(
        sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    before = _order(acct)
    r = c.post(f"{URL}/add", data={"label": "Lead", "csrf_token": token})
    assert r.status_code == 303
    assert 'flash-error' in c.get(URL).text
    assert _order(acct) == before


def test_deleting_a_stage_in_use_is_refused_with_its_references_listed(
        sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    acct.contact("lead")
    acct.settings(createDefault={"enabled": True, "stage": "lead"})
    c.post(f"{URL}/delete", data={"value": "lead", "csrf_token": token})
    page = c.get(URL).text
    flash = page.split('data-testid="flash"', 1)[1].split("</div>", 1)[0]
    assert "cannot be deleted" in flash
    assert flash.count("<li>") >= 2  # the records and the setting, one line each
    assert "lead" in _order(acct)


def test_deleting_with_a_replacement_moves_every_record_in_one_audited_step(
        sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    a, b = acct.contact("marketingqualifiedlead"), acct.contact("marketingqualifiedlead")
    co = acct.company("marketingqualifiedlead")
    r = c.post(f"{URL}/delete", data={"value": "marketingqualifiedlead",
                                      "replacement": "salesqualifiedlead",
                                      "csrf_token": token})
    assert r.status_code == 303
    page = c.get(URL).text
    assert "3 records moved" in page, page.split("<main", 1)[1][:600]
    assert "marketingqualifiedlead" not in _order(acct)
    assert [acct.stage(C, a), acct.stage(C, b), acct.stage(CO, co)] == [
        "salesqualifiedlead"] * 3
    with acct.ctx_readonly() as ctx:
        ops = ctx.conn.exec_driver_sql(
            "SELECT DISTINCT op_id FROM property_history WHERE account_id = "
            f"{acct.id} AND property = 'lifecyclestage' AND value = 'salesqualifiedlead'"
        ).fetchall()
    assert len(ops) == 1


def test_members_read_the_stage_set_and_get_403_on_every_change(sc: Stagecoach) -> None:
    acct, _, _ = _signed_in(sc)
    member = f"member{next(_n)}@stages.test"
    with db.transaction(sc.engine) as conn:
        accounts.create_user(conn, acct.id, member, PASSWORD, "member", 0)
    c = client(sc)
    token = sign_in(c, member)
    page = c.get(URL).text
    assert "read-only" in page and "Add stage" not in page and "Delete" not in page
    before = _order(acct)
    for action, data in (("add", {"label": "X"}), ("move", {"value": "lead",
                                                          "direction": "up"}),
                         ("rename", {"value": "lead", "label": "Y"}),
                         ("delete", {"value": "lead", "replacement": "customer"})):
        assert c.post(f"{URL}/{action}", data={**data, "csrf_token": token}
                      ).status_code == 403
    assert _order(acct) == before


def test_a_stage_change_without_csrf_token_is_refused(sc: Stagecoach) -> None:
    acct, c, _ = _signed_in(sc)
    before = _order(acct)
    assert c.post(f"{URL}/add", data={"label": "Sneaky"}).status_code == 403
    assert _order(acct) == before
