"""Automation reactions (rules 19-24): what a step's changes make happen next.

A step is summarised as groups of changes (which property of which object type got which
value, which associations were added); `reactions` turns that into intents. The store runs
each intent set-based, as one INSERT ... SELECT of stage moves, and the new step's changes
are summarised in turn until nothing is left. Forward-only writes are monotonic, so the
loop ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from stagecoach.domain.catalog import Catalog
from stagecoach.domain.objects import ObjectType


@dataclass(frozen=True)
class PropertyChanges:
    object_type: ObjectType
    property: str
    value: str | None
    count: int


@dataclass(frozen=True)
class AssociationChanges:
    from_type: ObjectType
    to_type: ObjectType
    type_id: int
    action: str
    count: int


# The properties whose changes reactions read: a step that changed none of them and no
# association triggers nothing (store/lifecycle/reactions.py summarizes exactly these).
TRIGGER_PROPERTIES = frozenset({"lifecyclestage", "dealstage"})


@dataclass(frozen=True)
class StepSummary:
    properties: Sequence[PropertyChanges]
    associations: Sequence[AssociationChanges]

    def has_property(self, ot: ObjectType, prop: str) -> list[str | None]:
        return [c.value for c in self.properties if c.object_type is ot and c.property == prop]

    def has_association(self, from_type: ObjectType, to_type: ObjectType,
                        type_id: int | None = None) -> bool:
        return any(
            a.from_type is from_type and a.to_type is to_type and a.action == "add"
            and (type_id is None or a.type_id == type_id)
            for a in self.associations
        )


class Trigger(StrEnum):
    COMPANY_STAGE = "company_stage"     # a company's stage changed in the step
    PRIMARY_SET = "primary_set"         # a contact got a primary company in the step
    DEAL_STAGE = "deal_stage"           # a deal entered a stage in the step
    ASSOCIATION = "association"         # a deal became associated in the step


@dataclass(frozen=True)
class FollowPrimaryCompany:
    """Rule 21: a contact gets its primary company's stage."""

    trigger: Trigger
    rule: str = "company_sync"


@dataclass(frozen=True)
class DealRule:
    """Rules 19, 20, 23: records associated with deals at `deal_stage_ids` get `target`."""

    rule: str
    target: str
    deal_stage_ids: tuple[str, ...]
    trigger: Trigger


@dataclass(frozen=True)
class StampCloseDate:
    """Rule 20: closedate and days_to_close of records associated with a won deal."""

    won_stage_ids: tuple[str, ...]
    trigger: Trigger


Intent = FollowPrimaryCompany | DealRule | StampCloseDate

C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL


def _deal_rules(catalog: Catalog, trigger: Trigger, entered: set[str] | None) -> list[Intent]:
    """Deal rules for deals that entered one of `entered` stages (None: any stage)."""
    s = catalog.settings
    out: list[Intent] = []

    def hit(ids: Sequence[str]) -> tuple[str, ...]:
        return tuple(i for i in ids if entered is None or i in entered)

    for rule in s.pipeline_stage_rules:
        ids = hit([rule.stage_id])
        if ids and catalog.deal_stage(rule.stage_id) is not None:
            out.append(DealRule("pipeline_stage_rule", rule.lifecycle_stage, ids, trigger))
    if trigger is Trigger.ASSOCIATION and s.deal_created.enabled:
        ids = hit(catalog.deal_stage_ids(open_=True))
        if ids:
            out.append(DealRule("deal_created", s.deal_created.stage, ids, trigger))
    if s.deal_won.enabled:
        ids = hit(catalog.deal_stage_ids(won=True))
        if ids:
            out.append(DealRule("deal_won", s.deal_won.stage, ids, trigger))
            out.append(StampCloseDate(ids, trigger))
    return out


def reactions(summary: StepSummary, catalog: Catalog) -> list[Intent]:
    s = catalog.settings
    out: list[Intent] = []
    entered = {v for v in summary.has_property(D, "dealstage") if v}
    if entered:
        out.extend(_deal_rules(catalog, Trigger.DEAL_STAGE, entered))
    if summary.has_association(D, C) or summary.has_association(D, CO):
        out.extend(_deal_rules(catalog, Trigger.ASSOCIATION, None))
    if s.sync_with_primary_company:
        if any(v for v in summary.has_property(CO, "lifecyclestage")):
            out.append(FollowPrimaryCompany(Trigger.COMPANY_STAGE))
        if summary.has_association(C, CO, 1):
            out.append(FollowPrimaryCompany(Trigger.PRIMARY_SET))
    return out
