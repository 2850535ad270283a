"""Checking a property definition as a caller gives it: name-independent parts (type,
field type, label, group, options). Names are checked by domain/properties.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.properties import Option
from stagecoach.domain.values import PropertyType

FIELD_TYPES: dict[PropertyType, tuple[str, ...]] = {
    PropertyType.STRING: ("text", "textarea", "phonenumber", "html"),
    PropertyType.NUMBER: ("number",),
    PropertyType.DATE: ("date",),
    PropertyType.DATETIME: ("date",),
    PropertyType.ENUMERATION: ("select", "radio"),
    PropertyType.BOOL: ("booleancheckbox",),
}
BOOL_OPTIONS = (Option("true", "Yes", 0), Option("false", "No", 1))
MAX_OPTIONS = 1000
MAX_LABEL = 200
MAX_GROUP = 100


@dataclass(frozen=True)
class OptionSpec:
    value: str
    label: str
    display_order: int | None = None
    hidden: bool = False


@dataclass(frozen=True)
class PropertySpec:
    """A create or a patch; None means "not given"."""

    name: str | None = None
    label: str | None = None
    type: str | None = None
    field_type: str | None = None
    group_name: str | None = None
    description: str | None = None
    options: Sequence[OptionSpec] | None = None
    display_order: int | None = None
    hidden: bool | None = None
    form_field: bool | None = None
    has_unique_value: bool | None = None


def text(key: str, value: str | None, limit: int, *, required: bool = True) -> str:
    v = (value or "").strip()
    if (required and not v) or len(v) > limit:
        raise ValidationError(f"{key} is {'1' if required else '0'} to {limit} characters",
                              code="INVALID_" + key.upper(), propertyName=key)
    return v


def property_type(value: str | None) -> PropertyType:
    try:
        return PropertyType(value or "")
    except ValueError:
        raise ValidationError(
            f"type {value!r} is not one of {', '.join(t.value for t in PropertyType)}",
            code="INVALID_PROPERTY_TYPE") from None


def field_type(ptype: PropertyType, value: str | None) -> str:
    allowed = FIELD_TYPES[ptype]
    if value is None:
        return allowed[0]
    if value not in allowed:
        raise ValidationError(
            f"fieldType {value!r} does not fit type {ptype.value}; use one of "
            + ", ".join(allowed), code="INVALID_FIELD_TYPE", allowedOptions=list(allowed))
    return value


def options(ptype: PropertyType, given: Sequence[OptionSpec] | None) -> tuple[Option, ...]:
    if ptype is PropertyType.BOOL:
        if given and sorted(o.value for o in given) != ["false", "true"]:
            raise ValidationError("A bool property's options are the values true and false",
                                  code="INVALID_OPTIONS")
        if not given:
            return BOOL_OPTIONS
    elif ptype is not PropertyType.ENUMERATION:
        if given:
            raise ValidationError(f"A {ptype.value} property has no options",
                                  code="INVALID_OPTIONS")
        return ()
    elif not given:
        raise ValidationError("An enumeration property needs at least one option",
                              code="INVALID_OPTIONS")
    return check_options(given)


def check_options(given: Sequence[OptionSpec]) -> tuple[Option, ...]:
    if len(given) > MAX_OPTIONS:
        raise ValidationError(f"At most {MAX_OPTIONS} options", code="INVALID_OPTIONS")
    out: list[Option] = []
    seen: set[str] = set()
    for i, o in enumerate(given):
        value = (o.value or "").strip()
        if not value or len(value) > 500 or value in seen:
            raise ValidationError(
                f"Option values are non-empty, at most 500 characters and distinct: "
                f"{value[:100]!r}", code="INVALID_OPTIONS")
        seen.add(value)
        out.append(Option(value, text("label", o.label, MAX_LABEL),
                          o.display_order if o.display_order is not None else i, o.hidden))
    return tuple(out)


def check_unsupported(spec: PropertySpec) -> None:
    if spec.has_unique_value:
        raise ValidationError(
            "Custom properties cannot require unique values (email is the account's unique "
            "contact property)", code="UNIQUE_VALUE_UNAVAILABLE")


def options_json(options: Sequence[Option]) -> list[dict[str, Any]]:
    return [{"value": o.value, "label": o.label, "displayOrder": o.display_order,
             "hidden": o.hidden} for o in options]
