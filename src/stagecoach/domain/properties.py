"""Property definitions: the built-in ones the specs name, and custom ones per account."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from stagecoach.domain import lifecycle_dates as ld
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.values import PropertyType

C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL

DEFAULT_LEAD_STATUSES: tuple[tuple[str, str], ...] = (
    ("NEW", "New"),
    ("OPEN", "Open"),
    ("IN_PROGRESS", "In Progress"),
    ("OPEN_DEAL", "Open Deal"),
    ("UNQUALIFIED", "Unqualified"),
    ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
    ("CONNECTED", "Connected"),
    ("BAD_TIMING", "Bad Timing"),
)

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    display_order: int = 0
    hidden: bool = False


@dataclass(frozen=True)
class PropertyDef:
    name: str
    label: str
    type: PropertyType
    object_type: ObjectType
    group: str = "contactinformation"
    field_type: str = "text"
    options: tuple[Option, ...] = ()
    # Calculated properties are maintained by Stagecoach; writers other than migrations
    # cannot set them (rule 17).
    calculated: bool = False
    # Whether a migration write may set it (the "became a" family).
    migratable: bool = False
    builtin: bool = True
    description: str = ""
    has_unique_value: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)

    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)


def _p(
    name: str,
    label: str,
    ptype: PropertyType,
    types: Iterable[ObjectType],
    **kw: object,
) -> list[PropertyDef]:
    field_type = {
        PropertyType.NUMBER: "number",
        PropertyType.DATE: "date",
        PropertyType.DATETIME: "date",
        PropertyType.ENUMERATION: "select",
        PropertyType.BOOL: "booleancheckbox",
    }.get(ptype, "text")
    return [
        PropertyDef(name, label, ptype, ot, field_type=field_type, **kw)  # type: ignore[arg-type]
        for ot in types
    ]


S, N, DT, DA, E = (
    PropertyType.STRING,
    PropertyType.NUMBER,
    PropertyType.DATETIME,
    PropertyType.DATE,
    PropertyType.ENUMERATION,
)

BUILTIN: tuple[PropertyDef, ...] = tuple(
    p
    for group in (
        _p("email", "Email", S, [C], has_unique_value=True),
        _p("firstname", "First Name", S, [C]),
        _p("lastname", "Last Name", S, [C]),
        _p("phone", "Phone Number", S, [C, CO]),
        _p("jobtitle", "Job Title", S, [C]),
        _p("company", "Company Name", S, [C]),
        _p("website", "Website URL", S, [C, CO]),
        _p("city", "City", S, [C, CO]),
        _p("country", "Country/Region", S, [C, CO]),
        _p("hs_analytics_source", "Original Source", E, [C, CO], options=tuple(
            Option(v, lbl, i) for i, (v, lbl) in enumerate((
                ("ORGANIC_SEARCH", "Organic Search"), ("PAID_SEARCH", "Paid Search"),
                ("EMAIL_MARKETING", "Email Marketing"), ("SOCIAL_MEDIA", "Organic Social"),
                ("REFERRALS", "Referrals"), ("OTHER_CAMPAIGNS", "Other Campaigns"),
                ("DIRECT_TRAFFIC", "Direct Traffic"), ("OFFLINE", "Offline Sources"),
                ("PAID_SOCIAL", "Paid Social"),
            ))
        )),
        _p("name", "Name", S, [CO]),
        _p("domain", "Company Domain Name", S, [CO]),
        _p("industry", "Industry", S, [CO]),
        _p("numberofemployees", "Number of Employees", N, [CO]),
        _p("annualrevenue", "Annual Revenue", N, [CO]),
        _p("dealname", "Deal Name", S, [D]),
        _p("amount", "Amount", N, [D]),
        _p("pipeline", "Pipeline", E, [D]),
        _p("dealstage", "Deal Stage", E, [D]),
        _p("closedate", "Close Date", DT, [C, CO, D]),
        _p("lifecyclestage", "Lifecycle Stage", E, [C, CO]),
        _p("hs_lead_status", "Lead Status", E, [C, CO], options=tuple(
            Option(v, lbl, i) for i, (v, lbl) in enumerate(DEFAULT_LEAD_STATUSES)
        )),
        _p("createdate", "Create Date", DT, [C, CO, D], calculated=True),
        _p("lastmodifieddate", "Last Modified Date", DT, [C], calculated=True),
        _p("hs_lastmodifieddate", "Last Modified Date", DT, [CO, D], calculated=True),
        _p("hs_object_id", "Record ID", N, [C, CO, D], calculated=True),
        _p("associatedcompanyid", "Primary Associated Company ID", N, [C], calculated=True),
        _p("num_associated_deals", "Number of Associated Deals", N, [C, CO],
           calculated=True),
        _p("num_associated_contacts", "Number of Associated Contacts", N, [CO, D],
           calculated=True),
        _p("days_to_close", "Days To Close", N, [C, CO], calculated=True),
        _p("hs_is_closed_won", "Is Closed Won", PropertyType.BOOL, [D], calculated=True),
        _p("hs_is_closed", "Is Deal Closed?", PropertyType.BOOL, [D], calculated=True),
        _p("hs_deal_stage_probability", "Deal Stage Probability", N, [D], calculated=True),
    )
    for p in group
)

# Properties kept in their own indexed columns rather than in the JSON document.
COLUMN_PROPERTIES = frozenset({"email", "domain", "lifecyclestage", "pipeline", "dealstage"})
# Properties that are record metadata, read from columns, never written as properties.
META_PROPERTIES = frozenset({"createdate", "lastmodifieddate", "hs_lastmodifieddate",
                             "hs_object_id"})

DEFAULT_READ: Mapping[ObjectType, tuple[str, ...]] = {
    C: ("firstname", "lastname", "email", "createdate", "lastmodifieddate", "hs_object_id"),
    CO: ("name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"),
    D: ("dealname", "amount", "closedate", "pipeline", "dealstage", "createdate",
        "hs_lastmodifieddate", "hs_object_id"),
}


def stage_family(object_type: ObjectType, stage: str, label: str) -> list[PropertyDef]:
    """The derived properties each lifecycle stage has (rules 13-15, 36)."""
    common = {"object_type": object_type, "group": "lifecycle", "calculated": True}
    return [
        PropertyDef(ld.became_key(stage), f"Became a {label} Date", DT, field_type="date",
                    migratable=True, **common),  # type: ignore[arg-type]
        PropertyDef(ld.entered_key(stage), f"Date entered '{label}'", DT, field_type="date",
                    **common),  # type: ignore[arg-type]
        PropertyDef(ld.exited_key(stage), f"Date exited '{label}'", DT, field_type="date",
                    **common),  # type: ignore[arg-type]
        PropertyDef(ld.latest_key(stage), f"Latest time in '{label}'", N, field_type="number",
                    **common),  # type: ignore[arg-type]
        PropertyDef(ld.cumulative_key(stage), f"Cumulative time in '{label}'", N,
                    field_type="number", **common),  # type: ignore[arg-type]
    ]


def check_custom_name(name: str, existing: Iterable[str]) -> str:
    if not _NAME_RE.match(name):
        raise ValidationError(
            "A property name starts with a lowercase letter and has at most 100 characters "
            "of a-z, 0-9 and _",
            code="INVALID_PROPERTY_NAME",
            name=name,
        )
    if name.startswith("hs_") or name in set(existing):
        raise ValidationError(
            f"A property named {name} already exists", code="PROPERTY_EXISTS", name=name
        )
    return name


def with_options(prop: PropertyDef, options: Iterable[Option]) -> PropertyDef:
    return replace(prop, options=tuple(options))
