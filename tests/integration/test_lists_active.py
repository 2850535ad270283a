"""Active (DYNAMIC) lists hold exactly the records their filters match, kept in the
transaction of every change that can alter membership (automation spec rule 54)."""

from __future__ import annotations

from stagecoach.services.records import records
from tests.helpers import CO, Acct, C
from tests.integration.lists_helpers import (
    branch,
    log_rows,
    make_list,
    members,
    prop,
    stage_is,
)


def test_a_dynamic_list_is_filled_from_its_filters_when_created(acct: Acct) -> None:
    lead, customer = acct.contact("lead"), acct.contact("customer")
    lid = make_list(acct, "Customers", stage_is("customer"))
    assert members(acct, lid) == {customer}
    assert lead not in members(acct, lid)


def test_a_stage_change_joins_and_leaves_in_the_same_unit(acct: Acct) -> None:
    lid = make_list(acct, "Customers", stage_is("customer"))
    cid = acct.contact("lead")
    assert members(acct, lid) == set()
    with acct.unit() as ctx:
        records.update_many(ctx, C, [records.ItemWrite(cid, {"lifecyclestage": "customer"})],
                            records.Source(records.SourceType.API))
        # Visible inside the very transaction that made the change.
        from stagecoach.store.lists import reads
        assert reads.is_member(ctx.conn, acct.id, lid, cid)
    acct.update(C, cid, {"lifecyclestage": "evangelist"})
    assert members(acct, lid) == set()
    joined = [j for _, rid, j in log_rows(acct, lid) if rid == cid]
    assert joined == [True, False]


def test_a_property_change_moves_a_record_in_and_out(acct: Acct) -> None:
    lid = make_list(acct, "Ada", branch([prop("firstname", "STRING", "STARTS_WITH",
                                              value="ad")]))
    cid = acct.contact(firstname="Bob")
    assert members(acct, lid) == set()
    acct.update(C, cid, {"firstname": "Adaline"})
    assert members(acct, lid) == {cid}
    acct.update(C, cid, {"firstname": ""})
    assert members(acct, lid) == set()


def test_archived_records_leave_and_restored_ones_return(acct: Acct) -> None:
    lid = make_list(acct, "Leads", stage_is("lead"))
    manual = make_list(acct, "Picked")
    cid = acct.contact("lead")
    from stagecoach.services.lists import manual as by_hand
    from tests.helpers import API
    acct.in_unit(lambda ctx: by_hand.change(ctx, manual, [str(cid)], [], API))
    assert members(acct, lid) == {cid} and members(acct, manual) == {cid}
    acct.in_unit(lambda ctx: records.archive(ctx, C, [cid]))
    assert members(acct, lid) == set() and members(acct, manual) == set()
    acct.in_unit(lambda ctx: records.restore(ctx, C, [cid]))
    assert members(acct, lid) == {cid}
    # A list kept by hand does not take a restored record back by itself.
    assert members(acct, manual) == set()


def test_an_association_change_moves_a_record_by_its_counts(acct: Acct) -> None:
    lid = make_list(acct, "Big companies", branch([prop(
        "num_associated_contacts", "NUMBER", "IS_GREATER_THAN_OR_EQUAL_TO", value=2)]),
        ot=CO)
    co = acct.company()
    a, b = acct.contact(), acct.contact()
    acct.associate(C, a, CO, co)
    assert members(acct, lid) == set()
    acct.associate(C, b, CO, co)
    assert members(acct, lid) == {co}


def test_company_sync_moves_its_contacts_into_a_customer_list_in_the_same_request(
        acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    lid = make_list(acct, "Customers", stage_is("customer"))
    co = acct.company("lead")
    contacts = [acct.contact("subscriber") for _ in range(3)]
    for c in contacts:
        acct.associate(C, c, CO, co, (1,))
    assert members(acct, lid) == set()
    acct.set_stage(CO, co, "customer")
    assert members(acct, lid) == set(contacts)
    ops = {op for op, _, _ in log_rows(acct, lid)}
    assert len(ops) == 1  # one op for the whole cascade's list changes


def test_has_ever_been_reads_the_history(acct: Acct) -> None:
    lid = make_list(acct, "Ever opportunities", branch([prop(
        "lifecyclestage", "ENUMERATION", "HAS_EVER_BEEN_ANY_OF", values=["opportunity"])]))
    never = make_list(acct, "Never opportunities", branch([prop(
        "lifecyclestage", "ENUMERATION", "HAS_NEVER_BEEN_ANY_OF", values=["opportunity"])]))
    was = acct.contact("opportunity")
    acct.update(C, was, {"lifecyclestage": "customer"})
    other = acct.contact("lead")
    assert members(acct, lid) == {was}
    assert members(acct, never) == {other}


def test_created_records_join_in_their_creating_unit(acct: Acct) -> None:
    lid = make_list(acct, "Everyone", branch([prop("email", "ALL_PROPERTY", "IS_UNKNOWN")]))
    cid = acct.contact()
    assert members(acct, lid) == {cid}


def test_a_deal_won_moves_its_contacts_into_a_customer_list_in_the_same_unit(
        acct: Acct) -> None:
    # The write changed only the deal stage; its reactions changed the contacts' stage.
    from tests.helpers import D

    lid = make_list(acct, "Customers", stage_is("customer"))
    cid = acct.contact("lead")
    did = acct.create(D, {"dealname": "big", "dealstage": "appointmentscheduled"},
                      assoc=[(C, cid, ())])
    assert members(acct, lid) == set()
    acct.update(D, did, {"dealstage": "closedwon"})
    assert acct.stage(C, cid) == "customer"
    assert members(acct, lid) == {cid}
