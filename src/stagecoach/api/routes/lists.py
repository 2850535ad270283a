"""/crm/v3/lists: HubSpot's Lists v3 API (automation spec rule 57), shapes in
lists_wire.py. Create answers 200 (the SDK reads a 201 as nothing); delete, restore and
clearing memberships answer 204. Both `/crm/v3/lists` and `/crm/v3/lists/` are routed."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from stagecoach.api import wire
from stagecoach.api.handler import Call, Reply, handle
from stagecoach.api.objects_view import api_source
from stagecoach.api.routes import lists_wire as lw
from stagecoach.services.core.context import Ctx
from stagecoach.services.lists import definitions, manual, reads

router = APIRouter(tags=["lists"])
READ = ("crm.lists.read",)
WRITE = ("crm.lists.write",)
BASE = "/crm/v3/lists"


@router.post(BASE, include_in_schema=False)
@router.post(BASE + "/")
async def create_list(request: Request) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        b = wire.obj(call.body, "The request body")
        made = definitions.create(ctx, b.get("name"), b.get("objectTypeId"),
                                  b.get("processingType"), b.get("filterBranch"))
        return Reply(200, {"list": lw.list_json(made, filters=True)})

    return await handle(request, WRITE, run, with_body=True)


@router.get(BASE, include_in_schema=False)
@router.get(BASE + "/")
async def get_lists(request: Request) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        ids = [lw.list_id(i, "listIds") for i in wire.query_list(request, "listIds") or []]
        filters = wire.query_bool(request, "includeFilters")
        return Reply(200, {"lists": [lw.list_json(v, filters=filters)
                                     for v in definitions.get_many(ctx, ids)]})

    return await handle(request, READ, run, readonly=True)


@router.post(BASE + "/search")
async def search_lists(request: Request) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        q = lw.search_request(call.body)
        found, total = definitions.search(ctx, **q)
        end = q["offset"] + len(found)
        return Reply(200, {"lists": [lw.search_result_json(v) for v in found],
                           "total": total, "offset": end, "hasMore": end < total})

    return await handle(request, READ, run, with_body=True, readonly=True)


@router.get(BASE + "/object-type-id/{object_type_id}/name/{name}")
async def get_list_by_name(object_type_id: str, name: str, request: Request) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        found = definitions.by_name(ctx, object_type_id, name)
        filters = wire.query_bool(request, "includeFilters")
        return Reply(200, {"list": lw.list_json(found, filters=filters)})

    return await handle(request, READ, run, readonly=True)


@router.get(BASE + "/records/{object_type_id}/{record_id}/memberships")
async def record_memberships(object_type_id: str, record_id: str, request: Request
                             ) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        ot = definitions.object_type(object_type_id)
        found = reads.of_record(ctx, ot, wire.record_id(record_id, "recordId"))
        return Reply(200, lw.record_lists_json(found))

    return await handle(request, READ, run, readonly=True)


@router.get(BASE + "/{list_id}")
async def get_list(list_id: str, request: Request) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        found = definitions.get(ctx, lw.list_id(list_id))
        filters = wire.query_bool(request, "includeFilters")
        return Reply(200, {"list": lw.list_json(found, filters=filters)})

    return await handle(request, READ, run, readonly=True)


@router.delete(BASE + "/{list_id}", status_code=204)
async def delete_list(list_id: str, request: Request) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        definitions.delete(ctx, lw.list_id(list_id))
        return Reply(204)

    return await handle(request, WRITE, run)


@router.put(BASE + "/{list_id}/restore", status_code=204)
async def restore_list(list_id: str, request: Request) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        definitions.restore(ctx, lw.list_id(list_id))
        return Reply(204)

    return await handle(request, WRITE, run)


@router.put(BASE + "/{list_id}/update-list-name")
async def rename_list(list_id: str, request: Request) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        found = definitions.rename(ctx, lw.list_id(list_id),
                                   request.query_params.get("listName"))
        filters = wire.query_bool(request, "includeFilters")
        return Reply(200, {"updatedList": lw.list_json(found, filters=filters)})

    return await handle(request, WRITE, run)


@router.put(BASE + "/{list_id}/update-list-filters")
async def update_filters(list_id: str, request: Request) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        b = wire.obj(call.body, "The request body")
        found = definitions.update_filters(ctx, lw.list_id(list_id), b.get("filterBranch"))
        return Reply(200, {"updatedList": lw.list_json(found, filters=True)})

    return await handle(request, WRITE, run, with_body=True)


@router.put(BASE + "/{list_id}/memberships/add")
async def add_members(list_id: str, request: Request) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        done = manual.change(ctx, lw.list_id(list_id), lw.id_array(call.body, "The body"),
                             [], api_source(call.who))
        return Reply(200, lw.changes_json(done))

    return await handle(request, WRITE, run, with_body=True)


@router.put(BASE + "/{list_id}/memberships/remove")
async def remove_members(list_id: str, request: Request) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        done = manual.change(ctx, lw.list_id(list_id), [],
                             lw.id_array(call.body, "The body"), api_source(call.who))
        return Reply(200, lw.changes_json(done))

    return await handle(request, WRITE, run, with_body=True)


@router.put(BASE + "/{list_id}/memberships/add-and-remove")
async def add_and_remove_members(list_id: str, request: Request) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        b = wire.obj(call.body, "The request body")
        done = manual.change(ctx, lw.list_id(list_id),
                             lw.id_array(b.get("recordIdsToAdd"), "recordIdsToAdd"),
                             lw.id_array(b.get("recordIdsToRemove"), "recordIdsToRemove"),
                             api_source(call.who))
        return Reply(200, lw.changes_json(done))

    return await handle(request, WRITE, run, with_body=True)


@router.delete(BASE + "/{list_id}/memberships", status_code=204)
async def clear_members(list_id: str, request: Request) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        manual.clear(ctx, lw.list_id(list_id), api_source(call.who))
        return Reply(204)

    return await handle(request, WRITE, run)


async def _members(list_id: str, request: Request, join_order: bool) -> Response:
    def run(ctx: Ctx, call: Call) -> Reply:
        q = request.query_params
        limit = wire.int_value("limit", q.get("limit"), reads.DEFAULT_LIMIT, 1,
                               reads.MAX_LIMIT)
        page = reads.members(ctx, lw.list_id(list_id), after=q.get("after"),
                             before=q.get("before"), limit=limit, join_order=join_order)
        return Reply(200, lw.page_json(request, page))

    return await handle(request, READ, run, readonly=True)


@router.get(BASE + "/{list_id}/memberships")
async def members_by_id(list_id: str, request: Request) -> Response:
    return await _members(list_id, request, False)


@router.get(BASE + "/{list_id}/memberships/join-order")
async def members_by_join_order(list_id: str, request: Request) -> Response:
    return await _members(list_id, request, True)
