"""Demotion (rule 7): an explicit, audited backward move with a reason.

A demotion is the supported alternative to HubSpot's clear-then-set: one call, one history
version that carries its reason, allowed only to callers holding its own permission.
"""

from __future__ import annotations

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.stages import StageSet

MAX_REASON_LENGTH = 1000
SOURCE_ID = "demotion"


def check_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError("A demotion needs a reason", code="REASON_REQUIRED",
                              propertyName="reason")
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError(f"A demotion reason is at most {MAX_REASON_LENGTH} characters",
                              code="REASON_TOO_LONG", propertyName="reason")
    return text


def check_backward(stages: StageSet, current: str | None, target: str) -> None:
    """The target must be strictly before the record's stage in the current order."""
    stages.require(target)
    if not current or stages.ord(target) >= stages.ord(current):
        raise ValidationError(
            f"A demotion moves strictly backward: {target!r} is not before the record's "
            f"stage {current!r}. Use an ordinary write to move forward.",
            code="NOT_A_DEMOTION",
            propertyName="lifecyclestage",
            currentValue=current,
            attemptedValue=target,
        )
