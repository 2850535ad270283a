"""The columns an index page can show, per object type, and their defaults."""

from __future__ import annotations

from stagecoach.domain.objects import ObjectType

C, CO = ObjectType.CONTACT, ObjectType.COMPANY

# (key, label). "name" on contacts is first and last name together.
AVAILABLE: dict[ObjectType, tuple[tuple[str, str], ...]] = {
    C: (("name", "Name"), ("email", "Email"), ("lifecyclestage", "Lifecycle stage"),
        ("hs_lead_status", "Lead status"), ("jobtitle", "Job title"), ("phone", "Phone"),
        ("company", "Company name"), ("city", "City"), ("country", "Country/Region"),
        ("createdate", "Created"), ("lastmodifieddate", "Last modified")),
    CO: (("name", "Name"), ("domain", "Domain"), ("lifecyclestage", "Lifecycle stage"),
         ("hs_lead_status", "Lead status"), ("industry", "Industry"), ("city", "City"),
         ("country", "Country/Region"), ("numberofemployees", "Employees"),
         ("createdate", "Created"), ("hs_lastmodifieddate", "Last modified")),
}
DEFAULT: dict[ObjectType, tuple[str, ...]] = {
    C: ("name", "email", "lifecyclestage", "hs_lead_status", "createdate"),
    CO: ("name", "domain", "lifecyclestage", "hs_lead_status", "createdate"),
}
DATES = frozenset({"createdate", "lastmodifieddate", "hs_lastmodifieddate"})
NUMBERS = frozenset({"numberofemployees"})


def keys(ot: ObjectType) -> tuple[str, ...]:
    return tuple(k for k, _ in AVAILABLE[ot])


def label(ot: ObjectType, key: str) -> str:
    return dict(AVAILABLE[ot]).get(key, key)


def clean(ot: ObjectType, wanted: list[str]) -> tuple[str, ...]:
    """Known columns in the order given; the defaults when none is left."""
    allowed = set(keys(ot))
    out = tuple(dict.fromkeys(k for k in wanted if k in allowed))
    return out or DEFAULT[ot]


def display_name(ot: ObjectType, values: dict[str, object], record_id: int) -> str:
    if ot is C:
        name = " ".join(str(values[k]) for k in ("firstname", "lastname") if values.get(k))
        return name or str(values.get("email") or f"Contact {record_id}")
    if ot is CO:
        return str(values.get("name") or values.get("domain") or f"Company {record_id}")
    return str(values.get("dealname") or f"Deal {record_id}")
