from __future__ import annotations

from stagecoach.domain.sources import Source, SourceType
from stagecoach.services.lifecycle import explain
from tests.helpers import API, CO, UI, Acct, C, D


def _explain(acct: Acct, ot, rid: int):  # type: ignore[no-untyped-def]
    with acct.ctx_readonly() as ctx:
        return explain.explain(ctx, ot, rid)


def test_explain_follows_deal_won_back_to_the_person_who_moved_the_deal(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    did = acct.create(D, {"dealname": "Big", "dealstage": "appointmentscheduled"},
                      assoc=[(C, cid, ())])
    acct.update(D, did, {"dealstage": "closedwon"}, UI)
    out = _explain(acct, C, cid)
    assert out["stage"] == "customer"
    first, second = out["chain"]
    assert (first["objectType"], first["objectId"], first["to"], first["rule"]) == (
        "contacts", str(cid), "customer", "deal_won")
    assert (second["objectType"], second["objectId"], second["property"], second["to"]) == (
        "deals", str(did), "dealstage", "closedwon")
    assert second["sourceType"] == "CRM_UI" and second["rule"] is None
    assert out["summary"].startswith(f"Customer ← deal {did} moved to Closed Won by ")
    assert "in the web app" in out["summary"]
    assert out["summary"].endswith("← setting 'when a deal is won'")


def test_explain_follows_company_sync_through_the_company(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    co = acct.company(stage="lead")
    cid = acct.contact(stage="subscriber")
    acct.associate(C, cid, CO, co, (1,))
    acct.set_stage(CO, co, "salesqualifiedlead", UI)
    chain = _explain(acct, C, cid)["chain"]
    assert [(s["objectType"], s["rule"]) for s in chain] == [
        ("contacts", "company_sync"), ("companies", None)]


def test_explain_of_association_trigger_ends_at_the_association(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    did = acct.create(D, {"dealname": "Open"})
    acct.associate(D, did, C, cid)
    chain = _explain(acct, C, cid)["chain"]
    assert chain[0]["rule"] == "deal_created"
    assert chain[1]["property"] == "associations"
    assert chain[1]["objectType"] == "deals" and chain[1]["to"] == f"contacts/{cid}"


def test_explain_lists_blocked_writes(acct: Acct) -> None:
    cid = acct.contact(stage="customer")
    acct.set_stage(C, cid, "lead", Source(SourceType.IMPORT, "import-7"))
    out = _explain(acct, C, cid)
    assert out["blockedWrites"][0] == {
        "property": "lifecyclestage", "attemptedValue": "lead", "keptValue": "customer",
        "sourceType": "IMPORT", "sourceId": "import-7", "reason": "backward",
        "timestamp": out["blockedWrites"][0]["timestamp"], "cause": None}
    assert out["chain"][0]["sourceType"] == "API"


def test_explain_of_a_direct_write_is_one_step(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    out = _explain(acct, C, cid)
    assert len(out["chain"]) == 1
    assert API.label is None
    assert out["summary"] == "Lead ← through the API"
    assert out["chain"][0]["sourceId"] == "test-app"


def test_every_automated_version_records_the_change_that_caused_it(acct: Acct) -> None:
    from sqlalchemy import select

    from stagecoach.store.schema import property_history

    acct.settings(syncWithPrimaryCompany=True)
    co = acct.company(stage="subscriber")
    cid = acct.contact(stage="subscriber")
    acct.associate(C, cid, CO, co, (1,))
    did = acct.create(D, {"dealname": "Chain", "dealstage": "appointmentscheduled"},
                      assoc=[(CO, co, ())])
    acct.update(D, did, {"dealstage": "closedwon"}, UI)
    h = property_history.c
    with acct.ctx_readonly() as ctx:
        automated = ctx.conn.execute(
            select(h.source_id, h.property, h.cause_kind, h.cause_id)
            .where(h.account_id == acct.id, h.source_type == "LIFECYCLE_AUTOMATION")).all()
    assert {(r.source_id, r.property) for r in automated} >= {
        ("deal_created", "lifecyclestage"), ("deal_won", "lifecyclestage"),
        ("deal_won", "closedate"), ("company_sync", "lifecyclestage")}
    assert all(r.cause_kind in ("property", "association") and r.cause_id is not None
               for r in automated), automated


def test_explain_names_the_old_and_new_value_of_each_triggering_change(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    co = acct.company(stage="lead")
    cid = acct.contact(stage="subscriber")
    acct.associate(C, cid, CO, co, (1,))
    did = acct.create(D, {"dealname": "Old new", "dealstage": "appointmentscheduled"},
                      assoc=[(CO, co, ())])
    acct.update(D, did, {"dealstage": "closedwon"}, UI)
    chain = _explain(acct, C, cid)["chain"]
    assert [(s["objectType"], s["objectId"], s["property"], s["from"], s["to"], s["rule"])
            for s in chain] == [
        ("contacts", str(cid), "lifecyclestage", "opportunity", "customer", "company_sync"),
        ("companies", str(co), "lifecyclestage", "opportunity", "customer", "deal_won"),
        ("deals", str(did), "dealstage", "appointmentscheduled", "closedwon", None)]
