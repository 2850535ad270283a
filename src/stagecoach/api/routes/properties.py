"""/crm/v3/properties/{objectType}: property definitions in HubSpot's v3 shape."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from stagecoach.api import unit
from stagecoach.api.auth import principal, require, schema_scope
from stagecoach.api.errors import ApiError
from stagecoach.api.routes.schema_wire import iso, query_bool
from stagecoach.domain.objects import ObjectType
from stagecoach.services.auth.accounts import Principal
from stagecoach.services.catalog import properties
from stagecoach.services.catalog.properties import PropertyInfo
from stagecoach.services.catalog.property_input import OptionSpec, PropertySpec
from stagecoach.services.lifecycle import stages

router = APIRouter(prefix="/crm/v3/properties", tags=["properties"])

_GROUP_BY_TYPE = {ObjectType.COMPANY: "companyinformation", ObjectType.DEAL: "dealinformation"}


class OptionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    label: str = Field(max_length=200)
    value: str = Field(max_length=500)
    displayOrder: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    hidden: bool = False
    description: str | None = Field(default=None, max_length=2000)


class PropertyIn(BaseModel):
    """A create (name, label, type, groupName required) or an update (all optional)."""

    model_config = ConfigDict(extra="ignore")
    name: str | None = Field(default=None, max_length=100)
    label: str | None = Field(default=None, max_length=200)
    type: str | None = Field(default=None, max_length=20)
    fieldType: str | None = Field(default=None, max_length=40)
    groupName: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    options: list[OptionIn] | None = Field(default=None, max_length=1000)
    displayOrder: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    hidden: bool | None = None
    formField: bool | None = None
    hasUniqueValue: bool | None = None

    def spec(self) -> PropertySpec:
        return PropertySpec(
            name=self.name, label=self.label, type=self.type, field_type=self.fieldType,
            group_name=self.groupName, description=self.description,
            options=None if self.options is None else [
                OptionSpec(o.value, o.label, o.displayOrder, o.hidden) for o in self.options],
            display_order=self.displayOrder, hidden=self.hidden, form_field=self.formField,
            has_unique_value=self.hasUniqueValue)


def _caller(request: Request, object_type: str, write: bool) -> tuple[ObjectType, Principal]:
    principal(request)  # 401 before anything about the path
    ot = ObjectType.parse(object_type)
    return ot, require(request, schema_scope(ot, write))


def property_json(info: PropertyInfo) -> dict[str, Any]:
    p = info.definition
    group = p.group
    if p.builtin and group == "contactinformation":
        group = _GROUP_BY_TYPE.get(p.object_type, group)
    out: dict[str, Any] = {
        "name": p.name,
        "label": p.label,
        "type": p.type.value,
        "fieldType": p.field_type,
        "groupName": group,
        "description": p.description,
        "options": [{"label": o.label, "value": o.value, "displayOrder": o.display_order,
                     "hidden": o.hidden} for o in p.options],
        "displayOrder": info.display_order,
        "calculated": p.calculated,
        "externalOptions": False,
        "hasUniqueValue": p.has_unique_value,
        "hidden": info.hidden,
        "hubspotDefined": p.builtin,
        "formField": info.form_field and not p.calculated,
        "modificationMetadata": {
            "archivable": info.custom,
            "readOnlyDefinition": info.read_only_definition,
            "readOnlyValue": info.read_only_value,
            "readOnlyOptions": info.read_only_definition or not p.options,
        },
        "createdAt": iso(info.created_at),
        "updatedAt": iso(info.updated_at),
        "archived": info.archived,
    }
    if info.archived:
        out["archivedAt"] = iso(info.archived_at)
    return out


@router.get("/{object_type}")
def list_properties(request: Request, object_type: str, archived: str | None = None
                    ) -> dict[str, Any]:
    ot, p = _caller(request, object_type, False)
    want_archived = query_bool("archived", archived)
    found = unit.run(request, p.account_id,
                     lambda ctx: properties.list_all(ctx, ot, archived=want_archived),
                     readonly=True)
    return {"results": [property_json(i) for i in found]}


@router.post("/{object_type}", status_code=201)
def create_property(request: Request, object_type: str, body: PropertyIn) -> dict[str, Any]:
    ot, p = _caller(request, object_type, True)
    missing = [k for k in ("name", "label", "type", "groupName") if getattr(body, k) is None]
    if missing:
        raise ApiError(400, f"Missing required fields: {', '.join(missing)}")
    info = unit.run(request, p.account_id, lambda ctx: properties.create(ctx, ot, body.spec()))
    return property_json(info)


@router.get("/{object_type}/{name}")
def get_property(request: Request, object_type: str, name: str,
                 archived: str | None = None) -> dict[str, Any]:
    ot, p = _caller(request, object_type, False)
    want_archived = query_bool("archived", archived)
    info = unit.run(request, p.account_id,
                    lambda ctx: properties.get(ctx, ot, name, archived=want_archived),
                    readonly=True)
    return property_json(info)


@router.patch("/{object_type}/{name}")
def update_property(request: Request, object_type: str, name: str, body: PropertyIn
                    ) -> dict[str, Any]:
    ot, p = _caller(request, object_type, True)
    if name == "lifecyclestage" and body.options is not None and not stages.may_change(p):
        raise ApiError(403, "Only account admins may change lifecycle stages",
                       "MISSING_SCOPES")
    info = unit.run(request, p.account_id,
                    lambda ctx: properties.update(ctx, ot, name, body.spec()))
    return property_json(info)


@router.delete("/{object_type}/{name}", status_code=204)
def archive_property(request: Request, object_type: str, name: str) -> Response:
    ot, p = _caller(request, object_type, True)
    unit.run(request, p.account_id, lambda ctx: properties.archive(ctx, ot, name))
    return Response(status_code=204)
