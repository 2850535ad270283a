"""The policy's answers for a step's staged stage moves, in the form SQL selects them by.

The store decides nothing about a move: one grouped read gives the step's distinct
(old, new, forward-only, archived) groups, `domain/policy.decide_staged` answers for each
group, and the statements of store/lifecycle/stage_moves.py select their rows by group key
among the answers, bound as parameters. So the refusal is written once, in the domain,
and a step's statements stay cached whatever the answers are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, case, func, literal, or_, tuple_
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain.policy import Outcome, Refusal, decide_staged
from stagecoach.domain.stages import StageSet
from stagecoach.store.schema import records, stage_moves

M = stage_moves.c
R = records.c

Key = tuple[bool, str, str]

# A group's key, in SQL and in Python alike: (forward-only, old, new), empty as ''. The
# policy reads an empty current stage as none, stage values are never empty
# (domain/stages.py) and a target is never staged empty (domain/writes.py), so '' stands
# for NULL without meeting a real value; NULL itself would match nothing in an IN.
KEY = tuple_(M.forward_only, func.coalesce(R.lifecyclestage, ""), func.coalesce(M.target, ""))
_APPLIED: Any = bindparam("applied", expanding=True)
_REFUSED: dict[Refusal, Any] = {r: bindparam(f"refused_{r.value}", expanding=True)
                                for r in Refusal}


def key(forward_only: bool, old: str | None, new: str | None) -> Key:
    return bool(forward_only), old or "", new or ""


def refused() -> ColumnElement[bool]:
    """The moves the policy refused (on records still live)."""
    return R.archived.is_(False) & or_(*(KEY.in_(p) for p in _REFUSED.values()))


def reason() -> ColumnElement[str]:
    """The policy's reason for a refused move."""
    return case(*((KEY.in_(p), literal(r.value)) for r, p in _REFUSED.items()))


def not_applied() -> ColumnElement[bool]:
    """Moves the policy does not apply (refused or no-ops), and records archived since
    the move was staged."""
    return R.archived.is_(True) | ~KEY.in_(_APPLIED)


@dataclass
class Decided:
    """The answers for one step and object type."""

    applied: dict[tuple[str | None, str | None], int] = field(default_factory=dict)
    refused: dict[Refusal, list[Key]] = field(default_factory=dict)
    kept: list[Key] = field(default_factory=list)
    blocked: int = 0
    dropped: bool = False  # some staged move will not be applied

    @property
    def moved(self) -> int:
        return sum(self.applied.values())

    def params(self) -> dict[str, Any]:
        return {"applied": self.kept,
                **{f"refused_{r.value}": self.refused.get(r, []) for r in Refusal}}


def decide(stages: StageSet, groups: Sequence[Any]) -> Decided:
    """The policy's answer for each (old, new, forward-only, archived, count) group; a
    record archived since its move was staged is left alone and logged nowhere."""
    out = Decided()
    for old, new, fwd, archived, n in groups:
        decision = None if archived else decide_staged(stages, old, new, fwd)
        if decision is not None and decision.outcome is Outcome.APPLY:
            out.applied[(old, new)] = out.applied.get((old, new), 0) + n
            out.kept.append(key(fwd, old, new))
            continue
        out.dropped = True
        if decision is not None and decision.outcome is Outcome.BLOCKED:
            assert decision.reason is not None
            out.refused.setdefault(decision.reason, []).append(key(fwd, old, new))
            out.blocked += n
    return out
