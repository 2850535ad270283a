"""Automation (rules 19-24): the rules each setting makes, and what a step's changes make
happen next.

`setting_rules` is the one model of what a setting does; reacting to a step and applying
settings to existing records (domain/backfill.py) both run its rules. A step is summarised
as groups of changes (which property of which object type got which value, which
associations were added); `reactions` turns that into intents (a rule and what triggered
it). The store runs each intent set-based, as one INSERT ... SELECT of stage moves, and the
new step's changes are summarised in turn until nothing is left. Forward-only writes are
monotonic, so the loop ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from stagecoach.domain import associations as atypes
from stagecoach.domain.catalog import Catalog
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.settings import AutomationSettings, CompanySyncScope
from stagecoach.domain.stays import DAY_MS


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


# The rules automation settings make, one model for both their uses: reacting to a step
# (`reactions` below) and applying settings to existing records (domain/backfill.py).

@dataclass(frozen=True)
class AtDealStages:
    """Rules 19, 20, 23: records associated with a live deal at one of `deal_stage_ids`
    get `target`."""

    rule: str
    target: str
    deal_stage_ids: tuple[str, ...]


@dataclass(frozen=True)
class FollowPrimaryCompany:
    """Rule 21: a contact gets its primary company's stage; with `all_contacts` (rule 78),
    every contact associated with a company gets its stage."""

    all_contacts: bool = False
    rule: str = "company_sync"

    @property
    def link_type_id(self) -> int:
        """The contact -> company association the sync follows: the primary one, or the
        unlabelled one every association comes with."""
        return (atypes.unlabelled(ObjectType.CONTACT, ObjectType.COMPANY).id
                if self.all_contacts else atypes.CONTACT_TO_PRIMARY_COMPANY)


@dataclass(frozen=True)
class EmptyStage:
    """Rule 18's default stage: a record with no stage gets `target`. New records get it
    when they are created (domain/creation.py); only applying the setting to existing
    records reads this rule."""

    target: str


@dataclass(frozen=True)
class StampCloseDate:
    """Rule 20: closedate and days_to_close of records associated with a deal won at one
    of `deal_stage_ids`, when they have no closedate."""

    deal_stage_ids: tuple[str, ...]


Rule = AtDealStages | FollowPrimaryCompany | EmptyStage | StampCloseDate


def setting_rules(settings: AutomationSettings, catalog: Catalog) -> dict[str, tuple[Rule, ...]]:
    """The rules each setting makes as it is, by the setting's key (`AutomationSettings.
    to_json`); a setting that is off, or names only deal stages that do not exist, makes
    none."""
    out: dict[str, tuple[Rule, ...]] = {}
    if settings.create_default.enabled:
        out["createDefault"] = (EmptyStage(settings.create_default.stage),)
    open_ids = tuple(catalog.deal_stage_ids(open_=True))
    if settings.deal_created.enabled and open_ids:
        out["dealCreated"] = (AtDealStages("deal_created", settings.deal_created.stage,
                                           open_ids),)
    won_ids = tuple(catalog.deal_stage_ids(won=True))
    if settings.deal_won.enabled and won_ids:
        out["dealWon"] = (AtDealStages("deal_won", settings.deal_won.stage, won_ids),
                          StampCloseDate(won_ids))
    pipeline = tuple(AtDealStages("pipeline_stage_rule", r.lifecycle_stage, (r.stage_id,))
                     for r in settings.pipeline_stage_rules
                     if catalog.deal_stage(r.stage_id) is not None)
    if pipeline:
        out["pipelineStageRules"] = pipeline
    if settings.sync_with_primary_company:
        out["syncWithPrimaryCompany"] = (FollowPrimaryCompany(
            settings.company_sync_scope is CompanySyncScope.ALL_CONTACTS),)
    return out


def days_to_close(created_at: int, won_at: int) -> int:
    """Whole days from a record's creation to its deal's win; never negative (a record
    created after its deal was won closed the day it was created)."""
    return max(0, (won_at - created_at) // DAY_MS)


def close_date_values(created_at: int, won_at: int) -> dict[str, str]:
    """What rule 20 writes on a record with no closedate."""
    return {"closedate": str(won_at), "days_to_close": str(days_to_close(created_at, won_at))}


@dataclass(frozen=True)
class Intent:
    """A rule to run on what a step changed: `trigger` says which change."""

    rule: AtDealStages | FollowPrimaryCompany | StampCloseDate
    trigger: Trigger


C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL

# A deal entering a stage is not a deal being created: the deal-created setting reacts only
# to a deal becoming associated (rule 19).
_DEAL_SETTINGS = {
    Trigger.DEAL_STAGE: ("pipelineStageRules", "dealWon"),
    Trigger.ASSOCIATION: ("pipelineStageRules", "dealCreated", "dealWon"),
}


def _deal_reactions(rules: dict[str, tuple[Rule, ...]], trigger: Trigger,
                    entered: set[str] | None) -> list[Intent]:
    """The deal rules for deals that entered one of `entered` stages (None: any stage),
    narrowed to those stages."""
    out: list[Intent] = []
    for key in _DEAL_SETTINGS[trigger]:
        for rule in rules.get(key, ()):
            if not isinstance(rule, AtDealStages | StampCloseDate):
                continue
            ids = tuple(i for i in rule.deal_stage_ids if entered is None or i in entered)
            if ids:
                out.append(Intent(replace(rule, deal_stage_ids=ids), trigger))
    return out


def reactions(summary: StepSummary, catalog: Catalog) -> list[Intent]:
    rules = setting_rules(catalog.settings, catalog)
    out: list[Intent] = []
    entered = {v for v in summary.has_property(D, "dealstage") if v}
    if entered:
        out.extend(_deal_reactions(rules, Trigger.DEAL_STAGE, entered))
    if summary.has_association(D, C) or summary.has_association(D, CO):
        out.extend(_deal_reactions(rules, Trigger.ASSOCIATION, None))
    for rule in rules.get("syncWithPrimaryCompany", ()):
        assert isinstance(rule, FollowPrimaryCompany)
        if any(v for v in summary.has_property(CO, "lifecyclestage")):
            out.append(Intent(rule, Trigger.COMPANY_STAGE))
        if summary.has_association(C, CO, rule.link_type_id):
            out.append(Intent(rule, Trigger.PRIMARY_SET))
    return out
