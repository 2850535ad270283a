"""Keeping active lists true when no write triggers them: `stagecoach verify` finds and
repairs a list whose members drifted from its filters, and the worker's recurring item
brings lists indexed from today up to date as time passes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from stagecoach.services.integrity.verify import verify
from stagecoach.services.lists import time_refresh
from stagecoach.services.worker.kinds import Later
from stagecoach.store.schema import list_memberships
from stagecoach.store.worker import work_items
from tests.helpers import Acct
from tests.integration.lists_helpers import branch, log_rows, make_list, members, prop, stage_is

DAY = 86_400_000


def _recent(days: int) -> dict[str, Any]:
    return branch([prop("createdate", "TIME_POINT", "IS_AFTER", timePoint={
        "timeType": "INDEXED", "zoneId": "UTC", "indexReference": {"referenceType": "NOW"},
        "offset": {"days": -days}})])


def test_verify_reports_and_repairs_a_list_whose_members_drifted(acct: Acct) -> None:
    lid = make_list(acct, "Customers", stage_is("customer"))
    kept, lost = acct.contact("customer"), acct.contact("customer")
    outsider = acct.contact("lead")
    assert members(acct, lid) == {kept, lost}
    with acct.sc.engine.begin() as conn:
        conn.execute(delete(list_memberships).where(
            list_memberships.c.account_id == acct.id, list_memberships.c.record_id == lost))
        conn.execute(list_memberships.insert().values(
            account_id=acct.id, list_id=lid, object_type=1, record_id=outsider,
            added_at=acct.now))
    found = [d for d in verify(acct.sc.engine, [acct.id], clock=lambda: acct.now)
             if d.property.startswith(f"list {lid}")]
    assert {(d.record_id, d.expected) for d in found} == {(lost, "member"),
                                                          (outsider, "not a member")}
    before = len(log_rows(acct, lid))
    assert list(verify(acct.sc.engine, [acct.id], fix=True, clock=lambda: acct.now))
    assert members(acct, lid) == {kept, lost}
    assert len(log_rows(acct, lid)) == before + 2  # the repair is logged (and an event)
    assert list(verify(acct.sc.engine, [acct.id], clock=lambda: acct.now)) == []


def test_a_list_indexed_from_today_is_refreshed_by_the_accounts_recurring_work(
        acct: Acct) -> None:
    lid = make_list(acct, "New this week", _recent(7))
    made_at = acct.now
    cid = acct.contact()
    item = acct.in_unit(lambda ctx: work_items.get(ctx.conn, acct.id, time_refresh.KIND, 0))
    assert item is not None and item.scheduled_for == time_refresh.next_run(made_at)
    later = acct.now + 8 * DAY
    again = time_refresh.kind(acct.sc.engine, lambda: later).run(item)
    assert members(acct, lid) == set() and cid not in members(acct, lid)
    assert isinstance(again, Later) and again.at == time_refresh.next_run(later)


def test_the_recurring_refresh_ends_when_no_list_moves_with_time(acct: Acct) -> None:
    lid = make_list(acct, "New this week", _recent(7))
    item = acct.in_unit(lambda ctx: work_items.get(ctx.conn, acct.id, time_refresh.KIND, 0))
    with acct.unit() as ctx:
        from stagecoach.services.lists import definitions

        definitions.update_filters(ctx, lid, stage_is("lead"))
    assert time_refresh.kind(acct.sc.engine, lambda: acct.now).run(item) is None
