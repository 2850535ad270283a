"""The search syntax's filterGroups (api spec section 4), parsed and validated.

Groups are ORed, filters in a group ANDed; at most 5 groups, 6 filters per group and 18
filters in all. Values arrive as strings (numbers and booleans are accepted and turned into
strings, as the SDK may send them). Compiling to SQL lives in store/records/filters.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.lists.model import MEMBERSHIP, membership_property
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import PropertyDef

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18


class Operator(StrEnum):
    EQ = "EQ"
    NEQ = "NEQ"
    LT = "LT"
    LTE = "LTE"
    GT = "GT"
    GTE = "GTE"
    BETWEEN = "BETWEEN"
    IN = "IN"
    NOT_IN = "NOT_IN"
    HAS_PROPERTY = "HAS_PROPERTY"
    NOT_HAS_PROPERTY = "NOT_HAS_PROPERTY"
    CONTAINS_TOKEN = "CONTAINS_TOKEN"
    NOT_CONTAINS_TOKEN = "NOT_CONTAINS_TOKEN"


# What the parser needs of a catalog: a property's definition, or a 400 when unknown.
PropertyDefLookup = Callable[[ObjectType, str], PropertyDef]

_NEEDS_VALUE = {Operator.EQ, Operator.NEQ, Operator.LT, Operator.LTE, Operator.GT,
                Operator.GTE, Operator.BETWEEN, Operator.CONTAINS_TOKEN,
                Operator.NOT_CONTAINS_TOKEN}
_NEEDS_VALUES = {Operator.IN, Operator.NOT_IN}
# An IN list is bound value by value: a bound keeps it under every driver's parameter limit
# (PostgreSQL's is 65,535 per statement) with room for the rest of the query.
MAX_IN_VALUES = 1000


@dataclass(frozen=True)
class Filter:
    prop: PropertyDef
    operator: Operator
    value: str | None = None
    values: tuple[str, ...] = ()
    high_value: str | None = None


@dataclass(frozen=True)
class FilterGroup:
    filters: tuple[Filter, ...]


def _text(v: object, where: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str | int | float):
        return str(v)
    raise ValidationError(f"{where} must be a string", code="INVALID_FILTER")


def parse_groups(
    raw: object,
    object_type: ObjectType,
    definition: PropertyDefLookup,
) -> tuple[FilterGroup, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ValidationError("filterGroups must be a list of {filters: [...]}",
                              code="INVALID_FILTER")
    if len(raw) > MAX_GROUPS:
        raise ValidationError(f"At most {MAX_GROUPS} filterGroups are allowed",
                              code="TOO_MANY_FILTERS")
    groups = []
    total = 0
    for g in raw:
        filters = g.get("filters") if isinstance(g, Mapping) else None
        if not isinstance(filters, Sequence) or isinstance(filters, str):
            raise ValidationError("Each filter group needs a list of filters",
                                  code="INVALID_FILTER")
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise ValidationError(
                f"At most {MAX_FILTERS_PER_GROUP} filters are allowed in a group",
                code="TOO_MANY_FILTERS")
        total += len(filters)
        groups.append(FilterGroup(tuple(_parse_filter(f, object_type, definition)
                                        for f in filters)))
    if total > MAX_FILTERS:
        raise ValidationError(f"At most {MAX_FILTERS} filters are allowed in all",
                              code="TOO_MANY_FILTERS")
    return tuple(g for g in groups if g.filters)


def _parse_filter(
    raw: object, object_type: ObjectType, definition: PropertyDefLookup
) -> Filter:
    if not isinstance(raw, Mapping):
        raise ValidationError("A filter must be an object", code="INVALID_FILTER")
    name = raw.get("propertyName")
    if not isinstance(name, str) or not name:
        raise ValidationError("A filter needs a propertyName", code="INVALID_FILTER")
    prop = (membership_property(object_type) if name == MEMBERSHIP
            else definition(object_type, name))
    op_text = raw.get("operator")
    try:
        op = Operator(str(op_text).upper())
    except ValueError:
        raise ValidationError(
            f"Unknown filter operator {op_text!r}", code="INVALID_FILTER_OPERATOR",
            allowed=[o.value for o in Operator]) from None
    value = raw.get("value")
    high = raw.get("highValue")
    values = raw.get("values")
    if op in _NEEDS_VALUE and value is None:
        raise ValidationError(f"Operator {op} on {name} needs a value", code="INVALID_FILTER")
    if op is Operator.BETWEEN and high is None:
        raise ValidationError(f"BETWEEN on {name} needs a highValue", code="INVALID_FILTER")
    if op in _NEEDS_VALUES:
        if not isinstance(values, Sequence) or isinstance(values, str) or not values:
            raise ValidationError(f"Operator {op} on {name} needs a list of values",
                                  code="INVALID_FILTER")
        if len(values) > MAX_IN_VALUES:
            raise ValidationError(
                f"Operator {op} on {name} takes at most {MAX_IN_VALUES} values, "
                f"not {len(values)}", code="TOO_MANY_VALUES")
        vals = tuple(_text(v, "Each value") for v in values)
    else:
        vals = ()
    return Filter(
        prop, op,
        _text(value, "value") if value is not None and op in _NEEDS_VALUE else None,
        vals,
        _text(high, "highValue") if high is not None and op is Operator.BETWEEN else None,
    )
