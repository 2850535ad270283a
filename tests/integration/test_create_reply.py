"""A create answers with the record as it was written (services/records/records.create knows it
without reading it back) and that answer is what a read returns right after, whether or not
automation changed the record after its insert."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from stagecoach.library import Stagecoach
from tests.helpers import Acct, bearer

CONTACTS = "/crm/v3/objects/contacts"
COMPANIES = "/crm/v3/objects/companies"


def _read(client: TestClient, acct: Acct, path: str, made: dict[str, Any]) -> dict[str, Any]:
    names = ",".join(made["properties"])
    r = client.get(f"{path}/{made['id']}?properties={names}", headers=bearer(acct))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _record_selects(sc: Stagecoach, fn: Any) -> tuple[Any, int]:
    seen: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("SELECT") and " FROM records" in statement:
            seen.append(statement)

    event.listen(sc.engine, "before_cursor_execute", listener)
    try:
        out = fn()
    finally:
        event.remove(sc.engine, "before_cursor_execute", listener)
    return out, len(seen)


def test_a_created_contact_is_answered_as_a_read_shows_it(
        client: TestClient, acct: Acct) -> None:
    props = {"email": "Ann.Lee@Firm.test", "firstname": "Ann", "lastname": "Lee",
             "lifecyclestage": "lead", "phone": "+1 555", "hs_lead_status": "NEW"}
    r = client.post(CONTACTS, headers=bearer(acct), json={"properties": props})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made == _read(client, acct, CONTACTS, made)
    assert made["properties"]["lifecyclestage"] == "lead"


def test_a_batch_create_is_answered_without_reading_its_records_back(
        client: TestClient, acct: Acct) -> None:
    inputs = [{"properties": {"email": f"b{i}@co{i % 3}.test", "firstname": f"B{i}",
                              "lifecyclestage": "lead"}} for i in range(5)]
    r, selects = _record_selects(acct.sc, lambda: client.post(
        CONTACTS + "/batch/create", headers=bearer(acct), json={"inputs": inputs}))
    assert r.status_code == 201, r.text
    # The email check, the domains' companies, their counts' rows: not the new contacts.
    assert selects == 3
    for made in r.json()["results"]:
        assert made == _read(client, acct, CONTACTS, made)


def test_a_company_with_numbers_and_dates_is_answered_as_a_read_shows_it(
        client: TestClient, acct: Acct) -> None:
    props = {"name": "Acme", "domain": "acme.test", "numberofemployees": "1200",
             "annualrevenue": "1234567.5", "lifecyclestage": "opportunity"}
    r = client.post(COMPANIES, headers=bearer(acct), json={"properties": props})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made == _read(client, acct, COMPANIES, made)


def test_a_contact_moved_by_automation_after_its_insert_is_answered_as_moved(
        client: TestClient, acct: Acct) -> None:
    # Its email domain's company is a customer: the new contact follows its primary
    # company (a reaction after the insert), and the answer shows where it ended up.
    acct.settings(syncWithPrimaryCompany=True)
    company = client.post(COMPANIES, headers=bearer(acct), json={"properties": {
        "name": "Big", "domain": "big.test", "lifecyclestage": "customer"}})
    assert company.status_code == 201, company.text
    r = client.post(CONTACTS, headers=bearer(acct), json={"properties": {
        "email": "someone@big.test", "lifecyclestage": "lead"}})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["properties"]["lifecyclestage"] == "customer"
    assert made == _read(client, acct, CONTACTS, made)
