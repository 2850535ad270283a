"""The account's lifecycle automation settings (lifecycle spec section 5, api spec section 8)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from stagecoach.domain.deals import Pipeline
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.policy import BackwardWrites
from stagecoach.domain.stages import StageSet


@dataclass(frozen=True)
class StageSetting:
    enabled: bool
    stage: str


@dataclass(frozen=True)
class PipelineStageRule:
    pipeline_id: str
    stage_id: str
    lifecycle_stage: str


class CompanySyncScope(StrEnum):
    """Which contacts rule 21's sync reaches (automation spec rule 78): those whose primary
    company it is, or every contact associated with the company (HubSpot's behaviour with
    the Salesforce integration)."""

    PRIMARY = "primary"
    ALL_CONTACTS = "allContacts"


@dataclass(frozen=True)
class AutomationSettings:
    create_default: StageSetting = StageSetting(False, "lead")
    deal_created: StageSetting = StageSetting(True, "opportunity")
    deal_won: StageSetting = StageSetting(True, "customer")
    sync_with_primary_company: bool = False
    company_sync_scope: CompanySyncScope = CompanySyncScope.PRIMARY
    auto_associate_companies_by_domain: bool = True
    api_backward_writes: BackwardWrites = BackwardWrites.IGNORE
    pipeline_stage_rules: tuple[PipelineStageRule, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "createDefault": _stage_setting_json(self.create_default),
            "dealCreated": _stage_setting_json(self.deal_created),
            "dealWon": _stage_setting_json(self.deal_won),
            "syncWithPrimaryCompany": self.sync_with_primary_company,
            "companySyncScope": self.company_sync_scope.value,
            "autoAssociateCompaniesByDomain": self.auto_associate_companies_by_domain,
            "apiBackwardWrites": self.api_backward_writes.value,
            "pipelineStageRules": [
                {"pipelineId": r.pipeline_id, "stageId": r.stage_id,
                 "lifecycleStage": r.lifecycle_stage}
                for r in self.pipeline_stage_rules
            ],
        }

    def stages_named(self) -> set[str]:
        named = {self.create_default.stage, self.deal_created.stage, self.deal_won.stage}
        return named | {r.lifecycle_stage for r in self.pipeline_stage_rules}

    def rules_for_deal_stage(self, stage_id: str) -> list[PipelineStageRule]:
        return [r for r in self.pipeline_stage_rules if r.stage_id == stage_id]


def _stage_setting_json(s: StageSetting) -> dict[str, Any]:
    return {"enabled": s.enabled, "stage": s.stage}


_KEYS = {
    "createDefault", "dealCreated", "dealWon", "syncWithPrimaryCompany", "companySyncScope",
    "autoAssociateCompaniesByDomain", "apiBackwardWrites", "pipelineStageRules",
}


def _bad(message: str, **context: Any) -> ValidationError:
    return ValidationError(message, code="INVALID_SETTINGS", **context)


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _bad(f"{key} must be true or false", key=key)
    return value


def _stage_setting(key: str, value: Any, base: StageSetting, stages: StageSet) -> StageSetting:
    if not isinstance(value, Mapping):
        raise _bad(f"{key} must be an object with 'enabled' and 'stage'", key=key)
    unknown = set(value) - {"enabled", "stage"}
    if unknown:
        raise _bad(f"Unknown keys in {key}: {', '.join(sorted(unknown))}", key=key)
    enabled = _bool(f"{key}.enabled", value.get("enabled", base.enabled))
    stage = value.get("stage", base.stage)
    if not isinstance(stage, str) or stage not in stages:
        raise _bad(f"{key}.stage {stage!r} is not a lifecycle stage", key=key,
                   allowedOptions=list(stages.values))
    return StageSetting(enabled, stage)


def _rules(value: Any, stages: StageSet, pipelines: Iterable[Pipeline]) -> tuple[
    PipelineStageRule, ...
]:
    if not isinstance(value, list):
        raise _bad("pipelineStageRules must be a list")
    by_id = {p.id: p for p in pipelines}
    out: list[PipelineStageRule] = []
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(value):
        if not isinstance(item, Mapping) or set(item) != {
            "pipelineId", "stageId", "lifecycleStage"
        }:
            raise _bad("Each pipeline stage rule has exactly pipelineId, stageId and "
                       "lifecycleStage", index=i)
        pipeline = by_id.get(str(item["pipelineId"]))
        if pipeline is None:
            raise _bad(f"Unknown pipeline {item['pipelineId']!r}", index=i)
        if pipeline.stage(str(item["stageId"])) is None:
            raise _bad(f"Unknown deal stage {item['stageId']!r} in pipeline {pipeline.id}",
                       index=i)
        if item["lifecycleStage"] not in stages:
            raise _bad(f"Unknown lifecycle stage {item['lifecycleStage']!r}", index=i)
        key = (pipeline.id, str(item["stageId"]))
        if key in seen:
            raise _bad(f"Two rules name deal stage {key[1]} of pipeline {key[0]}", index=i)
        seen.add(key)
        out.append(PipelineStageRule(pipeline.id, str(item["stageId"]),
                                     str(item["lifecycleStage"])))
    return tuple(out)


def merge(
    base: AutomationSettings,
    patch: Mapping[str, Any],
    stages: StageSet,
    pipelines: Iterable[Pipeline],
) -> AutomationSettings:
    """Apply a PATCH-shaped mapping to `base`, validating every key (400 on anything odd)."""
    if not isinstance(patch, Mapping):
        raise _bad("Settings must be a JSON object")
    unknown = set(patch) - _KEYS
    if unknown:
        raise _bad(f"Unknown settings: {', '.join(sorted(unknown))}",
                   unknownKeys=sorted(unknown))
    s = base
    if "createDefault" in patch:
        s = replace(s, create_default=_stage_setting(
            "createDefault", patch["createDefault"], s.create_default, stages))
    if "dealCreated" in patch:
        s = replace(s, deal_created=_stage_setting(
            "dealCreated", patch["dealCreated"], s.deal_created, stages))
    if "dealWon" in patch:
        s = replace(s, deal_won=_stage_setting("dealWon", patch["dealWon"], s.deal_won,
                                               stages))
    if "syncWithPrimaryCompany" in patch:
        s = replace(s, sync_with_primary_company=_bool(
            "syncWithPrimaryCompany", patch["syncWithPrimaryCompany"]))
    if "companySyncScope" in patch:
        try:
            s = replace(s, company_sync_scope=CompanySyncScope(patch["companySyncScope"]))
        except (ValueError, TypeError):
            raise _bad("companySyncScope is one of primary, allContacts",
                       key="companySyncScope") from None
    if "autoAssociateCompaniesByDomain" in patch:
        s = replace(s, auto_associate_companies_by_domain=_bool(
            "autoAssociateCompaniesByDomain", patch["autoAssociateCompaniesByDomain"]))
    if "apiBackwardWrites" in patch:
        try:
            s = replace(s, api_backward_writes=BackwardWrites(patch["apiBackwardWrites"]))
        except (ValueError, TypeError):
            raise _bad("apiBackwardWrites is one of ignore, reject, allow") from None
    if "pipelineStageRules" in patch:
        s = replace(s, pipeline_stage_rules=_rules(patch["pipelineStageRules"], stages,
                                                   pipelines))
    return s


def from_stored(data: Mapping[str, Any] | None) -> AutomationSettings:
    """Trusting read of settings already validated when they were written."""
    if not data:
        return AutomationSettings()
    d = AutomationSettings()

    def ss(key: str, default: StageSetting) -> StageSetting:
        v = data.get(key)
        return StageSetting(bool(v["enabled"]), str(v["stage"])) if v else default

    return AutomationSettings(
        create_default=ss("createDefault", d.create_default),
        deal_created=ss("dealCreated", d.deal_created),
        deal_won=ss("dealWon", d.deal_won),
        sync_with_primary_company=bool(data.get("syncWithPrimaryCompany", False)),
        company_sync_scope=CompanySyncScope(data.get("companySyncScope", "primary")),
        auto_associate_companies_by_domain=bool(
            data.get("autoAssociateCompaniesByDomain", True)),
        api_backward_writes=BackwardWrites(data.get("apiBackwardWrites", "ignore")),
        pipeline_stage_rules=tuple(
            PipelineStageRule(r["pipelineId"], r["stageId"], r["lifecycleStage"])
            for r in data.get("pipelineStageRules", [])
        ),
    )
