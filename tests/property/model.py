"""A pure-Python reference model of the lifecycle engine, for property-based tests.

It keeps records, associations and deals in dictionaries and applies the pure rules only:
the write policy (`domain/policy.py`), the date rules (`domain/lifecycle_dates.py`), the
choice of reactions (`domain/automation.py`) and the initial stage (`domain/creation.py`).
Who a reaction moves is re-stated here in plain Python; the engine does it in SQL. A
cascade settles step by step in the same breadth-first order as `services/lifecycle/automation.py`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from stagecoach.domain import automation as rules
from stagecoach.domain import lifecycle_dates as ld
from stagecoach.domain import policy
from stagecoach.domain.catalog import Catalog
from stagecoach.domain.creation import initial_stage
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source

C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL
UNLABELLED = {C: 3, CO: 341}


@dataclass
class Rec:
    stage: str | None = None
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class Step:
    stages: list[tuple[ObjectType, int, str | None]] = field(default_factory=list)
    deal_stages: list[tuple[int, str]] = field(default_factory=list)
    # (from type, from id, to type, to id, type id), as the association log has them
    assoc_added: list[tuple[ObjectType, int, ObjectType, int, int]] = field(
        default_factory=list)

    def summary(self) -> rules.StepSummary:
        props = [rules.PropertyChanges(ot, "lifecyclestage", new, 1)
                 for ot, _, new in self.stages]
        props += [rules.PropertyChanges(D, "dealstage", s, 1) for _, s in self.deal_stages]
        assoc = [rules.AssociationChanges(ft, tt, tid, "add", 1)
                 for ft, _, tt, _, tid in self.assoc_added]
        return rules.StepSummary(props, assoc)


class Model:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.stages = catalog.stages
        self.recs: dict[tuple[ObjectType, int], Rec] = {}
        self.deals: dict[int, str] = {}
        self.primary: dict[int, int] = {}           # contact -> company
        self.company_links: set[tuple[int, int]] = set()  # (contact, company), any type
        self.deal_links: set[tuple[int, ObjectType, int]] = set()  # (deal, type, record)

    # -- moving -----------------------------------------------------------------------
    def _move(self, ot: ObjectType, rid: int, target: str | None, now: int) -> None:
        rec = self.recs[(ot, rid)]
        ld.apply_patch(rec.props, ld.stage_transition(rec.props, rec.stage, target, now,
                                                      self.stages))
        rec.stage = target

    def _forward(self, moves: dict[tuple[ObjectType, int], str], now: int) -> Step:
        step = Step()
        for (ot, rid), target in sorted(moves.items()):
            current = self.recs[(ot, rid)].stage
            if current == target or not self.stages.is_forward(current, target):
                continue
            self._move(ot, rid, target, now)
            step.stages.append((ot, rid, target))
        return step

    # -- automation ---------------------------------------------------------------------
    def settle(self, first: Step, now: int) -> None:
        queue = deque([first])
        while queue:
            step = queue.popleft()
            for intent in rules.reactions(step.summary(), self.catalog):
                if isinstance(intent.rule, rules.StampCloseDate):
                    continue
                moved = self._forward(self._targets(step, intent), now)
                if moved.stages:
                    queue.append(moved)

    def _targets(self, step: Step, intent: rules.Intent) -> dict[tuple[ObjectType, int], str]:
        out: dict[tuple[ObjectType, int], str] = {}
        rule = intent.rule
        if isinstance(rule, rules.FollowPrimaryCompany):
            if intent.trigger is rules.Trigger.COMPANY_STAGE:
                for ot, co, new in step.stages:
                    if ot is CO and new is not None:
                        for contact, company in self.primary.items():
                            if company == co:
                                out[(C, contact)] = new
            else:
                for ft, contact, _, co, tid in step.assoc_added:
                    if ft is C and tid == 1 and self.primary.get(contact) == co:
                        stage = self.recs[(CO, co)].stage
                        if stage is not None:
                            out[(C, contact)] = stage
        elif isinstance(rule, rules.AtDealStages):
            if intent.trigger is rules.Trigger.DEAL_STAGE:
                for deal, value in step.deal_stages:
                    if value in rule.deal_stage_ids:
                        for d, ot, rid in self.deal_links:
                            if d == deal:
                                out[(ot, rid)] = rule.target
            else:
                for ft, deal, tt, rid, tid in step.assoc_added:
                    if (ft is D and tid == UNLABELLED[tt] and (deal, tt, rid) in self.deal_links
                            and self.deals[deal] in rule.deal_stage_ids):
                        out[(tt, rid)] = rule.target
        return out

    # -- use cases ------------------------------------------------------------------------
    def create(self, ot: ObjectType, rid: int, given: str | None, source: Source,
               now: int) -> None:
        self.recs[(ot, rid)] = Rec()
        stage, _ = initial_stage(given or None, source, self.catalog.settings, self.stages)
        step = Step()
        if stage:
            self._move(ot, rid, stage, now)
            step.stages.append((ot, rid, stage))
        self.settle(step, now)

    def write_stage(self, ot: ObjectType, rid: int, raw: str, source: Source, now: int
                    ) -> bool:
        """False when the write was rejected (an error), as the engine reports it."""
        rec = self.recs[(ot, rid)]
        if raw == "" and not policy.empty_clears(source.type):
            return True
        target = raw or None
        mode = policy.mode_for(source.type, self.catalog.settings.api_backward_writes)
        try:
            decision = policy.decide(self.stages, rec.stage, target, mode)
        except policy.BackwardWriteRejected:
            return False
        step = Step()
        if decision.outcome is policy.Outcome.APPLY:
            self._move(ot, rid, target, now)
            step.stages.append((ot, rid, target))
        self.settle(step, now)
        return True

    def demote(self, ot: ObjectType, rid: int, target: str, now: int) -> bool:
        rec = self.recs[(ot, rid)]
        if not rec.stage or self.stages.ord(target) >= self.stages.ord(rec.stage):
            return False
        self._move(ot, rid, target, now)
        self.settle(Step(stages=[(ot, rid, target)]), now)
        return True

    def make_primary(self, contact: int, company: int, now: int) -> None:
        if self.primary.get(contact) == company:
            return
        self.primary[contact] = company
        self.company_links.add((contact, company))
        self.settle(Step(assoc_added=[(C, contact, CO, company, 1)]), now)

    def create_deal(self, did: int, stage: str, links: list[tuple[ObjectType, int]],
                    now: int) -> None:
        self.deals[did] = stage
        step = Step(deal_stages=[(did, stage)])
        for ot, rid in dict.fromkeys(links):
            self.deal_links.add((did, ot, rid))
            step.assoc_added.append((D, did, ot, rid, UNLABELLED[ot]))
        self.settle(step, now)

    def link_deal(self, did: int, ot: ObjectType, rid: int, now: int) -> None:
        if (did, ot, rid) in self.deal_links:
            return
        self.deal_links.add((did, ot, rid))
        self.settle(Step(assoc_added=[(D, did, ot, rid, UNLABELLED[ot])]), now)

    def move_deal(self, did: int, stage: str, now: int) -> None:
        if self.deals[did] == stage:
            return
        self.deals[did] = stage
        self.settle(Step(deal_stages=[(did, stage)]), now)


def backfill_moves(model: Model, plan: Any) -> dict[tuple[ObjectType, int], tuple[str | None,
                                                                                 str]]:
    """What applying a settings plan would move (domain/backfill.py), record by record:
    the furthest forward target among the rules that reach the record."""
    from stagecoach.domain.automation import AtDealStages, EmptyStage, FollowPrimaryCompany

    targets: dict[tuple[ObjectType, int], list[str]] = {}
    for rule in plan.stage_rules:
        if isinstance(rule, EmptyStage):
            for key, rec in model.recs.items():
                if rec.stage is None:
                    targets.setdefault(key, []).append(rule.target)
        elif isinstance(rule, AtDealStages):
            for deal, ot, rid in model.deal_links:
                if model.deals[deal] in rule.deal_stage_ids:
                    targets.setdefault((ot, rid), []).append(rule.target)
        elif isinstance(rule, FollowPrimaryCompany):
            for contact, company in model.primary.items():
                stage = model.recs[(CO, company)].stage
                if stage is not None:
                    targets.setdefault((C, contact), []).append(stage)
    out = {}
    for key, ts in targets.items():
        best = max(ts, key=model.stages.ord)
        current = model.recs[key].stage
        if model.stages.is_forward(current, best):
            out[key] = (current, best)
    return out
