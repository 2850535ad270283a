"""Sentences for the explain view (rule 42): why a record has its stage.

A chain starts with the version that set the current stage and follows each cause back to
the write that started it. The summary reads right to left as "because of":
"Customer ← deal 123 moved to Closed won by jane@example.com in the web app ← setting
'when a deal is won'": each automated step contributes what triggered it and the rule that
carried it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stagecoach.domain.sources import SourceType

_HOW = {
    SourceType.CRM_UI: "in the web app",
    SourceType.CRM_UI_BULK_ACTION: "by a bulk action in the web app",
    SourceType.API: "through the API",
    SourceType.IMPORT: "by an import",
    SourceType.FORM: "by a form submission",
    SourceType.WORKFLOWS: "by a workflow",
    SourceType.INTEGRATION: "by an integration",
    SourceType.SALESFORCE: "by the Salesforce sync",
    SourceType.ANALYTICS: "by a tracking event",
    SourceType.MERGE_OBJECTS: "by a merge",
    SourceType.CALCULATED: "by a calculation",
    SourceType.MIGRATION: "by a migration",
}


@dataclass(frozen=True)
class Step:
    """One change of the chain, already resolved to names."""

    object_name: str      # "deal", "contact", ...
    object_id: int
    what: str             # "moved to Closed won", "was cleared", "became associated with ..."
    source_type: str
    source_id: str | None
    source_label: str | None
    user: str | None      # the person's email when a person made it
    rule_label: str | None = None  # set when automation made it
    note: str | None = None


def how(step: Step) -> str:
    """Who made a change and from where: "by jane@example.com in the web app"."""
    if step.rule_label is not None:
        return f"by {step.rule_label}"
    try:
        where = _HOW.get(SourceType(step.source_type), step.source_type)
    except ValueError:
        where = step.source_type
    if step.source_type == SourceType.API and step.source_label:
        where = f"through the API ({step.source_label})"
    who = f"by {step.user} " if step.user else ""
    text = f"{who}{where}"
    if step.note:
        text += f" (reason: {step.note})"
    return text


def describe(step: Step) -> str:
    return f"{step.object_name} {step.object_id} {step.what} {how(step)}"


def summary(stage_label: str | None, chain: Sequence[Step]) -> str:
    parts = [stage_label or "(no stage)"]
    if not chain:
        return parts[0]
    if chain[0].rule_label is None:
        parts.append(how(chain[0]))
        return " ← ".join(parts)
    for i, step in enumerate(chain):
        if step.rule_label is None:
            break
        if i + 1 < len(chain):
            parts.append(describe_plain(chain[i + 1]))
        parts.append(step.rule_label)
    return " ← ".join(parts)


def describe_plain(step: Step) -> str:
    """A cause as the summary shows it: an automated cause without its rule (the rule
    follows as its own part)."""
    if step.rule_label is not None:
        return f"{step.object_name} {step.object_id} {step.what}"
    return describe(step)
