"""Cascades cost a constant number of SQL statements, whatever their fan-out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event

from stagecoach.services.records import associations, records
from stagecoach.services.records.associations import AssociationRequest
from stagecoach.services.records.records import NewRecord
from tests.helpers import API, CO, UI, Acct, C, D


@contextmanager
def counting(acct: Acct) -> Iterator[list[str]]:
    seen: list[str] = []

    def listener(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(acct.sc.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(acct.sc.engine, "before_cursor_execute", listener)


def _contacts(acct: Acct, n: int, stage: str = "lead") -> list[int]:
    with acct.unit() as ctx:
        made = records.create(ctx, C, [NewRecord({"lifecyclestage": stage})] * n, API)
    return [r.record_id for r in made if r.record_id is not None]


def _statements(acct: Acct, action: Callable[[], object]) -> int:
    with counting(acct) as seen:
        action()
    return len(seen)


def _company_cascade(acct: Acct, n: int) -> int:
    co = acct.company(stage="lead")
    contacts = _contacts(acct, n)
    with acct.unit() as ctx:
        associations.associate(ctx, [AssociationRequest(C, c, CO, co, (1,)) for c in contacts],
                               API)
    cost = _statements(acct, lambda: acct.set_stage(CO, co, "customer", UI))
    assert {acct.stage(C, c) for c in contacts} == {"customer"}
    return cost


def test_company_sync_cascade_costs_the_same_for_10_and_500_contacts(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    assert _company_cascade(acct, 10) == _company_cascade(acct, 500)


def _deal_won(acct: Acct, n: int) -> int:
    contacts = _contacts(acct, n)
    did = acct.create(D, {"dealname": "big", "dealstage": "contractsent"},
                      assoc=[(C, c, ()) for c in contacts])
    cost = _statements(acct, lambda: acct.update(D, did, {"dealstage": "closedwon"}, UI))
    assert {acct.stage(C, c) for c in contacts} == {"customer"}
    assert all(acct.values(C, c).get("closedate") == acct.now for c in contacts[:3])
    return cost


def test_deal_won_costs_the_same_for_20_and_60_contacts(acct: Acct) -> None:
    # (Both above what a transaction's first id reservation holds, store/core/ids.PREFETCH.)
    assert _deal_won(acct, 20) == _deal_won(acct, 60)
