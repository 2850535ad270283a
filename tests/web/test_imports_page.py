"""`/imports` over HTTP on SQLite and PostgreSQL: upload, mapping with a preview, start,
progress and the error rows as CSV."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from fastapi.testclient import TestClient

from stagecoach.domain.objects import ObjectType
from stagecoach.library import Stagecoach
from stagecoach.services.importing import imports
from stagecoach.store.records import records
from tests.helpers import Acct, drain
from tests.web.client import PASSWORD, client, csrf_of, sign_in

C = ObjectType.CONTACT
_n = itertools.count(1)
CSV = ("Email,First Name,Lifecycle Stage\r\n"
       "ann@imp.test,Ann,lead\r\n"
       "bob@imp.test,Bob,\r\n"
       "carl@imp.test,Carl,notastage\r\n")


def _signed_in(sc: Stagecoach) -> tuple[Acct, TestClient, str]:
    made = sc.create_account("Imports Inc", f"imports{next(_n)}@imports.test", PASSWORD)
    c = client(sc)
    token = sign_in(c, made.admin_email)
    return Acct(sc, made.account_id), c, token


def _upload(c: TestClient, token: str, body: str = CSV) -> str:
    r = c.post("/imports/upload", data={"objectType": "contacts", "csrf_token": token},
               files={"file": ("people.csv", body.encode(), "text/csv")})
    assert r.status_code == 200, r.text[:1000]
    return r.text


def _form_of(page: str) -> list[tuple[str, str]]:
    """The mapping form as a browser would post it, keeping the guessed mappings."""
    data = [("csrf_token", csrf_of(page))]
    data += re.findall(r'<input type="hidden" name="(file_token|objectType|column)" '
                       r'value="([^"]*)"', page)
    for select in re.findall(r'<select name="property".*?</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select)
        data.append(("property", chosen.group(1) if chosen else ""))
    return data


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


def test_the_mapping_step_previews_rows_and_guesses_properties(sc: Stagecoach) -> None:
    _, c, token = _signed_in(sc)
    page = _upload(c, token)
    assert "ann@imp.test" in page and "Carl" in page
    form = dict(_form_of(page))
    assert form["objectType"] == "contacts"
    props = [v for k, v in _form_of(page) if k == "property"]
    assert props == ["email", "firstname", "lifecyclestage"]


def test_an_import_runs_and_its_error_rows_download_as_csv(sc: Stagecoach) -> None:
    acct, c, token = _signed_in(sc)
    page = _upload(c, token)
    data = [*_form_of(page), ("defaultStage", "subscriber")]
    r = c.post("/imports", data=_multi(data))
    assert r.status_code == 303, r.text[-3000:]
    location = str(r.headers["location"])
    drain(sc)
    shown = c.get(location).text
    assert 'data-testid="import-state">DONE<' in shown
    assert 'data-testid="import-created">2<' in shown
    assert 'data-testid="import-errors">1<' in shown
    found = acct.in_unit(lambda ctx: records.find_by(
        ctx.conn, ctx.account_id, C, "email", ["ann@imp.test", "bob@imp.test"]))
    assert acct.stage(C, found["ann@imp.test"].id) == "lead"
    assert acct.stage(C, found["bob@imp.test"].id) == "subscriber"
    errors = c.get(location + "/errors.csv")
    assert errors.status_code == 200
    lines = errors.text.splitlines()
    assert lines[0].startswith("Email,First Name,Lifecycle Stage,rowNumber")
    assert lines[1].startswith("carl@imp.test,Carl,notastage,3,")
    assert "/imports/" in c.get("/imports").text


def test_a_file_without_a_header_is_refused_with_a_message(sc: Stagecoach) -> None:
    _, c, token = _signed_in(sc)
    r = c.post("/imports/upload", data={"objectType": "contacts", "csrf_token": token},
               files={"file": ("empty.csv", b"", "text/csv")})
    assert r.status_code == 303
    assert "empty" in c.get("/imports").text


def test_a_forged_file_token_starts_nothing(sc: Stagecoach) -> None:
    _, c, token = _signed_in(sc)
    r = c.post("/imports", data={"csrf_token": token, "file_token": "forged",
                                 "objectType": "contacts", "column": "Email",
                                 "property": "email"})
    assert r.status_code == 400
    assert "No import yet" in c.get("/imports").text


def test_uploads_need_the_csrf_token(sc: Stagecoach) -> None:
    _, c, _ = _signed_in(sc)
    r = c.post("/imports/upload", data={"objectType": "contacts"},
               files={"file": ("people.csv", CSV.encode(), "text/csv")})
    assert r.status_code == 403


def _unstarted_import(acct: Acct, tmp_path: Path) -> int:
    """An import recorded but not yet applied (as when its worker has not reached it)."""
    path = tmp_path / f"later{next(_n)}.csv"
    path.write_text(CSV, encoding="utf-8")
    return int(acct.in_unit(lambda ctx: imports.start(  # type: ignore[arg-type]
        ctx, name="later", object_type=C, file_path=path, file_name=path.name, specs=None,
        default_stage=None)))


def test_a_running_import_is_canceled_from_its_page_and_applies_nothing(
        sc: Stagecoach, tmp_path: Path) -> None:
    acct, c, _ = _signed_in(sc)
    iid = _unstarted_import(acct, tmp_path)
    listing = c.get("/imports").text
    assert f'data-testid="import-cancel-{iid}"' in listing
    page = c.get(f"/imports/{iid}").text
    assert 'data-testid="import-cancel"' in page
    r = c.post(f"/imports/{iid}/cancel", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 303 and r.headers["location"].endswith(f"/imports/{iid}")
    shown = c.get(f"/imports/{iid}").text
    assert 'data-testid="import-state">CANCELED<' in shown
    assert 'data-testid="import-cancel"' not in shown
    assert f'data-testid="import-cancel-{iid}"' not in c.get("/imports").text
    # The worker finds it canceled and writes nothing.
    final = imports.run(sc.engine, acct.id, iid, sc.clock)
    assert final.state.value == "CANCELED" and final.created == 0
    assert acct.in_unit(lambda ctx: records.find_by(
        ctx.conn, ctx.account_id, C, "email", ["ann@imp.test"])) == {}


def test_canceling_a_finished_import_changes_nothing(sc: Stagecoach, tmp_path: Path) -> None:
    acct, c, token = _signed_in(sc)
    iid = _unstarted_import(acct, tmp_path)
    assert imports.run(sc.engine, acct.id, iid, sc.clock).state.value == "DONE"
    r = c.post(f"/imports/{iid}/cancel", data={"csrf_token": token})
    assert r.status_code == 303
    shown = c.get(f"/imports/{iid}").text
    assert 'data-testid="import-state">DONE<' in shown
    assert "already finished" in shown


def test_cancel_needs_the_csrf_token(sc: Stagecoach, tmp_path: Path) -> None:
    acct, c, _ = _signed_in(sc)
    iid = _unstarted_import(acct, tmp_path)
    assert c.post(f"/imports/{iid}/cancel", data={"csrf_token": "forged"}).status_code == 403
    assert c.post(f"/imports/{iid}/cancel").status_code == 403
    assert 'data-testid="import-state">STARTED<' in c.get(f"/imports/{iid}").text
