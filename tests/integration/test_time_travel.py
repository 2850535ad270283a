from __future__ import annotations

from stagecoach.services.lifecycle import timeline
from tests.helpers import UI, Acct, C


def test_stage_at_answers_the_stage_of_each_record_at_past_instants(acct: Acct) -> None:
    a = acct.contact(stage="lead")
    t_lead = acct.now
    b = acct.contact()
    t_b = acct.now
    acct.set_stage(C, a, "customer")
    t_customer = acct.now
    acct.update(C, a, {"lifecyclestage": ""}, UI)
    with acct.ctx_readonly() as ctx:
        assert timeline.stage_at(ctx, C, [a, b], t_lead - 1) == {}
        assert timeline.stage_at(ctx, C, [a, b], t_lead) == {a: "lead"}
        assert timeline.stage_at(ctx, C, None, t_b) == {a: "lead", b: None}
        assert timeline.stage_at(ctx, C, [a], t_customer + 1)[a] == "customer"
        assert timeline.stage_at(ctx, C, [a], acct.now)[a] is None


def test_timeline_lists_changes_and_stays(acct: Acct) -> None:
    a = acct.contact(stage="lead")
    t0 = acct.now
    acct.set_stage(C, a, "opportunity")
    t1 = acct.now
    with acct.ctx_readonly() as ctx:
        out = timeline.timeline(ctx, C, a, as_of=t0)
    assert [(c["from"], c["to"]) for c in out["changes"]] == [(None, "lead"),
                                                              ("lead", "opportunity")]
    assert out["stays"][0]["stage"] == "lead"
    assert out["stays"][0]["durationMs"] == t1 - t0
    assert out["stays"][1]["ongoing"] is True
    assert out["asOf"]["stage"] == "lead"
