"""Lists that name other lists (IN_LIST): kept in dependency order in the same step,
cycles refused, a named list cannot be deleted; SNAPSHOT lists are filled once."""

from __future__ import annotations

import pytest

from stagecoach.domain.errors import ValidationError
from stagecoach.services.lists import definitions, manual
from tests.helpers import API, Acct, C
from tests.integration.lists_helpers import branch, in_list, make_list, members, stage_is


def test_a_list_naming_a_dynamic_list_follows_it_in_the_same_step(acct: Acct) -> None:
    customers = make_list(acct, "Customers", stage_is("customer"))
    # Created after (a higher id) and named first: the order is by dependency, not id.
    not_customers = make_list(acct, "Not customers", branch([in_list(customers, True)]))
    also = make_list(acct, "Customers too", branch([in_list(customers)]))
    cid = acct.contact("lead")
    assert members(acct, not_customers) == {cid} and members(acct, also) == set()
    acct.set_stage(C, cid, "customer")
    assert members(acct, customers) == {cid}
    assert members(acct, also) == {cid} and members(acct, not_customers) == set()


def test_a_list_naming_a_manual_list_follows_its_manual_changes(acct: Acct) -> None:
    picked = make_list(acct, "Picked")
    leads_picked = make_list(acct, "Picked leads", branch([in_list(picked)]))
    cid = acct.contact("lead")
    acct.in_unit(lambda ctx: manual.change(ctx, picked, [str(cid)], [], API))
    assert members(acct, leads_picked) == {cid}
    acct.in_unit(lambda ctx: manual.change(ctx, picked, [], [str(cid)], API))
    assert members(acct, leads_picked) == set()


def test_updating_filters_is_followed_by_the_lists_naming_it(acct: Acct) -> None:
    a = make_list(acct, "A", stage_is("lead"))
    b = make_list(acct, "B", branch([in_list(a)]))
    lead, customer = acct.contact("lead"), acct.contact("customer")
    assert members(acct, b) == {lead}
    acct.in_unit(lambda ctx: definitions.update_filters(ctx, a, stage_is("customer")))
    assert members(acct, a) == {customer} and members(acct, b) == {customer}


def test_a_cycle_is_refused_when_filters_are_written(acct: Acct) -> None:
    a = make_list(acct, "A", stage_is("lead"))
    b = make_list(acct, "B", branch([in_list(a)]))
    c = make_list(acct, "C", branch([in_list(b)]))
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: definitions.update_filters(ctx, a, branch([in_list(c)])))
    assert err.value.code == "LIST_CYCLE"
    with pytest.raises(ValidationError):
        acct.in_unit(lambda ctx: definitions.update_filters(ctx, a, branch([in_list(a)])))


def test_in_list_must_name_a_live_list_of_the_same_type(acct: Acct) -> None:
    from tests.helpers import CO

    companies = make_list(acct, "Companies", stage_is("lead"), ot=CO)
    with pytest.raises(ValidationError):
        make_list(acct, "Bad", branch([in_list(companies)]))
    with pytest.raises(ValidationError):
        make_list(acct, "Worse", branch([in_list(987654)]))


def test_a_list_named_by_another_cannot_be_deleted(acct: Acct) -> None:
    a = make_list(acct, "A", stage_is("lead"))
    b = make_list(acct, "B", branch([in_list(a)]))
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: definitions.delete(ctx, a))
    assert err.value.code == "LIST_IN_USE" and str(b) in err.value.message
    acct.in_unit(lambda ctx: definitions.delete(ctx, b))
    acct.in_unit(lambda ctx: definitions.delete(ctx, a))


def test_a_snapshot_list_is_filled_once_then_kept_by_hand(acct: Acct) -> None:
    lead = acct.contact("lead")
    snap = make_list(acct, "Leads then", stage_is("lead"), kind="SNAPSHOT")
    assert members(acct, snap) == {lead}
    later = acct.contact("lead")
    acct.set_stage(C, lead, "customer")
    assert members(acct, snap) == {lead}
    acct.in_unit(lambda ctx: manual.change(ctx, snap, [str(later)], [], API))
    assert members(acct, snap) == {lead, later}
    with pytest.raises(ValidationError):
        acct.in_unit(lambda ctx: definitions.update_filters(ctx, snap, stage_is("customer")))


def test_a_restored_dynamic_list_catches_up(acct: Acct) -> None:
    a = make_list(acct, "Leads", stage_is("lead"))
    acct.in_unit(lambda ctx: definitions.delete(ctx, a))
    cid = acct.contact("lead")
    acct.in_unit(lambda ctx: definitions.restore(ctx, a))
    assert members(acct, a) == {cid}
