"""Ids taken within one transaction: from a pool the first take reserves, refilled as it
runs short, and always above the ones taken before (versions of one instant are ordered
by id)."""

from __future__ import annotations

from stagecoach.services.core.writes import ItemWrite
from stagecoach.store.core import ids
from tests.helpers import API, Acct, C


def test_ids_of_one_kind_rise_through_pooled_and_large_takes(acct: Acct) -> None:
    with acct.unit() as ctx:
        taken = [ids.take(ctx.conn, acct.id, "history", n) for n in (3, 40, 2, 1, 20, 5)]
    flat = [i for chunk in taken for i in chunk]
    assert [len(c) for c in taken] == [3, 40, 2, 1, 20, 5]
    assert flat == sorted(flat) and len(set(flat)) == len(flat)


def test_a_record_written_twice_in_one_batch_keeps_the_second_value_newest(acct: Acct) -> None:
    from stagecoach.services.records import reads, records

    rids = [acct.contact(firstname=f"n{i}") for i in range(12)]
    # Round one writes two versions for each of 12 records (more than the pool holds);
    # round two writes the first record again, at the same instant.
    items = [ItemWrite(r, {"firstname": "first", "lastname": "x"}) for r in rids]
    items.append(ItemWrite(rids[0], {"firstname": "second"}))
    with acct.unit() as ctx:
        records.update_many(ctx, C, items, API)
    with acct.ctx_readonly() as ctx:
        hist = reads.history_of(ctx, C, [rids[0]], ["firstname"])[rids[0]]["firstname"]
    assert [h.value for h in hist][:2] == ["second", "first"]
    assert acct.values(C, rids[0])["firstname"] == "second"
