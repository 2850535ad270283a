from __future__ import annotations

import pytest

from stagecoach.domain import lifecycle_dates as ld
from stagecoach.domain.errors import Conflict, ValidationError
from stagecoach.services.records import reads
from tests.helpers import API, CO, T0, UI, Acct, C, D


def test_create_writes_history_with_its_source(acct: Acct) -> None:
    cid = acct.contact(email="Ada@Example.test", firstname="Ada", stage="lead")
    with acct.ctx_readonly() as ctx:
        hist = reads.history_of(ctx, C, [cid])[cid]
    assert hist["email"][0].value == "ada@example.test"
    assert hist["firstname"][0].source_type == "API"
    assert hist["firstname"][0].source_id == "test-app"
    assert hist["lifecyclestage"][0].value == "lead"


def test_update_appends_a_version_per_changed_property(acct: Acct) -> None:
    cid = acct.contact(firstname="Ada")
    acct.update(C, cid, {"firstname": "Grace", "lastname": "Hopper"}, UI)
    acct.update(C, cid, {"firstname": "Grace"}, UI)  # unchanged: no version
    with acct.ctx_readonly() as ctx:
        hist = reads.history_of(ctx, C, [cid])[cid]
    assert [v.value for v in hist["firstname"]] == ["Grace", "Ada"]
    assert hist["firstname"][0].source_type == "CRM_UI"
    assert [v.value for v in hist["lastname"]] == ["Hopper"]


def test_entering_a_stage_stamps_its_became_and_entered_dates(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    created = acct.now
    values = acct.values(C, cid)
    assert values[ld.became_key("lead")] == created
    assert values[ld.entered_key("lead")] == created


def test_duplicate_email_is_a_conflict(acct: Acct) -> None:
    acct.contact(email="dup@example.test")
    with pytest.raises(Conflict):
        acct.contact(email="DUP@example.test")


def test_invalid_enumeration_value_names_the_allowed_options(acct: Acct) -> None:
    with pytest.raises(ValidationError) as err:
        acct.contact(stage="wizard")
    assert err.value.code == "INVALID_OPTION"
    assert "lead" in err.value.context["allowedOptions"]


def test_failure_in_the_middle_of_a_use_case_leaves_nothing_written(acct: Acct) -> None:
    from stagecoach.services.records import records
    from stagecoach.services.records.records import NewRecord

    with pytest.raises(RuntimeError), acct.unit() as ctx:
        records.create(ctx, C, [NewRecord({"email": "half@example.test",
                                           "lifecyclestage": "lead"})], API)
        raise RuntimeError("crash after the write, before commit")
    with acct.ctx_readonly() as ctx:
        from stagecoach.store.records import records as store

        assert store.find_by(ctx.conn, acct.id, C, "email", ["half@example.test"]) == {}
        assert history_rows(ctx, acct.id) == 0


def history_rows(ctx, account_id: int) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from stagecoach.store.schema import property_history

    return ctx.conn.execute(select(func.count()).select_from(property_history)
                            .where(property_history.c.account_id == account_id)).scalar_one()


def test_archived_records_disappear_from_reads_but_keep_history(acct: Acct) -> None:
    from stagecoach.services.records import records

    cid = acct.contact(email="gone@example.test", stage="lead")
    acct.in_unit(lambda ctx: records.archive(ctx, C, [cid]))
    with acct.ctx_readonly() as ctx:
        assert reads.get_many(ctx, C, [cid]) == {}
        assert reads.get_many(ctx, C, [cid], include_archived=True)[cid].archived
        assert reads.history_of(ctx, C, [cid])[cid]["lifecyclestage"][0].value == "lead"
    # the email is free again once its contact is archived
    acct.contact(email="gone@example.test")


def test_deal_gets_default_pipeline_and_its_first_stage(acct: Acct) -> None:
    did = acct.create(D, {"dealname": "Big one", "amount": "1000.50"})
    values = acct.values(D, did)
    assert values["pipeline"] == "default"
    assert values["dealstage"] == "appointmentscheduled"
    assert values["amount"] == 1000.5


def test_one_primary_company_per_contact(acct: Acct) -> None:
    cid = acct.contact()
    a, b = acct.company(name="A"), acct.company(name="B")
    acct.associate(C, cid, CO, a, (1,))
    acct.associate(C, cid, CO, b, (1,))
    with acct.ctx_readonly() as ctx:
        from stagecoach.store.records import associations

        links = associations.of_records(ctx.conn, acct.id, C, [cid], CO)[cid]
    assert sorted(links[a]) == [279]  # demoted to unlabelled
    assert sorted(links[b]) == [1, 279]
    assert acct.values(C, cid)["associatedcompanyid"] == b


def test_database_refuses_a_second_primary_company(acct: Acct) -> None:
    from sqlalchemy.exc import IntegrityError

    from stagecoach.store.schema import associations

    cid = acct.contact()
    a, b = acct.company(name="A"), acct.company(name="B")
    acct.associate(C, cid, CO, a, (1,))
    with pytest.raises(IntegrityError), acct.unit() as ctx:
        ctx.conn.execute(associations.insert().values(
            account_id=acct.id, from_type=1, from_id=cid, to_type=2, to_id=b, type_id=1,
            created_at=T0))


def test_association_counts_follow_associations_and_archiving(acct: Acct) -> None:
    from stagecoach.services.records import records

    cid = acct.contact()
    co = acct.company()
    d1 = acct.create(D, {"dealname": "a"}, assoc=[(C, cid, ()), (CO, co, ())])
    acct.create(D, {"dealname": "b"}, assoc=[(C, cid, ())])
    acct.associate(C, cid, CO, co)
    assert acct.values(C, cid)["num_associated_deals"] == 2
    assert acct.values(CO, co)["num_associated_deals"] == 1
    assert acct.values(CO, co)["num_associated_contacts"] == 1
    assert acct.values(D, d1)["num_associated_contacts"] == 1
    acct.in_unit(lambda ctx: records.archive(ctx, D, [d1]))
    assert acct.values(C, cid)["num_associated_deals"] == 1
    assert acct.values(CO, co)["num_associated_deals"] == 0
