"""Parsing and validating a list's filterBranch (automation spec rule 56).

Anything this does not support (a filter type, an operator, an operation type, a branch
type, nested branches) is a 400 naming it, never ignored. Keys it does not read inside an
operation are ignored: HubSpot's SDK sends back every operation with `"type"` and other
fields of its merged model. Values may arrive as the SDK types them: numbers as numbers or
strings, booleans as `true`, `"true"` or `"True"`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.lists.model import (
    OPERATORS,
    AndBranch,
    Filter,
    FilterBranch,
    InListFilter,
    Op,
    OperationType,
    PropertyFilter,
)
from stagecoach.domain.lists.time_points import parse_time_point
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import PropertyDef
from stagecoach.domain.values import PropertyType, is_decimal, parse_number

MAX_BRANCHES = 50
MAX_FILTERS = 250
MAX_VALUES = 1000
MAX_VALUE_LENGTH = 1000

PropertyLookup = Callable[[ObjectType, str], PropertyDef]

_P = PropertyType
# Which property types each operation type applies to.
APPLIES_TO: Mapping[OperationType, frozenset[PropertyType]] = {
    OperationType.ENUMERATION: frozenset({_P.ENUMERATION, _P.BOOL, _P.STRING}),
    OperationType.STRING: frozenset({_P.STRING, _P.ENUMERATION}),
    OperationType.MULTISTRING: frozenset({_P.STRING, _P.ENUMERATION}),
    OperationType.NUMBER: frozenset({_P.NUMBER}),
    OperationType.NUMBER_RANGED: frozenset({_P.NUMBER}),
    OperationType.BOOL: frozenset({_P.BOOL}),
    OperationType.TIME_POINT: frozenset({_P.DATE, _P.DATETIME}),
    OperationType.ALL_PROPERTY: frozenset(PropertyType),
}
FILTER_TYPES = ("PROPERTY", "IN_LIST")


def bad(message: str, code: str = "INVALID_FILTER", **context: Any) -> ValidationError:
    return ValidationError(message, code=code, **context)


def _seq(raw: object, what: str) -> Sequence[Any]:
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise bad(f"{what} must be a list")
    return raw


def parse_branch(raw: object, object_type: ObjectType, lookup: PropertyLookup
                 ) -> FilterBranch:
    """The root OR branch of AND branches, as HubSpot's Lists v3 API writes it."""
    if not isinstance(raw, Mapping):
        raise bad("filterBranch must be an object")
    _branch_type(raw, "OR")
    if _seq(raw.get("filters"), "filters"):
        raise bad("The root OR branch has no filters of its own; put them in an AND branch "
                  "of its filterBranches")
    branches = _seq(raw.get("filterBranches"), "filterBranches")
    if len(branches) > MAX_BRANCHES:
        raise bad(f"At most {MAX_BRANCHES} AND branches are allowed", "TOO_MANY_FILTERS")
    parsed = tuple(_and_branch(b, object_type, lookup) for b in branches)
    if sum(len(b.filters) for b in parsed) > MAX_FILTERS:
        raise bad(f"At most {MAX_FILTERS} filters are allowed in all", "TOO_MANY_FILTERS")
    return FilterBranch(parsed)


def _branch_type(raw: Mapping[str, Any], wanted: str) -> None:
    for key in ("filterBranchType", "filterBranchOperator"):
        given = raw.get(key, wanted)
        if given != wanted:
            where = "The root filter branch" if wanted == "OR" else "A nested filter branch"
            raise bad(f"Unsupported {key} {given!r}: {where} must be {wanted}",
                      "UNSUPPORTED_FILTER_BRANCH", **{key: str(given)})


def _and_branch(raw: object, object_type: ObjectType, lookup: PropertyLookup) -> AndBranch:
    if not isinstance(raw, Mapping):
        raise bad("Each of filterBranches must be an AND branch object")
    _branch_type(raw, "AND")
    if _seq(raw.get("filterBranches"), "filterBranches"):
        raise bad("AND branches nested in an AND branch are not supported",
                  "UNSUPPORTED_FILTER_BRANCH")
    filters = _seq(raw.get("filters"), "filters")
    if len(filters) > MAX_FILTERS:
        raise bad(f"At most {MAX_FILTERS} filters are allowed in all", "TOO_MANY_FILTERS")
    return AndBranch(tuple(parse_filter(f, object_type, lookup) for f in filters))


def parse_filter(raw: object, object_type: ObjectType, lookup: PropertyLookup) -> Filter:
    if not isinstance(raw, Mapping):
        raise bad("A filter must be an object")
    kind = raw.get("filterType")
    if kind == "IN_LIST":
        return _in_list(raw)
    if kind != "PROPERTY":
        raise bad(f"Unsupported filterType {kind!r}; supported: " + ", ".join(FILTER_TYPES),
                  "UNSUPPORTED_FILTER_TYPE", filterType=str(kind))
    name = raw.get("property")
    if not isinstance(name, str) or not name.strip():
        raise bad("A PROPERTY filter needs a property name")
    prop = lookup(object_type, name.strip())
    return _operation(prop, raw.get("operation"))


def _in_list(raw: Mapping[str, Any]) -> InListFilter:
    operator = raw.get("operator", "IN_LIST")
    if operator not in ("IN_LIST", "NOT_IN_LIST"):
        raise bad(f"Unsupported IN_LIST operator {operator!r}; supported: IN_LIST, "
                  "NOT_IN_LIST", "UNSUPPORTED_OPERATOR", operator=str(operator))
    list_id = raw.get("listId")
    text = str(list_id).strip() if isinstance(list_id, str | int) and not isinstance(
        list_id, bool) else ""
    if not is_decimal(text) or len(text) > 18:
        raise bad(f"listId must be a numeric list id, not {str(list_id)[:40]!r}")
    return InListFilter(int(text), operator == "NOT_IN_LIST")


def _flag(raw: object, what: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise bad(f"{what} must be true or false")


def _text(raw: object, what: str) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        return str(_number(raw, what))
    if not isinstance(raw, str):
        raise bad(f"{what} must be a string")
    if len(raw) > MAX_VALUE_LENGTH:
        raise bad(f"{what} is longer than {MAX_VALUE_LENGTH} characters")
    return raw


def _number(raw: object, what: str) -> int | float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise bad(f"{what} must be a number")
    try:
        return parse_number(str(raw).strip())
    except ValueError:
        raise bad(f"{what} must be a number, not {str(raw)[:40]!r}") from None


def _values(op: Mapping[str, Any], prop: PropertyDef) -> tuple[str, ...]:
    raw = op.get("values")
    if raw is None and op.get("value") is not None:
        raw = [op["value"]]
    values = _seq(raw, "values")
    if not values:
        raise bad(f"The operation on {prop.name} needs a non-empty list of values",
                  propertyName=prop.name)
    if len(values) > MAX_VALUES:
        raise bad(f"At most {MAX_VALUES} values are allowed", propertyName=prop.name)
    return tuple(dict.fromkeys(_text(v, "Each value") for v in values))


def _check_options(prop: PropertyDef, values: Sequence[str]) -> None:
    allowed = prop.option_values()
    if not allowed:
        return
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise ValidationError(
            f"{wrong[0]!r} was not one of the allowed options of {prop.name}",
            code="INVALID_OPTION", propertyName=prop.name, allowedOptions=list(allowed))


def _operation(prop: PropertyDef, raw: object) -> PropertyFilter:
    if not isinstance(raw, Mapping):
        raise bad(f"The filter on {prop.name} needs an operation object",
                  propertyName=prop.name)
    kind_raw = raw.get("operationType")
    try:
        kind = OperationType(str(kind_raw))
    except ValueError:
        raise bad(f"Unsupported operationType {kind_raw!r}; supported: "
                  + ", ".join(OperationType), "UNSUPPORTED_OPERATION_TYPE",
                  operationType=str(kind_raw)) from None
    op_raw = raw.get("operator")
    allowed = OPERATORS[kind]
    if op_raw not in allowed:
        raise bad(f"Unsupported operator {op_raw!r} for operationType {kind}; supported: "
                  + ", ".join(allowed), "UNSUPPORTED_OPERATOR", operator=str(op_raw),
                  operationType=kind.value)
    operator = Op(str(op_raw))
    if prop.type not in APPLIES_TO[kind]:
        raise bad(f"operationType {kind} does not apply to {prop.name}, a {prop.type.value} "
                  "property", "INVALID_OPERATION_TYPE", propertyName=prop.name,
                  operationType=kind.value)
    include = _flag(raw.get("includeObjectsWithNoValueSet", False),
                    "includeObjectsWithNoValueSet")
    base = PropertyFilter(prop, kind, operator, include_no_value=include)
    return _with_operands(base, raw)


def _with_operands(f: PropertyFilter, raw: Mapping[str, Any]) -> PropertyFilter:
    kind, prop = f.operation_type, f.prop
    if kind is OperationType.ENUMERATION:
        values = _values(raw, prop)
        if prop.type is PropertyType.ENUMERATION:
            _check_options(prop, values)
        return replace(f, values=values)
    if kind is OperationType.MULTISTRING:
        return replace(f, values=_values(raw, prop))
    if kind is OperationType.STRING:
        if raw.get("value") is None:
            raise bad(f"The STRING operation on {prop.name} needs a value",
                      propertyName=prop.name)
        return replace(f, values=(_text(raw["value"], "value"),))
    if kind is OperationType.NUMBER:
        return replace(f, number=_number(raw.get("value"), "value"))
    if kind is OperationType.NUMBER_RANGED:
        return replace(f, lower=_number(raw.get("lowerBound"), "lowerBound"),
                       upper=_number(raw.get("upperBound"), "upperBound"))
    if kind is OperationType.BOOL:
        value = _flag(raw.get("value"), f"The BOOL value of {prop.name}")
        return replace(f, values=("true" if value else "false",))
    if kind is OperationType.TIME_POINT:
        return replace(f, time_point=parse_time_point(raw.get("timePoint")))
    return f
