"""GET /lifecycle/v1/events: the change feed, paged by seq (automation spec rule 52)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from stagecoach.api.auth import require
from stagecoach.api.unit import run
from stagecoach.domain import feed
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.values import is_decimal
from stagecoach.services.feed import reads

router = APIRouter()
SCOPE = "events.read"


def _count(raw: str, name: str, default: int) -> int:
    if raw == "":
        return default
    # Bounded before int(): a seq is a 63-bit number on every database.
    if not is_decimal(raw) or len(raw) > 18:
        raise ValidationError(f"{name} must be a whole number", code=f"INVALID_{name.upper()}")
    return int(raw)


@router.get("/lifecycle/v1/events")
def events(request: Request, after: str = "", limit: str = "",
           types: list[str] = Query(default=[])) -> dict[str, Any]:  # noqa: B008
    p = require(request, SCOPE)
    since = _count(after, "after", 0)
    size = _count(limit, "limit", feed.DEFAULT_PAGE)
    wanted = feed.parse_types(types)
    return run(request, p.account_id, lambda ctx: reads.page(ctx, since, size, wanted),
               readonly=True)
