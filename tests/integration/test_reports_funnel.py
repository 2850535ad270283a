"""Funnel reports (rule 45) on data whose answer is known by construction."""

from __future__ import annotations

import pytest

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.stages import StageSet
from stagecoach.services.reporting import reports
from stagecoach.store.auth.accounts import write_stage_set
from tests.helpers import UI, Acct, C

STAGES = ["lead", "marketingqualifiedlead", "salesqualifiedlead", "customer"]


def build_paths(acct: Acct) -> dict[str, int]:
    """Five contacts whose paths exercise skips, re-entries, backward moves and clears."""
    ids = {}
    # c1 walks the whole funnel in order.
    ids["c1"] = acct.contact("lead")
    for s in STAGES[1:]:
        acct.set_stage(C, ids["c1"], s)
    # c2 skips MQL.
    ids["c2"] = acct.contact("lead")
    acct.set_stage(C, ids["c2"], "salesqualifiedlead")
    acct.set_stage(C, ids["c2"], "customer")
    # c3 starts at MQL, never a lead.
    ids["c3"] = acct.contact("marketingqualifiedlead")
    acct.set_stage(C, ids["c3"], "salesqualifiedlead")
    # c4 entered SQL first, was moved back to lead by a person, then went up again.
    ids["c4"] = acct.contact("salesqualifiedlead")
    acct.set_stage(C, ids["c4"], "lead", UI)
    acct.set_stage(C, ids["c4"], "marketingqualifiedlead")
    acct.set_stage(C, ids["c4"], "salesqualifiedlead")
    # c5 was cleared after lead, then set to MQL and customer.
    ids["c5"] = acct.contact("lead")
    acct.update(C, ids["c5"], {"lifecyclestage": ""}, UI)
    acct.set_stage(C, ids["c5"], "marketingqualifiedlead")
    acct.set_stage(C, ids["c5"], "customer")
    # c6 never had a stage.
    ids["c6"] = acct.contact()
    return ids


def counts(acct: Acct, **raw: object) -> list[int]:
    with acct.ctx_readonly() as ctx:
        result = reports.funnel(ctx, raw)
    return [s.count for s in result.steps]


def test_ordered_funnel_drops_skippers_and_uses_the_earliest_feasible_chain(acct: Acct):
    build_paths(acct)
    assert counts(acct, stages=STAGES) == [4, 3, 2, 1]
    assert counts(acct, stages=STAGES, mode="ordered") == [4, 3, 2, 1]


def test_any_funnel_counts_every_stage_entered(acct: Acct):
    build_paths(acct)
    assert counts(acct, stages=STAGES, mode="any") == [4, 4, 4, 3]


def test_reached_funnel_counts_every_stage_up_to_the_furthest(acct: Acct):
    build_paths(acct)
    assert counts(acct, stages=STAGES, mode="reached") == [5, 5, 5, 3]


def test_funnel_conversions_are_ratios_with_null_where_undefined(acct: Acct):
    build_paths(acct)
    with acct.ctx_readonly() as ctx:
        steps = reports.funnel(ctx, {"stages": STAGES}).as_json()["steps"]
    assert [s["nextStepConversion"] for s in steps] == [0.75, 2 / 3, 0.5, None]
    assert [s["cumulativeConversion"] for s in steps] == [1.0, 0.75, 0.5, 0.25]
    with acct.ctx_readonly() as ctx:
        empty = reports.funnel(ctx, {"stages": ["evangelist", "other"]}).as_json()["steps"]
    assert empty == [
        {"stage": "evangelist", "count": 0, "nextStepConversion": None,
         "cumulativeConversion": None},
        {"stage": "other", "count": 0, "nextStepConversion": None,
         "cumulativeConversion": None}]


def test_funnel_range_only_counts_entries_inside_it(acct: Acct):
    a = acct.contact("lead")
    acct.tick(3_600_000)
    start = acct.now
    acct.set_stage(C, a, "marketingqualifiedlead")
    b = acct.contact("lead")
    acct.set_stage(C, b, "marketingqualifiedlead")
    end = acct.tick(1000)
    acct.tick(3_600_000)
    acct.set_stage(C, b, "customer")
    raw = {"stages": ["lead", "marketingqualifiedlead", "customer"],
           "from": start, "to": end}
    # a's lead entry is before the range: it does not count in ordered, and in `reached`
    # only its MQL entry does (so it counts at lead and MQL).
    assert counts(acct, **raw) == [1, 1, 0]
    assert counts(acct, **raw, mode="any") == [1, 2, 0]
    assert counts(acct, **raw, mode="reached") == [2, 2, 0]


def test_funnel_as_of_sees_the_data_as_it_stood(acct: Acct):
    a = acct.contact("lead")
    acct.set_stage(C, a, "marketingqualifiedlead")
    then = acct.now
    acct.set_stage(C, a, "customer")
    acct.contact("lead")  # created after asOf: excluded
    raw = {"stages": ["lead", "marketingqualifiedlead", "customer"]}
    assert counts(acct, **raw, asOf=then) == [1, 1, 0]
    assert counts(acct, **raw) == [2, 1, 1]


def test_archived_records_leave_the_funnel(acct: Acct):
    from stagecoach.services.records import records

    a = acct.contact("lead")
    acct.contact("lead")
    before = acct.now
    acct.in_unit(lambda ctx: records.archive(ctx, C, [a]))
    assert counts(acct, stages=["lead"]) == [1]
    assert counts(acct, stages=["lead"], asOf=before) == [2]


def test_funnel_breakdown_splits_by_the_current_value(acct: Acct):
    a = acct.create(C, {"lifecyclestage": "lead", "hs_lead_status": "NEW"})
    b = acct.create(C, {"lifecyclestage": "lead", "hs_lead_status": "OPEN"})
    acct.contact("lead")
    acct.set_stage(C, a, "customer")
    acct.update(C, b, {"hs_lead_status": "NEW"})
    with acct.ctx_readonly() as ctx:
        res = reports.funnel(ctx, {"stages": ["lead", "customer"],
                                   "breakdown": "hs_lead_status"}).as_json()
    groups = {g["value"]: [s["count"] for s in g["steps"]] for g in res["breakdown"]}
    assert groups["NEW"] == [2, 1]
    assert groups["OPEN"] == [0, 0]
    assert groups[None] == [1, 0]
    assert [s["count"] for s in res["steps"]] == [3, 1]
    assert [g["value"] for g in res["breakdown"]][:2] == ["NEW", "OPEN"]


def test_funnel_segment_by_filter_groups(acct: Acct):
    acct.create(C, {"lifecyclestage": "lead", "city": "Oslo"})
    acct.create(C, {"lifecyclestage": "lead", "city": "Bergen"})
    acct.create(C, {"lifecyclestage": "customer", "city": "oslo"})
    groups = [{"filters": [{"propertyName": "city", "operator": "EQ", "value": "OSLO"}]}]
    assert counts(acct, stages=["lead", "customer"], mode="any", filterGroups=groups) == [1, 1]
    as_text = '[{"filters":[{"propertyName":"city","operator":"NEQ","value":"Oslo"}]}]'
    assert counts(acct, stages=["lead"], filterGroups=as_text) == [1]


def test_funnel_follows_custom_and_reordered_stages(acct: Acct):
    with acct.unit() as ctx:
        order = [(s.value, s.label) for s in ctx.catalog.stages]
        order.insert(2, ("1234", "Champion"))
        write_stage_set(ctx.conn, acct.id, StageSet.of(order), ctx.now)
    a = acct.contact("lead")
    acct.set_stage(C, a, "1234")
    acct.set_stage(C, a, "customer")
    with acct.ctx_readonly() as ctx:
        res = reports.funnel(ctx, {})
    assert [s.stage for s in res.steps][:4] == ["subscriber", "lead", "1234",
                                                "marketingqualifiedlead"]
    assert counts(acct, stages=["lead", "1234", "customer"]) == [1, 1, 1]


def test_funnel_records_lists_the_ids_counted_at_a_step(acct: Acct):
    ids = build_paths(acct)
    with acct.ctx_readonly() as ctx:
        page = reports.funnel_records(ctx, {"stages": STAGES}, "marketingqualifiedlead",
                                      after=None, limit=2)
        rest = reports.funnel_records(ctx, {"stages": STAGES}, "marketingqualifiedlead",
                                      after=page.next_after, limit=2)
        reached = reports.funnel_records(ctx, {"stages": STAGES, "mode": "reached"},
                                         "lead", after=None, limit=10)
    assert page.total == 3
    assert page.ids + rest.ids == sorted([ids["c1"], ids["c4"], ids["c5"]])
    assert rest.next_after is None
    assert reached.ids == sorted(ids[k] for k in ("c1", "c2", "c3", "c4", "c5"))


@pytest.mark.parametrize("raw", [
    {"stages": ["lead", "nope"]},
    {"stages": ["lead", "lead"]},
    {"mode": "sideways"},
    {"objectType": "deals"},
    {"from": "yesterday"},
    {"breakdown": "city"},
    {"breakdown": "nope"},
    {"filterGroups": [{"filters": [{"propertyName": "city", "operator": "LIKE",
                                    "value": "x"}]}]},
    {"colour": "blue"},
])
def test_bad_funnel_parameters_are_validation_errors(acct: Acct, raw):
    with acct.ctx_readonly() as ctx, pytest.raises(ValidationError):
        reports.funnel(ctx, raw)


def test_ordered_funnel_accepts_entries_at_the_same_instant(acct: Acct):
    """Automation in the same unit of work writes several versions with one timestamp:
    t1 <= t2 holds, so the record counts at both steps."""
    from stagecoach.services.core.writes import ItemWrite
    from stagecoach.services.records import records
    from stagecoach.services.records.records import NewRecord
    from tests.helpers import API

    with acct.unit() as ctx:
        rid = records.create(ctx, C, [NewRecord({"lifecyclestage": "lead"})], API)[0].record_id
        records.update_many(ctx, C, [ItemWrite(rid, {"lifecyclestage": "customer"})], API)
    assert counts(acct, stages=["lead", "customer"]) == [1, 1]
    assert counts(acct, stages=["customer", "lead"]) == [1, 1]


def test_company_funnel_counts_companies_only(acct: Acct):
    from tests.helpers import CO

    co = acct.company("lead")
    acct.set_stage(CO, co, "customer")
    acct.contact("lead")
    assert counts(acct, objectType="companies", stages=["lead", "customer"]) == [1, 1]
    assert counts(acct, objectType="contacts", stages=["lead", "customer"]) == [1, 0]


def test_funnel_records_of_one_breakdown_group(acct: Acct):
    a = acct.create(C, {"lifecyclestage": "lead", "hs_lead_status": "NEW"})
    acct.create(C, {"lifecyclestage": "lead", "hs_lead_status": "OPEN"})
    c = acct.contact("lead")
    raw = {"stages": ["lead"], "breakdown": "hs_lead_status"}
    with acct.ctx_readonly() as ctx:
        new = reports.funnel_records(ctx, raw, "lead", after=None, limit=10,
                                     breakdown_value=("NEW",))
        none = reports.funnel_records(ctx, raw, "lead", after=None, limit=10,
                                      breakdown_value=(None,))
    assert (new.total, new.ids) == (1, [a])
    assert (none.total, none.ids) == (1, [c])


def test_stage_changes_breakdown_sums_to_the_whole(acct: Acct):
    acct.create(C, {"lifecyclestage": "lead", "hs_lead_status": "NEW"})
    acct.create(C, {"lifecyclestage": "lead", "hs_lead_status": "OPEN"})
    acct.contact("lead")
    with acct.ctx_readonly() as ctx:
        res = reports.stage_changes(ctx, {"stages": ["lead"], "interval": "month",
                                          "breakdown": "hs_lead_status"}).as_json()
    whole = res["series"][0]["points"]
    assert sum(p["count"] for p in whole) == 3
    by_group = {b["value"]: sum(p["count"] for p in b["series"][0]["points"])
                for b in res["breakdown"]}
    assert by_group["NEW"] == 1 and by_group["OPEN"] == 1 and by_group[None] == 1
