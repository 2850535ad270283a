"""Associations of records being created, planned before their insert.

A record created with associations (an import's company column, rule 27's company by email
domain) would otherwise be written twice: inserted, then updated again for
`associatedcompanyid` and its association counts. Planned up front, those calculated values
go into the insert and its history versions (same sources as the general path: the
association's own source for `associatedcompanyid`, CALCULATED for the counts), and the
association rows are appended without looking for existing ones, since every row names a
record that did not exist. Only an association whose single primary belongs to an existing
record (a new company made the primary company of an existing contact) takes the general
path (`associations.associate`), which may demote that record's old primary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from stagecoach.domain import associations as atypes
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.domain.values import to_wire
from stagecoach.domain.writes import coerce
from stagecoach.services.core.context import Ctx
from stagecoach.services.records.associations import (
    COUNTED,
    AssociationRequest,
    add_links,
    count_new_partners,
    holder_side,
)
from stagecoach.store.records import associations as store
from stagecoach.store.records.associations import Link, RowKey

C = ObjectType.CONTACT
CALCULATED = Source(SourceType.CALCULATED, "association_count")


@dataclass(frozen=True)
class Wanted:
    """One association asked for a new record (types empty: the default type)."""

    to_type: ObjectType
    to_id: int
    type_ids: tuple[int, ...]
    source: Source


@dataclass
class NewLinks:
    # Rows for the fresh path, grouped by source in the order they were asked for.
    fresh: dict[Source, list[RowKey]] = field(default_factory=dict)
    general: dict[Source, list[AssociationRequest]] = field(default_factory=dict)
    # record id -> property -> stored value, and the history versions to go with it.
    values: dict[int, dict[str, Any]] = field(default_factory=dict)
    versions: dict[int, list[tuple[str, str | None, Source]]] = field(default_factory=dict)
    partners: set[tuple[ObjectType, int]] = field(default_factory=set)


@lru_cache(maxsize=64)
def _held_by_partner(object_type: ObjectType, to_type: ObjectType, type_id: int) -> bool:
    """Whether an association of this type makes the partner (not the new record) the
    holder of a single primary: only then can it displace something that exists."""
    link = holder_side(Link(object_type, 0, to_type, 1, type_id))
    return link.type_id in atypes.SINGLE_PRIMARY_TYPE_IDS and link.from_id != 0


def plan(ctx: Ctx, object_type: ObjectType, wanted: Sequence[tuple[int, Sequence[Wanted]]]
         ) -> NewLinks:
    """What the new records' associations write: `wanted` is (new record id, its asks)."""
    out = NewLinks()
    ot = int(object_type)
    stored: dict[tuple[str, str], tuple[Any, str | None]] = {}
    for rid, asks in wanted:
        if not asks:
            continue
        primary: tuple[int, Source] | None = None
        partners: dict[ObjectType, set[int]] = {}
        for w in asks:
            partners.setdefault(w.to_type, set()).add(w.to_id)
            out.partners.add((w.to_type, w.to_id))
            for tid in w.type_ids or (atypes.unlabelled(object_type, w.to_type).id,):
                if _held_by_partner(object_type, w.to_type, tid):
                    out.general.setdefault(w.source, []).append(
                        AssociationRequest(object_type, rid, w.to_type, w.to_id, (tid,)))
                    continue
                out.fresh.setdefault(w.source, []).append((ot, rid, int(w.to_type), w.to_id,
                                                           tid))
                if tid == atypes.CONTACT_TO_PRIMARY_COMPANY:  # the last one wins
                    primary = (w.to_id, w.source)
        calculated: list[tuple[str, str, Source]] = []
        if primary is not None and object_type is C:
            calculated.append(("associatedcompanyid", str(primary[0]), primary[1]))
        for name, partner in COUNTED.get(object_type, ()):
            calculated.append((name, str(len(partners.get(partner, ()))), CALCULATED))
        values, versions = out.values.setdefault(rid, {}), out.versions.setdefault(rid, [])
        for name, raw, source in calculated:
            if (name, raw) not in stored:
                p = ctx.catalog.require_definition(object_type, name)
                value = coerce(ctx.catalog, p, raw)
                stored[(name, raw)] = (value, to_wire(p.type, value))
            values[name], wire = stored[(name, raw)]
            versions.append((name, wire, source))
    return out


def write(ctx: Ctx, op: int, links: NewLinks) -> None:
    """The association rows of the new records (already inserted), in the creating step,
    then the association counts of the existing records they joined. Only the general path
    (`links.general`) writes to the new records themselves."""
    store.add_new(ctx.conn, ctx.account_id, list(links.fresh.items()), ctx.now, op)
    recounted: set[tuple[ObjectType, int]] = set()
    for source, requests in links.general.items():
        # It counts every record it touches in full, the fresh rows above included.
        add_links(ctx, op, requests, source)
        recounted.update((r.from_type, r.from_id) for r in requests)
        recounted.update((r.to_type, r.to_id) for r in requests)
    # The new records' own counts went into their insert; each partner gains each new
    # record it was joined to once, whatever the types between them.
    joined = {(ObjectType(k[2]), k[3], ObjectType(k[0]), k[1])
              for keys in links.fresh.values() for k in keys}
    count_new_partners(ctx, sorted((pt, pid, nt) for pt, pid, nt, _ in joined
                                   if (pt, pid) not in recounted))
