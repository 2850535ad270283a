"""Imports (rule 34): streaming, chunked, resumable, loss-free.

`start` checks the header and mapping and records the import (STARTED). `run` checks the
whole file (PROCESSING once it is sound, FAILED with the reason otherwise), then reads it
in chunks: each chunk is matched against existing records with one query per key, written
through the write path (records.create for new rows, writes.write for existing ones, both
forward-only for source IMPORT, automation settled set-based), and committed together with
the import's progress. A crash therefore resumes exactly after the last committed chunk;
two workers on one import can never both apply a chunk (`store.imports.advance`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from stagecoach.domain import imports as rules
from stagecoach.domain.errors import DomainError, NotFound
from stagecoach.domain.imports import RECORD_ID, Association, ColumnSpec, RowError, RowPlan
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.services import import_file, records, writes
from stagecoach.services.associations import AssociationRequest, associate
from stagecoach.services.context import Ctx
from stagecoach.services.import_file import FileCheck, ImportFileError
from stagecoach.services.records import NewRecord
from stagecoach.services.writes import ItemResult, ItemWrite
from stagecoach.store import associations as assoc_store
from stagecoach.store import db
from stagecoach.store import imports as store
from stagecoach.store import records as record_store
from stagecoach.store.imports import ImportRow, NewError, State

log = logging.getLogger("stagecoach.imports")
C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL
CHUNK_ROWS = 5000
FIRST_CHUNK = 100
# The primary association type from each importable object to a company.
_PRIMARY_COMPANY = {C: 1, D: 5}


def start(ctx: Ctx, *, name: str, object_type: ObjectType, file_path: Path, file_name: str,
          specs: Sequence[ColumnSpec] | None, default_stage: str | None,
          created_by: int | None = None) -> int:
    """Record an import after checking its header and mapping (errors are raised now, so a
    caller hears about a bad mapping at once); its rows are applied by `run`."""
    header = import_file.header(file_path)
    mapping = rules.build_mapping(ctx.catalog, object_type, header, specs, default_stage)
    return store.create(
        ctx.conn, ctx.account_id, name=name[:200] or file_name[:200], object_type=object_type,
        file_path=str(file_path), file_name=file_name[:255],
        file_size=file_path.stat().st_size, mapping=rules.mapping_to_json(mapping),
        options={"header": header[:rules.MAX_COLUMNS]}, created_by=created_by, now=ctx.now)


def cancel(ctx: Ctx, import_id: int) -> ImportRow:
    found = get(ctx, import_id)
    if found.state.value in store.UNFINISHED:
        store.finish(ctx.conn, ctx.account_id, import_id, State.CANCELED, ctx.now)
    return get(ctx, import_id)


def get(ctx: Ctx, import_id: int) -> ImportRow:
    found = store.get(ctx.conn, ctx.account_id, import_id)
    if found is None:
        raise NotFound(f"Import {import_id} does not exist", code="IMPORT_NOT_FOUND",
                       id=str(import_id))
    return found


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[NewError] = field(default_factory=list)


Progress = Callable[[ImportRow], None]


def run(engine: Engine, account_id: int, import_id: int, clock: Callable[[], int], *,
        chunk_rows: int = CHUNK_ROWS, on_progress: Progress | None = None) -> ImportRow:
    """Apply an import from where it stands; returns its final (or current) row."""
    imp = _read(engine, account_id, import_id)
    if imp.state.value not in store.UNFINISHED:
        return imp
    path = Path(imp.file_path)
    try:
        checked = _checked(engine, imp, path, clock)
        if checked is None:
            return _read(engine, account_id, import_id)
        imp = _read(engine, account_id, import_id)
        mapping = rules.mapping_from_json(imp.mapping)
        position = imp.next_row
        stream = import_file.rows(path, checked, position)
        chunks = 0
        while True:
            # A small first chunk, then fresh planner statistics, then full chunks.
            batch = list(islice(stream, chunk_rows if chunks else min(chunk_rows, FIRST_CHUNK)))
            if not batch:
                break
            done = _commit_chunk(engine, imp, mapping, batch, position, clock)
            if not done:
                return _read(engine, account_id, import_id)  # canceled, or another worker
            position = batch[-1][0]
            chunks += 1
            if chunks & (chunks - 1) == 0:  # after chunks 1, 2, 4, 8, ...
                db.run_in_transaction(engine, store.refresh_statistics)
            if on_progress is not None:
                on_progress(_read(engine, account_id, import_id))
        db.run_in_transaction(engine, lambda conn: store.finish(
            conn, account_id, import_id, State.DONE, clock(), only_from=[State.PROCESSING]))
    except (DomainError, FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        # A file that cannot be read, or a rule that refuses a whole chunk (its transaction
        # rolled back): the import stops here, FAILED with the reason; the chunks already
        # committed stay, as with a cancel.
        reason = exc.message if isinstance(exc, DomainError) else f"The file cannot be read: {exc}"
        db.run_in_transaction(engine, lambda conn: store.finish(
            conn, account_id, import_id, State.FAILED, clock(), reason))
    return _read(engine, account_id, import_id)


def _commit_chunk(engine: Engine, imp: ImportRow, mapping: rules.Mapping_,
                  batch: Sequence[tuple[int, list[str]]], position: int,
                  clock: Callable[[], int]) -> bool:
    def fn(conn: Connection) -> bool:
        return _chunk(Ctx.load(conn, imp.account_id, clock()), imp, mapping, batch, position)
    return db.run_in_transaction(engine, fn)


def _read(engine: Engine, account_id: int, import_id: int) -> ImportRow:
    found = db.run_in_transaction(engine, lambda conn: store.get(conn, account_id, import_id),
                                  readonly=True)
    if found is None:
        raise NotFound(f"Import {import_id} does not exist", code="IMPORT_NOT_FOUND")
    return found


def _checked(engine: Engine, imp: ImportRow, path: Path, clock: Callable[[], int]
             ) -> FileCheck | None:
    """The file's structure: checked in full the first time (STARTED -> PROCESSING), and
    on a resume only verified to be the same file."""
    if imp.state is State.PROCESSING:
        opts = imp.options
        if _sha256(path) != imp.file_sha256:
            raise ImportFileError("The import's file changed since the import started; "
                                  "start a new import", code="FILE_CHANGED")
        return FileCheck(opts["encoding"], opts["delimiter"], opts["header"],
                         imp.total_rows or 0, imp.file_sha256 or "", imp.file_size)
    checked = import_file.check(path)
    if checked.header[:rules.MAX_COLUMNS] != imp.options.get("header"):
        raise ImportFileError("The file's header changed since the import started",
                              code="FILE_CHANGED")
    options = {**imp.options, "encoding": checked.encoding, "delimiter": checked.delimiter}
    ok = db.run_in_transaction(engine, lambda conn: store.set_checked(
        conn, imp.account_id, imp.id, total_rows=checked.rows, sha256=checked.sha256,
        mapping=imp.mapping, options=options, now=clock()))
    return checked if ok else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _chunk(ctx: Ctx, imp: ImportRow, mapping: rules.Mapping_,
           batch: Sequence[tuple[int, list[str]]], from_row: int) -> bool:
    """Apply one chunk and record the progress, in one transaction."""
    current = store.get(ctx.conn, ctx.account_id, imp.id, lock=True)
    if current is None or current.state is not State.PROCESSING or current.next_row != from_row:
        return False
    counts = apply_rows(ctx, imp, mapping, batch)
    store.add_errors(ctx.conn, ctx.account_id, imp.id, counts.errors, ctx.now)
    advanced = store.advance(
        ctx.conn, ctx.account_id, imp.id, from_row=from_row, to_row=batch[-1][0],
        created=counts.created, updated=counts.updated, unchanged=counts.unchanged,
        errors=len(counts.errors), now=ctx.now)
    if not advanced:
        raise AssertionError("import progress moved under a locked row")
    return True


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
    source = Source(SourceType.IMPORT, str(imp.id), imp.name)
    for group in rules.passes(plans):
        _apply_pass(ctx, mapping, group, source, counts, raw)
    return counts


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
                counts: Counts, raw: Mapping[int, Sequence[str]]) -> None:
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
    ], source) if new else []
    _collect(mapping, new, made, counts, failed, raw, created=True)

    results = writes.write(ctx, ot, [ItemWrite(rid, p.properties) for p, rid in existing],
                           source) if existing else []
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


def to_wire(imp: ImportRow, iso: Callable[[int], str]) -> dict[str, Any]:
    """HubSpot's import response shape, with Stagecoach's counters."""
    processed = imp.next_row
    return {
        "id": str(imp.id),
        "state": imp.state.value,
        "importName": imp.name,
        "createdAt": iso(imp.created_at),
        "updatedAt": iso(imp.updated_at),
        "optOutImport": False,
        "importSource": "API",
        "mappedObjectTypeIds": [imp.object_type.type_id],
        "metadata": {
            "objectLists": [],
            "fileIds": [imp.file_name],
            "counters": {
                "TOTAL_ROWS": imp.total_rows if imp.total_rows is not None else 0,
                "PROCESSED_ROWS": processed,
                "CREATED_OBJECTS": imp.created,
                "UPDATED_OBJECTS": imp.updated,
                "UNCHANGED_ROWS": imp.unchanged,
                "ERRORS": imp.errors,
            },
        },
        **({"failure": imp.failure} if imp.failure else {}),
    }
