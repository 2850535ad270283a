"""Property definitions (api spec section 6): the built-in ones, the stage family of each
lifecycle stage, and the account's custom properties.

Custom types are string, number, date, datetime, enumeration and bool. A definition is
usable in writes and reads as soon as it is created (the catalog merges stored rows).
Editable built-ins: `hs_lead_status` (label, description, options; rule 40) and
`lifecyclestage`, whose options are the stage set (patching them goes through
services/lifecycle/stages.py, rules 35-39). Every other built-in definition is read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stagecoach.domain.catalog import custom_property
from stagecoach.domain.errors import Conflict, NotFound, ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import PropertyDef, check_custom_name
from stagecoach.services.catalog import property_input as check
from stagecoach.services.catalog.property_input import PropertySpec
from stagecoach.services.core import configuration
from stagecoach.services.core.context import Ctx
from stagecoach.services.lifecycle import stages
from stagecoach.store.catalog import property_defs as store

EDITABLE_BUILTINS = frozenset({"hs_lead_status", "lifecyclestage"})


@dataclass(frozen=True)
class PropertyInfo:
    definition: PropertyDef
    created_at: int
    updated_at: int
    display_order: int = -1
    hidden: bool = False
    form_field: bool = True
    archived: bool = False
    archived_at: int | None = None

    @property
    def custom(self) -> bool:
        return not self.definition.builtin

    @property
    def read_only_definition(self) -> bool:
        return self.definition.builtin and self.definition.name not in EDITABLE_BUILTINS

    @property
    def read_only_value(self) -> bool:
        return self.definition.calculated


def _info(p: PropertyDef, row: Any, account_created: int) -> PropertyInfo:
    if row is None:
        return PropertyInfo(p, account_created, account_created)
    return PropertyInfo(p, row.created_at, row.updated_at, row.display_order, row.hidden,
                        row.form_field, row.archived, row.archived_at)


def _row_def(ot: ObjectType, r: Any) -> PropertyDef:
    return custom_property(ot, r.name, r.label, r.type, r.field_type, r.group_name,
                           r.description, r.options or [], builtin=r.builtin)


def list_all(ctx: Ctx, ot: ObjectType, *, archived: bool = False) -> list[PropertyInfo]:
    rows = store.rows(ctx.conn, ctx.account_id, ot)
    if archived:
        return [_info(_row_def(ot, r), r, 0) for r in rows.values() if r.archived]
    created = store.account_created_at(ctx.conn, ctx.account_id)
    return [_info(p, rows.get(p.name), created) for p in ctx.catalog.properties(ot)]


def get(ctx: Ctx, ot: ObjectType, name: str, *, archived: bool = False) -> PropertyInfo:
    rows = store.rows(ctx.conn, ctx.account_id, ot, [name])
    row = rows.get(name)
    if archived:
        if row is None or not row.archived:
            raise _not_found(ot, name)
        return _info(_row_def(ot, row), row, 0)
    p = ctx.catalog.definition(ot, name)
    if p is None:
        raise _not_found(ot, name)
    return _info(p, row, store.account_created_at(ctx.conn, ctx.account_id))


def _not_found(ot: ObjectType, name: str) -> NotFound:
    return NotFound(f"Property {name} does not exist on {ot.plural}",
                    code="PROPERTY_DOESNT_EXIST", propertyName=name)


def create(ctx: Ctx, ot: ObjectType, spec: PropertySpec) -> PropertyInfo:
    configuration.lock(ctx)
    name = (spec.name or "").strip()
    rows = store.rows(ctx.conn, ctx.account_id, ot, [name])
    if ctx.catalog.definition(ot, name) is not None or name in rows:
        raise Conflict(f"A property named {name} already exists on {ot.plural}"
                       + (" (archived)" if name in rows and rows[name].archived else ""),
                       code="PROPERTY_EXISTS", propertyName=name)
    check_custom_name(name, ())
    check.check_unsupported(spec)
    ptype = check.property_type(spec.type)
    options = check.options(ptype, spec.options)
    store.insert(ctx.conn, ctx.account_id, ot, {
        "name": name,
        "label": check.text("label", spec.label, check.MAX_LABEL),
        "type": ptype.value,
        "field_type": check.field_type(ptype, spec.field_type),
        "group_name": check.text("groupName", spec.group_name, check.MAX_GROUP),
        "description": check.text("description", spec.description, 2000, required=False),
        "options": check.options_json(options),
        "builtin": False,
        "display_order": spec.display_order if spec.display_order is not None else -1,
        "hidden": bool(spec.hidden),
        "form_field": True if spec.form_field is None else spec.form_field,
        "archived": False,
        "created_at": ctx.now,
        "updated_at": ctx.now,
    })
    ctx.reload_catalog()
    return get(ctx, ot, name)


def update(ctx: Ctx, ot: ObjectType, name: str, spec: PropertySpec) -> PropertyInfo:
    configuration.lock(ctx)
    current = get(ctx, ot, name)
    p = current.definition
    if name == "lifecyclestage":
        return _update_stages(ctx, ot, current, spec)
    if current.read_only_definition:
        raise ValidationError(f"{name} is a built-in property whose definition is read-only",
                              code="READ_ONLY_DEFINITION", propertyName=name)
    check.check_unsupported(spec)
    ptype = p.type
    if spec.type is not None and check.property_type(spec.type) is not ptype:
        raise ValidationError(f"The type of {name} cannot be changed",
                              code="TYPE_CHANGE_UNAVAILABLE", propertyName=name)
    values: dict[str, Any] = {"updated_at": ctx.now}
    if spec.label is not None:
        values["label"] = check.text("label", spec.label, check.MAX_LABEL)
    if spec.description is not None:
        values["description"] = check.text("description", spec.description, 2000, required=False)
    if spec.group_name is not None:
        values["group_name"] = check.text("groupName", spec.group_name, check.MAX_GROUP)
    if spec.field_type is not None:
        values["field_type"] = check.field_type(ptype, spec.field_type)
    if spec.options is not None:
        values["options"] = check.options_json(check.options(ptype, spec.options))
    if spec.display_order is not None:
        values["display_order"] = spec.display_order
    if spec.hidden is not None:
        values["hidden"] = spec.hidden
    if spec.form_field is not None:
        values["form_field"] = spec.form_field
    if p.builtin and name not in store.rows(ctx.conn, ctx.account_id, ot, [name]):
        # A built-in edited for the first time gets its account row.
        store.insert(ctx.conn, ctx.account_id, ot, {
            "name": name, "label": p.label, "type": p.type.value,
            "field_type": p.field_type, "group_name": p.group,
            "description": p.description, "options": check.options_json(p.options),
            "builtin": True, "created_at": current.created_at, **values})
    else:
        store.change(ctx.conn, ctx.account_id, ot, name, values)
    ctx.reload_catalog()
    return get(ctx, ot, name)


def _update_stages(ctx: Ctx, ot: ObjectType, current: PropertyInfo, spec: PropertySpec
                   ) -> PropertyInfo:
    """lifecyclestage: only its options (the stage set) change here (api spec section 6)."""
    p = current.definition
    fixed = {"label": (spec.label, p.label), "type": (spec.type, p.type.value),
             "fieldType": (spec.field_type, p.field_type),
             "groupName": (spec.group_name, p.group),
             "description": (spec.description, p.description)}
    changed = [k for k, (given, now) in fixed.items() if given is not None and given != now]
    if changed:
        raise ValidationError(
            "Only the options of lifecyclestage can be changed (they are the stage set); "
            f"not {', '.join(changed)}", code="READ_ONLY_DEFINITION",
            propertyName="lifecyclestage")
    if spec.options is not None:
        if any(o.hidden for o in spec.options):
            raise ValidationError("Lifecycle stages cannot be hidden",
                                  code="INVALID_OPTIONS", propertyName="lifecyclestage")
        indexed = list(enumerate(spec.options))
        if all(o.display_order is not None for o in spec.options):
            indexed.sort(key=lambda io: (io[1].display_order or 0, io[0]))
        known = ctx.catalog.stages
        # An option whose value is not a stage yet is a new stage: it gets a fresh
        # numeric value (rule 36), whatever placeholder value was sent.
        stages.replace_all(ctx, [(o.value if o.value in known else None, o.label)
                                 for _, o in indexed])
    return get(ctx, ot, "lifecyclestage")


def archive(ctx: Ctx, ot: ObjectType, name: str) -> None:
    configuration.lock(ctx)
    current = get(ctx, ot, name)
    if not current.custom:
        raise ValidationError(f"{name} is a built-in property and cannot be archived",
                              code="READ_ONLY_DEFINITION", propertyName=name)
    store.change(ctx.conn, ctx.account_id, ot, name,
                 {"archived": True, "archived_at": ctx.now, "updated_at": ctx.now})
    ctx.reload_catalog()
