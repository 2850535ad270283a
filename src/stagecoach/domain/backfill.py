"""What applying automation settings to existing records means (rule 26).

Changing a setting never rewrites the past by itself; *apply to existing records* does, as
a HubSpot user would expect each setting to have acted had it always been on: with the
rules the setting makes for new events (`domain/automation.setting_rules`), run on every
existing record instead of on what one step changed:

- `createDefault` on with stage S: existing contacts and companies with an empty stage get S.
- `dealCreated` on with S: records associated with an open deal get S.
- `dealWon` on with S: records associated with a won deal get S, and those whose
  `closedate` is empty get `closedate` = when the deal was won and `days_to_close`.
- `syncWithPrimaryCompany` true: contacts take their primary company's stage (with
  `companySyncScope` allContacts, every associated company's; naming either key applies
  the sync).
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

from stagecoach.domain.automation import (
    AtDealStages,
    EmptyStage,
    FollowPrimaryCompany,
    Rule,
    StampCloseDate,
    setting_rules,
)
from stagecoach.domain.catalog import Catalog
from stagecoach.domain.settings import AutomationSettings

# The settings whose change can move existing records, in the order pages list them.
BACKFILL_KEYS = ("createDefault", "dealCreated", "dealWon", "pipelineStageRules",
                 "syncWithPrimaryCompany")

StageRule = EmptyStage | AtDealStages | FollowPrimaryCompany


def applicable(keys: Iterable[str]) -> list[str]:
    """Those of `keys` that name a setting applying to existing records can change (the
    sync's scope is part of the sync)."""
    named = set(keys)
    if "companySyncScope" in named:
        named.add("syncWithPrimaryCompany")
    return [k for k in BACKFILL_KEYS if k in named]


@dataclass(frozen=True)
class Plan:
    rules: tuple[Rule, ...]

    @property
    def stage_rules(self) -> tuple[StageRule, ...]:
        return tuple(r for r in self.rules if not isinstance(r, StampCloseDate))

    @property
    def won_stage_ids(self) -> tuple[str, ...]:
        """Stamp closedate for records of deals at these stages."""
        return tuple(i for r in self.rules if isinstance(r, StampCloseDate)
                     for i in r.deal_stage_ids)


def plan(keys: Iterable[str], settings: AutomationSettings, catalog: Catalog) -> Plan:
    """The backfill of the settings named by `keys`, as they are in `settings`."""
    rules = setting_rules(settings, catalog)
    return Plan(tuple(r for key in applicable(keys) for r in rules.get(key, ())))
