"""POST /crm/v3/objects/{t}/search (api spec §4): SQL over the records, no indexing lag."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from stagecoach.api import openapi_docs as docs
from stagecoach.api import wire
from stagecoach.api.auth import object_scope
from stagecoach.api.handler import Call, Reply, handle
from stagecoach.api.objects_view import ReadOptions, render
from stagecoach.domain import search as rules
from stagecoach.services.core.context import Ctx
from stagecoach.store.records import search as store

router = APIRouter(tags=["search"])


@router.post("/crm/v3/objects/{object_type}/search", openapi_extra=docs.SEARCH)
async def search(object_type: str, request: Request) -> Response:
    ot = wire.object_type(object_type)

    def run(ctx: Ctx, call: Call) -> Reply:
        req = rules.parse(wire.obj(call.body, "The request body"), ot,
                          ctx.catalog.require_definition)
        rows, total = store.search(ctx.conn, ctx.catalog, ot, req)
        props = list(req.properties) if req.properties else None
        body: dict[str, Any] = {"total": total,
                                "results": render(ctx, ot, rows, ReadOptions(props))}
        end = req.offset + len(rows)
        if rows and end < total:
            body["paging"] = {"next": {"after": str(end)}}
        return Reply(200, body)

    return await handle(request, (object_scope(ot, False),), run, with_body=True,
                        readonly=True)
