"""Property definitions as a service (api spec section 6)."""

from __future__ import annotations

import pytest

from stagecoach.domain.errors import Conflict, NotFound, ValidationError
from stagecoach.services.catalog import properties
from stagecoach.services.catalog.property_input import OptionSpec, PropertySpec
from stagecoach.services.lifecycle import stages
from stagecoach.services.records import reads
from tests.helpers import API, CO, Acct, C, D


def spec(name: str, ptype: str, field_type: str | None = None, **kw) -> PropertySpec:  # type: ignore[no-untyped-def]
    return PropertySpec(name=name, label=name.title(), type=ptype, field_type=field_type,
                        group_name="contactinformation", **kw)


def test_a_custom_property_is_usable_at_once_in_writes_and_reads(acct: Acct) -> None:
    def scenario(ctx):  # type: ignore[no-untyped-def]
        from stagecoach.services.records import records
        from stagecoach.services.records.records import NewRecord

        properties.create(ctx, C, spec("score", "number"))
        properties.create(ctx, C, spec("renewal", "date"))
        properties.create(ctx, C, spec("vip", "bool", "booleancheckbox"))
        properties.create(ctx, C, spec("tier", "enumeration", "select", options=[
            OptionSpec("gold", "Gold"), OptionSpec("silver", "Silver")]))
        made = records.create(ctx, C, [NewRecord({
            "score": "42.5", "renewal": "2025-03-01", "vip": "true", "tier": "gold"})], API)
        rid = made[0].record_id
        row = reads.get_many(ctx, C, [rid])[rid]
        return reads.properties_of(ctx.catalog, row, ["score", "renewal", "vip", "tier"])

    assert acct.in_unit(scenario) == {"score": "42.5", "renewal": "2025-03-01",
                                      "vip": "true", "tier": "gold"}


def test_a_custom_enumeration_refuses_values_outside_its_options(acct: Acct) -> None:
    acct.in_unit(lambda ctx: properties.create(ctx, CO, spec("tier", "enumeration", options=[
        OptionSpec("gold", "Gold")])))
    with pytest.raises(ValidationError) as err:
        acct.company(tier="bronze")
    assert err.value.code == "INVALID_OPTION"
    assert acct.values(CO, acct.company(tier="gold"))["tier"] == "gold"


def test_a_property_name_already_used_is_a_conflict(acct: Acct) -> None:
    with pytest.raises(Conflict):
        acct.in_unit(lambda ctx: properties.create(ctx, C, spec("email", "string")))
    acct.in_unit(lambda ctx: properties.create(ctx, C, spec("nickname", "string")))
    with pytest.raises(Conflict):
        acct.in_unit(lambda ctx: properties.create(ctx, C, spec("nickname", "string")))
    # Another object type has its own names.
    acct.in_unit(lambda ctx: properties.create(ctx, D, spec("nickname", "string")))


@pytest.mark.parametrize("bad", [
    spec("Bad Name", "string"),
    spec("hs_mine", "string"),
    spec("ok_name", "colour"),
    spec("ok_name", "number", "select"),
    spec("ok_name", "enumeration", options=[]),
    spec("ok_name", "enumeration", options=[OptionSpec("a", "A"), OptionSpec("a", "B")]),
    spec("ok_name", "string", options=[OptionSpec("a", "A")]),
    spec("ok_name", "string", has_unique_value=True),
    PropertySpec(name="ok_name", label="", type="string", group_name="g"),
    PropertySpec(name="ok_name", label="L", type="string", group_name=""),
])
def test_an_invalid_definition_is_refused(acct: Acct, bad: PropertySpec) -> None:
    with pytest.raises(ValidationError):
        acct.in_unit(lambda ctx: properties.create(ctx, C, bad))


def test_archiving_removes_a_property_from_writes_and_reads(acct: Acct) -> None:
    acct.in_unit(lambda ctx: properties.create(ctx, C, spec("nickname", "string")))
    cid = acct.contact(nickname="Ada")
    acct.in_unit(lambda ctx: properties.archive(ctx, C, "nickname"))
    archived_at = acct.now
    with pytest.raises(ValidationError) as err:
        acct.contact(nickname="Bob")
    assert err.value.code == "PROPERTY_DOESNT_EXIST"
    with acct.ctx_readonly() as ctx:
        with pytest.raises(NotFound):
            properties.get(ctx, C, "nickname")
        archived = properties.get(ctx, C, "nickname", archived=True)
        assert archived.archived and archived.archived_at == archived_at
        assert [p.definition.name for p in properties.list_all(ctx, C, archived=True)] == [
            "nickname"]
        row = reads.get_many(ctx, C, [cid])[cid]
        assert "nickname" not in reads.properties_of(ctx.catalog, row, ["nickname"])


def test_built_in_definitions_are_read_only(acct: Acct) -> None:
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: properties.update(ctx, C, "email", PropertySpec(label="Mail")))
    assert err.value.code == "READ_ONLY_DEFINITION"
    with pytest.raises(ValidationError):
        acct.in_unit(lambda ctx: properties.archive(ctx, C, "firstname"))


def test_lead_status_options_are_editable(acct: Acct) -> None:
    acct.in_unit(lambda ctx: properties.update(ctx, C, "hs_lead_status", PropertySpec(
        options=[OptionSpec("NEW", "New"), OptionSpec("NURTURE", "Nurture")])))
    cid = acct.contact(hs_lead_status="NURTURE")
    assert acct.values(C, cid)["hs_lead_status"] == "NURTURE"
    with pytest.raises(ValidationError):
        acct.contact(hs_lead_status="OPEN")
    # Companies keep their own list.
    acct.company(hs_lead_status="OPEN")


def test_updating_a_custom_property_changes_its_definition(acct: Acct) -> None:
    acct.in_unit(lambda ctx: properties.create(ctx, C, spec("tier", "enumeration", options=[
        OptionSpec("gold", "Gold")])))
    info = acct.in_unit(lambda ctx: properties.update(ctx, C, "tier", PropertySpec(
        label="Customer tier", options=[OptionSpec("gold", "Gold"),
                                        OptionSpec("platinum", "Platinum")])))
    assert info.definition.label == "Customer tier"
    assert info.definition.option_values() == ("gold", "platinum")
    assert info.updated_at == acct.now
    acct.contact(tier="platinum")
    with pytest.raises(ValidationError):
        acct.in_unit(lambda ctx: properties.update(ctx, C, "tier", PropertySpec(
            type="string")))


def test_lifecyclestage_options_are_the_stage_set_in_order(acct: Acct) -> None:
    with acct.ctx_readonly() as ctx:
        info = properties.get(ctx, CO, "lifecyclestage")
    assert [(o.value, o.display_order) for o in info.definition.options][:2] == [
        ("subscriber", 0), ("lead", 1)]


def test_patching_lifecyclestage_options_adds_renames_and_reorders_stages(acct: Acct) -> None:
    with acct.ctx_readonly() as ctx:
        current = [OptionSpec(o.value, o.label) for o in
                   properties.get(ctx, C, "lifecyclestage").definition.options]
    wanted = [current[1], current[0]] + current[2:]          # lead before subscriber
    wanted[0] = OptionSpec("lead", "Prospect")                # rename
    wanted.insert(3, OptionSpec("new-one", "Trial"))          # add
    info = acct.in_unit(lambda ctx: properties.update(ctx, C, "lifecyclestage", PropertySpec(
        options=wanted)))
    values = [o.value for o in info.definition.options]
    labels = [o.label for o in info.definition.options]
    assert values[:3] == ["lead", "subscriber", "marketingqualifiedlead"]
    assert labels[0] == "Prospect" and labels[3] == "Trial"
    assert values[3].isdigit()
    with acct.ctx_readonly() as ctx:
        assert ctx.catalog.stages.values == tuple(values)


def test_display_orders_decide_the_stage_order_when_all_are_given(acct: Acct) -> None:
    with acct.ctx_readonly() as ctx:
        current = list(ctx.catalog.stages)
    opts = [OptionSpec(s.value, s.label, display_order=len(current) - i)
            for i, s in enumerate(current)]
    acct.in_unit(lambda ctx: properties.update(ctx, C, "lifecyclestage",
                                               PropertySpec(options=opts)))
    with acct.ctx_readonly() as ctx:
        assert ctx.catalog.stages.values == tuple(reversed([s.value for s in current]))


def test_omitting_a_held_stage_from_lifecyclestage_options_is_refused(acct: Acct) -> None:
    acct.contact(stage="other")
    with acct.ctx_readonly() as ctx:
        opts = [OptionSpec(s.value, s.label) for s in ctx.catalog.stages if s.value != "other"]
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: properties.update(ctx, C, "lifecyclestage",
                                                   PropertySpec(options=opts)))
    assert err.value.code == "STAGE_IN_USE"
    # An unheld stage can go the same way.
    opts_without_evangelist = [OptionSpec(s.value, s.label) for s in
                               stages.StageSet.default() if s.value != "evangelist"]
    acct.in_unit(lambda ctx: properties.update(ctx, C, "lifecyclestage",
                                               PropertySpec(options=opts_without_evangelist)))
    with acct.ctx_readonly() as ctx:
        assert "evangelist" not in ctx.catalog.stages


def test_lifecyclestage_definition_other_than_options_is_read_only(acct: Acct) -> None:
    with pytest.raises(ValidationError) as err:
        acct.in_unit(lambda ctx: properties.update(ctx, C, "lifecyclestage",
                                                   PropertySpec(label="Stage")))
    assert err.value.code == "READ_ONLY_DEFINITION"


def test_the_property_list_holds_builtins_stage_families_and_custom(acct: Acct) -> None:
    acct.in_unit(lambda ctx: properties.create(ctx, C, spec("nickname", "string")))
    with acct.ctx_readonly() as ctx:
        names = {p.definition.name: p for p in properties.list_all(ctx, C)}
    assert {"email", "lifecyclestage", "hs_lead_status", "hs_lifecyclestage_lead_date",
            "nickname"} <= set(names)
    assert names["nickname"].custom and not names["email"].custom
    assert names["createdate"].read_only_value
    assert not names["hs_lead_status"].read_only_definition
