"""OpenAPI descriptions of the CRM routes. The routes parse their own input (HubSpot's
wire rules are looser than FastAPI's: comma or repeated lists, `True`/`true`), so what they
accept is declared here for `/openapi.json`."""

from __future__ import annotations

from typing import Any

_LIST = {"type": "array", "items": {"type": "string"}}


def _q(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description, "style": "form", "explode": True}


_READ = [
    _q("properties", _LIST, "Properties to return (repeated or comma separated)."),
    _q("propertiesWithHistory", _LIST, "Properties to return with their history."),
    _q("associations", _LIST, "Object types whose associated ids to return."),
    _q("archived", {"type": "boolean"}, "Only archived records (true/True/false/False)."),
]
AS_OF = _q("asOf", {"type": "string"},
           "Read the records as they stood at this instant (ISO datetime or epoch ms).")
LIST = {"parameters": [
    AS_OF,
    _q("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
       "Page size."),
    _q("after", {"type": "string"}, "Cursor from paging.next.after."),
    *_READ]}
GET = {"parameters": [
    *_READ, AS_OF, _q("idProperty", {"type": "string"}, "A unique property naming the record "
                                                 "(email for contacts, domain for companies).")]}
MIGRATION = {"name": "Stagecoach-Migration", "in": "header", "required": False,
             "schema": {"type": "boolean"},
             "description": "true: the write is a migration and may set the \"became a\" "
                            "dates (hs_lifecyclestage_<stage>_date); needs the token scope "
                            "lifecycle.migrate (403 otherwise)."}
PATCH = {"parameters": [GET["parameters"][-1], MIGRATION]}
ASSOC_LIST = {"parameters": [
    _q("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 500},
       "Page size."),
    _q("after", {"type": "string"}, "Cursor from paging.next.after.")]}


def body(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"requestBody": {"required": True, "description": description, "content": {
        "application/json": {"schema": schema or {"type": "object"}}}}}


BATCH_READ_QUERY = [_q("archived", {"type": "boolean"}, "Read archived records."), AS_OF]
BATCH = body("`{inputs: [...]}` with at most 100 inputs, applied in order.",
             {"type": "object", "required": ["inputs"],
              "properties": {"inputs": {"type": "array", "maxItems": 100}}})
BATCH_WRITE = {**BATCH, "parameters": [MIGRATION]}
WRITE = body("`{properties: {name: string|null}, associations?: [...]}`",
             {"type": "object", "properties": {"properties": {
                 "type": "object", "additionalProperties": {"type": ["string", "null"]}}}})
CREATE = {**WRITE, "parameters": [MIGRATION]}
SEARCH = body("`{filterGroups, sorts, properties, limit, after, query}`")
MERGE = body("`{primaryObjectId, objectIdToMerge}`",
             {"type": "object", "required": ["primaryObjectId", "objectIdToMerge"],
              "properties": {"primaryObjectId": {"type": "string"},
                             "objectIdToMerge": {"type": "string"}}})
ASSOC_SPECS = body("`[{associationCategory, associationTypeId}]`",
                   {"type": "array", "items": {"type": "object"}})
PARTIAL: dict[int | str, dict[str, Any]] = {
    207: {"description": "Some inputs failed: `errors` names each by its index."}}
