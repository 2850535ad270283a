"""Property-based: on random accounts and random sequences of writes, the set-based engine
ends exactly where the pure rules say (stages and every derived lifecycle property), and
`verify` rebuilds the same from history. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stagecoach.domain import lifecycle_dates as ld
from stagecoach.domain.deals import DEFAULT_DEAL_STAGES
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.sources import Source, SourceType
from stagecoach.domain.stages import DEFAULT_STAGES, StageSet
from stagecoach.library import Stagecoach
from stagecoach.services.integrity.verify import verify
from stagecoach.services.lifecycle import demotion
from stagecoach.store.auth.accounts import write_stage_set
from tests.helpers import Acct
from tests.property.model import CO, C, D, Model

STAGE_VALUES = [v for v, _ in DEFAULT_STAGES]
DEAL_STAGES = [s for s, *_ in DEFAULT_DEAL_STAGES]
SOURCES = [Source(SourceType.API, "prop"), Source(SourceType.CRM_UI, None, "web", 1),
           Source(SourceType.IMPORT, "imp"), Source(SourceType.FORM, "form"),
           Source(SourceType.WORKFLOWS, "wf")]

stage = st.sampled_from(STAGE_VALUES)
idx = st.integers(0, 2)
source = st.sampled_from(SOURCES)

ACTIONS = st.one_of(
    st.tuples(st.just("contact"), st.one_of(st.none(), stage), source),
    st.tuples(st.just("company"), st.one_of(st.none(), stage), source),
    st.tuples(st.just("stage"), st.sampled_from([C, CO]), idx,
              st.one_of(stage, st.just("")), source),
    # Company stage changes and deal moves start cascades: drawn more often.
    st.tuples(st.just("stage"), st.just(CO), idx, stage, source),
    st.tuples(st.just("stage"), st.just(CO), idx, stage, source),
    st.tuples(st.just("move"), idx, st.sampled_from([*DEAL_STAGES, "closedwon", "closedwon"])),
    st.tuples(st.just("demote"), st.sampled_from([C, CO]), idx, stage),
    st.tuples(st.just("primary"), idx, idx),
    st.tuples(st.just("deal"), st.sampled_from(DEAL_STAGES),
              st.lists(st.tuples(st.sampled_from([C, CO]), idx), max_size=3)),
    st.tuples(st.just("link"), idx, st.sampled_from([C, CO]), idx),
    st.tuples(st.just("move"), idx, st.sampled_from(DEAL_STAGES)),
)


@st.composite
def operations(draw: Any) -> list[tuple[Any, ...]]:
    """A small population first (companies, contacts, primary links: so that cascades have
    somewhere to go), then random actions."""
    ops: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(1, 2))):
        ops.append(("company", draw(st.one_of(st.none(), stage)), draw(source)))
    contacts = draw(st.integers(1, 3))
    for i in range(contacts):
        ops.append(("contact", draw(st.one_of(st.none(), stage)), draw(source)))
        if draw(st.sampled_from([True, True, False])):
            ops.append(("primary", i, draw(idx)))
    if draw(st.booleans()):
        ops.append(("deal", draw(st.sampled_from(DEAL_STAGES)), [(C, 0), (CO, 0)]))
    ops.extend(draw(st.lists(ACTIONS, min_size=1, max_size=10)))
    return ops


@st.composite
def accounts(draw: Any) -> dict[str, Any]:
    order = draw(st.permutations(STAGE_VALUES))
    rules = draw(st.lists(st.tuples(st.sampled_from(DEAL_STAGES), stage), max_size=2,
                          unique_by=lambda r: r[0]))
    return {
        "order": list(order),
        "settings": {
            "createDefault": {"enabled": draw(st.booleans()), "stage": draw(stage)},
            "dealCreated": {"enabled": draw(st.booleans()), "stage": draw(stage)},
            "dealWon": {"enabled": draw(st.booleans()), "stage": draw(stage)},
            "syncWithPrimaryCompany": draw(st.sampled_from([True, True, False])),
            "autoAssociateCompaniesByDomain": False,
            "apiBackwardWrites": draw(st.sampled_from(["ignore", "reject", "allow"])),
            "pipelineStageRules": [{"pipelineId": "default", "stageId": s,
                                    "lifecycleStage": t} for s, t in rules],
        },
    }


def _setup(sc: Stagecoach, account: dict[str, Any]) -> tuple[Acct, Model]:
    acct = Acct.new(sc)
    labels = dict(DEFAULT_STAGES)
    with acct.unit() as ctx:
        write_stage_set(ctx.conn, acct.id, StageSet.of((v, labels[v]) for v in account["order"]),
                        ctx.now)
    acct.settings(**account["settings"])
    with acct.ctx_readonly() as ctx:
        catalog = ctx.catalog
    return acct, Model(catalog)


def _pick(ids: list[int], i: int) -> int | None:
    return ids[i % len(ids)] if ids else None


def _run(acct: Acct, model: Model, ops: list[tuple[Any, ...]]) -> None:
    ids: dict[Any, list[int]] = {C: [], CO: [], D: []}
    for op in ops:
        kind = op[0]
        if kind in ("contact", "company"):
            ot = C if kind == "contact" else CO
            props = {"lifecyclestage": op[1]} if op[1] else {}
            rid = acct.create(ot, props, op[2])
            model.create(ot, rid, op[1], op[2], acct.now)
            ids[ot].append(rid)
        elif kind == "stage":
            _, ot, i, value, src = op
            rid = _pick(ids[ot], i)
            if rid is None:
                continue
            with acct.unit() as ctx:
                from stagecoach.services.core.writes import ItemWrite
                from stagecoach.services.records import records
                res = records.update_many(ctx, ot, [ItemWrite(rid, {"lifecyclestage": value})],
                                          src)
            ok = model.write_stage(ot, rid, value, src, acct.now)
            assert (res[0].error is None) == ok, (op, res[0].error)
        elif kind == "demote":
            _, ot, i, target = op
            rid = _pick(ids[ot], i)
            if rid is None:
                continue
            try:
                acct.in_unit(lambda ctx, ot=ot, rid=rid, target=target: demotion.demote(
                    ctx, ot, rid, target, "property test", SOURCES[1]))
                done = True
            except ValidationError:
                done = False
            assert model.demote(ot, rid, target, acct.now) == done
        elif kind == "primary":
            contact, company = _pick(ids[C], op[1]), _pick(ids[CO], op[2])
            if contact is None or company is None:
                continue
            acct.associate(C, contact, CO, company, (1,))
            model.make_primary(contact, company, acct.now)
        elif kind == "deal":
            links = [(ot, r) for ot, i in op[2] if (r := _pick(ids[ot], i)) is not None]
            did = acct.create(D, {"dealname": "d", "dealstage": op[1]},
                              assoc=[(ot, r, ()) for ot, r in dict.fromkeys(links)])
            model.create_deal(did, op[1], links, acct.now)
            ids[D].append(did)
        elif kind == "link":
            did, rid = _pick(ids[D], op[1]), _pick(ids[op[2]], op[3])
            if did is None or rid is None:
                continue
            acct.associate(D, did, op[2], rid)
            model.link_deal(did, op[2], rid, acct.now)
        elif kind == "move":
            did = _pick(ids[D], op[1])
            if did is None:
                continue
            acct.update(D, did, {"dealstage": op[2]})
            model.move_deal(did, op[2], acct.now)


def _check(acct: Acct, model: Model) -> None:
    for (ot, rid), rec in model.recs.items():
        values = acct.values(ot, rid)
        derived = {k: int(v) for k, v in values.items() if ld.is_derived(k)}
        assert (values.get("lifecyclestage"), derived) == (rec.stage, rec.props), (ot, rid)
    assert list(verify(acct.sc.engine, [acct.id])) == []


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(account=accounts(), ops=operations())
def test_engine_matches_the_pure_rules_and_verify_finds_nothing(
        sc: Stagecoach, account: dict[str, Any], ops: list[tuple[Any, ...]]) -> None:
    acct, model = _setup(sc, account)
    _run(acct, model, ops)
    _check(acct, model)


backfill_bodies = st.fixed_dictionaries({}, optional={
    "createDefault": st.fixed_dictionaries({"enabled": st.booleans(), "stage": stage}),
    "dealCreated": st.fixed_dictionaries({"enabled": st.booleans(), "stage": stage}),
    "dealWon": st.fixed_dictionaries({"enabled": st.booleans(), "stage": stage}),
    "syncWithPrimaryCompany": st.booleans(),
    "pipelineStageRules": st.lists(st.fixed_dictionaries({
        "pipelineId": st.just("default"), "stageId": st.sampled_from(DEAL_STAGES),
        "lifecycleStage": stage}), max_size=2, unique_by=lambda r: r["stageId"]),
}).filter(bool)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(account=accounts(), ops=operations(), body=backfill_bodies)
def test_preview_matches_the_pure_backfill_and_apply_keeps_history_true(
        sc: Stagecoach, account: dict[str, Any], ops: list[tuple[Any, ...]],
        body: dict[str, Any]) -> None:
    from stagecoach.domain import backfill as backfill_rules
    from stagecoach.domain import settings as settings_rules
    from stagecoach.services.lifecycle import backfill
    from tests.property.model import backfill_moves

    acct, model = _setup(sc, account)
    _run(acct, model, ops)
    cat = model.catalog
    merged = settings_rules.merge(cat.settings, body, cat.stages, cat.pipelines)
    expected = backfill_moves(model, backfill_rules.plan(body.keys(), merged, cat))
    with acct.ctx_readonly() as ctx:
        preview = backfill.preview(ctx, body, 1000)
    got = {((C if r["objectType"] == "contacts" else CO), int(r["id"])): (r["from"], r["to"])
           for r in preview["results"]}
    assert preview["total"] == len(expected)
    assert got == expected
    job = acct.in_unit(lambda ctx: backfill.start(ctx, body))

    def run_unit(account_id: int, fn: Any) -> bool:
        with acct.unit() as ctx:
            return bool(fn(ctx))

    backfill.run(run_unit, acct.id, int(job["id"]))
    with acct.ctx_readonly() as ctx:
        done = backfill.get(ctx, int(job["id"]))
    assert (done["state"], done["processed"]) == ("DONE", done["total"])
    for (ot, rid), (_, target) in expected.items():
        assert cat.stages.ord(acct.stage(ot, rid)) >= \
            cat.stages.ord(target)
    assert list(verify(acct.sc.engine, [acct.id])) == []
