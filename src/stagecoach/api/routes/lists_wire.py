"""The wire shapes of HubSpot's Lists v3 API (automation spec rule 57): a LIST, a
memberships page, a membership change answer, and the query values the routes read.

The SDK reads a missing field as None, so a list always carries listId (a string), name,
objectTypeId, processingType, processingStatus, listVersion and its exact size.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from stagecoach.api import wire
from stagecoach.domain.lists.model import ProcessingType
from stagecoach.domain.values import is_decimal
from stagecoach.services.lists.definitions import ListView
from stagecoach.services.lists.manual import Changes
from stagecoach.services.lists.reads import Page
from stagecoach.store.lists.reads import RecordMembership

SEARCH_DEFAULT_COUNT = 20
SEARCH_MAX_COUNT = 500


def list_json(v: ListView, *, filters: bool) -> dict[str, Any]:
    r = v.row
    out: dict[str, Any] = {
        "listId": str(r.id), "name": r.name, "objectTypeId": r.object_type.type_id,
        "processingType": r.processing_type, "processingStatus": "COMPLETE",
        "listVersion": r.version, "size": v.size,
        "createdAt": wire.iso(r.created_at), "updatedAt": wire.iso(r.updated_at),
        "filtersUpdatedAt": wire.iso(r.filters_updated_at or r.created_at),
    }
    if r.archived_at is not None:
        out["deletedAt"] = wire.iso(r.archived_at)
    if filters and r.filter_branch is not None:
        out["filterBranch"] = r.filter_branch
    return out


def search_result_json(v: ListView) -> dict[str, Any]:
    """A list as search answers it: the SDK's search result model has no `size`, so the
    size is also among `additionalProperties`, where HubSpot puts it."""
    return {**list_json(v, filters=False),
            "additionalProperties": {"hs_list_size": str(v.size)}}


def list_id(raw: object, what: str = "listId") -> int:
    text = str(raw).strip()
    if not is_decimal(text) or len(text) > 18:
        raise wire.bad(f"{what} must be a numeric list id, not {text[:40]!r}",
                       "INVALID_LIST_ID", listId=text[:40])
    return int(text)


def changes_json(c: Changes) -> dict[str, Any]:
    added = [str(i) for i in c.added]
    # HubSpot's docs say recordIdsAdded, its SDK reads recordsIdsAdded: both are sent.
    return {"recordIdsAdded": added, "recordsIdsAdded": added,
            "recordIdsRemoved": [str(i) for i in c.removed], "recordIdsMissing": c.missing}


def id_array(body: Any, what: str) -> list[Any]:
    if body is None:
        return []
    if not isinstance(body, list):
        raise wire.bad(f"{what} must be a JSON array of record ids", "INVALID_INPUT")
    return body


def page_json(request: Request, page: Page) -> dict[str, Any]:
    out: dict[str, Any] = {
        "results": [{"recordId": str(m.record_id),
                     "membershipTimestamp": wire.iso(m.added_at)} for m in page.members],
        "total": page.total,
    }
    paging: dict[str, Any] = {}
    if page.after is not None:
        paging["next"] = {"after": page.after,
                          "link": str(request.url.include_query_params(after=page.after)
                                      .remove_query_params("before"))}
    if page.before is not None:
        paging["prev"] = {"before": page.before,
                          "link": str(request.url.include_query_params(before=page.before)
                                      .remove_query_params("after"))}
    if paging:
        out["paging"] = paging
    return out


def record_lists_json(found: list[RecordMembership]) -> dict[str, Any]:
    return {"results": [
        {"listId": str(m.list_id), "listVersion": m.version,
         "firstAddedTimestamp": wire.iso(m.first_added_at),
         "lastAddedTimestamp": wire.iso(m.added_at)} for m in found],
        "total": len(found)}


def processing_types(raw: Any) -> list[ProcessingType]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise wire.bad("processingTypes must be a list", "INVALID_INPUT")
    out = []
    for p in raw:
        try:
            out.append(ProcessingType(str(p).upper()))
        except ValueError:
            raise wire.bad(f"Unsupported processingType {str(p)[:40]!r}; supported: "
                           + ", ".join(ProcessingType), "INVALID_PROCESSING_TYPE") from None
    return out


def search_request(body: Any) -> dict[str, Any]:
    b = wire.obj(body if body is not None else {}, "The request body")
    query = b.get("query")
    if query is not None and not isinstance(query, str):
        raise wire.bad("query must be a string", "INVALID_INPUT")
    ids = b.get("listIds") or []
    if not isinstance(ids, list):
        raise wire.bad("listIds must be a list", "INVALID_INPUT")
    return {
        "query": query.strip() or None if isinstance(query, str) else None,
        "processing_types": processing_types(b.get("processingTypes")),
        "list_ids": [list_id(i, "listIds") for i in ids],
        "offset": wire.int_value("offset", b.get("offset"), 0, 0, 10**9),
        "count": wire.int_value("count", b.get("count"), SEARCH_DEFAULT_COUNT, 1,
                                SEARCH_MAX_COUNT),
    }
