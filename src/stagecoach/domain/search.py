"""The search request of the CRM API (api spec section 4), parsed and checked.

Groups are ORed, the filters of a group ANDed; at most 5 groups, 6 filters per group and
18 in all. The same `filterGroups` syntax selects segments in reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stagecoach.domain.errors import ValidationError

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
DEFAULT_LIMIT = 10
MAX_LIMIT = 200
MAX_QUERY_LENGTH = 3000

ONE_VALUE = frozenset({"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "CONTAINS_TOKEN",
                       "NOT_CONTAINS_TOKEN"})
MANY_VALUES = frozenset({"IN", "NOT_IN"})
NO_VALUE = frozenset({"HAS_PROPERTY", "NOT_HAS_PROPERTY"})
OPERATORS = ONE_VALUE | MANY_VALUES | NO_VALUE | {"BETWEEN"}


@dataclass(frozen=True)
class Filter:
    property: str
    operator: str
    value: str | None = None
    values: tuple[str, ...] = ()
    high: str | None = None


@dataclass(frozen=True)
class Sort:
    property: str
    descending: bool = False


@dataclass(frozen=True)
class SearchRequest:
    groups: tuple[tuple[Filter, ...], ...] = ()
    sorts: tuple[Sort, ...] = ()
    properties: tuple[str, ...] | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    query: str | None = None


def _bad(message: str, **context: Any) -> ValidationError:
    return ValidationError(message, code="INVALID_SEARCH", **context)


def _scalar(value: Any, what: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise _bad(f"{what} must be a string")


def parse_filter(raw: Any) -> Filter:
    if not isinstance(raw, Mapping):
        raise _bad("Each filter is an object with propertyName and operator")
    name = raw.get("propertyName")
    op = raw.get("operator", "EQ")
    if not isinstance(name, str) or not name.strip():
        raise _bad("A filter needs a propertyName")
    if not isinstance(op, str) or op.upper() not in OPERATORS:
        raise _bad(f"Unknown operator {op!r}; operators are {', '.join(sorted(OPERATORS))}",
                   propertyName=name)
    op = op.upper()
    name = name.strip()
    if op in ONE_VALUE:
        if raw.get("value") is None:
            raise _bad(f"Operator {op} needs a value", propertyName=name)
        return Filter(name, op, _scalar(raw["value"], "value"))
    if op in MANY_VALUES:
        values = raw.get("values")
        if not isinstance(values, list) or not values:
            raise _bad(f"Operator {op} needs a non-empty list of values", propertyName=name)
        return Filter(name, op, values=tuple(_scalar(v, "values") for v in values))
    if op == "BETWEEN":
        if raw.get("value") is None or raw.get("highValue") is None:
            raise _bad("Operator BETWEEN needs value and highValue", propertyName=name)
        return Filter(name, op, _scalar(raw["value"], "value"),
                      high=_scalar(raw["highValue"], "highValue"))
    return Filter(name, op)


def parse_groups(raw: Any) -> tuple[tuple[Filter, ...], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _bad("filterGroups must be a list")
    if len(raw) > MAX_GROUPS:
        raise _bad(f"At most {MAX_GROUPS} filter groups are allowed")
    groups: list[tuple[Filter, ...]] = []
    for g in raw:
        filters = g.get("filters") if isinstance(g, Mapping) else None
        if not isinstance(filters, list):
            raise _bad("Each filter group is an object with a list of filters")
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise _bad(f"At most {MAX_FILTERS_PER_GROUP} filters are allowed in a group")
        groups.append(tuple(parse_filter(f) for f in filters))
    if sum(len(g) for g in groups) > MAX_FILTERS:
        raise _bad(f"At most {MAX_FILTERS} filters are allowed in all")
    return tuple(g for g in groups if g)


def parse_sorts(raw: Any) -> tuple[Sort, ...]:
    """`"createdate"`, `"-createdate"` or `{"propertyName", "direction"}`."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _bad("sorts must be a list")
    out: list[Sort] = []
    for s in raw:
        if isinstance(s, str) and s.strip():
            text = s.strip()
            out.append(Sort(text.lstrip("-"), text.startswith("-")))
        elif isinstance(s, Mapping) and isinstance(s.get("propertyName"), str):
            direction = str(s.get("direction", "ASCENDING")).upper()
            if direction not in ("ASCENDING", "DESCENDING"):
                raise _bad("A sort direction is ASCENDING or DESCENDING")
            out.append(Sort(s["propertyName"].strip(), direction == "DESCENDING"))
        else:
            raise _bad("A sort is a property name or {propertyName, direction}")
    return tuple(out)


def _int(raw: Any, name: str, default: int, lo: int, hi: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise _bad(f"{name} must be a whole number") from None
    if not lo <= value <= hi:
        raise _bad(f"{name} must be between {lo} and {hi}")
    return value


def parse(body: Mapping[str, Any]) -> SearchRequest:
    props = body.get("properties")
    if props is not None and (not isinstance(props, Sequence) or isinstance(props, str)
                              or not all(isinstance(p, str) for p in props)):
        raise _bad("properties must be a list of strings")
    query = body.get("query")
    if query is not None and (not isinstance(query, str) or len(query) > MAX_QUERY_LENGTH):
        raise _bad(f"query must be a string of at most {MAX_QUERY_LENGTH} characters")
    return SearchRequest(
        groups=parse_groups(body.get("filterGroups")),
        sorts=parse_sorts(body.get("sorts")),
        properties=tuple(p.strip() for p in props if p.strip()) if props is not None else None,
        limit=_int(body.get("limit"), "limit", DEFAULT_LIMIT, 0, MAX_LIMIT),
        offset=_int(body.get("after"), "after", 0, 0, 10**9),
        query=query.strip() or None if isinstance(query, str) else None,
    )
