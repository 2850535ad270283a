"""`/deals`: a board per pipeline. Moving a card runs the automation through the write
path (source CRM_UI) and the page then shows what that changed, read back from the
history rows the request's steps wrote."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from stagecoach.domain.errors import DomainError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.values import is_decimal
from stagecoach.services.core.context import Ctx
from stagecoach.services.core.writes import ItemWrite
from stagecoach.services.records import records
from stagecoach.store.records import record_views
from stagecoach.store.records import records as record_store
from stagecoach.web import columns, pages
from stagecoach.web import session as sessions
from stagecoach.web.common import flash_redirect, posted, redirect, run, text, ui_source
from stagecoach.web.routing import WebError, WebRoute

router = APIRouter(route_class=WebRoute)
D = ObjectType.DEAL
MAX_OPS_IN_URL = 50


def _ops(raw: str) -> list[int]:
    return [int(x) for x in raw.split(",")[:MAX_OPS_IN_URL] if is_decimal(x) and len(x) < 19]


def changes_of(ctx: Ctx, ops: list[int]) -> list[dict[str, Any]]:
    """Every lifecycle stage the given steps changed, with the record's name."""
    rows = record_views.stage_changes_in_ops(ctx.conn, ctx.account_id, ops)
    named = record_views.names(ctx.conn, ctx.account_id,
                               [(ObjectType(r.object_type), r.record_id) for r in rows])
    out = []
    for r in rows:
        ot = ObjectType(r.object_type)
        row = named.get((ot, r.record_id))
        out.append({
            "type": ot, "id": r.record_id,
            "name": columns.display_name(ot, row.values if row else {}, r.record_id),
            "from": ctx.catalog.stages.label(r.old_value) if r.old_value else None,
            "to": ctx.catalog.stages.label(r.value) if r.value else None,
            "source": r.source_label or r.source_type,
        })
    return out


@router.get("/deals")
def board(request: Request) -> Response:
    session = sessions.require(request)
    wanted = request.query_params.get("pipeline", "")
    ops = _ops(request.query_params.get("changed", ""))
    moved = request.query_params.get("moved", "")

    def load(ctx: Ctx) -> dict[str, Any]:
        pipelines = sorted(ctx.catalog.pipelines, key=lambda p: (p.display_order, p.id))
        if not pipelines:
            return {"pipelines": [], "pipeline": None, "columns": [], "changes": []}
        pipeline = ctx.catalog.pipeline(wanted) if wanted else None
        pipeline = pipeline or pipelines[0]
        data = record_views.deal_board(ctx.conn, ctx.account_id, pipeline.id,
                                       [s.id for s in pipeline.stages])
        moved_deal = None
        if is_decimal(moved) and len(moved) < 19:
            moved_deal = record_store.load(ctx.conn, ctx.account_id, D, [int(moved)]).get(
                int(moved))
        return {"pipelines": pipelines, "pipeline": pipeline,
                "columns": [(s, data[s.id]) for s in pipeline.stages],
                "changes": changes_of(ctx, ops) if ops else [], "moved_deal": moved_deal}

    data = run(request, session, load, readonly=True)
    return pages.render(request, "deals.html", {
        **data, "ops": ops, "display_name": columns.display_name}, session, section="deals")


@router.post("/deals/{deal_id}/move")
async def move(request: Request, deal_id: int) -> Response:
    session, form = await posted(request)
    stage_id = text(form, "dealstage", 64)

    def write(ctx: Ctx) -> tuple[str, list[int]]:
        deal = record_store.load(ctx.conn, ctx.account_id, D, [deal_id]).get(deal_id)
        if deal is None:
            raise WebError(404, "This deal does not exist")
        stage = ctx.catalog.deal_stage(stage_id)
        if stage is None:
            raise WebError(400, "Unknown deal stage", stage_id)
        result = records.update_many(ctx, D, [ItemWrite(deal_id, {
            "pipeline": stage.pipeline_id, "dealstage": stage.id})], ui_source(session))[0]
        if result.error is not None:
            raise result.error
        return stage.pipeline_id, list(ctx.ops)

    try:
        pipeline_id, ops = run(request, session, write)
    except DomainError as exc:
        return flash_redirect(request, session, "/deals", "error", exc.message)
    return redirect(f"/deals?pipeline={pipeline_id}&moved={deal_id}"
                    f"&changed={','.join(str(o) for o in ops[:MAX_OPS_IN_URL])}#deal-{deal_id}")
