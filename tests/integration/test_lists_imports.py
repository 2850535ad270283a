"""Rule 58: an import's `listId` adds every row it creates or matches to a static list;
an active list or one of another object type is refused when the import starts."""

from __future__ import annotations

from fastapi.testclient import TestClient

from stagecoach.domain.objects import ObjectType
from tests.helpers import Acct
from tests.integration.lists_helpers import make_list, members, stage_is
from tests.integration.test_imports_http import MAPPINGS, request_json, wait_done


def _start(client: TestClient, list_id: int, csv: str) -> object:
    return client.post("/crm/v3/imports", data={"importRequest": request_json(
        MAPPINGS, listId=str(list_id))}, files={"files": ("people.csv", csv, "text/csv")})


def test_an_import_adds_its_created_and_matched_rows_to_a_static_list(
        acct: Acct, client: TestClient) -> None:
    known = acct.contact(email="old@gmail.com")
    lid = make_list(acct, "Trade show")
    r = _start(client, lid, "Email,Stage,Company,Notes\nold@gmail.com,,,\n"
                            "new@gmail.com,Lead,,\nbad@gmail.com,wizard,,\n")
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    done = wait_done(client, r.json()["id"])  # type: ignore[attr-defined]
    assert done["state"] == "DONE"
    joined = members(acct, lid)
    assert known in joined and len(joined) == 2  # the error row joined nothing


def test_an_import_into_an_active_list_or_a_list_of_companies_is_refused(
        acct: Acct, client: TestClient) -> None:
    active = make_list(acct, "Leads", stage_is("lead"))
    companies = make_list(acct, "Accounts", ot=ObjectType.COMPANY)
    for lid, code in ((active, "DYNAMIC_LIST_MEMBERSHIP"), (companies, "LIST_OBJECT_TYPE"),
                      (999_999, None)):
        r = _start(client, lid, "Email,Stage,Company,Notes\na@gmail.com,,,\n")
        assert r.status_code in (400, 404), r.text  # type: ignore[attr-defined]
        if code:
            assert r.json()["errors"][0]["code"] == code  # type: ignore[attr-defined]
