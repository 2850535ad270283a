"""The search request of the CRM API (api spec section 4), parsed and checked.

`filterGroups` are parsed by domain/filters.py (the syntax report segments share); this
adds the rest of a search: sorts, properties, page size and offset, free text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.filters import FilterGroup, PropertyDefLookup, parse_groups
from stagecoach.domain.objects import ObjectType

DEFAULT_LIMIT = 10
MAX_LIMIT = 200
MAX_QUERY_LENGTH = 3000


@dataclass(frozen=True)
class Sort:
    property: str
    descending: bool = False


@dataclass(frozen=True)
class SearchRequest:
    groups: tuple[FilterGroup, ...] = ()
    sorts: tuple[Sort, ...] = ()
    properties: tuple[str, ...] | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    query: str | None = None


def _bad(message: str, **context: Any) -> ValidationError:
    return ValidationError(message, code="INVALID_SEARCH", **context)


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


def parse(body: Mapping[str, Any], object_type: ObjectType,
          definition: PropertyDefLookup) -> SearchRequest:
    props = body.get("properties")
    if props is not None and (not isinstance(props, Sequence) or isinstance(props, str)
                              or not all(isinstance(p, str) for p in props)):
        raise _bad("properties must be a list of strings")
    query = body.get("query")
    if query is not None and (not isinstance(query, str) or len(query) > MAX_QUERY_LENGTH):
        raise _bad(f"query must be a string of at most {MAX_QUERY_LENGTH} characters")
    sorts = parse_sorts(body.get("sorts"))
    for s in sorts:
        definition(object_type, s.property)
    return SearchRequest(
        groups=parse_groups(body.get("filterGroups"), object_type, definition),
        sorts=sorts,
        properties=tuple(p.strip() for p in props if p.strip()) if props is not None else None,
        limit=_int(body.get("limit"), "limit", DEFAULT_LIMIT, 0, MAX_LIMIT),
        offset=_int(body.get("after"), "after", 0, 0, 10**9),
        query=query.strip() or None if isinstance(query, str) else None,
    )
