"""Wire rules of the HubSpot-compatible API (api spec section 1): query parsing and the
JSON shape of a record.

Query lists arrive repeated (`?properties=a&properties=b`, as the SDK sends them), comma
separated (as HubSpot's docs show) or both; booleans arrive as `true`/`True`/`false`/
`False`. Property values are strings or null, ids numeric strings, times ISO with ms.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import Request

from stagecoach.domain import associations as atypes
from stagecoach.domain.catalog import Catalog
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.values import MAX_STRING_LENGTH, iso_to_ms, ms_to_iso
from stagecoach.services.records import lookup, reads
from stagecoach.services.records.reads import HistoryEntry
from stagecoach.store.records.records import RecordRow

# A declared dependency (pyproject); the standard library does the same, slower, in an
# environment that has not installed it yet.
orjson: Any
try:
    orjson = importlib.import_module("orjson")
except ImportError:  # pragma: no cover
    orjson = None

MAX_ID_LENGTH = 200


def bad(message: str, code: str = "VALIDATION_ERROR", **context: Any) -> ValidationError:
    return ValidationError(message, code=code, **context)


def query_list(request: Request, name: str) -> list[str] | None:
    """A list parameter, repeated or comma separated or both; None when absent."""
    raw = request.query_params.getlist(name)
    if not raw:
        return None
    out: list[str] = []
    for item in raw:
        out.extend(p.strip() for p in item.split(",") if p.strip())
    return list(dict.fromkeys(out))


def query_bool(request: Request, name: str, default: bool = False) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    low = raw.strip().lower()
    if low not in ("true", "false"):
        raise bad(f"Query parameter {name} must be true or false, not {raw[:40]!r}",
                  "INVALID_BOOLEAN", parameter=name)
    return low == "true"


def int_value(name: str, raw: object, default: int, lo: int, hi: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise bad(f"{name} must be a whole number, not {str(raw)[:40]!r}", "INVALID_INTEGER",
                  parameter=name) from None
    if not lo <= value <= hi:
        raise bad(f"{name} must be between {lo} and {hi}", "INVALID_LIMIT", parameter=name)
    return value


def object_type(name: str) -> ObjectType:
    return ObjectType.parse(name)


def record_id(raw: object, what: str = "id") -> int:
    """A record id: a numeric string (or number) of at most 18 digits."""
    found = lookup.numeric_id(raw) if raw is not None else None
    if found is None:
        text = str(raw)[:40]
        raise bad(f"{what} must be a numeric record id, not {text!r}", "INVALID_ID", id=text)
    return found


def parse_as_of(text: str | None) -> int | None:
    """`asOf` as an ISO datetime or epoch milliseconds (None: now)."""
    if text is None or text == "":
        return None
    try:
        return iso_to_ms(text)
    except (ValueError, OverflowError):
        raise ValidationError(f"asOf {text[:60]!r} is not a datetime", code="INVALID_AS_OF"
                              ) from None


def as_of(request: Request) -> int | None:
    return parse_as_of(request.query_params.get("asOf"))


def parse_json(body: bytes) -> Any:
    """The request body as JSON, every string in it within the maximum length."""
    if not body.strip():
        raise bad("The request body is empty; a JSON body is required", "INVALID_JSON")
    try:
        if orjson is None:
            raise ValueError
        data = orjson.loads(body)
    except ValueError:
        # orjson is stricter than the standard library (lone surrogates, integers past 64
        # bits, NaN): what it refuses is decided by the standard parser, as before.
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise bad("The request body is not valid JSON", "INVALID_JSON") from None
    _check_strings(data, 0)
    return data


def dumps(body: Any) -> bytes:
    """A response body as compact UTF-8 JSON (what starlette's JSONResponse writes, faster)."""
    try:
        if orjson is None:
            raise TypeError
        out: bytes = orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
        return out
    except TypeError:
        # Integers past 64 bits and the like: the standard encoder, as before.
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _check_strings(value: Any, depth: int) -> None:
    # NUL characters, lone surrogates and nesting were refused before any route ran
    # (api/input_guard.py); what is left is the wire's length limit.
    if isinstance(value, str):
        if len(value) > MAX_STRING_LENGTH:
            raise bad(f"A string in the request is longer than {MAX_STRING_LENGTH} characters",
                      "VALUE_TOO_LONG")
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _check_strings(k, depth + 1)
            _check_strings(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check_strings(v, depth + 1)


def obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad(f"{what} must be a JSON object", "INVALID_INPUT")
    return value


def str_list(value: Any, what: str) -> list[str] | None:
    """An optional list of strings in a JSON body (names of properties, sorts...)."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad(f"{what} must be a list of strings", "INVALID_INPUT")
    return [v.strip() for v in value if v.strip()]


def properties_in(value: Any, what: str = "properties") -> dict[str, str | None]:
    """Property values of a write: strings or null; numbers and booleans are turned into
    strings as HubSpot does."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad(f"{what} must be a JSON object of property names to values", "INVALID_INPUT")
    out: dict[str, str | None] = {}
    for k, v in value.items():
        if v is None or isinstance(v, str):
            out[k] = v
        elif isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif isinstance(v, int | float):
            out[k] = str(v)
        else:
            raise bad(f"The value of {k} must be a string", "INVALID_INPUT", propertyName=k)
    return out


def iso(ms: int | None) -> str | None:
    return ms_to_iso(ms) if ms is not None else None


def association_type_name(type_id: int) -> str:
    """v3 names of association types: `contact_to_company` for the primary type,
    `contact_to_company_unlabeled` for the unlabelled one, as HubSpot answers."""
    t = atypes.BY_ID[type_id]
    base = f"{t.from_type.singular}_to_{t.to_type.singular}"
    labelled_pair = len(atypes.types_between(t.from_type, t.to_type)) > 1
    return base + ("_unlabeled" if labelled_pair and t.label is None else "")


def history_json(entries: Sequence[HistoryEntry]) -> list[dict[str, Any]]:
    # The SDK requires a string value; a cleared value is the empty string, as in HubSpot.
    return [{"value": e.value if e.value is not None else "", "timestamp": e.timestamp,
             "sourceType": e.source_type, "sourceId": e.source_id,
             "sourceLabel": e.source_label, "updatedByUserId": e.user_id}
            for e in entries]


def record_json(
    catalog: Catalog,
    row: RecordRow,
    names: Iterable[str] | None,
    *,
    with_history: Sequence[str] | None = None,
    history: Mapping[str, Sequence[HistoryEntry]] | None = None,
    associations: Mapping[ObjectType, Mapping[int, Sequence[int]]] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(row.id),
        "properties": reads.properties_of(catalog, row, names),
        "createdAt": ms_to_iso(row.created_at),
        "updatedAt": ms_to_iso(row.updated_at),
        "archived": bool(row.archived),
    }
    if row.archived and row.archived_at is not None:
        out["archivedAt"] = ms_to_iso(row.archived_at)
    if with_history is not None:
        hist = history or {}
        out["propertiesWithHistory"] = {
            name: history_json(hist.get(name, ()))
            for name in with_history
            if catalog.definition(row.object_type, name) is not None
        }
    if associations is not None:
        assoc: dict[str, Any] = {}
        for to_type, targets in associations.items():
            results = [{"id": str(to_id), "type": association_type_name(tid)}
                       for to_id, tids in targets.items() for tid in tids]
            if results:
                assoc[to_type.plural] = {"results": results}
        if assoc:
            out["associations"] = assoc
    return out


def write_names(ot: ObjectType, written: Iterable[str]) -> list[str]:
    """The properties a create or update answers with: the defaults, what was written, and
    the lifecycle stage (which automation may have set)."""
    from stagecoach.domain.properties import DEFAULT_READ

    names = list(DEFAULT_READ[ot]) + [n for n in written if n not in DEFAULT_READ[ot]]
    if ot.has_lifecycle and "lifecyclestage" not in names:
        names.append("lifecyclestage")
    return names


def next_link(request: Request, after: str) -> str:
    """`paging.next.link`: the same request from `after`, as a path and query. Never an
    absolute address: that would repeat whatever Host header the caller sent."""
    url = request.url.include_query_params(after=after)
    return f"{url.path}?{url.query}"
