from __future__ import annotations

from typing import Any

import pytest

from stagecoach.domain.errors import ValidationError
from stagecoach.services.core.context import Ctx
from stagecoach.services.lifecycle import backfill, explain
from stagecoach.store.worker import jobs
from tests.helpers import CO, UI, Acct, C, D


def _runner(acct: Acct) -> Any:
    def run_unit(account_id: int, fn: Any) -> bool:
        with acct.unit() as ctx:
            return bool(fn(ctx))
    return run_unit


def _preview(acct: Acct, body: dict[str, Any], limit: int = 100) -> dict[str, Any]:
    with acct.ctx_readonly() as ctx:
        return backfill.preview(ctx, body, limit)


def _apply(acct: Acct, body: dict[str, Any]) -> dict[str, Any]:
    job = acct.in_unit(lambda ctx: backfill.start(ctx, body))
    backfill.run(_runner(acct), acct.id, int(job["id"]))
    with acct.ctx_readonly() as ctx:
        return backfill.get(ctx, int(job["id"]))


def test_preview_counts_empty_records_for_create_default_and_writes_nothing(acct: Acct
                                                                           ) -> None:
    a, b = acct.contact(), acct.contact()
    acct.company()
    acct.contact(stage="customer")
    out = _preview(acct, {"createDefault": {"enabled": True, "stage": "subscriber"}}, limit=2)
    assert out["total"] == 3
    assert out["results"] == [{"objectType": "contacts", "id": str(a), "from": None,
                               "to": "subscriber"},
                              {"objectType": "contacts", "id": str(b), "from": None,
                               "to": "subscriber"}]
    assert acct.stage(C, a) is None
    with acct.ctx_readonly() as ctx:
        assert ctx.catalog.settings.create_default.enabled is False


def test_apply_deal_won_moves_forward_only_and_stamps_closedate(acct: Acct) -> None:
    acct.settings(dealWon={"enabled": False, "stage": "customer"})
    lead = acct.contact(stage="lead")
    other = acct.contact(stage="other")
    co = acct.company(stage="subscriber")
    did = acct.create(D, {"dealname": "Won", "dealstage": "closedwon"},
                      assoc=[(C, lead, ()), (C, other, ()), (CO, co, ())])
    won_at = acct.now
    body = {"dealWon": {"enabled": True, "stage": "customer"}}
    assert _preview(acct, body)["total"] == 2
    job = _apply(acct, body)
    assert (job["state"], job["processed"], job["total"]) == ("DONE", 2, 2)
    assert acct.stage(C, lead) == "customer" and acct.stage(CO, co) == "customer"
    assert acct.stage(C, other) == "other"
    assert acct.values(C, lead)["closedate"] == won_at
    with acct.ctx_readonly() as ctx:
        assert ctx.catalog.settings.deal_won.enabled is True
        chain = explain.explain(ctx, C, lead)["chain"]
    assert chain[0]["rule"] == "apply_to_existing"
    assert did


def test_apply_sync_makes_contacts_follow_their_primary_company(acct: Acct) -> None:
    co = acct.company(stage="customer")
    ahead, behind, loose = acct.contact(stage="evangelist"), acct.contact(stage="lead"), \
        acct.contact()
    acct.associate(C, ahead, CO, co, (1,))
    acct.associate(C, behind, CO, co, (1,))
    acct.associate(C, loose, CO, co)
    job = _apply(acct, {"syncWithPrimaryCompany": True})
    assert job["total"] == job["processed"] == 1
    assert [acct.stage(C, x) for x in (ahead, behind, loose)] == ["evangelist", "customer", None]


def test_several_rules_give_the_furthest_target(acct: Acct) -> None:
    cid = acct.contact()
    out = _preview(acct, {"createDefault": {"enabled": True, "stage": "lead"},
                          "pipelineStageRules": []})
    assert out["results"][0]["to"] == "lead"
    did = acct.create(D, {"dealname": "x", "dealstage": "contractsent"}, assoc=[(C, cid, ())])
    rules = [{"pipelineId": "default", "stageId": "contractsent",
              "lifecycleStage": "evangelist"}]
    out = _preview(acct, {"createDefault": {"enabled": True, "stage": "lead"},
                          "pipelineStageRules": rules})
    assert out["results"] == [{"objectType": "contacts", "id": str(cid),
                               "from": "opportunity", "to": "evangelist"}]
    assert did


def test_apply_runs_in_chunks_and_resumes_without_double_counting(
        acct: Acct, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backfill, "CHUNK", 3)
    ids = [acct.contact() for _ in range(8)]
    job = acct.in_unit(lambda ctx: backfill.start(
        ctx, {"createDefault": {"enabled": True, "stage": "lead"}}))
    jid = int(job["id"])
    assert acct.in_unit(lambda ctx: backfill.run_chunk(ctx, jid)) is True
    # A crash here: the process dies with the job RUNNING; a new one resumes it.
    with acct.ctx_readonly() as ctx:
        assert backfill.get(ctx, jid)["processed"] == 3
    with acct.sc.engine.connect() as conn:
        assert (acct.id, jid) in jobs.unfinished(conn, backfill.KIND)
    backfill.run(_runner(acct), acct.id, jid)
    with acct.ctx_readonly() as ctx:
        final = backfill.get(ctx, jid)
    assert (final["state"], final["processed"], final["total"]) == ("DONE", 8, 8)
    assert {acct.stage(C, i) for i in ids} == {"lead"}


def test_apply_rejects_unknown_settings(acct: Acct) -> None:
    with pytest.raises(ValidationError):
        acct.in_unit(lambda ctx: backfill.start(ctx, {"bogus": True}))
    with pytest.raises(ValidationError):
        acct.in_unit(lambda ctx: backfill.preview(ctx, {}))


def test_a_failing_job_is_marked_failed(acct: Acct, monkeypatch: pytest.MonkeyPatch) -> None:
    acct.contact()
    job = acct.in_unit(lambda ctx: backfill.start(
        ctx, {"createDefault": {"enabled": True, "stage": "lead"}}))

    def boom(ctx: Ctx, *a: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(backfill, "_stage_step", boom)
    backfill.run(_runner(acct), acct.id, int(job["id"]))
    with acct.ctx_readonly() as ctx:
        out = backfill.get(ctx, int(job["id"]))
    assert out["state"] == "FAILED" and "disk full" in out["error"]
    assert UI
