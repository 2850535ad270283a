"""Merging two records (api spec §3, lifecycle rule 44).

The primary record survives with its id. It keeps its own values and takes the other's
values for properties it has no value for; it keeps the furthest lifecycle stage of the
two. Those writes carry the source `MERGE_OBJECTS`. The other record is archived with
`merged_into` pointing at the survivor, and its history stays as it was (both histories
are kept). Its associations move to the survivor; a primary company the survivor already
has stays primary, the other's becomes unlabelled.
"""

from __future__ import annotations

from sqlalchemy import update

from stagecoach.domain import associations as atypes
from stagecoach.domain.errors import NotFound, ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import META_PROPERTIES
from stagecoach.domain.sources import Source, SourceType
from stagecoach.services.core import writes
from stagecoach.services.core.context import Ctx
from stagecoach.services.records import reads
from stagecoach.services.records.associations import AssociationRequest, associate, validate
from stagecoach.services.records.records import archive_merged
from stagecoach.store.records import associations as links
from stagecoach.store.records import records
from stagecoach.store.records.records import RecordRow
from stagecoach.store.schema import records as records_table

# Identifying values stay with their own record: a contact's email is unique.
_NOT_COPIED = frozenset({"email", "lifecyclestage"})


def merge(ctx: Ctx, ot: ObjectType, primary_id: int, other_id: int) -> RecordRow:
    if primary_id == other_id:
        raise ValidationError("A record cannot be merged with itself", code="INVALID_MERGE")
    rows = records.load(ctx.conn, ctx.account_id, ot, [primary_id, other_id], lock=True)
    for rid in (primary_id, other_id):
        if rid not in rows:
            raise NotFound(f"{ot.singular.capitalize()} {rid} does not exist", id=str(rid))
    survivor, other = rows[primary_id], rows[other_id]
    source = Source(SourceType.MERGE_OBJECTS, str(other_id),
                    f"merged {ot.singular} {other_id} into {primary_id}")
    props = _fill_ins(ctx, survivor, other)
    if ot.has_lifecycle and other.stage and ctx.catalog.stages.is_forward(survivor.stage,
                                                                            other.stage):
        props["lifecyclestage"] = other.stage
    if props:
        result = writes.write(ctx, ot, [writes.ItemWrite(primary_id, props)], source)[0]
        if result.error is not None:
            raise result.error
    moved = _move_associations(ctx, ot, primary_id, other_id, source)
    archive_merged(ctx, ot, other_id, primary_id, source)
    t = records_table.c
    # Records merged into the other earlier now point at the survivor: no chains.
    ctx.conn.execute(update(records_table)
                     .where(records.account_scope(ctx.account_id, ot),
                            t.merged_into == other_id)
                     .values(merged_into=primary_id))
    moved = [r for r, err in zip(moved, validate(ctx, moved), strict=True) if err is None]
    if moved:
        associate(ctx, moved, source)
    records.touch(ctx.conn, ctx.account_id, ot, [primary_id], ctx.now)
    return records.load(ctx.conn, ctx.account_id, ot, [primary_id])[primary_id]


def _fill_ins(ctx: Ctx, survivor: RecordRow, other: RecordRow) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name, stored in other.values.items():
        p = ctx.catalog.definition(other.object_type, name)
        if (p is None or p.calculated or name in META_PROPERTIES or name in _NOT_COPIED
                or stored is None or survivor.values.get(name) is not None):
            continue
        out[name] = reads.wire_value(ctx.catalog, other.object_type, name, stored)
    return out


def _move_associations(ctx: Ctx, ot: ObjectType, primary_id: int, other_id: int,
                       source: Source) -> list[AssociationRequest]:
    """Remove the other's associations; return the requests that give them to the
    survivor."""
    found = links.links_from(ctx.conn, ctx.account_id, ot, other_id)
    if not found:
        return []
    with ctx.step() as step:
        links.remove(ctx.conn, ctx.account_id, found, ctx.now, step.op, source)
    has_primary = {
        tid: bool(links.current_primaries(ctx.conn, ctx.account_id, ot, tid, [primary_id]))
        for tid in atypes.SINGLE_PRIMARY_TYPE_IDS
        if atypes.BY_ID[tid].from_type is ot
    }
    wanted: dict[tuple[ObjectType, int], set[int]] = {}
    for x in found:
        tid = x.type_id
        if has_primary.get(tid):
            tid = atypes.unlabelled(x.from_type, x.to_type).id
        wanted.setdefault((x.to_type, x.to_id), set()).add(tid)
    out = []
    for (to_type, to_id), tids in wanted.items():
        labelled = tuple(sorted(t for t in tids if atypes.BY_ID[t].label is not None))
        out.append(AssociationRequest(ot, primary_id, to_type, to_id, labelled))
    return out
