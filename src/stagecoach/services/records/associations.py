"""Associating records (api spec section 5): primary semantics and the lifecycle triggers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stagecoach.domain import associations as atypes
from stagecoach.domain.errors import DomainError, NotFound
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.domain.writes import WriteOptions
from stagecoach.services.core import writes
from stagecoach.services.core.context import Ctx
from stagecoach.store.records import associations as store
from stagecoach.store.records import records
from stagecoach.store.records.associations import Link

C, CO = ObjectType.CONTACT, ObjectType.COMPANY


@dataclass(frozen=True)
class AssociationRequest:
    from_type: ObjectType
    from_id: int
    to_type: ObjectType
    to_id: int
    type_ids: tuple[int, ...]  # empty: the default (unlabelled) type


def validate(ctx: Ctx, requests: Sequence[AssociationRequest], *, check_from: bool = True
             ) -> list[DomainError | None]:
    """Per request: None when valid, else the error (unknown type or record)."""
    if not requests:
        return []
    want: dict[ObjectType, set[int]] = {}
    for r in requests:
        if check_from:
            want.setdefault(r.from_type, set()).add(r.from_id)
        want.setdefault(r.to_type, set()).add(r.to_id)
    live = {ot: set(records.load(ctx.conn, ctx.account_id, ot, ids)) for ot, ids in want.items()}
    out: list[DomainError | None] = []
    for r in requests:
        try:
            for tid in r.type_ids or (atypes.unlabelled(r.from_type, r.to_type).id,):
                atypes.resolve(tid, r.from_type, r.to_type)
            sides = ((r.from_type, r.from_id),) if check_from else ()
            for ot, rid in (*sides, (r.to_type, r.to_id)):
                if rid not in live[ot]:
                    raise NotFound(f"{ot.singular.capitalize()} {rid} does not exist",
                                   id=str(rid))
            out.append(None)
        except DomainError as exc:
            out.append(exc)
    return out


def associate(ctx: Ctx, requests: Sequence[AssociationRequest], source: Source) -> None:
    """Create associations (already validated), as a step of their own."""
    with ctx.step() as step:
        add_links(ctx, step.op, requests, source)


def add_links(ctx: Ctx, step: int, requests: Sequence[AssociationRequest], source: Source
              ) -> None:
    """Create associations as part of the step `step` (its owner's hooks react to them).
    A new primary company demotes the old one to unlabelled; `associatedcompanyid` follows
    the primary company."""
    links = [
        Link(r.from_type, r.from_id, r.to_type, r.to_id, tid)
        for r in requests
        for tid in (r.type_ids or (atypes.unlabelled(r.from_type, r.to_type).id,))
    ]
    # Normalize to the "from" side that holds a single primary (contact->company, deal->company).
    links = [holder_side(x) for x in links]
    final: dict[tuple[int, int], Link] = {}  # (type, holder) -> its one primary; last wins
    others: list[Link] = []
    for x in links:
        if x.type_id in atypes.SINGLE_PRIMARY_TYPE_IDS:
            final[(x.type_id, x.from_id)] = x
        else:
            others.append(x)
    demote: list[Link] = []
    for tid in atypes.SINGLE_PRIMARY_TYPE_IDS:
        mine = [x for (t, _), x in final.items() if t == tid]
        if not mine:
            continue
        current = store.current_primaries(ctx.conn, ctx.account_id, mine[0].from_type, tid,
                                          [x.from_id for x in mine])
        for x in mine:
            old = current.get(x.from_id)
            if old is not None and old != x.to_id:
                demote.append(Link(x.from_type, x.from_id, x.to_type, old, tid))
    links = others + list(final.values())
    new_primary: dict[int, int | None] = {
        h: x.to_id for (t, h), x in final.items() if t == atypes.CONTACT_TO_PRIMARY_COMPANY
    }
    store.remove(ctx.conn, ctx.account_id, demote, ctx.now, step, source)
    store.add(ctx.conn, ctx.account_id, links, ctx.now, step, source)
    _set_associated_company(ctx, new_primary, source)
    recount(ctx, [(x.from_type, x.from_id) for x in links] + [(x.to_type, x.to_id)
                                                                for x in links])


def disassociate(ctx: Ctx, from_type: ObjectType, from_id: int, to_type: ObjectType,
                 to_id: int, source: Source, type_ids: Sequence[int] | None = None) -> None:
    """Remove the association between a pair: every type, or only the labelled ones given."""
    with ctx.step() as step:
        _unlink(ctx, step.op, from_type, from_id, to_type, to_id, source, type_ids)


def _unlink(ctx: Ctx, step: int, from_type: ObjectType, from_id: int, to_type: ObjectType,
            to_id: int, source: Source, type_ids: Sequence[int] | None) -> None:
    found = store.between(ctx.conn, ctx.account_id, [(from_type, from_id, to_type, to_id)])
    if type_ids is not None:
        found = [x for x in found if x.type_id in set(type_ids)]
    store.remove(ctx.conn, ctx.account_id, found, ctx.now, step, source)
    recount(ctx, [(from_type, from_id), (to_type, to_id)])
    holder = from_id if from_type is C else to_id
    if any(x.type_id in (atypes.CONTACT_TO_PRIMARY_COMPANY, atypes.PRIMARY_COMPANY_TO_CONTACT)
           for x in found):
        _set_associated_company(ctx, {holder: None}, source)


# The calculated association counts HubSpot keeps on each object type.
COUNTED: dict[ObjectType, tuple[tuple[str, ObjectType], ...]] = {
    C: (("num_associated_deals", ObjectType.DEAL),),
    CO: (("num_associated_deals", ObjectType.DEAL), ("num_associated_contacts", C)),
    ObjectType.DEAL: (("num_associated_contacts", C),),
}


CALCULATED = Source(SourceType.CALCULATED, "association_count")


def recount(ctx: Ctx, touched: Sequence[tuple[ObjectType, int]]) -> None:
    """Refresh the association counts of the records whose associations changed, as
    calculated writes (history versions with source CALCULATED)."""
    for ot in COUNTED:
        ids = sorted({rid for t, rid in touched if t is ot})
        if ids:
            found = _counted(ctx, ot, ids, locked=False)
            writes.write(ctx, ot, [writes.ItemWrite(rid, p) for rid, p in found.items()],
                         CALCULATED, WriteOptions(system=True))


def _counted(ctx: Ctx, ot: ObjectType, ids: Sequence[int], *, locked: bool
             ) -> dict[int, dict[str, str | None]]:
    """Every counted property of these records, counted in full."""
    from stagecoach.store.records.association_counts import counts

    props = COUNTED[ot]
    found = counts(ctx.conn, ctx.account_id, ot, ids, [partner for _, partner in props],
                   locked=locked)
    return {rid: {name: str(found[partner][rid]) for name, partner in props} for rid in ids}


def count_new_partners(ctx: Ctx, joined: Sequence[tuple[ObjectType, int, ObjectType]]
                       ) -> None:
    """The association counts of existing records that new records just joined, given one
    (record type, record id, new partner's type) entry per new partner: the stored count
    plus the new partners. Counting every partner instead grows with the record (a company
    with 20,000 contacts made each create into it 8 times slower). A record whose count was
    never stored is counted in full."""
    added: dict[ObjectType, dict[int, dict[str, int]]] = {}
    for ot, rid, partner in joined:
        for name, counted in COUNTED.get(ot, ()):
            if counted is partner:
                per = added.setdefault(ot, {}).setdefault(rid, {})
                per[name] = per.get(name, 0) + 1
    for ot, per_record in added.items():
        # Locked (on PostgreSQL) before the stored count is read, so that a concurrent
        # writer's increment is waited for and built on, not overwritten.
        rows = records.load(ctx.conn, ctx.account_id, ot, per_record, lock=True)
        values: dict[int, dict[str, str | None]] = {}
        unknown = []
        for rid, plus in per_record.items():
            row = rows.get(rid)
            if row is None:
                continue  # archived meanwhile: an archived record's counts are not kept
            have: dict[str, Any] = {name: row.values.get(name) for name in plus}
            if any(v is None for v in have.values()):
                unknown.append(rid)
            else:
                values[rid] = {name: str(int(have[name]) + n) for name, n in plus.items()}
        if unknown:
            values.update(_counted(ctx, ot, unknown, locked=True))
        writes.write(ctx, ot, [writes.ItemWrite(rid, v) for rid, v in values.items()],
                     CALCULATED, WriteOptions(system=True), locked=rows)


def holder_side(x: Link) -> Link:
    t = atypes.BY_ID[x.type_id]
    if t.primary and t.id not in atypes.SINGLE_PRIMARY_TYPE_IDS:
        # company->contact primary (2) is contact->company primary (1) seen from the other
        # side; company->deal primary (6) is deal->company primary (5).
        return Link(x.to_type, x.to_id, x.from_type, x.from_id, t.inverse_id)
    return x


def _set_associated_company(ctx: Ctx, primary: dict[int, int | None], source: Source) -> None:
    if not primary:
        return
    writes.write(
        ctx, C,
        [writes.ItemWrite(cid, {"associatedcompanyid": str(co) if co else None})
         for cid, co in primary.items()],
        source,
        WriteOptions(system=True),
    )
