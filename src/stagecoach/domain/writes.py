"""Planning one record's property write: validation, the policy, and what changes.

Pure: given the record's current stored values and the requested wire values, it returns
what to change, what to record in history, and what the policy refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stagecoach.domain import normalize, policy
from stagecoach.domain.catalog import Catalog
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import META_PROPERTIES, PropertyDef
from stagecoach.domain.sources import Source
from stagecoach.domain.values import PropertyType, to_stored, to_wire


@dataclass(frozen=True)
class Blocked:
    property: str
    attempted: str | None
    kept: str | None
    reason: str


@dataclass
class WritePlan:
    changes: dict[str, Any] = field(default_factory=dict)  # name -> stored value (None clears)
    versions: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    stage: tuple[str | None] | None = None  # (target,) when the stage moves
    blocked: list[Blocked] = field(default_factory=list)

    @property
    def ignored(self) -> list[str]:
        return [b.property for b in self.blocked]

    @property
    def empty(self) -> bool:
        return not self.changes and self.stage is None


@dataclass(frozen=True)
class WriteOptions:
    migration: bool = False  # may set the "became a" dates (rule 17)
    system: bool = False     # Stagecoach itself, maintaining calculated properties
    creating: bool = False


def _read_only(name: str) -> ValidationError:
    return ValidationError(
        f"{name} is a read-only property", code="READ_ONLY_VALUE", propertyName=name
    )


def _check_option(p: PropertyDef, value: str) -> None:
    allowed = p.option_values()
    if value not in allowed:
        raise ValidationError(
            f"Property values were not valid: {value[:100]!r} was not one of the allowed "
            f"options for {p.name}: {', '.join(allowed)}",
            code="INVALID_OPTION",
            propertyName=p.name,
            allowedOptions=list(allowed),
        )


def coerce(catalog: Catalog, p: PropertyDef, raw: str) -> Any:
    if p.name == "email":
        return normalize.email(raw)
    if p.name == "domain":
        return normalize.domain(raw)
    if p.name == "lifecyclestage":
        return catalog.stages.require(raw.strip())
    stored = to_stored(p.name, p.type, raw)
    if p.type is PropertyType.ENUMERATION and p.options:
        _check_option(p, stored)
    return stored


def plan_write(
    catalog: Catalog,
    object_type: ObjectType,
    current: Mapping[str, Any],
    requested: Mapping[str, str | None],
    source: Source,
    options: WriteOptions = WriteOptions(),
) -> WritePlan:
    plan = WritePlan()
    mode = policy.mode_for(source.type, catalog.settings.api_backward_writes)
    for name, raw in requested.items():
        p = catalog.require_definition(object_type, name)
        if name in META_PROPERTIES:
            raise _read_only(name)
        if p.calculated and not options.system and not (options.migration and p.migratable):
            raise _read_only(name)
        if raw is not None and not isinstance(raw, str):
            raw = str(raw)
        if raw is None or raw == "":
            if not policy.empty_clears(source.type) and not options.system:
                continue
            new: Any = None
        else:
            new = coerce(catalog, p, raw)
        old = current.get(name)
        if name == "lifecyclestage":
            decision = policy.decide(catalog.stages, old, new, mode)
            if decision.outcome is policy.Outcome.APPLY:
                plan.stage = (new,)
            elif decision.outcome is policy.Outcome.BLOCKED:
                plan.blocked.append(Blocked(name, new, old,
                                          decision.reason or policy.Refusal.BACKWARD))
            continue
        if new == old:
            continue
        plan.changes[name] = new
        plan.versions.append((name, to_wire(p.type, new), to_wire(p.type, old)))
    if object_type is ObjectType.DEAL:
        _plan_deal(catalog, current, plan, options)
    return plan


def _plan_deal(catalog: Catalog, current: Mapping[str, Any], plan: WritePlan,
               options: WriteOptions) -> None:
    """A deal's stage belongs to its pipeline; a new deal gets the default pipeline and
    that pipeline's first stage when none is given."""
    pipeline_id = plan.changes.get("pipeline", current.get("pipeline"))
    stage_id = plan.changes.get("dealstage", current.get("dealstage"))
    if "pipeline" in plan.changes and plan.changes["pipeline"] is None:
        raise ValidationError("A deal always has a pipeline", code="PIPELINE_REQUIRED",
                              propertyName="pipeline")
    if "dealstage" in plan.changes and plan.changes["dealstage"] is None:
        raise ValidationError("A deal always has a deal stage", code="DEAL_STAGE_REQUIRED",
                              propertyName="dealstage")
    if pipeline_id is None:
        stage = catalog.deal_stage(stage_id) if stage_id else None
        pipeline = catalog.pipeline(stage.pipeline_id) if stage else catalog.default_pipeline
        assert pipeline is not None
        pipeline_id = pipeline.id
        _set(plan, "pipeline", pipeline_id, None)
    pipeline = catalog.pipeline(pipeline_id)
    if pipeline is None:
        raise ValidationError(f"Pipeline {pipeline_id!r} does not exist",
                              code="INVALID_OPTION", propertyName="pipeline")
    if stage_id is None:
        if not pipeline.stages:
            raise ValidationError(f"Pipeline {pipeline_id!r} has no stages",
                                  code="DEAL_STAGE_REQUIRED", propertyName="dealstage")
        _set(plan, "dealstage", pipeline.stages[0].id, None)
    elif pipeline.stage(stage_id) is None:
        raise ValidationError(
            f"Deal stage {stage_id!r} is not a stage of pipeline {pipeline_id!r}",
            code="INVALID_OPTION", propertyName="dealstage",
            allowedOptions=[s.id for s in pipeline.stages],
        )


def _set(plan: WritePlan, name: str, value: str, old: str | None) -> None:
    plan.changes[name] = value
    plan.versions.append((name, value, old))
