"""What entering and leaving a stage does to the derived date properties (rules 11-17).

Values are epoch milliseconds. A patch maps a property name to its new value, or to None
when the property is cleared. The set-based SQL form in `store/lifecycle/stage_moves.py` must give
the same result; `replay` rebuilds everything from history for `stagecoach verify`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stagecoach.domain.stages import StageSet
from stagecoach.domain.values import iso_to_ms

Patch = dict[str, Any]


def became_key(stage: str) -> str:
    return f"hs_lifecyclestage_{stage}_date"


def entered_key(stage: str) -> str:
    return f"hs_v2_date_entered_{stage}"


def exited_key(stage: str) -> str:
    return f"hs_v2_date_exited_{stage}"


def latest_key(stage: str) -> str:
    return f"hs_v2_latest_time_in_{stage}"


def cumulative_key(stage: str) -> str:
    return f"hs_v2_cumulative_time_in_{stage}"


def derived_keys(stage: str) -> tuple[str, ...]:
    return (
        became_key(stage),
        entered_key(stage),
        exited_key(stage),
        latest_key(stage),
        cumulative_key(stage),
    )


DATE_FAMILIES = ("became", "entered", "exited")
DURATION_FAMILIES = ("latest", "cumulative")


def stage_transition(
    props: Mapping[str, Any], old: str | None, new: str | None, now: int, stages: StageSet
) -> Patch:
    """The derived-property patch for a record moving from `old` to `new` at `now`."""
    patch: Patch = {}
    if old == new:
        return patch
    if old:
        patch[exited_key(old)] = now
        entered = props.get(entered_key(old))
        if entered is None:
            # No known entry (e.g. a migrated record): the last stay's length is unknown.
            patch[latest_key(old)] = None
        else:
            stay = now - int(entered)
            patch[latest_key(old)] = stay
            patch[cumulative_key(old)] = int(props.get(cumulative_key(old)) or 0) + stay
    if new:
        for later in stages.after(new):
            if props.get(became_key(later)) is not None:
                patch[became_key(later)] = None
        patch[entered_key(new)] = now
        if props.get(became_key(new)) is None:
            patch[became_key(new)] = now
    return patch


def apply_patch(props: dict[str, Any], patch: Patch) -> None:
    for key, value in patch.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value


@dataclass(frozen=True)
class Version:
    """One history version that matters to the derived lifecycle properties."""

    timestamp: int
    property: str
    value: str | None
    stages: StageSet  # the order in force when the version was written


def is_derived(name: str) -> bool:
    return name.startswith(("hs_lifecyclestage_", "hs_v2_date_", "hs_v2_latest_time_in_",
                            "hs_v2_cumulative_time_in_"))


def replay(versions: Iterable[Version]) -> tuple[str | None, dict[str, Any]]:
    """Rebuild the stage and its derived properties from history, oldest version first.

    Versions of derived properties themselves (migrations may write "became a" dates)
    override what the stage changes computed up to that point.
    """
    stage: str | None = None
    props: dict[str, Any] = {}
    for v in versions:
        if v.property == "lifecyclestage":
            new = v.value or None
            apply_patch(props, stage_transition(props, stage, new, v.timestamp, v.stages))
            stage = new
        elif is_derived(v.property):
            # History keeps wire values: ISO datetimes for dates, digits for durations.
            if v.value in (None, ""):
                props.pop(v.property, None)
            else:
                props[v.property] = iso_to_ms(v.value)
    return stage, props
