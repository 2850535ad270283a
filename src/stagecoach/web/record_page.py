"""What a contact or company page shows, read in one unit of work with bounded queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stagecoach.domain import lifecycle_dates as ld
from stagecoach.domain.catalog import Catalog
from stagecoach.domain.causes import CauseKind
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import PropertyDef
from stagecoach.domain.stages import StageSet
from stagecoach.domain.values import PropertyType, to_wire
from stagecoach.services.core.context import Ctx
from stagecoach.store.records import blocked, record_views, records
from stagecoach.store.records.records import RecordRow
from stagecoach.web import columns
from stagecoach.web.routing import WebError

C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL
# The properties with a card of their own, and what nobody types in.
_OWN_CARD = frozenset({"lifecyclestage", "hs_lead_status"})
_GROUP_TITLES = {"contactinformation": "About", "companyinformation": "About",
                 "sales_properties": "Sales", "dealinformation": "Deal"}
# What people look for first, before the rest in definition order.
_FIRST = ("firstname", "lastname", "email", "name", "domain", "jobtitle", "company", "phone")
_SALES = frozenset({"closedate", "days_to_close", "hs_analytics_source",
                    "num_associated_deals", "num_associated_contacts", "associatedcompanyid"})


@dataclass(frozen=True)
class StageRow:
    value: str
    label: str
    became: int | None
    entered: int | None
    exited: int | None
    latest: int | None
    cumulative: int | None
    current: bool
    reached: bool  # at or before the current stage in the current order


@dataclass(frozen=True)
class PropertyField:
    name: str
    label: str
    value: str
    editable: bool
    kind: str  # text, number, select, datetime
    options: tuple[tuple[str, str], ...] = ()


@dataclass
class RecordPage:
    object_type: ObjectType
    record: RecordRow
    name: str
    stage_rows: list[StageRow]
    time_in_stage: int | None
    groups: list[tuple[str, list[PropertyField]]]
    lead_statuses: list[tuple[str, str]]
    companies: list[record_views.Associated] = field(default_factory=list)
    companies_total: int = 0
    contacts: list[record_views.Associated] = field(default_factory=list)
    contacts_total: int = 0
    deals: list[record_views.Associated] = field(default_factory=list)
    deals_total: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    blocked: list[dict[str, Any]] = field(default_factory=list)
    stage_set_by: dict[str, Any] | None = None


def _field(catalog: Catalog, p: PropertyDef, stored: Any) -> PropertyField:
    kind = {PropertyType.NUMBER: "number", PropertyType.ENUMERATION: "select",
            PropertyType.DATETIME: "datetime", PropertyType.DATE: "datetime",
            PropertyType.BOOL: "select"}.get(p.type, "text")
    options = tuple((o.value, o.label) for o in p.options if not o.hidden)
    if p.type is PropertyType.BOOL:
        options = (("true", "Yes"), ("false", "No"))
    return PropertyField(p.name, p.label, to_wire(p.type, stored) or "", not p.calculated,
                         kind, options)


def property_groups(catalog: Catalog, ot: ObjectType, values: dict[str, Any]
                    ) -> list[tuple[str, list[PropertyField]]]:
    groups: dict[str, list[PropertyField]] = {}
    for p in catalog.properties(ot):
        if p.name in _OWN_CARD or ld.is_derived(p.name):
            continue
        if p.calculated and values.get(p.name) is None:
            continue
        title = ("Sales" if p.name in _SALES else
                 "Record" if p.calculated else
                 _GROUP_TITLES.get(p.group, p.group.replace("_", " ").capitalize()))
        groups.setdefault(title, []).append(_field(catalog, p, values.get(p.name)))
    for fields in groups.values():
        fields.sort(key=lambda f: _FIRST.index(f.name) if f.name in _FIRST else len(_FIRST))
    order = ["About", "Sales", "Deal"]
    return sorted(groups.items(), key=lambda g: (order.index(g[0]) if g[0] in order else 5,
                                                 g[0] == "Record", g[0]))


def stage_rows(stages: StageSet, values: dict[str, Any]) -> list[StageRow]:
    current = values.get("lifecyclestage")
    at = stages.ord(current)
    return [StageRow(s.value, s.label, values.get(ld.became_key(s.value)),
                     values.get(ld.entered_key(s.value)), values.get(ld.exited_key(s.value)),
                     values.get(ld.latest_key(s.value)),
                     values.get(ld.cumulative_key(s.value)), s.value == current,
                     current is not None and i <= at)
            for i, s in enumerate(stages)]


def dates_cleared_by(catalog: Catalog, ot: ObjectType, values: dict[str, Any],
                     target: str | None, now: int) -> list[tuple[str, int]]:
    """The derived dates a manual move would clear, by the domain rule itself (rule 11):
    (label, current value) of every property the transition empties."""
    patch = ld.stage_transition(values, values.get("lifecyclestage"), target, now,
                                catalog.stages)
    out = []
    for key, new in patch.items():
        if new is None and values.get(key) is not None:
            p = catalog.definition(ot, key)
            out.append((p.label if p else key, values[key]))
    return out


def _source_text(row: Any, emails: dict[int, str]) -> dict[str, Any]:
    return {"type": row.source_type, "id": row.source_id, "label": row.source_label,
            "user": emails.get(row.user_id) if row.user_id is not None else None}


def describe_causes(ctx: Ctx, rows: list[Any]) -> dict[int, str]:
    """A short sentence for the cause of each automated version (rule 42)."""
    prop_ids = [r.cause_id for r in rows if r.cause_kind == CauseKind.PROPERTY and r.cause_id]
    assoc_ids = [r.cause_id for r in rows
                 if r.cause_kind == CauseKind.ASSOCIATION and r.cause_id]
    props = record_views.history_by_ids(ctx.conn, ctx.account_id, prop_ids)
    assocs = record_views.association_log_by_ids(ctx.conn, ctx.account_id, assoc_ids)
    refs = [(ObjectType(c.object_type), c.record_id) for c in props.values()]
    refs += [(ObjectType(a.from_type), a.from_id) for a in assocs.values()]
    refs += [(ObjectType(a.to_type), a.to_id) for a in assocs.values()]
    named = record_views.names(ctx.conn, ctx.account_id, refs)

    def name(ot: ObjectType, rid: int) -> str:
        row = named.get((ot, rid))
        return f"{ot.singular} {columns.display_name(ot, row.values, rid) if row else rid}"

    out: dict[int, str] = {}
    for r in rows:
        if r.cause_kind == CauseKind.PROPERTY and r.cause_id in props:
            c = props[r.cause_id]
            ot = ObjectType(c.object_type)
            label = _value_label(ctx.catalog, ot, c.property, c.value)
            out[r.id] = f"{name(ot, c.record_id)}: {c.property} → {label}"
        elif r.cause_kind == CauseKind.ASSOCIATION and r.cause_id in assocs:
            a = assocs[r.cause_id]
            verb = "associated with" if a.action == "add" else "disassociated from"
            out[r.id] = (f"{name(ObjectType(a.from_type), a.from_id)} {verb} "
                         f"{name(ObjectType(a.to_type), a.to_id)}")
        elif r.cause_kind:
            out[r.id] = f"{r.cause_kind} #{r.cause_id}"
    return out


def _value_label(catalog: Catalog, ot: ObjectType, prop: str, value: str | None) -> str:
    if value in (None, ""):
        return "(empty)"
    if prop == "lifecyclestage":
        return catalog.stages.label(value)
    if prop == "dealstage":
        s = catalog.deal_stage(value)
        return s.label if s else value
    return value


def load(ctx: Ctx, ot: ObjectType, record_id: int) -> RecordPage:
    conn, acc, cat = ctx.conn, ctx.account_id, ctx.catalog
    row = records.load(conn, acc, ot, [record_id]).get(record_id)
    if row is None:
        raise WebError(404, f"This {ot.singular} does not exist",
                       "It may have been deleted or merged into another record.")
    values = row.values
    entered = values.get(ld.entered_key(row.stage)) if row.stage else None
    lead = cat.definition(ot, "hs_lead_status")
    page = RecordPage(
        ot, row, columns.display_name(ot, values, row.id), stage_rows(cat.stages, values),
        ctx.now - int(entered) if entered is not None else None,
        property_groups(cat, ot, values),
        [(o.value, o.label) for o in lead.options] if lead else [])
    if ot is C:
        page.companies, page.companies_total = record_views.associated(conn, acc, C, row.id, CO)
    else:
        page.contacts, page.contacts_total = record_views.associated(conn, acc, CO, row.id, C)
    page.deals, page.deals_total = record_views.associated(conn, acc, ot, row.id, D)

    hist = record_views.recent_history(conn, acc, ot, row.id)
    blocked_rows = blocked.for_record(conn, acc, ot, row.id, limit=50)
    emails = record_views.user_emails(conn, acc, [r.user_id for r in [*hist, *blocked_rows]])
    causes = describe_causes(ctx, hist)
    blocked_causes = describe_causes(ctx, blocked_rows)  # another id space than history
    def label(name: str) -> str:
        p = cat.definition(ot, name)
        return p.label if p else name

    page.history = [{
        "property": r.property, "label": label(r.property),
        "value": _value_label(cat, ot, r.property, r.value), "raw": r.value, "ts": r.ts,
        "source": _source_text(r, emails), "cause": causes.get(r.id), "derived":
        ld.is_derived(r.property), "note": r.note,
    } for r in hist]
    page.blocked = [{
        "property": b.property, "attempted": _value_label(cat, ot, b.property, b.attempted_value),
        "kept": _value_label(cat, ot, b.property, b.kept_value), "reason": b.reason,
        "ts": b.ts, "source": _source_text(b, emails), "cause": blocked_causes.get(b.id),
    } for b in blocked_rows]
    page.stage_set_by = next((h for h in page.history if h["property"] == "lifecyclestage"),
                             None)
    return page
