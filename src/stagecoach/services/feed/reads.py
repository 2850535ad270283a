"""Reading the change feed (rule 52) and keeping it to its retention."""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import Any

from stagecoach.domain import feed
from stagecoach.domain.errors import ValidationError
from stagecoach.services.core.context import Ctx
from stagecoach.store.feed import reads

DAY_MS = 86_400_000
PURGE_BATCH = 10_000


def retention_days() -> int:
    """STAGECOACH_EVENT_RETENTION_DAYS, or the default (rule 52)."""
    raw = os.environ.get("STAGECOACH_EVENT_RETENTION_DAYS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else feed.DEFAULT_RETENTION_DAYS


def page(ctx: Ctx, after: int, limit: int, types: Collection[feed.EventType] | None
         ) -> dict[str, Any]:
    if not 1 <= limit <= feed.MAX_PAGE:
        raise ValidationError(f"limit is 1 to {feed.MAX_PAGE}", code="INVALID_LIMIT")
    if after < 0:
        raise ValidationError("after is a seq: 0 or more", code="INVALID_AFTER")
    found = reads.page(ctx.conn, ctx.account_id, after, limit + 1, types)
    out: dict[str, Any] = {"results": [feed.to_wire(e) for e in found[:limit]]}
    # Paging when there is more, as HubSpot pages; at the end of the feed the caller polls
    # again later with the last seq it saw.
    if len(found) > limit:
        out["paging"] = {"next": {"after": str(found[limit - 1].seq)}}
    return out


def purge(ctx: Ctx) -> int:
    """Drop one batch of the events past retention; returns how many went. Retention
    counts back from the account's newest event when that is older than now: an idle
    account keeps its last month of changes for whoever comes back to read them."""
    newest = reads.newest_at(ctx.conn, ctx.account_id)
    if newest is None:
        return 0
    before = min(ctx.now, newest) - retention_days() * DAY_MS
    return reads.purge(ctx.conn, ctx.account_id, before, PURGE_BATCH)
