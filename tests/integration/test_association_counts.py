"""The association counts HubSpot keeps (num_associated_contacts, num_associated_deals):
new records joining an existing one add to its stored count rather than recounting every
partner it has; every other change (a removal, an archive) counts in full."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from stagecoach.services.records import associations, records
from stagecoach.services.records.records import NewRecord
from stagecoach.store.records.association_counts import counts
from tests.helpers import API, CO, Acct, C, D


def _create(acct: Acct, ot: Any, n: int, to: list[tuple[Any, int]], tag: str) -> list[int]:
    with acct.unit() as ctx:
        made = records.create(ctx, ot, [
            NewRecord({"email": f"{tag}{i}@counts.test"} if ot is C else {"dealname": f"{tag}{i}"},
                      [(t, rid, ()) for t, rid in to]) for i in range(n)], API)
    return [r.record_id for r in made if r.record_id is not None]


def _truth(acct: Acct, ot: Any, rid: int, partner: Any) -> int:
    with acct.ctx_readonly() as ctx:
        return counts(ctx.conn, acct.id, ot, [rid], [partner])[partner][rid]


def test_counts_stay_exact_through_creates_removals_and_archives(acct: Acct) -> None:
    co = acct.company(name="Counted")
    first = _create(acct, C, 5, [(CO, co)], "a")
    assert acct.values(CO, co)["num_associated_contacts"] == 5
    # Records archived and associations removed: counted in full, then added to again.
    with acct.unit() as ctx:
        assert records.archive(ctx, C, first[:2]) == sorted(first[:2])
    with acct.unit() as ctx:
        associations.disassociate(ctx, C, first[2], CO, co, API)
    assert acct.values(CO, co)["num_associated_contacts"] == 2
    _create(acct, C, 3, [(CO, co)], "b")
    _create(acct, D, 2, [(CO, co)], "d")
    values = acct.values(CO, co)
    assert values["num_associated_contacts"] == 5 == _truth(acct, CO, co, C)
    assert values["num_associated_deals"] == 2 == _truth(acct, CO, co, D)


def test_a_contact_and_its_deal_created_together_count_each_other_once(acct: Acct) -> None:
    contact = acct.contact(stage="lead")
    co = acct.company(name="Pair")
    deals = _create(acct, D, 2, [(C, contact), (CO, co)], "p")
    assert acct.values(C, contact)["num_associated_deals"] == 2
    assert acct.values(CO, co)["num_associated_deals"] == 2
    for deal in deals:
        assert acct.values(D, deal)["num_associated_contacts"] == 1


def test_new_contacts_joining_a_counted_company_do_not_count_its_contacts(acct: Acct) -> None:
    co = acct.company(name="Large")
    _create(acct, C, 40, [(CO, co)], "x")
    full_counts: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "count(*)" in statement and "FROM associations" in statement:
            full_counts.append(statement)

    event.listen(acct.sc.engine, "before_cursor_execute", listener)
    try:
        _create(acct, C, 3, [(CO, co)], "y")
    finally:
        event.remove(acct.sc.engine, "before_cursor_execute", listener)
    # The stored 40 was added to: no statement counted the company's 43 contacts.
    assert full_counts == []
    assert acct.values(CO, co)["num_associated_contacts"] == 43 == _truth(acct, CO, co, C)
