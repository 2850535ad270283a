"""Archiving, restoring and merging are changes like any other: each writes a version of
`hs_archived` with its source into the record's history, in a step of its own."""

from __future__ import annotations

from fastapi.testclient import TestClient

from stagecoach.domain.sources import SourceType
from stagecoach.services.records import merge, records
from stagecoach.services.records.records import ARCHIVED
from tests.helpers import CO, Acct, C


def _archived_history(acct: Acct, rid: int) -> list[tuple[str, str]]:
    rows = acct.in_unit(lambda ctx: ctx.conn.exec_driver_sql(
        "SELECT value, source_type FROM property_history WHERE account_id = "
        f"{acct.id} AND record_id = {rid} AND property = '{ARCHIVED}' ORDER BY id").all())
    return [(r[0], r[1]) for r in rows]


def test_archive_and_restore_each_write_a_version_with_their_source(acct: Acct) -> None:
    cid = acct.contact("lead")
    assert acct.in_unit(lambda ctx: records.archive(ctx, C, [cid])) == [cid]
    assert acct.in_unit(lambda ctx: records.archive(ctx, C, [cid])) == []  # already archived
    assert acct.in_unit(lambda ctx: records.restore(ctx, C, [cid])) == [cid]
    assert _archived_history(acct, cid) == [("true", SourceType.API.value),
                                            ("false", SourceType.API.value)]
    assert acct.values(C, cid)["lifecyclestage"] == "lead"


def test_a_restored_contact_counts_on_its_company_again(acct: Acct) -> None:
    company = acct.company()
    cid = acct.contact()
    acct.associate(C, cid, CO, company, (1,))
    acct.in_unit(lambda ctx: records.archive(ctx, C, [cid]))
    assert acct.values(CO, company).get("num_associated_contacts") in (0, None)
    acct.in_unit(lambda ctx: records.restore(ctx, C, [cid]))
    assert acct.values(CO, company)["num_associated_contacts"] == 1


def test_the_record_a_merge_folds_away_is_archived_in_its_history(acct: Acct) -> None:
    keep, other = acct.contact(email="keep@example.test"), acct.contact(email="o@example.test")
    acct.in_unit(lambda ctx: merge.merge(ctx, C, keep, other))
    assert _archived_history(acct, other) == [("true", SourceType.MERGE_OBJECTS.value)]
    # A merged record is not restored: it lives on in the survivor.
    assert acct.in_unit(lambda ctx: records.restore(ctx, C, [other])) == []


def test_restore_over_http_brings_the_record_back_and_404s_an_unknown_one(
        acct: Acct, client: TestClient) -> None:
    cid = acct.contact()
    assert client.delete(f"/crm/v3/objects/contacts/{cid}").status_code == 204
    assert client.get(f"/crm/v3/objects/contacts/{cid}").status_code == 404
    r = client.post(f"/lifecycle/v1/contacts/{cid}/restore")
    assert r.status_code == 200 and r.json() == {"objectType": "contacts", "id": str(cid),
                                                 "archived": False}
    assert client.get(f"/crm/v3/objects/contacts/{cid}").status_code == 200
    missing = client.post("/lifecycle/v1/contacts/999999999/restore")
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"
