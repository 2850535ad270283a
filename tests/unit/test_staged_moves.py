"""The policy's answers for staged stage moves, and how the store groups them."""

from __future__ import annotations

import pytest

from stagecoach.domain.policy import Outcome, Refusal, decide_staged
from stagecoach.domain.stages import StageSet
from stagecoach.store.lifecycle import move_decisions

STAGES = StageSet.default()


@pytest.mark.parametrize(("current", "target", "forward_only", "outcome", "reason"), [
    ("lead", "customer", True, Outcome.APPLY, None),
    (None, "lead", True, Outcome.APPLY, None),
    ("retired", "subscriber", True, Outcome.APPLY, None),   # unknown sorts lowest
    ("customer", None, True, Outcome.APPLY, None),          # a clear is never backward
    ("customer", "lead", True, Outcome.BLOCKED, Refusal.BACKWARD),
    ("other", "evangelist", True, Outcome.BLOCKED, Refusal.LAST_STAGE),
    (None, "retired", True, Outcome.BLOCKED, Refusal.BACKWARD),
    ("lead", "lead", True, Outcome.NOOP, None),
    ("", None, True, Outcome.NOOP, None),                   # empty is no stage
    ("customer", "lead", False, Outcome.APPLY, None),       # planned by plan_write already
    ("lead", "lead", False, Outcome.NOOP, None),
    (None, None, False, Outcome.NOOP, None),
])
def test_a_staged_move_is_held_to_the_policy_only_when_forward_only(
        current: str | None, target: str | None, forward_only: bool, outcome: Outcome,
        reason: Refusal | None) -> None:
    decision = decide_staged(STAGES, current, target, forward_only)
    assert (decision.outcome, decision.reason) == (outcome, reason)


@pytest.mark.parametrize(("groups", "moved", "blocked", "dropped", "refused"), [
    ([], 0, 0, False, {}),
    ([("lead", "customer", True, False, 3)], 3, 0, False, {}),
    ([("customer", "lead", True, False, 2)], 0, 2, True,
     {Refusal.BACKWARD: [(True, "customer", "lead")]}),
    ([("other", "lead", True, False, 1), ("customer", "lead", True, False, 1)], 0, 2, True,
     {Refusal.LAST_STAGE: [(True, "other", "lead")],
      Refusal.BACKWARD: [(True, "customer", "lead")]}),
    ([("lead", "lead", False, False, 4)], 0, 0, True, {}),
    ([("customer", "lead", True, True, 5)], 0, 0, True, {}),  # archived meanwhile
    ([(None, "lead", False, False, 1), (None, "lead", True, False, 2)], 3, 0, False, {}),
])
def test_groups_are_decided_by_the_policy_and_keyed_as_sql_selects_them(
        groups: list[tuple[str | None, str | None, bool, bool, int]], moved: int,
        blocked: int, dropped: bool, refused: dict[Refusal, list[move_decisions.Key]]
) -> None:
    decided = move_decisions.decide(STAGES, groups)
    assert (decided.moved, decided.blocked, decided.dropped) == (moved, blocked, dropped)
    assert decided.refused == refused


def test_a_clear_and_an_empty_stage_are_keyed_empty() -> None:
    decided = move_decisions.decide(STAGES, [("lead", None, False, False, 1),
                                             (None, "lead", True, False, 1)])
    assert decided.kept == [(False, "lead", ""), (True, "", "lead")]
    assert decided.applied == {("lead", None): 1, (None, "lead"): 1}
    assert decided.params()["applied"] == decided.kept
