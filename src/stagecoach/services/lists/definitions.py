"""Lists as definitions (automation spec rules 54, 56-58): create, read, search, rename,
change filters, delete (archive) and restore.

DYNAMIC and SNAPSHOT lists are filled from their filters when created, in the same unit;
a SNAPSHOT list is kept by hand afterwards. A DYNAMIC list whose filters change gets a new
version and its members are recomputed in that transaction. Filters naming other lists
must name live lists of the same object type and may not loop back (400).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from stagecoach.domain.errors import Conflict, NotFound, ValidationError
from stagecoach.domain.lists.dependencies import refuse_cycle
from stagecoach.domain.lists.model import (
    MEMBERSHIP,
    FilterBranch,
    ProcessingType,
    named_list_ids,
)
from stagecoach.domain.lists.parse import parse_branch
from stagecoach.domain.objects import ObjectType
from stagecoach.services.core.context import Ctx
from stagecoach.services.lists import maintain, registry, time_refresh
from stagecoach.services.lists.registry import ActiveList
from stagecoach.store.lists import memberships, rows
from stagecoach.store.lists.rows import ListRow
from stagecoach.store.schema import records

MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class ListView:
    row: ListRow
    size: int


def check_name(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError("A list needs a name", code="INVALID_LIST_NAME")
    name = raw.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(f"A list name has at most {MAX_NAME_LENGTH} characters",
                              code="INVALID_LIST_NAME")
    return name


def object_type(raw: object) -> ObjectType:
    try:
        return ObjectType.parse(raw if isinstance(raw, str) else "")
    except NotFound:
        raise ValidationError(f"Unsupported objectTypeId {str(raw)[:40]!r}; lists hold "
                              "0-1 (contacts), 0-2 (companies) or 0-3 (deals)",
                              code="INVALID_OBJECT_TYPE") from None


def processing_type(raw: object) -> ProcessingType:
    try:
        return ProcessingType(str(raw).upper())
    except ValueError:
        raise ValidationError(f"Unsupported processingType {str(raw)[:40]!r}; supported: "
                              + ", ".join(ProcessingType), code="INVALID_PROCESSING_TYPE"
                              ) from None


def _unique(ctx: Ctx, ot: ObjectType, name: str, list_id: int | None = None) -> None:
    other = rows.by_name(ctx.conn, ctx.account_id, ot, name)
    if other is not None and other.id != list_id:
        raise Conflict(f"A list named {name!r} already exists for {ot.plural}",
                       code="DUPLICATE_LIST_NAME", listId=str(other.id))


def _filters(ctx: Ctx, ot: ObjectType, raw: object, list_id: int | None) -> FilterBranch:
    branch = parse_branch(raw, ot, ctx.catalog.require_definition)
    named = branch.list_ids
    if not named:
        return branch
    found = {r.id: r for r in rows.get_many(ctx.conn, ctx.account_id, sorted(named))}
    for i in sorted(named):
        if i not in found or found[i].object_type is not ot:
            raise ValidationError(f"IN_LIST names list {i}, which is not a live list of "
                                  f"{ot.plural}", code="INVALID_LIST_REFERENCE", listId=str(i))
    if list_id is not None:
        graph = {r.id: named_list_ids(r.filter_branch) for r in _dynamic(ctx)
                 if r.id != list_id}
        refuse_cycle(list_id, named, graph)
    return branch


def _dynamic(ctx: Ctx) -> list[ListRow]:
    return [r for r in rows.with_filters(ctx.conn, ctx.account_id)
            if r.processing_type == ProcessingType.DYNAMIC]


def view(ctx: Ctx, row: ListRow) -> ListView:
    return ListView(row, rows.sizes(ctx.conn, ctx.account_id, [row.id])[row.id])


def views(ctx: Ctx, found: Sequence[ListRow]) -> list[ListView]:
    sizes = rows.sizes(ctx.conn, ctx.account_id, [r.id for r in found])
    return [ListView(r, sizes[r.id]) for r in found]


def require(ctx: Ctx, list_id: int, *, lock: bool = False) -> ListRow:
    row = rows.get(ctx.conn, ctx.account_id, list_id, lock=lock)
    if row is None:
        raise NotFound(f"List {list_id} does not exist", code="LIST_NOT_FOUND",
                       listId=str(list_id))
    return row


def create(ctx: Ctx, name: object, object_type_id: object, processing: object,
           filter_branch: object = None) -> ListView:
    clean, ot, kind = check_name(name), object_type(object_type_id), processing_type(processing)
    if kind is ProcessingType.MANUAL and filter_branch is not None:
        raise ValidationError("A MANUAL list has no filters; leave out filterBranch",
                              code="INVALID_FILTER")
    if kind is not ProcessingType.MANUAL and filter_branch is None:
        raise ValidationError(f"A {kind} list needs a filterBranch", code="INVALID_FILTER")
    _unique(ctx, ot, clean)
    branch = _filters(ctx, ot, filter_branch, None) if filter_branch is not None else None
    list_id = rows.insert_list(ctx.conn, ctx.account_id, ot, clean, kind.value,
                               branch.to_wire() if branch is not None else None, ctx.now)
    registry.changed(ctx)
    row = require(ctx, list_id)
    if branch is not None:
        maintain.rebuild(ctx, [ActiveList(row, branch)])
        time_refresh.follow(ctx, branch)
    return view(ctx, row)


def get(ctx: Ctx, list_id: int) -> ListView:
    return view(ctx, require(ctx, list_id))


def get_many(ctx: Ctx, list_ids: Sequence[int]) -> list[ListView]:
    return views(ctx, rows.get_many(ctx.conn, ctx.account_id, list_ids))


def by_name(ctx: Ctx, object_type_id: str, name: str) -> ListView:
    row = rows.by_name(ctx.conn, ctx.account_id, object_type(object_type_id), name)
    if row is None:
        raise NotFound(f"No list named {name[:200]!r}", code="LIST_NOT_FOUND")
    return view(ctx, row)


def search(ctx: Ctx, query: str | None, processing_types: Sequence[ProcessingType],
           list_ids: Sequence[int], offset: int, count: int) -> tuple[list[ListView], int]:
    found, total = rows.search(ctx.conn, ctx.account_id, query,
                               [p.value for p in processing_types], list_ids, offset, count)
    return views(ctx, found), total


def rename(ctx: Ctx, list_id: int, name: object) -> ListView:
    row = require(ctx, list_id, lock=True)
    clean = check_name(name)
    if clean != row.name:
        _unique(ctx, row.object_type, clean, list_id)
        rows.change(ctx.conn, ctx.account_id, list_id, name=clean, updated_at=ctx.now)
    return get(ctx, list_id)


def update_filters(ctx: Ctx, list_id: int, filter_branch: object) -> ListView:
    row = require(ctx, list_id, lock=True)
    if row.processing_type != ProcessingType.DYNAMIC:
        raise ValidationError(f"Only a DYNAMIC list's filters can change; list {list_id} "
                              f"is {row.processing_type}", code="NOT_A_DYNAMIC_LIST")
    if filter_branch is None:
        raise ValidationError("filterBranch is required", code="INVALID_FILTER")
    branch = _filters(ctx, row.object_type, filter_branch, list_id)
    rows.change(ctx.conn, ctx.account_id, list_id, filter_branch=branch.to_wire(),
                version=row.version + 1, updated_at=ctx.now, filters_updated_at=ctx.now)
    registry.changed(ctx)
    row = require(ctx, list_id)
    maintain.rebuild(ctx, [ActiveList(row, branch)])
    time_refresh.follow(ctx, branch)
    return view(ctx, row)


def delete(ctx: Ctx, list_id: int) -> None:
    row = require(ctx, list_id, lock=True)
    users = [r for r in _dynamic(ctx)
             if r.id != list_id and list_id in named_list_ids(r.filter_branch)]
    if users:
        raise ValidationError(
            f"List {list_id} cannot be deleted; the filters of these lists name it: "
            + ", ".join(f"{u.name} ({u.id})" for u in users),
            code="LIST_IN_USE", listIds=[str(u.id) for u in users])
    rows.change(ctx.conn, ctx.account_id, row.id, archived=True, archived_at=ctx.now,
                updated_at=ctx.now)
    registry.changed(ctx)


def restore(ctx: Ctx, list_id: int) -> ListView:
    row = rows.get(ctx.conn, ctx.account_id, list_id, archived=True, lock=True)
    if row is None:
        raise NotFound(f"No deleted list {list_id}", code="LIST_NOT_FOUND",
                       listId=str(list_id))
    _unique(ctx, row.object_type, row.name, list_id)
    rows.change(ctx.conn, ctx.account_id, list_id, archived=False, archived_at=None,
                updated_at=ctx.now)
    registry.changed(ctx)
    row = require(ctx, list_id)
    if row.processing_type == ProcessingType.DYNAMIC and row.filter_branch is not None:
        # Changes made while it was deleted were not followed.
        branch = registry.parse_stored(ctx.catalog, row)
        maintain.rebuild(ctx, [ActiveList(row, branch)])
        time_refresh.follow(ctx, branch)
    else:
        _drop_archived_members(ctx, row)
    return view(ctx, row)


def _drop_archived_members(ctx: Ctx, row: ListRow) -> None:
    r = records.c
    archived = select(r.id).where(r.account_id == ctx.account_id,
                                  r.object_type == int(row.object_type), r.archived.is_(True))
    with ctx.step(changed={MEMBERSHIP}) as step:
        memberships.remove(ctx.conn, memberships.Change(
            ctx.account_id, row.id, row.object_type, step.op, ctx.now, *maintain.FILTERS),
            archived)


def wire_filters(row: ListRow) -> dict[str, Any] | None:
    return dict(row.filter_branch) if row.filter_branch is not None else None
