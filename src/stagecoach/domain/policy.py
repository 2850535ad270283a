"""The forward-only write policy (lifecycle spec rules 1-5 and 8).

`decide` is the one statement of what a stage write does: a write planned one record at a
time asks it directly (domain/writes.py), and the set-based store asks it once per group
of like moves and applies its answers (store/lifecycle/stage_moves.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.sources import SourceType
from stagecoach.domain.stages import StageSet


class BackwardWrites(StrEnum):
    IGNORE = "ignore"
    REJECT = "reject"
    ALLOW = "allow"


class Mode(StrEnum):
    FORWARD_ONLY = "forward_only"
    ANY = "any"
    REJECT_BACKWARD = "reject_backward"


class Outcome(StrEnum):
    APPLY = "apply"
    NOOP = "noop"
    BLOCKED = "blocked"


class Refusal(StrEnum):
    """Why a forward-only write was blocked, as the blocked-writes log says it."""

    BACKWARD = "backward"
    LAST_STAGE = "last_stage"


# A person in the web app may set any stage (rule 3); everything else is automation or
# bulk intake and moves forward only (rules 1-2), except the API, which follows the
# account's setting (rule 4).
_MANUAL = frozenset({SourceType.CRM_UI, SourceType.CRM_UI_BULK_ACTION})

# Sources for which an empty value means "no change" rather than "clear" (rule 8).
_EMPTY_IS_NO_CHANGE = frozenset({SourceType.IMPORT, SourceType.FORM, SourceType.ANALYTICS})


_API_MODES = {
    BackwardWrites.IGNORE: Mode.FORWARD_ONLY,
    BackwardWrites.REJECT: Mode.REJECT_BACKWARD,
    BackwardWrites.ALLOW: Mode.ANY,
}


def mode_for(source: SourceType, api_backward_writes: BackwardWrites) -> Mode:
    if source in _MANUAL:
        return Mode.ANY
    if source is SourceType.API:
        return _API_MODES[api_backward_writes]
    return Mode.FORWARD_ONLY


def empty_clears(source: SourceType) -> bool:
    return source not in _EMPTY_IS_NO_CHANGE


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: Refusal | None = None


class BackwardWriteRejected(ValidationError):
    pass


def decide(stages: StageSet, current: str | None, target: str | None, mode: Mode) -> Decision:
    """What a write of `target` onto a record at `current` does. `None` is a clear."""
    if (target or None) == (current or None):
        return Decision(Outcome.NOOP)
    if target is None:
        # Clearing is never a backward move (rule 8); the caller decides who may clear.
        return Decision(Outcome.APPLY)
    if mode is Mode.ANY or stages.is_forward(current, target):
        return Decision(Outcome.APPLY)
    reason = Refusal.LAST_STAGE if current == stages.last else Refusal.BACKWARD
    if mode is Mode.REJECT_BACKWARD:
        raise BackwardWriteRejected(
            f"lifecyclestage cannot move backward from {current!r} to {target!r} "
            "through the API on this account",
            code="BACKWARD_LIFECYCLE_STAGE",
            propertyName="lifecyclestage",
            currentValue=current,
            attemptedValue=target,
        )
    return Decision(Outcome.BLOCKED, reason)


def decide_staged(stages: StageSet, current: str | None, target: str | None,
                  forward_only: bool) -> Decision:
    """The decision on a move staged for the store: a forward-only one (automation, a
    settings backfill) is held to the policy here; any other was planned with `decide`
    already and only a no-op is left to drop."""
    return decide(stages, current, target, Mode.FORWARD_ONLY if forward_only else Mode.ANY)
