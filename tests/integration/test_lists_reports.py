"""Rule 58: a list is a report segment (`"listId"` beside `filterGroups` in every report)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from stagecoach.domain.objects import ObjectType
from tests.helpers import Acct, C
from tests.integration.lists_helpers import make_list

BASE = "/lifecycle/v1/reports"
STAGES = ["lead", "customer"]


def _setup(acct: Acct) -> tuple[int, list[int]]:
    ids = [acct.contact("lead") for _ in range(4)]
    for cid in ids[:3]:
        acct.set_stage(C, cid, "customer")
    lid = make_list(acct, "Key accounts")
    with acct.unit() as ctx:
        from stagecoach.domain.sources import Source, SourceType
        from stagecoach.services.lists import manual

        manual.change(ctx, lid, [str(ids[0]), str(ids[3])], [], Source(SourceType.API))
    return lid, ids


@pytest.mark.parametrize("report", ["funnel", "time-in-stage", "stage-changes"])
def test_every_report_counts_only_a_lists_members(acct: Acct, client: TestClient,
                                                  report: str) -> None:
    lid, _ = _setup(acct)
    whole = client.post(f"{BASE}/{report}", json={"stages": STAGES})
    segment = client.post(f"{BASE}/{report}", json={"stages": STAGES, "listId": str(lid)})
    assert whole.status_code == segment.status_code == 200, segment.text
    assert whole.json() != segment.json()
    if report == "funnel":
        assert [s["count"] for s in segment.json()["steps"]] == [2, 1]
        assert [s["count"] for s in whole.json()["steps"]] == [4, 3]
        got = client.get(f"{BASE}/funnel", params={"stages": ",".join(STAGES),
                                                    "listId": str(lid)})
        assert got.json() == segment.json()


def test_a_report_on_a_missing_list_or_one_of_another_type_is_refused(
        acct: Acct, client: TestClient) -> None:
    companies = make_list(acct, "Accounts", ot=ObjectType.COMPANY)
    missing = client.post(f"{BASE}/funnel", json={"stages": STAGES, "listId": "999999"})
    assert missing.status_code == 404
    other = client.post(f"{BASE}/funnel", json={"stages": STAGES, "listId": str(companies)})
    assert other.status_code == 400 and other.json()["errors"][0]["code"] == "LIST_OBJECT_TYPE"
    bad = client.post(f"{BASE}/funnel", json={"stages": STAGES, "listId": "x"})
    assert bad.status_code == 400
