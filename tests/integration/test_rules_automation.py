"""Lifecycle spec §5: the automation settings and their cascades (rules 18-24, 27)."""

from __future__ import annotations

from stagecoach.domain.sources import Source, SourceType
from stagecoach.domain.values import ms_to_iso
from stagecoach.services.records import records
from stagecoach.services.records.records import NewRecord
from tests.helpers import API, CO, UI, Acct, C, D, stage_history

DAY = 86_400_000


def deal(acct: Acct, stage: str = "appointmentscheduled", *contacts: int,
         companies: tuple[int, ...] = ()) -> int:
    assoc = [(C, c, ()) for c in contacts] + [(CO, c, ()) for c in companies]
    return acct.create(D, {"dealname": "D", "dealstage": stage}, assoc=assoc)


# Rule 18 -------------------------------------------------------------------------------

def test_create_default_off_leaves_an_api_created_record_without_stage(acct: Acct) -> None:
    assert acct.stage(C, acct.contact()) is None
    assert acct.stage(CO, acct.company()) is None


def test_create_default_on_gives_new_records_its_stage(acct: Acct) -> None:
    acct.settings(createDefault={"enabled": True, "stage": "marketingqualifiedlead"})
    cid = acct.contact()
    assert acct.stage(C, cid) == "marketingqualifiedlead"
    assert acct.stage(CO, acct.company()) == "marketingqualifiedlead"
    v = stage_history(acct, C, cid)[0]
    assert (v.source_type, v.source_id) == ("LIFECYCLE_AUTOMATION", "create_default")


def test_a_value_given_at_creation_wins_over_create_default(acct: Acct) -> None:
    acct.settings(createDefault={"enabled": True, "stage": "lead"})
    assert acct.stage(C, acct.contact(stage="subscriber")) == "subscriber"


def test_web_app_creation_gets_the_first_stage_when_create_default_is_off(acct: Acct) -> None:
    cid = acct.create(C, {"email": "ui@example.test"}, source=UI)
    assert acct.stage(C, cid) == "subscriber"


def test_a_form_stage_wins_over_create_default(acct: Acct) -> None:
    acct.settings(createDefault={"enabled": True, "stage": "marketingqualifiedlead"})
    cid = acct.create(C, {"email": "f@example.test"}, source=Source(SourceType.FORM, "f1"),
                      source_stage="lead")
    assert acct.stage(C, cid) == "lead"


# Rule 19 -------------------------------------------------------------------------------

def test_a_deal_created_with_a_contact_makes_it_an_opportunity(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    co = acct.company(stage="lead")
    deal(acct, "appointmentscheduled", cid, companies=(co,))
    assert acct.stage(C, cid) == "opportunity"
    assert acct.stage(CO, co) == "opportunity"
    v = stage_history(acct, C, cid)[0]
    assert (v.source_type, v.source_id) == ("LIFECYCLE_AUTOMATION", "deal_created")


def test_associating_an_open_deal_later_makes_the_record_an_opportunity(acct: Acct) -> None:
    cid = acct.contact(stage="subscriber")
    did = deal(acct)
    acct.associate(D, did, C, cid)
    assert acct.stage(C, cid) == "opportunity"


def test_deal_created_setting_off_changes_nothing(acct: Acct) -> None:
    acct.settings(dealCreated={"enabled": False})
    cid = acct.contact(stage="lead")
    deal(acct, "appointmentscheduled", cid)
    assert acct.stage(C, cid) == "lead"


def test_any_open_deal_triggers_deal_created_not_only_the_first(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    deal(acct, "appointmentscheduled", cid)
    acct.set_stage(C, cid, "lead", UI)
    deal(acct, "qualifiedtobuy", cid)
    assert acct.stage(C, cid) == "opportunity"


def test_deal_created_does_not_move_a_customer_back(acct: Acct) -> None:
    cid = acct.contact(stage="customer")
    deal(acct, "appointmentscheduled", cid)
    assert acct.stage(C, cid) == "customer"


# Rule 20 -------------------------------------------------------------------------------

def test_a_deal_won_makes_its_contacts_and_companies_customers(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    co = acct.company()
    did = deal(acct, "appointmentscheduled", cid, companies=(co,))
    acct.update(D, did, {"dealstage": "closedwon"})
    assert acct.stage(C, cid) == "customer"
    assert acct.stage(CO, co) == "customer"
    v = stage_history(acct, C, cid)[0]
    assert (v.source_type, v.source_id, v.value) == ("LIFECYCLE_AUTOMATION", "deal_won",
                                                     "customer")


def test_deal_won_sets_closedate_and_days_to_close_when_empty(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    created = acct.now
    did = deal(acct, "appointmentscheduled", cid)
    acct.tick(3 * DAY)
    acct.update(D, did, {"dealstage": "closedwon"})
    values = acct.values(C, cid)
    assert values["closedate"] == acct.now
    assert values["days_to_close"] == (acct.now - created) // DAY == 3


def test_deal_won_keeps_an_existing_closedate(acct: Acct) -> None:
    cid = acct.contact(stage="lead", closedate="2020-01-01T00:00:00Z")
    did = deal(acct, "appointmentscheduled", cid)
    acct.update(D, did, {"dealstage": "closedwon"})
    assert acct.values(C, cid)["closedate"] == 1577836800000


def test_deal_won_setting_off_sets_neither_stage_nor_closedate(acct: Acct) -> None:
    acct.settings(dealWon={"enabled": False})
    cid = acct.contact(stage="lead")
    did = deal(acct, "appointmentscheduled", cid)
    acct.update(D, did, {"dealstage": "closedwon"})
    assert acct.stage(C, cid) == "opportunity"
    assert "closedate" not in acct.values(C, cid)


def test_a_record_associated_with_an_already_won_deal_becomes_customer(acct: Acct) -> None:
    did = deal(acct, "closedwon")
    won_at = acct.now
    cid = acct.contact(stage="lead")
    acct.associate(C, cid, D, did)
    assert acct.stage(C, cid) == "customer"
    assert acct.values(C, cid)["closedate"] == won_at


# Rule 21 -------------------------------------------------------------------------------

def test_company_sync_example_from_the_spec(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    x = acct.company()
    a = acct.contact(stage="subscriber")
    b = acct.contact(stage="opportunity")
    acct.associate(C, a, CO, x, (1,))
    acct.associate(C, b, CO, x, (1,))
    acct.set_stage(CO, x, "lead")
    assert (acct.stage(C, a), acct.stage(C, b)) == ("lead", "opportunity")
    acct.set_stage(CO, x, "customer")
    assert (acct.stage(C, a), acct.stage(C, b)) == ("customer", "customer")


def test_company_sync_moves_only_primary_contacts(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    x, y = acct.company(), acct.company()
    primary = acct.contact(stage="subscriber")
    secondary = acct.contact(stage="subscriber")
    acct.associate(C, primary, CO, x, (1,))
    acct.associate(C, secondary, CO, y, (1,))
    acct.associate(C, secondary, CO, x)  # unlabelled: x is not its primary company
    acct.set_stage(CO, x, "customer")
    assert acct.stage(C, primary) == "customer"
    assert acct.stage(C, secondary) == "subscriber"


def test_a_contact_takes_the_stage_of_a_company_that_becomes_its_primary(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    x = acct.company(stage="opportunity")
    cid = acct.contact(stage="lead")
    acct.associate(C, cid, CO, x, (1,))
    assert acct.stage(C, cid) == "opportunity"
    v = stage_history(acct, C, cid)[0]
    assert (v.source_type, v.source_id) == ("LIFECYCLE_AUTOMATION", "company_sync")


def test_nothing_flows_from_contact_to_company(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    x = acct.company(stage="lead")
    cid = acct.contact()
    acct.associate(C, cid, CO, x, (1,))
    acct.set_stage(C, cid, "customer")
    assert acct.stage(CO, x) == "lead"


def test_sync_off_leaves_contacts_alone(acct: Acct) -> None:
    x = acct.company()
    cid = acct.contact(stage="subscriber")
    acct.associate(C, cid, CO, x, (1,))
    acct.set_stage(CO, x, "customer")
    assert acct.stage(C, cid) == "subscriber"


# Rule 22 -------------------------------------------------------------------------------

def test_a_lost_deal_changes_no_lifecycle_stage(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    acct.settings(dealCreated={"enabled": False})
    did = deal(acct, "appointmentscheduled", cid)
    acct.update(D, did, {"dealstage": "closedlost"})
    assert acct.stage(C, cid) == "lead"


# Rule 23 -------------------------------------------------------------------------------

def test_pipeline_stage_rule_sets_the_stage_when_a_deal_enters_that_stage(acct: Acct) -> None:
    acct.settings(dealCreated={"enabled": False}, pipelineStageRules=[
        {"pipelineId": "default", "stageId": "contractsent",
         "lifecycleStage": "salesqualifiedlead"}])
    cid = acct.contact(stage="lead")
    did = deal(acct, "appointmentscheduled", cid)
    assert acct.stage(C, cid) == "lead"
    acct.update(D, did, {"dealstage": "contractsent"})
    assert acct.stage(C, cid) == "salesqualifiedlead"
    v = stage_history(acct, C, cid)[0]
    assert v.source_id == "pipeline_stage_rule"


# Rule 24-25 ----------------------------------------------------------------------------

def test_a_deal_won_cascades_to_the_company_and_its_primary_contacts(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    co = acct.company(stage="lead")
    others = [acct.contact(stage="subscriber") for _ in range(3)]
    for c in others:
        acct.associate(C, c, CO, co, (1,))
    did = deal(acct, "appointmentscheduled", companies=(co,))
    acct.update(D, did, {"dealstage": "closedwon"})
    assert acct.stage(CO, co) == "customer"
    assert [acct.stage(C, c) for c in others] == ["customer"] * 3
    v = stage_history(acct, C, others[0])[0]
    assert (v.source_id, v.value) == ("company_sync", "customer")


# Rule 27 -------------------------------------------------------------------------------

def test_contact_with_a_company_email_joins_that_company_as_primary(acct: Acct) -> None:
    cid = acct.contact(email="ada@acme.test")
    values = acct.values(C, cid)
    co = values["associatedcompanyid"]
    assert acct.values(CO, co)["domain"] == "acme.test"
    second = acct.contact(email="bob@ACME.test")
    assert acct.values(C, second)["associatedcompanyid"] == co  # same company, not a new one


def test_free_mail_addresses_join_no_company(acct: Acct) -> None:
    cid = acct.contact(email="someone@gmail.com")
    assert "associatedcompanyid" not in acct.values(C, cid)


def test_company_association_by_domain_can_be_turned_off(acct: Acct) -> None:
    acct.settings(autoAssociateCompaniesByDomain=False)
    cid = acct.contact(email="ada@off.test")
    assert "associatedcompanyid" not in acct.values(C, cid)


def test_auto_associated_contact_follows_its_company_when_sync_is_on(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    co = acct.company(domain="synced.test", stage="customer")
    cid = acct.contact(email="x@synced.test", stage="lead")
    assert acct.values(C, cid)["associatedcompanyid"] == co
    assert acct.stage(C, cid) == "customer"


def test_contact_created_with_a_primary_company_keeps_it_over_its_email_domain(acct: Acct
                                                                               ) -> None:
    mine = acct.company(domain="mine.test")
    with acct.unit() as ctx:
        [res] = records.create(ctx, C, [NewRecord({"email": "a@other.test"},
                                                  [(CO, mine, (1,))])], API)
    assert acct.values(C, res.record_id)["associatedcompanyid"] == mine


# Rule 18: the first stage is the first of the current order ------------------------------

def test_web_app_creation_gets_the_first_stage_of_the_current_order(acct: Acct) -> None:
    from stagecoach.services.lifecycle import stages

    acct.in_unit(lambda ctx: stages.move(ctx, "lead", 0))
    from_index = acct.create(C, {"email": "first@example.test"}, source=UI)
    # From another record's page: created already associated with that record.
    from_record_page = acct.create(CO, {"name": "Made from a contact"}, source=UI,
                                   assoc=[(C, from_index, ())])
    assert acct.stage(C, from_index) == "lead"
    assert acct.stage(CO, from_record_page) == "lead"
    assert acct.stage(C, acct.create(C, {}, source=API)) is None


# Rules 19-20, 22: open, won and lost deals -----------------------------------------------

def test_associating_an_open_deal_later_makes_a_company_an_opportunity(acct: Acct) -> None:
    co = acct.company(stage="lead")
    did = deal(acct)
    acct.associate(D, did, CO, co)
    assert acct.stage(CO, co) == "opportunity"
    v = stage_history(acct, CO, co)[0]
    assert (v.source_type, v.source_id) == ("LIFECYCLE_AUTOMATION", "deal_created")


def test_a_company_associated_with_an_already_won_deal_becomes_customer_with_closedate(
        acct: Acct) -> None:
    did = deal(acct, "closedwon")
    won_at = acct.now
    co = acct.company(stage="lead")
    acct.tick(2 * DAY)
    acct.associate(CO, co, D, did)
    values = acct.values(CO, co)
    assert values["lifecyclestage"] == "customer"
    assert values["closedate"] == won_at


def test_a_lost_deal_makes_no_opportunity_when_created_or_associated(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    co = acct.company(stage="subscriber")
    deal(acct, "closedlost", cid)
    lost = deal(acct, "closedlost")
    acct.associate(D, lost, CO, co)
    assert acct.stage(C, cid) == "lead"
    assert acct.stage(CO, co) == "subscriber"
    assert "closedate" not in acct.values(C, cid)


def test_won_is_stage_data_never_the_stage_name(acct: Acct) -> None:
    from stagecoach.services.catalog import pipelines
    from stagecoach.services.catalog.pipeline_input import StageSpec
    from stagecoach.services.catalog.pipelines import PipelineSpec

    p = acct.in_unit(lambda ctx: pipelines.create(ctx, PipelineSpec("Named", None, [
        StageSpec(label="Open", metadata={"isClosed": "false", "probability": "0.2"}),
        StageSpec(label="Closed Won", metadata={"isClosed": "false", "probability": "0.9"}),
        StageSpec(label="Done", metadata={"isClosed": "true", "probability": "1.0"}),
    ])))
    open_, named_won, really_won = (s.id for s in p.stages)
    cid = acct.contact(stage="lead")
    did = acct.create(D, {"dealname": "N", "pipeline": p.id, "dealstage": open_},
                      assoc=[(C, cid, ())])
    acct.update(D, did, {"dealstage": named_won})
    assert acct.stage(C, cid) == "opportunity"
    assert "closedate" not in acct.values(C, cid)
    acct.update(D, did, {"dealstage": really_won})
    assert acct.stage(C, cid) == "customer"


# Rule 23: any pipeline, contacts and companies -------------------------------------------

def test_pipeline_stage_rule_of_a_custom_pipeline_moves_contacts_and_companies(acct: Acct
                                                                              ) -> None:
    from stagecoach.services.catalog import pipelines
    from stagecoach.services.catalog.pipeline_input import StageSpec
    from stagecoach.services.catalog.pipelines import PipelineSpec

    p = acct.in_unit(lambda ctx: pipelines.create(ctx, PipelineSpec("Partners", None, [
        StageSpec(label="Talking", metadata={"isClosed": "false", "probability": "0.1"}),
        StageSpec(id="vetted", label="Vetted",
                  metadata={"isClosed": "false", "probability": "0.5"}),
    ])))
    acct.settings(dealCreated={"enabled": False}, pipelineStageRules=[
        {"pipelineId": p.id, "stageId": "vetted", "lifecycleStage": "marketingqualifiedlead"}])
    cid = acct.contact(stage="subscriber")
    co = acct.company(stage="lead")
    did = acct.create(D, {"dealname": "P", "pipeline": p.id, "dealstage": p.stages[0].id},
                      assoc=[(C, cid, ()), (CO, co, ())])
    assert (acct.stage(C, cid), acct.stage(CO, co)) == ("subscriber", "lead")
    acct.update(D, did, {"dealstage": "vetted"})
    assert (acct.stage(C, cid), acct.stage(CO, co)) == ("marketingqualifiedlead",
                                                        "marketingqualifiedlead")
    assert stage_history(acct, CO, co)[0].source_id == "pipeline_stage_rule"


# Rule 24: the cascade is one write ------------------------------------------------------

def test_a_deal_won_cascade_is_written_at_the_instant_of_the_deal_move(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    co = acct.company(stage="lead")
    cid = acct.contact(stage="subscriber")
    acct.associate(C, cid, CO, co, (1,))
    did = deal(acct, "appointmentscheduled", companies=(co,))
    acct.update(D, did, {"dealstage": "closedwon"})
    moved_at = ms_to_iso(acct.now)
    company_v, contact_v = stage_history(acct, CO, co)[0], stage_history(acct, C, cid)[0]
    assert (company_v.value, company_v.source_id, company_v.timestamp) == (
        "customer", "deal_won", moved_at)
    assert (contact_v.value, contact_v.source_id, contact_v.timestamp) == (
        "customer", "company_sync", moved_at)


# Rule 25: synchronous -------------------------------------------------------------------

def test_automation_effects_are_in_reads_searches_and_reports_when_the_write_returns(
        acct: Acct) -> None:
    from stagecoach.domain import search as search_rules
    from stagecoach.services.reporting import reports
    from stagecoach.store.records import search as search_store

    acct.settings(syncWithPrimaryCompany=True)
    co = acct.company(stage="lead")
    cid = acct.contact(stage="subscriber")
    acct.associate(C, cid, CO, co, (1,))
    did = deal(acct, "appointmentscheduled", companies=(co,))
    acct.update(D, did, {"dealstage": "closedwon"})
    assert acct.stage(C, cid) == "customer"
    with acct.ctx_readonly() as ctx:
        req = search_rules.parse({"filterGroups": [{"filters": [
            {"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}]}]},
            C, ctx.catalog.require_definition)
        rows, total = search_store.search(ctx.conn, ctx.catalog, C, req)
        in_stage = reports.time_in_stage(ctx, {"stages": "customer"}).stages[0].as_json()
        funnel = reports.funnel(ctx, {"stages": ["subscriber", "customer"], "mode": "any"})
    assert [r.id for r in rows] == [cid] and total == 1
    assert in_stage["currentCount"] == 1
    assert [s.count for s in funnel.steps] == [1, 1]


# Rule 26: a setting never rewrites the past by itself ------------------------------------

def test_changing_settings_moves_no_existing_record(acct: Acct) -> None:
    acct.settings(dealWon={"enabled": False}, dealCreated={"enabled": False})
    empty = acct.contact()
    co = acct.company(stage="customer")
    follower = acct.contact(stage="lead")
    acct.associate(C, follower, CO, co, (1,))
    buyer = acct.contact(stage="lead")
    deal(acct, "closedwon", buyer)
    acct.settings(createDefault={"enabled": True, "stage": "subscriber"},
                  syncWithPrimaryCompany=True, dealWon={"enabled": True, "stage": "customer"},
                  dealCreated={"enabled": True, "stage": "opportunity"})
    assert acct.stage(C, empty) is None
    assert acct.stage(C, follower) == "lead"
    assert acct.stage(C, buyer) == "lead"
    assert "closedate" not in acct.values(C, buyer)
