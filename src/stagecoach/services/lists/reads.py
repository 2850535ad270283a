"""Reading memberships: a list's members page by page, and a record's lists (rule 57).

A page is read in record id order or in join order (time joined, then record id), after a
cursor or before one; `total` is the list's size."""

from __future__ import annotations

from dataclasses import dataclass

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.services.core.context import Ctx
from stagecoach.services.lists.definitions import require
from stagecoach.store.lists import reads, rows
from stagecoach.store.lists.reads import Member, RecordMembership

DEFAULT_LIMIT = 100
MAX_LIMIT = 250


@dataclass(frozen=True)
class Page:
    members: list[Member]
    total: int
    # Cursors of the pages after and before this one (None: there is none).
    after: str | None
    before: str | None


def _cursor(m: Member, join_order: bool) -> str:
    return f"{m.added_at}_{m.record_id}" if join_order else str(m.record_id)


def _parse(raw: str | None, join_order: bool, name: str) -> tuple[int, int] | None:
    if raw is None or raw == "":
        return None
    parts = raw.split("_") if join_order else ["0", raw]
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) <= 18
                                  for p in parts):
        raise ValidationError(f"{name} is not a cursor this API gave: {raw[:40]!r}",
                              code="INVALID_CURSOR", parameter=name)
    return int(parts[0]), int(parts[1])


def members(ctx: Ctx, list_id: int, *, after: str | None, before: str | None, limit: int,
            join_order: bool) -> Page:
    a, b = _parse(after, join_order, "after"), _parse(before, join_order, "before")
    row = require(ctx, list_id)
    if join_order:
        found, more = reads.by_join_order(ctx.conn, ctx.account_id, row.id, after=a,
                                          before=b, limit=limit)
    else:
        found, more = reads.by_record_id(ctx.conn, ctx.account_id, row.id,
                                         after=a[1] if a else None,
                                         before=b[1] if b else None, limit=limit)
    total = rows.sizes(ctx.conn, ctx.account_id, [row.id])[row.id]
    backwards = b is not None
    # Reading backwards, "more" lies before the page; forwards, after it.
    has_next = (not backwards and more) or (backwards and bool(found))
    has_prev = (backwards and more) or (not backwards and a is not None and bool(found))
    return Page(found, total,
                _cursor(found[-1], join_order) if has_next and found else None,
                _cursor(found[0], join_order) if has_prev and found else None)


def of_record(ctx: Ctx, object_type: ObjectType, record_id: int) -> list[RecordMembership]:
    return reads.of_record(ctx.conn, ctx.account_id, object_type, record_id)
