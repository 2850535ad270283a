"""CRM objects, one at a time (api spec §3): list, read, create, update, archive, merge."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from stagecoach.api import openapi_docs as docs
from stagecoach.api import wire
from stagecoach.api.auth import object_scope
from stagecoach.api.handler import Call, Reply, handle
from stagecoach.api.objects_view import (
    api_source,
    migrating,
    read_options,
    render,
    write_scopes,
)
from stagecoach.domain import associations as atypes
from stagecoach.domain.errors import NotFound, ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.writes import WriteOptions
from stagecoach.services.core.context import Ctx
from stagecoach.services.core.writes import ItemWrite
from stagecoach.services.lifecycle import timeline
from stagecoach.services.records import lookup, merge, records
from stagecoach.services.records.records import NewRecord
from stagecoach.store.records import records as record_store
from stagecoach.store.records import search as search_store

router = APIRouter(tags=["objects"])
BASE = "/crm/v3/objects/{object_type}"
DEFAULT_PAGE = 10
MAX_PAGE = 100


def _missing(ot: ObjectType, raw: str) -> NotFound:
    return NotFound(f"{ot.singular.capitalize()} {raw[:80]} does not exist", id=raw[:80])


def associations_in(ot: ObjectType, raw: Any) -> list[tuple[ObjectType, int, tuple[int, ...]]]:
    """`[{to: {id}, types: [{associationCategory, associationTypeId}]}]` of a create; the
    type id names the target's object type, as in HubSpot."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise wire.bad("associations must be a list", "INVALID_INPUT")
    out = []
    for item in raw:
        item = wire.obj(item, "An association")
        to = wire.obj(item.get("to"), "An association's to")
        types = item.get("types")
        if not isinstance(types, list) or not types:
            raise wire.bad("An association needs a non-empty list of types", "INVALID_INPUT")
        ids: list[int] = []
        to_type: ObjectType | None = None
        for t in types:
            t = wire.obj(t, "An association type")
            tid = wire.int_value("associationTypeId", t.get("associationTypeId"), -1, 0, 10**9)
            known = atypes.BY_ID.get(tid)
            if known is None or known.from_type is not ot:
                raise ValidationError(
                    f"Association type {tid} does not start from {ot.plural}",
                    code="INVALID_ASSOCIATION_TYPE", associationTypeId=tid)
            if to_type is not None and known.to_type is not to_type:
                raise wire.bad("The types of one association name different object types",
                               "INVALID_ASSOCIATION_TYPE")
            to_type = known.to_type
            if known.label is not None:
                ids.append(tid)
        assert to_type is not None
        out.append((to_type, wire.record_id(to.get("id"), "to.id"), tuple(ids)))
    return out


@router.get(BASE, openapi_extra=docs.LIST)
async def list_objects(object_type: str, request: Request) -> Response:
    ot = wire.object_type(object_type)

    def run(ctx: Ctx, call: Call) -> Reply:
        limit = wire.int_value("limit", request.query_params.get("limit"), DEFAULT_PAGE, 1,
                               MAX_PAGE)
        after_raw = request.query_params.get("after")
        after = wire.record_id(after_raw, "after") if after_raw else 0
        as_of = wire.as_of(request)
        rows, more = search_store.page_after(ctx.conn, ctx.account_id, ot, after, limit,
                                             wire.query_bool(request, "archived"), as_of)
        body: dict[str, Any] = {"results": render(ctx, ot, rows, read_options(request),
                                                  as_of)}
        if more and rows:
            nxt = str(rows[-1].id)
            body["paging"] = {"next": {
                "after": nxt, "link": wire.next_link(request, nxt)}}
        return Reply(200, body)

    return await handle(request, (object_scope(ot, False),), run, readonly=True)


@router.post(BASE, status_code=201, openapi_extra=docs.CREATE)
async def create_object(object_type: str, request: Request) -> Response:
    ot = wire.object_type(object_type)
    migration = migrating(request)

    def run(ctx: Ctx, call: Call) -> Reply:
        body = wire.obj(call.body, "The request body")
        props = wire.properties_in(body.get("properties"))
        assoc = associations_in(ot, body.get("associations"))
        result = records.create(ctx, ot, [NewRecord(props, assoc)],
                                api_source(call.who, migration), WriteOptions(migration))[0]
        if result.error is not None:
            raise result.error
        assert result.record_id is not None
        row = result.row or record_store.load(ctx.conn, ctx.account_id, ot,
                                              [result.record_id])[result.record_id]
        return Reply(201, wire.record_json(ctx.catalog, row, wire.write_names(ot, props))
                     ).ignored(result.ignored)

    return await handle(request, write_scopes(request, ot), run, with_body=True,
                        idempotent=True)


@router.post(BASE + "/merge", openapi_extra=docs.MERGE)
async def merge_objects(object_type: str, request: Request) -> Response:
    ot = wire.object_type(object_type)

    def run(ctx: Ctx, call: Call) -> Reply:
        body = wire.obj(call.body, "The request body")
        primary = wire.record_id(body.get("primaryObjectId"), "primaryObjectId")
        other = wire.record_id(body.get("objectIdToMerge"), "objectIdToMerge")
        row = merge.merge(ctx, ot, primary, other)
        return Reply(200, wire.record_json(ctx.catalog, row, None))

    return await handle(request, (object_scope(ot, True),), run, with_body=True,
                        idempotent=True)


def _resolve_one(ctx: Ctx, ot: ObjectType, raw: str, id_property: str | None) -> int:
    prop = lookup.check_id_property(ot, id_property)
    found = lookup.resolve(ctx, ot, prop, [raw]).get(raw)
    if found is None:
        raise _missing(ot, raw)
    return found


@router.get(BASE + "/{object_id}", openapi_extra=docs.GET)
async def get_object(object_type: str, object_id: str, request: Request) -> Response:
    ot = wire.object_type(object_type)

    def run(ctx: Ctx, call: Call) -> Reply:
        opts = read_options(request)
        prop = lookup.check_id_property(ot, request.query_params.get("idProperty"))
        if prop != "hs_object_id":
            rid = _resolve_one(ctx, ot, object_id, prop)
        else:
            rid = wire.record_id(object_id)
        archived = wire.query_bool(request, "archived")
        as_of = wire.as_of(request)
        if as_of is not None:
            # As it stood then: a record archived or merged away since is shown as it was.
            row = record_store.load(ctx.conn, ctx.account_id, ot, [rid],
                                    include_archived=True).get(rid)
            if (row is None or not timeline.existed_at(row, as_of)
                    or timeline.archived_at(row, as_of) != archived):
                raise _missing(ot, object_id)
            return Reply(200, render(ctx, ot, [row], opts, as_of)[0])
        rows = record_store.load(ctx.conn, ctx.account_id, ot, [rid], include_archived=archived)
        if rid not in rows and not archived:
            # A merged-away record answers as the record it was merged into, as in HubSpot;
            # ?archived=true reads the merged record itself (its own history included).
            survivor = lookup.merged_into(ctx, ot, [rid]).get(rid)
            if survivor is not None:
                rows = record_store.load(ctx.conn, ctx.account_id, ot, [survivor])
                rid = survivor
        if rid not in rows:
            raise _missing(ot, object_id)
        return Reply(200, render(ctx, ot, [rows[rid]], opts)[0])

    return await handle(request, (object_scope(ot, False),), run, readonly=True)


@router.patch(BASE + "/{object_id}", openapi_extra={**docs.PATCH, **docs.WRITE})
async def update_object(object_type: str, object_id: str, request: Request) -> Response:
    ot = wire.object_type(object_type)
    migration = migrating(request)

    def run(ctx: Ctx, call: Call) -> Reply:
        body = wire.obj(call.body, "The request body")
        props = wire.properties_in(body.get("properties"))
        prop = lookup.check_id_property(ot, request.query_params.get("idProperty"))
        rid = (_resolve_one(ctx, ot, object_id, prop) if prop != "hs_object_id"
               else wire.record_id(object_id))
        result = records.update_many(ctx, ot, [ItemWrite(rid, props)],
                                     api_source(call.who, migration), WriteOptions(migration))[0]
        if result.error is not None:
            raise result.error
        row = record_store.load(ctx.conn, ctx.account_id, ot, [rid])[rid]
        return Reply(200, wire.record_json(ctx.catalog, row, wire.write_names(ot, props))
                     ).ignored(result.ignored)

    return await handle(request, write_scopes(request, ot), run, with_body=True)


@router.delete(BASE + "/{object_id}", status_code=204)
async def archive_object(object_type: str, object_id: str, request: Request) -> Response:
    ot = wire.object_type(object_type)

    def run(ctx: Ctx, call: Call) -> Reply:
        rid = wire.record_id(object_id)
        if not records.archive(ctx, ot, [rid], api_source(call.who, False)):
            # Archiving is idempotent: an archived record answers 204 again; an id that
            # never existed in this account is 404.
            known = record_store.load(ctx.conn, ctx.account_id, ot, [rid],
                                      include_archived=True)
            if rid not in known:
                raise _missing(ot, object_id)
        return Reply(204)

    return await handle(request, (object_scope(ot, True),), run)
