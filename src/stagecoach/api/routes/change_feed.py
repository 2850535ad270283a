"""GET /lifecycle/v1/events: the change feed, paged by seq (automation spec rule 52)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from stagecoach.api.auth import require
from stagecoach.api.unit import run
from stagecoach.domain import feed
from stagecoach.domain.values import whole_number
from stagecoach.services.feed import reads

router = APIRouter()
SCOPE = "events.read"


@router.get("/lifecycle/v1/events")
def events(request: Request, after: str = "", limit: str = "",
           types: list[str] = Query(default=[])) -> dict[str, Any]:  # noqa: B008
    p = require(request, SCOPE)
    since = whole_number(after or "0", "after")
    size = whole_number(limit or str(feed.DEFAULT_PAGE), "limit", low=1, high=feed.MAX_PAGE)
    wanted = feed.parse_types(types)
    return run(request, p.account_id, lambda ctx: reads.page(ctx, since, size, wanted),
               readonly=True)
