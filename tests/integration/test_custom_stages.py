"""Custom lifecycle stages (lifecycle spec section 8, rules 35-39) and lead status (rule 40)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from stagecoach.domain import lifecycle_dates as ld
from stagecoach.domain.errors import NotFound, ValidationError
from stagecoach.services.auth.accounts import Principal
from stagecoach.services.lifecycle import stages
from stagecoach.store.schema import property_history, stage_orders
from tests.helpers import API, CO, UI, Acct, C


def history(acct: Acct, ot, rid: int, prop: str) -> list:  # type: ignore[no-untyped-def]
    with acct.ctx_readonly() as ctx:
        h = property_history.c
        return list(ctx.conn.execute(
            select(h.value, h.source_type, h.source_id, h.op_id, h.ts)
            .where(h.account_id == acct.id, h.object_type == int(ot), h.record_id == rid,
                   h.property == prop).order_by(h.id)))


def test_new_stage_gets_numeric_value_and_derived_properties(acct: Acct) -> None:
    stage = acct.in_unit(lambda ctx: stages.add(ctx, "Trial", position=2))
    assert stage.value.isdigit() and stage.label == "Trial"
    with acct.ctx_readonly() as ctx:
        assert ctx.catalog.stages.values[2] == stage.value
        for key in (ld.became_key(stage.value), ld.entered_key(stage.value),
                    ld.exited_key(stage.value), ld.latest_key(stage.value),
                    ld.cumulative_key(stage.value)):
            assert ctx.catalog.definition(C, key) is not None, key
            assert ctx.catalog.definition(CO, key) is not None, key
        assert ctx.catalog.definition(C, ld.became_key(stage.value)).label == (
            "Became a Trial Date")
    cid = acct.contact(stage="lead")
    acct.set_stage(C, cid, stage.value)
    values = acct.values(C, cid)
    assert values["lifecyclestage"] == stage.value
    assert values[ld.became_key(stage.value)] == acct.now
    assert values[ld.entered_key(stage.value)] == acct.now


def test_two_new_stages_get_different_values(acct: Acct) -> None:
    a = acct.in_unit(lambda ctx: stages.add(ctx, "Trial"))
    b = acct.in_unit(lambda ctx: stages.add(ctx, "Churned"))
    assert a.value != b.value


def test_a_stage_label_is_unique_case_insensitively(acct: Acct) -> None:
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: stages.add(ctx, "  lead "))
    assert err.value.code == "DUPLICATE_STAGE_LABEL"


def test_renaming_a_stage_keeps_value_history_and_dates(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    before = acct.values(C, cid)
    hist_before = history(acct, C, cid, "lifecyclestage")
    acct.in_unit(lambda ctx: stages.rename(ctx, "lead", "Prospect"))
    after = acct.values(C, cid)
    assert after == before
    assert after["lifecyclestage"] == "lead"
    assert history(acct, C, cid, "lifecyclestage") == hist_before
    with acct.ctx_readonly() as ctx:
        assert ctx.catalog.stages.label("lead") == "Prospect"
        assert ctx.catalog.definition(C, ld.became_key("lead")).label == (
            "Became a Prospect Date")
        assert ctx.catalog.stages.resolve("prospect") == "lead"


def test_reordering_changes_forward_from_then_on(acct: Acct) -> None:
    cid = acct.contact(stage="marketingqualifiedlead")
    res = acct.set_stage(C, cid, "lead")  # backward in the default order: ignored
    assert res.ignored == ["lifecyclestage"]
    assert acct.stage(C, cid) == "marketingqualifiedlead"
    hist_before = history(acct, C, cid, "lifecyclestage")
    with acct.ctx_readonly() as ctx:
        versions_before = ctx.conn.execute(select(func.count()).select_from(stage_orders).where(
            stage_orders.c.account_id == acct.id)).scalar_one()
    order = ["subscriber", "marketingqualifiedlead", "lead", "salesqualifiedlead",
             "opportunity", "customer", "evangelist", "other"]
    acct.in_unit(lambda ctx: stages.reorder(ctx, order))
    # The past is as it was: same record, same history.
    assert acct.stage(C, cid) == "marketingqualifiedlead"
    assert history(acct, C, cid, "lifecyclestage") == hist_before
    # From now on, lead is after marketingqualifiedlead.
    res = acct.set_stage(C, cid, "lead")
    assert res.ignored == []
    assert acct.stage(C, cid) == "lead"
    with acct.ctx_readonly() as ctx:
        rows = ctx.conn.execute(select(stage_orders.c.stages).where(
            stage_orders.c.account_id == acct.id).order_by(stage_orders.c.version)).all()
    assert len(rows) == versions_before + 1
    assert [v for v, _ in rows[-1][0]] == order
    assert [v for v, _ in rows[-2][0]][1] == "lead"


def test_moving_one_stage_to_a_position(acct: Acct) -> None:
    acct.in_unit(lambda ctx: stages.move(ctx, "other", 0))
    with acct.ctx_readonly() as ctx:
        assert ctx.catalog.stages.values[0] == "other"
        assert ctx.catalog.stages.last == "evangelist"


def test_a_reorder_must_name_every_stage_once(acct: Acct) -> None:
    with pytest.raises(ValidationError):
        acct.in_unit(lambda ctx: stages.reorder(ctx, ["lead", "subscriber"]))


def test_deleting_a_held_stage_is_refused_with_its_references(acct: Acct) -> None:
    acct.contact(stage="evangelist")
    acct.contact(stage="evangelist")
    acct.company(stage="evangelist")
    acct.settings(dealWon={"enabled": True, "stage": "evangelist"},
                  pipelineStageRules=[{"pipelineId": "default", "stageId": "contractsent",
                                       "lifecycleStage": "evangelist"}])
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: stages.delete(ctx, "evangelist"))
    assert err.value.code == "STAGE_IN_USE"
    refs = err.value.context["references"]
    assert {"kind": "records", "id": "contacts", "label": "2 contacts", "count": 2} in refs
    assert {"kind": "records", "id": "companies", "label": "1 company", "count": 1} in refs
    assert any(r["kind"] == "setting" and r["id"] == "dealWon" for r in refs)
    assert any(r["kind"] == "pipelineStageRule" and r["id"] == "default/contractsent"
               for r in refs)
    assert "2 contacts" in err.value.message
    with acct.ctx_readonly() as ctx:
        assert "evangelist" in ctx.catalog.stages


def test_a_replacement_does_not_override_references_other_than_records(acct: Acct) -> None:
    acct.settings(createDefault={"enabled": False, "stage": "evangelist"})
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: stages.delete(ctx, "evangelist", replacement="customer"))
    assert [r["id"] for r in err.value.context["references"]] == ["createDefault"]


def test_deleting_an_unreferenced_stage_removes_it_and_its_properties(acct: Acct) -> None:
    result = acct.in_unit(lambda ctx: stages.delete(ctx, "evangelist"))
    assert result.moved == 0
    with acct.ctx_readonly() as ctx:
        assert "evangelist" not in ctx.catalog.stages
        assert ctx.catalog.definition(C, ld.became_key("evangelist")) is None
    with pytest.raises(ValidationError):
        acct.contact(stage="evangelist")


def test_deleting_with_replacement_moves_every_record_in_one_audited_step(acct: Acct) -> None:
    contacts = [acct.contact(stage="evangelist") for _ in range(3)]
    company = acct.company(stage="evangelist")
    bystander = acct.contact(stage="customer")
    result = acct.in_unit(lambda ctx: stages.delete(ctx, "evangelist", replacement="lead"))
    assert result.moved == 4
    ops = set()
    for ot, rid in [(C, c) for c in contacts] + [(CO, company)]:
        values = acct.values(ot, rid)
        assert values["lifecyclestage"] == "lead"  # backward, and still applied
        assert values[ld.exited_key("evangelist")] == acct.now
        last = history(acct, ot, rid, "lifecyclestage")[-1]
        assert (last.value, last.source_type, last.source_id) == (
            "lead", "LIFECYCLE_AUTOMATION", "stage_deleted")
        ops.add(last.op_id)
    assert len(ops) == 1
    assert acct.stage(C, bystander) == "customer"
    with acct.ctx_readonly() as ctx:
        assert "evangelist" not in ctx.catalog.stages


def test_a_replacement_must_be_another_existing_stage(acct: Acct) -> None:
    for bad in ("evangelist", "wizard"):
        with pytest.raises(ValidationError) as err:
            acct.in_unit(lambda ctx, bad=bad: stages.delete(ctx, "evangelist", bad))
        assert err.value.code == "INVALID_REPLACEMENT_STAGE"


def test_deleting_an_unknown_stage_is_not_found(acct: Acct) -> None:
    with pytest.raises(NotFound):
        acct.in_unit(lambda ctx: stages.delete(ctx, "wizard"))


def test_only_account_admins_may_change_stages() -> None:
    admin = Principal(1, frozenset(), user_id=1, role="admin")
    member = Principal(1, frozenset({"crm.schemas.contacts.write"}), user_id=2, role="member")
    token = Principal(1, frozenset({"crm.schemas.contacts.write"}), token_id=1)
    reader = Principal(1, frozenset({"crm.schemas.contacts.read"}), token_id=2)
    assert stages.may_change(admin)
    assert not stages.may_change(member)
    assert stages.may_change(token)
    assert not stages.may_change(reader)


def test_lead_status_changes_are_in_history_with_no_ordering_rule(acct: Acct) -> None:
    cid = acct.contact()
    for status in ("CONNECTED", "NEW", "BAD_TIMING", "OPEN"):
        acct.update(C, cid, {"hs_lead_status": status}, API)
    assert acct.values(C, cid)["hs_lead_status"] == "OPEN"
    assert [r.value for r in history(acct, C, cid, "hs_lead_status")] == [
        "CONNECTED", "NEW", "BAD_TIMING", "OPEN"]
    company = acct.company()
    acct.update(CO, company, {"hs_lead_status": "UNQUALIFIED"}, UI)
    acct.update(CO, company, {"hs_lead_status": "NEW"}, UI)
    assert acct.values(CO, company)["hs_lead_status"] == "NEW"
    with pytest.raises(ValidationError) as err:
        acct.update(C, cid, {"hs_lead_status": "HOT"}, API)
    assert err.value.code == "INVALID_OPTION"


def test_deleting_with_replacement_costs_the_same_statements_for_any_number(
        acct: Acct) -> None:
    from sqlalchemy import event

    from stagecoach.services.records import records
    from stagecoach.services.records.records import NewRecord

    def statements_to_delete(n: int) -> int:
        stage = acct.in_unit(lambda ctx: stages.add(ctx, f"Temp {n}"))
        with acct.unit() as ctx:
            records.create(ctx, C, [NewRecord({"lifecyclestage": stage.value})] * n, API)
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(acct.sc.engine, "before_cursor_execute", count)
        try:
            moved = acct.in_unit(lambda ctx: stages.delete(ctx, stage.value, "lead")).moved
        finally:
            event.remove(acct.sc.engine, "before_cursor_execute", count)
        assert moved == n
        return len(seen)

    assert statements_to_delete(3) == statements_to_delete(60)


def test_concurrent_stage_changes_lose_nothing(acct: Acct) -> None:
    from concurrent.futures import ThreadPoolExecutor

    labels = [f"Parallel {i}" for i in range(6)]

    def add(label: str) -> str:
        return acct.sc.run(acct.id, lambda ctx: stages.add(ctx, label).value,  # type: ignore[return-value]
                           now=acct.now)

    with ThreadPoolExecutor(max_workers=3) as pool:
        values = list(pool.map(add, labels))
    with acct.ctx_readonly() as ctx:
        assert set(values) <= set(ctx.catalog.stages.values)
        assert len(ctx.catalog.stages) == 8 + len(labels)


def test_deleting_a_stage_a_form_or_saved_view_names_is_refused(acct: Acct) -> None:
    from stagecoach.services.inbound import forms
    from stagecoach.store.records import saved_views

    acct.in_unit(lambda ctx: forms.create(ctx, {
        "name": "Evangelists", "kind": "lead",
        "fields": [{"name": "email", "label": "Email", "required": True}],
        "lifecycleStages": [{"objectTypeId": "0-1", "value": "evangelist"},
                            {"objectTypeId": "0-2", "value": "evangelist"}]}))
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: stages.delete(ctx, "evangelist"))
    assert [r["kind"] for r in err.value.context["references"]] == ["form"]
    acct.in_unit(lambda ctx: saved_views.insert(
        ctx.conn, acct.id, C, "Our fans", None, ["other"], "", None, ["name"], "name",
        ctx.now))
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: stages.delete(ctx, "other"))
    assert [r["kind"] for r in err.value.context["references"]] == ["savedView"]


def test_lead_status_defaults_are_the_spec_list_on_contacts_and_companies(acct: Acct) -> None:
    with acct.ctx_readonly() as ctx:
        for ot in (C, CO):
            assert ctx.catalog.definition(ot, "hs_lead_status").option_values() == (
                "NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED",
                "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING")


def test_lead_status_moves_any_way_from_any_source(acct: Acct) -> None:
    from stagecoach.domain.sources import Source, SourceType

    cid = acct.contact(hs_lead_status="CONNECTED")
    for src in (Source(SourceType.IMPORT, "i"), Source(SourceType.WORKFLOWS, "w"),
                Source(SourceType.FORM, "f")):
        acct.update(C, cid, {"hs_lead_status": "NEW"}, src)
        assert acct.values(C, cid)["hs_lead_status"] == "NEW"
        acct.update(C, cid, {"hs_lead_status": "BAD_TIMING"}, src)
    assert [r.source_type for r in history(acct, C, cid, "hs_lead_status")][-2:] == [
        "FORM", "FORM"]


def test_a_new_stage_keeps_its_time_in_stage_properties(acct: Acct) -> None:
    trial = acct.in_unit(lambda ctx: stages.add(ctx, "Trial", position=2)).value
    cid = acct.contact(stage="lead")
    acct.set_stage(C, cid, trial)
    entered = acct.now
    acct.set_stage(C, cid, "customer")
    values = acct.values(C, cid)
    assert values[ld.exited_key(trial)] == acct.now
    assert values[ld.latest_key(trial)] == values[ld.cumulative_key(trial)] == acct.now - entered


def test_a_token_without_the_admin_scope_cannot_change_stages_through_the_api(
        acct: Acct) -> None:
    from fastapi.testclient import TestClient

    from stagecoach.api.app import create_app

    member = acct.token_with("crm.objects.contacts.write", "crm.schemas.contacts.read",
                             name="member")
    auth = {"Authorization": f"Bearer {member}"}
    with TestClient(create_app(acct.sc)) as client:
        assert client.get("/lifecycle/v1/stages", headers=auth).status_code == 200
        refused = [
            client.post("/lifecycle/v1/stages", headers=auth, json={"label": "Trial"}),
            client.patch("/lifecycle/v1/stages/lead", headers=auth, json={"label": "X"}),
            client.patch("/lifecycle/v1/stages/lead", headers=auth, json={"position": 0}),
            client.delete("/lifecycle/v1/stages/other", headers=auth),
            client.patch("/crm/v3/properties/contacts/lifecyclestage", headers=auth,
                         json={"options": [{"label": "Trial", "value": "",
                                            "displayOrder": 2}]}),
        ]
        admin = client.post("/lifecycle/v1/stages", json={"label": "Trial"},
                            headers={"Authorization": f"Bearer {acct.token}"})
    assert [r.status_code for r in refused] == [403] * 5
    assert admin.status_code == 201
    with acct.ctx_readonly() as ctx:
        assert [s.label for s in ctx.catalog.stages][:2] == ["Subscriber", "Lead"]
        assert "other" in ctx.catalog.stages and len(ctx.catalog.stages) == 9
