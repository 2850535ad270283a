"""Applying one chunk of an import's rows (rule 34) inside the chunk's transaction.

Per pass (a run of rows in which no record key repeats): the records to associate with are
found (companies named by a domain that none has yet are created), existing records are
matched with one query per kind of key, new rows go through records.create and existing
ones through writes.write (both forward-only for source IMPORT, automation settled
set-based), and every refused row becomes an error row with its row number, column and
reason.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from stagecoach.domain import imports as rules
from stagecoach.domain.errors import DomainError
from stagecoach.domain.imports import RECORD_ID, Association, RowError, RowPlan
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.domain.writes import WriteOptions
from stagecoach.services.core import writes
from stagecoach.services.core.context import Ctx
from stagecoach.services.core.writes import ItemResult, ItemWrite
from stagecoach.services.lists import manual
from stagecoach.services.records import records
from stagecoach.services.records.associations import AssociationRequest, associate
from stagecoach.services.records.records import NewRecord
from stagecoach.store.importing.imports import ImportRow, NewError
from stagecoach.store.records import associations as assoc_store
from stagecoach.store.records import records as record_store

log = logging.getLogger("stagecoach.imports")
C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL
# The primary association type from each importable object to a company.
_PRIMARY_COMPANY = {C: 1, D: 5}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[NewError] = field(default_factory=list)
    # The records the rows created or matched (for the import's list, rule 58).
    written: list[int] = field(default_factory=list)


def apply_rows(ctx: Ctx, imp: ImportRow, mapping: rules.Mapping_,
               batch: Sequence[tuple[int, list[str]]]) -> Counts:
    counts = Counts()
    raw = dict(batch)
    plans: list[RowPlan] = []
    for n, cells in batch:
        if not cells:  # an empty line
            counts.unchanged += 1
            continue
        planned = rules.plan_row(ctx.catalog, mapping, n, cells)
        if isinstance(planned, RowError):
            counts.errors.append(_error(planned, cells))
        elif planned.blank:
            counts.unchanged += 1
        else:
            plans.append(planned)
    migration = bool(imp.options.get("migration"))
    # A migration keeps the import's write policy; its label says what it was (rule 17).
    source = Source(SourceType.IMPORT, str(imp.id),
                    f"{imp.name} (migration)" if migration else imp.name)
    for group in rules.passes(plans):
        _apply_pass(ctx, mapping, group, source, WriteOptions(migration), counts, raw)
    list_id = imp.options.get("listId")
    if list_id is not None and counts.written:
        _add_to_list(ctx, int(list_id), counts.written, source)
    return counts


def _add_to_list(ctx: Ctx, list_id: int, record_ids: Sequence[int], source: Source) -> None:
    """Every row the chunk created or matched joins the import's list (rule 58), in the
    chunk's transaction. A list deleted (or made active) since the import started is left
    alone: the rows are what the import is for."""
    try:
        manual.change(ctx, list_id, [str(i) for i in dict.fromkeys(record_ids)], [], source)
    except DomainError:
        log.warning("import list %s is gone or no longer static; rows not added", list_id)


def _error(e: RowError, cells: Sequence[str]) -> NewError:
    return NewError(e.row, e.column, e.error_type, e.reason, e.value, cells)


def _row_error(mapping: rules.Mapping_, plan: RowPlan, exc: DomainError, cells: Sequence[str]
               ) -> NewError:
    prop = exc.context.get("propertyName")
    column = rules.column_of(mapping, prop if isinstance(prop, str) else None)
    value = None
    if isinstance(prop, str):
        value = plan.properties.get(prop)
    return NewError(plan.row, column, exc.code, exc.message, value, cells)


def _apply_pass(ctx: Ctx, mapping: rules.Mapping_, plans: Sequence[RowPlan], source: Source,
                options: WriteOptions, counts: Counts, raw: Mapping[int, Sequence[str]]
                ) -> None:
    ot = mapping.object_type
    failed: dict[int, NewError] = {}
    targets = _association_targets(ctx, plans, source, failed, raw)
    matched = _match(ctx, ot, plans)
    new: list[RowPlan] = []
    existing: list[tuple[RowPlan, int]] = []
    for p in plans:
        if p.row in failed:
            continue
        rid = matched.get((p.match_by, p.key)) if p.match_by else None
        if rid is not None:
            existing.append((p, rid))
        elif p.match_by == RECORD_ID:
            failed[p.row] = NewError(
                p.row, _id_column(mapping), "UNKNOWN_OBJECT_ID",
                f"No {ot.singular} has record id {p.key}", p.key, raw[p.row])
        else:
            new.append(p)

    made = records.create(ctx, ot, [
        NewRecord(p.properties, _new_links(ot, targets.get(p.row, []))) for p in new
    ], source, options) if new else []
    _collect(mapping, new, made, counts, failed, raw, created=True)

    results = writes.write(ctx, ot, [ItemWrite(rid, p.properties) for p, rid in existing],
                           source, options) if existing else []
    _collect(mapping, [p for p, _ in existing], results, counts, failed, raw, created=False)
    ok = {p.row for p, _ in existing} - set(failed)
    _link_existing(ctx, ot, [(rid, targets.get(p.row, [])) for p, rid in existing
                             if p.row in ok], source)
    counts.errors.extend(failed[r] for r in sorted(failed))


def _id_column(mapping: rules.Mapping_) -> str | None:
    return next((c.name for c in mapping.columns if c.property == RECORD_ID and c.to is None),
                None)


def _collect(mapping: rules.Mapping_, plans: Sequence[RowPlan], results: Sequence[ItemResult],
             counts: Counts, failed: dict[int, NewError], raw: Mapping[int, Sequence[str]],
             *, created: bool) -> None:
    for p, r in zip(plans, results, strict=True):
        if r.error is None and r.record_id is not None:
            counts.written.append(r.record_id)
        if r.error is not None:
            failed[p.row] = _row_error(mapping, p, r.error, raw[p.row])
        elif created:
            counts.created += 1
        else:
            counts.updated += 1


def _match(ctx: Ctx, ot: ObjectType, plans: Sequence[RowPlan]) -> dict[tuple[str | None,
                                                                              str | None], int]:
    """Existing records by key: one query per kind of key in the pass."""
    out: dict[tuple[str | None, str | None], int] = {}
    ids = [int(p.key) for p in plans if p.match_by == RECORD_ID and p.key]
    for rid in record_store.load(ctx.conn, ctx.account_id, ot, ids):
        out[(RECORD_ID, str(rid))] = rid
    natural = rules.NATURAL_KEY.get(ot)
    if natural:
        keys = [p.key for p in plans if p.match_by == natural and p.key]
        for k, row in record_store.find_by(ctx.conn, ctx.account_id, ot, natural, keys).items():
            out[(natural, k)] = row.id
    return out


def _association_targets(ctx: Ctx, plans: Sequence[RowPlan], source: Source,
                         failed: dict[int, NewError], raw: Mapping[int, Sequence[str]]
                         ) -> dict[int, list[tuple[ObjectType, int]]]:
    """The records each row associates with. A company named by a domain that no company
    has yet is created (as HubSpot's two-object imports do); a record named by id or a
    contact named by email must exist, or the row is an error row."""
    wanted: dict[tuple[ObjectType, str], set[str]] = {}
    for p in plans:
        for a in p.associations:
            wanted.setdefault((a.to, a.by), set()).add(a.key)
    found: dict[tuple[ObjectType, str, str], int] = {}
    for (to, by), keys in wanted.items():
        if by == RECORD_ID:
            for rid in record_store.load(ctx.conn, ctx.account_id, to, [int(k) for k in keys]):
                found[(to, by, str(rid))] = rid
            continue
        rows = record_store.find_by(ctx.conn, ctx.account_id, to, by, sorted(keys))
        found.update({(to, by, k): r.id for k, r in rows.items()})
        missing = sorted(k for k in keys if k not in rows)
        if to is CO and missing:
            made = records.create(ctx, CO, [NewRecord({"domain": d, "name": d})
                                            for d in missing], source)
            for d, r in zip(missing, made, strict=True):
                if r.record_id is not None:
                    found[(to, by, d)] = r.record_id
    out: dict[int, list[tuple[ObjectType, int]]] = {}
    for p in plans:
        links: list[tuple[ObjectType, int]] = []
        for a in p.associations:
            target = found.get((a.to, a.by, a.key))
            if target is None:
                failed[p.row] = _missing_target(p, a, raw)
                break
            links.append((a.to, target))
        out[p.row] = links
    return out


def _missing_target(p: RowPlan, a: Association, raw: Mapping[int, Sequence[str]]) -> NewError:
    what = "record id" if a.by == RECORD_ID else a.by
    return NewError(p.row, None, "UNKNOWN_ASSOCIATED_RECORD",
                    f"No {a.to.singular} has {what} {a.key}", a.key, raw[p.row])


def _new_links(ot: ObjectType, links: Sequence[tuple[ObjectType, int]]
               ) -> list[tuple[ObjectType, int, tuple[int, ...]]]:
    """A new record's first company becomes its primary company (which also keeps rule 27
    from making its email's company primary instead)."""
    out: list[tuple[ObjectType, int, tuple[int, ...]]] = []
    primary_given = False
    for to, rid in links:
        if to is CO and ot in _PRIMARY_COMPANY and not primary_given:
            out.append((to, rid, (_PRIMARY_COMPANY[ot],)))
            primary_given = True
        else:
            out.append((to, rid, ()))
    return out


def _link_existing(ctx: Ctx, ot: ObjectType, rows: Sequence[tuple[int, Sequence[tuple[
        ObjectType, int]]]], source: Source) -> None:
    """Associations of existing records: a company becomes primary only for a record that
    has no primary company yet (an import never takes a primary company away)."""
    rows = [(rid, links) for rid, links in rows if links]
    if not rows:
        return
    primaries: dict[int, int] = {}
    if ot in _PRIMARY_COMPANY:
        primaries = assoc_store.current_primaries(ctx.conn, ctx.account_id, ot,
                                                  _PRIMARY_COMPANY[ot], [r for r, _ in rows])
    requests = []
    for rid, links in rows:
        has_primary = primaries.get(rid) is not None
        for to, tid in links:
            types: tuple[int, ...] = ()
            if to is CO and ot in _PRIMARY_COMPANY and not has_primary:
                types = (_PRIMARY_COMPANY[ot],)
                has_primary = True
            requests.append(AssociationRequest(ot, rid, to, tid, types))
    associate(ctx, requests, source)
