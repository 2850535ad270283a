"""What applying automation settings to existing records means (rule 26).

Changing a setting never rewrites the past by itself; *apply to existing records* does, as
a HubSpot user would expect each setting to have acted had it always been on:

- `createDefault` on with stage S: existing contacts and companies with an empty stage get S.
- `dealCreated` on with S: records associated with an open deal get S.
- `dealWon` on with S: records associated with a won deal get S, and those whose
  `closedate` is empty get `closedate` = when the deal was won and `days_to_close`.
- `syncWithPrimaryCompany` true: contacts take their primary company's stage.
- `pipelineStageRules`: records associated with a deal at a rule's deal stage get its stage.

Only the keys present in the request are applied (a request naming only `dealWon` does not
backfill `createDefault`), and only settings that are on. Every move is forward-only: a
record several rules aim at ends at the furthest target, which is what applying them one
after another would give. A setting that is off, and keys with no effect on stages
(`autoAssociateCompaniesByDomain`, `apiBackwardWrites`), backfill nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from stagecoach.domain.catalog import Catalog
from stagecoach.domain.settings import AutomationSettings


@dataclass(frozen=True)
class EmptyStage:
    """Records with no stage get `target`."""

    target: str


@dataclass(frozen=True)
class AtDealStages:
    """Records associated with a live deal at one of `deal_stage_ids` get `target`."""

    rule: str
    target: str
    deal_stage_ids: tuple[str, ...]


@dataclass(frozen=True)
class FollowCompany:
    """Contacts get their primary company's stage."""


BackfillRule = EmptyStage | AtDealStages | FollowCompany


@dataclass(frozen=True)
class Plan:
    rules: tuple[BackfillRule, ...]
    won_stage_ids: tuple[str, ...]  # stamp closedate for records of deals at these stages

    @property
    def empty(self) -> bool:
        return not self.rules and not self.won_stage_ids


def plan(keys: Iterable[str], settings: AutomationSettings, catalog: Catalog) -> Plan:
    """The backfill of the settings named by `keys`, as they are in `settings`."""
    keys = set(keys)
    rules: list[BackfillRule] = []
    won: tuple[str, ...] = ()
    if "createDefault" in keys and settings.create_default.enabled:
        rules.append(EmptyStage(settings.create_default.stage))
    if "dealCreated" in keys and settings.deal_created.enabled:
        ids = tuple(catalog.deal_stage_ids(open_=True))
        if ids:
            rules.append(AtDealStages("deal_created", settings.deal_created.stage, ids))
    if "dealWon" in keys and settings.deal_won.enabled:
        won = tuple(catalog.deal_stage_ids(won=True))
        if won:
            rules.append(AtDealStages("deal_won", settings.deal_won.stage, won))
    if "pipelineStageRules" in keys:
        for r in settings.pipeline_stage_rules:
            if catalog.deal_stage(r.stage_id) is not None:
                rules.append(AtDealStages("pipeline_stage_rule", r.lifecycle_stage,
                                          (r.stage_id,)))
    if "syncWithPrimaryCompany" in keys and settings.sync_with_primary_company:
        rules.append(FollowCompany())
    return Plan(tuple(rules), won)
