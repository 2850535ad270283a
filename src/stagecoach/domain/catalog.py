"""An account's configuration as the rules see it: stages, settings, pipelines, properties."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from stagecoach.domain.deals import DealStage, Pipeline
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import BUILTIN, Option, PropertyDef, stage_family
from stagecoach.domain.settings import AutomationSettings
from stagecoach.domain.stages import StageSet


@dataclass(frozen=True)
class Catalog:
    account_id: int
    stages: StageSet
    settings: AutomationSettings
    pipelines: tuple[Pipeline, ...]
    # Account rows: custom properties, and built-ins whose options the account edited.
    stored_properties: tuple[PropertyDef, ...] = ()
    _props: dict[tuple[ObjectType, str], PropertyDef] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        props: dict[tuple[ObjectType, str], PropertyDef] = {}
        stage_options = tuple(
            Option(s.value, s.label, i) for i, s in enumerate(self.stages)
        )
        for p in BUILTIN:
            props[(p.object_type, p.name)] = p
        for ot in (ObjectType.CONTACT, ObjectType.COMPANY):
            props[(ot, "lifecyclestage")] = replace(
                props[(ot, "lifecyclestage")], options=stage_options
            )
            for s in self.stages:
                for p in stage_family(ot, s.value, s.label):
                    props[(ot, p.name)] = p
        pipeline_options = tuple(Option(p.id, p.label, p.display_order) for p in self.pipelines)
        deal_stage_options = tuple(
            Option(s.id, s.label, s.display_order) for p in self.pipelines for s in p.stages
        )
        props[(ObjectType.DEAL, "pipeline")] = replace(
            props[(ObjectType.DEAL, "pipeline")], options=pipeline_options
        )
        props[(ObjectType.DEAL, "dealstage")] = replace(
            props[(ObjectType.DEAL, "dealstage")], options=deal_stage_options
        )
        for p in self.stored_properties:
            props[(p.object_type, p.name)] = p
        object.__setattr__(self, "_props", props)

    def definition(self, object_type: ObjectType, name: str) -> PropertyDef | None:
        return self._props.get((object_type, name))

    def require_definition(self, object_type: ObjectType, name: str) -> PropertyDef:
        p = self.definition(object_type, name)
        if p is None:
            raise ValidationError(
                f"Property \"{name}\" does not exist on {object_type.plural}",
                code="PROPERTY_DOESNT_EXIST",
                propertyName=name,
            )
        return p

    def properties(self, object_type: ObjectType) -> list[PropertyDef]:
        return [p for (ot, _), p in self._props.items() if ot is object_type]

    def pipeline(self, pipeline_id: str) -> Pipeline | None:
        return next((p for p in self.pipelines if p.id == pipeline_id), None)

    @property
    def default_pipeline(self) -> Pipeline:
        return sorted(self.pipelines, key=lambda p: p.display_order)[0]

    def deal_stage(self, stage_id: str) -> DealStage | None:
        for p in self.pipelines:
            s = p.stage(stage_id)
            if s is not None:
                return s
        return None

    def deal_stage_ids(self, *, won: bool | None = None, open_: bool | None = None) -> list[str]:
        out = []
        for p in self.pipelines:
            for s in p.stages:
                if won is not None and s.is_won != won:
                    continue
                if open_ is not None and s.is_open != open_:
                    continue
                out.append(s.id)
        return out


def custom_property(
    object_type: ObjectType,
    name: str,
    label: str,
    ptype: str,
    field_type: str,
    group: str,
    description: str,
    options: Iterable[Mapping[str, object]],
    builtin: bool = False,
) -> PropertyDef:
    from stagecoach.domain.values import PropertyType

    return PropertyDef(
        name=name,
        label=label,
        type=PropertyType(ptype),
        object_type=object_type,
        group=group,
        field_type=field_type,
        description=description,
        builtin=builtin,
        options=tuple(
            Option(str(o["value"]), str(o.get("label", o["value"])),
                   int(str(o.get("displayOrder", i))), bool(o.get("hidden", False)))
            for i, o in enumerate(options)
        ),
    )
