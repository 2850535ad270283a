"""Imports (lifecycle spec rule 34): mapping a file's columns and planning each row. Pure.

A row plan says how the row is matched (record id, email or domain), which properties it
writes (an empty cell never appears: it means "no change", rule 8), its stage (internal
value or label, case-insensitively; an unknown one makes the row an error row, never a
silent default) and the records it associates with (a company domain on a contact row).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stagecoach.domain import normalize
from stagecoach.domain.catalog import Catalog
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import META_PROPERTIES
from stagecoach.domain.values import is_decimal

C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL
STAGE = "lifecyclestage"
RECORD_ID = "hs_object_id"
# Matching keys per object type besides the record id (rule 34).
NATURAL_KEY = {C: "email", CO: "domain"}
MAX_COLUMNS = 1000
MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class Column:
    """One mapped column: a property of the imported records (`to` is None), or the key of
    a record to associate them with (`to` is that record's type; `property` its key)."""
    index: int
    name: str
    property: str
    to: ObjectType | None = None


@dataclass(frozen=True)
class Mapping_:
    object_type: ObjectType
    columns: tuple[Column, ...]
    width: int  # the header's number of columns
    default_stage: str | None = None

    @property
    def key_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns
                     if c.to is None and c.property in (RECORD_ID, NATURAL_KEY.get(
                         self.object_type)))


@dataclass(frozen=True)
class ColumnSpec:
    """A column as the request maps it (HubSpot's columnMappings entry)."""
    column_name: str
    property_name: str | None
    object_type: ObjectType
    id_column_type: str | None = None


def _mapping_error(message: str, **context: Any) -> ValidationError:
    return ValidationError(message, code="INVALID_IMPORT_MAPPING", **context)


def build_mapping(
    catalog: Catalog, object_type: ObjectType, header: Sequence[str],
    specs: Sequence[ColumnSpec] | None, default_stage: str | None,
) -> Mapping_:
    """Map the header. With `specs` (the API's columnMappings) a column without a mapping
    is not imported, as in HubSpot; without them (the command line) every column must
    name a property by its internal name or label, and an unknown column refuses the
    import (nothing is dropped silently)."""
    if len(header) > MAX_COLUMNS:
        raise _mapping_error(f"The file has {len(header)} columns; at most {MAX_COLUMNS} "
                             "can be imported", columns=len(header))
    names = [h.strip() for h in header]
    seen: set[str] = set()
    for n in names:
        if n and n.casefold() in seen:
            raise _mapping_error(f"Column {n!r} appears twice in the header", column=n)
        seen.add(n.casefold())
    if specs is None:
        specs = _auto_specs(catalog, object_type, names)
    index = {n.casefold(): i for i, n in enumerate(names)}
    columns: list[Column] = []
    targets: set[tuple[ObjectType | None, str]] = set()
    for spec in specs:
        if spec.property_name is None:
            continue
        i = index.get(spec.column_name.strip().casefold())
        if i is None:
            raise _mapping_error(f"Column {spec.column_name!r} is not in the file's header",
                                 column=spec.column_name)
        col = _column(catalog, object_type, i, names[i], spec)
        if (col.to, col.property) in targets:
            raise _mapping_error(f"Two columns are mapped to {col.property!r}",
                                 column=names[i])
        targets.add((col.to, col.property))
        columns.append(col)
    if not columns:
        raise _mapping_error("No column is mapped to a property")
    if default_stage is not None:
        if not object_type.has_lifecycle:
            raise _mapping_error("A default lifecycle stage applies to contacts and companies")
        resolved = catalog.stages.resolve(default_stage)
        if resolved is None:
            raise ValidationError(
                f"Default stage {default_stage!r} is not a lifecycle stage. Allowed options: "
                + ", ".join(catalog.stages.values), code="INVALID_OPTION",
                propertyName=STAGE, allowedOptions=list(catalog.stages.values))
        default_stage = resolved
    return Mapping_(object_type, tuple(columns), len(names), default_stage)


def _auto_specs(catalog: Catalog, object_type: ObjectType, names: Sequence[str]
                ) -> list[ColumnSpec]:
    by_label: dict[str, str] = {}
    for p in catalog.properties(object_type):
        by_label.setdefault(p.label.casefold(), p.name)
        by_label[p.name.casefold()] = p.name
    specs: list[ColumnSpec] = []
    unknown: list[str] = []
    for n in names:
        key = n.casefold()
        if object_type is not CO and key in ("company domain", "company domain name"):
            specs.append(ColumnSpec(n, "domain", CO))
        elif key in by_label:
            specs.append(ColumnSpec(n, by_label[key], object_type))
        elif key == "record id":
            specs.append(ColumnSpec(n, RECORD_ID, object_type))
        else:
            unknown.append(n or "(empty header)")
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:20])
        more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        raise _mapping_error(
            f"Columns that name no {object_type.singular} property: {shown}{more}. "
            "Rename them to a property's name or label, or remove them.",
            columns=unknown[:100])
    return specs


def _column(catalog: Catalog, object_type: ObjectType, i: int, name: str, spec: ColumnSpec
            ) -> Column:
    prop = spec.property_name or ""
    if spec.id_column_type == "HUBSPOT_OBJECT_ID":
        prop = RECORD_ID
    if spec.object_type is not object_type:
        key = RECORD_ID if prop == RECORD_ID else NATURAL_KEY.get(spec.object_type)
        if prop != key:
            raise _mapping_error(
                f"Column {name!r}: a {spec.object_type.singular} is associated by "
                f"{'record id or ' + key if key else 'record id'}, not by {prop!r}",
                column=name)
        return Column(i, name, prop, spec.object_type)
    if prop == RECORD_ID:
        return Column(i, name, prop)
    p = catalog.require_definition(object_type, prop)
    if p.name in META_PROPERTIES or (p.calculated and not p.migratable):
        raise _mapping_error(f"Column {name!r}: {p.name} is read-only and cannot be imported",
                             column=name)
    return Column(i, name, p.name)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    error_type: str
    reason: str
    value: str | None = None


@dataclass(frozen=True)
class Association:
    to: ObjectType
    by: str        # RECORD_ID, "email" or "domain"
    key: str       # normalized


@dataclass
class RowPlan:
    row: int
    match_by: str | None = None   # RECORD_ID, "email", "domain"; None: always a new record
    key: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    associations: list[Association] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return not self.properties and not self.associations and self.key is None


def plan_row(catalog: Catalog, mapping: Mapping_, row: int, cells: Sequence[str]
             ) -> RowPlan | RowError:
    if len(cells) != mapping.width:
        if not any(c.strip() for c in cells):
            return RowPlan(row)  # an empty line
        return RowError(row, None, "INCORRECT_NUMBER_OF_COLUMNS",
                        f"Row has {len(cells)} columns; the header has {mapping.width}")
    plan = RowPlan(row)
    ot = mapping.object_type
    for col in mapping.columns:
        raw = cells[col.index].strip()
        if not raw:
            continue  # rule 8: an empty cell means "no change"
        try:
            value = _normalize_key(col.property, raw)
        except ValidationError as exc:
            return RowError(row, col.name, exc.code, exc.message, raw)
        if col.to is not None:
            plan.associations.append(Association(col.to, col.property, value))
            continue
        if col.property == STAGE:
            stage = catalog.stages.resolve(raw)
            if stage is None:
                return RowError(
                    row, col.name, "INVALID_OPTION",
                    f"{raw[:100]!r} is not a lifecycle stage (internal value or label). "
                    "Allowed: " + ", ".join(catalog.stages.values), raw)
            plan.properties[STAGE] = stage
            continue
        if col.property == RECORD_ID:
            plan.match_by, plan.key = RECORD_ID, value
            continue
        if col.property == NATURAL_KEY.get(ot) and plan.match_by != RECORD_ID:
            plan.match_by, plan.key = col.property, value
        plan.properties[col.property] = value
    if plan.blank:
        return plan
    if mapping.default_stage and STAGE not in plan.properties:
        plan.properties[STAGE] = mapping.default_stage
    return plan


def _normalize_key(prop: str, raw: str) -> str:
    if prop == "email":
        return normalize.email(raw)
    if prop == "domain":
        return normalize.domain(raw)
    if prop == RECORD_ID:
        if not is_decimal(raw) or len(raw) > 18:
            raise ValidationError(f"Record id {raw[:100]!r} is not a number",
                                  code="INVALID_OBJECT_ID")
        return str(int(raw))
    return raw


def passes(plans: Sequence[RowPlan]) -> list[list[RowPlan]]:
    """Cut plans into consecutive passes in which no record key appears twice, so a file
    that names a record twice applies its rows in order (like rule 10's batches)."""
    out: list[list[RowPlan]] = [[]]
    seen: set[tuple[str, str]] = set()
    for p in plans:
        k = (p.match_by, p.key) if p.match_by is not None and p.key is not None else None
        if k is not None and k in seen:
            out.append([])
            seen = set()
        out[-1].append(p)
        if k is not None:
            seen.add(k)
    return [p for p in out if p]


def column_of(mapping: Mapping_, prop: str | None) -> str | None:
    """The column that carried `prop`, to name it in an error row."""
    if prop is None:
        return None
    return next((c.name for c in mapping.columns if c.to is None and c.property == prop), None)


def mapping_to_json(m: Mapping_) -> dict[str, Any]:
    return {"objectType": int(m.object_type), "width": m.width, "defaultStage": m.default_stage,
            "columns": [{"index": c.index, "name": c.name, "property": c.property,
                         "to": int(c.to) if c.to is not None else None} for c in m.columns]}


def mapping_from_json(d: Mapping[str, Any]) -> Mapping_:
    return Mapping_(ObjectType(d["objectType"]), tuple(
        Column(c["index"], c["name"], c["property"],
               ObjectType(c["to"]) if c["to"] is not None else None) for c in d["columns"]),
        d["width"], d["defaultStage"])
