"""Property-based: the set-based store applies exactly what the policy decides.

The refusal of a forward-only move is stated once, in `domain/policy.py`; the store asks it
per group of like moves and applies the answers. On random stage orders and random moves
(forward-only or not, onto empty, known and no-longer-known stages), every record ends
where `decide_staged` says, a refusal is logged with its reason, and nothing else is.
Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from stagecoach.domain.policy import Outcome, decide_staged
from stagecoach.domain.sources import Source
from stagecoach.domain.stages import DEFAULT_STAGES, StageSet
from stagecoach.library import Stagecoach
from stagecoach.services.records import records
from stagecoach.services.records.records import NewRecord
from stagecoach.store.auth.accounts import write_stage_set
from stagecoach.store.lifecycle import stage_moves
from stagecoach.store.schema import records as records_table
from tests.helpers import API, Acct, C, blocked_rows, stage_history

VALUES = [v for v, _ in DEFAULT_STAGES]
GONE = "retired_stage"  # a value written before its stage was deleted

current = st.one_of(st.none(), st.sampled_from(VALUES), st.just(GONE))
target = st.one_of(st.none(), st.sampled_from(VALUES))
moves = st.lists(st.tuples(current, target, st.booleans()), min_size=1, max_size=12)


def _records(acct: Acct, order: list[str], currents: list[str | None]) -> list[int]:
    labels = dict(DEFAULT_STAGES)
    with acct.unit() as ctx:
        write_stage_set(ctx.conn, acct.id, StageSet.of((v, labels[v]) for v in order),
                        ctx.now)
    with acct.unit() as ctx:
        made = records.create(ctx, C, [NewRecord({}) for _ in currents], API)
        ids = [r.record_id for r in made]
        # Set as they are, however they got there: the property is about the move alone.
        for rid, value in zip(ids, currents, strict=True):
            ctx.conn.execute(update(records_table).where(
                records_table.c.account_id == acct.id, records_table.c.object_type == int(C),
                records_table.c.id == rid).values(lifecyclestage=value))
    return [int(i) for i in ids if i is not None]


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(order=st.permutations(VALUES), drawn=moves)
def test_the_store_applies_exactly_what_the_policy_decides(
        sc: Stagecoach, order: list[str], drawn: list[tuple[Any, ...]]) -> None:
    acct = Acct.new(sc)
    ids = _records(acct, order, [c for c, _, _ in drawn])
    before = {rid: len(stage_history(acct, C, rid)) for rid in ids}
    source = Source.automation("property_test")
    with acct.unit() as ctx:
        stages = ctx.catalog.stages
        with ctx.step() as step:
            stage_moves.stage_rows(ctx.conn, acct.id, step.op, [
                stage_moves.Move(C, rid, new, fwd, source)
                for rid, (_, new, fwd) in zip(ids, drawn, strict=True)])
            result = stage_moves.apply(ctx.conn, acct.id, step.op, ctx.now, stages)
    decided = [decide_staged(stages, old, new, fwd) for old, new, fwd in drawn]
    assert result.moved == sum(d.outcome is Outcome.APPLY for d in decided)
    assert result.blocked == sum(d.outcome is Outcome.BLOCKED for d in decided)
    for rid, (old, new, _), decision in zip(ids, drawn, decided, strict=True):
        applied = decision.outcome is Outcome.APPLY
        assert acct.stage(C, rid) == (new if applied else old)
        assert len(stage_history(acct, C, rid)) == before[rid] + applied
        logged = [(b.attempted_value, b.kept_value, b.reason)
                  for b in blocked_rows(acct, C, rid)]
        assert logged == ([(new, old, decision.reason)]
                          if decision.outcome is Outcome.BLOCKED else [])
