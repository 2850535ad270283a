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
from collections.abc import Callable, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from stagecoach.domain import imports as rules
from stagecoach.domain.errors import DomainError, NotFound, ValidationError
from stagecoach.domain.imports import ColumnSpec
from stagecoach.domain.lists.model import ProcessingType
from stagecoach.domain.objects import ObjectType
from stagecoach.services.core import uow
from stagecoach.services.core.context import Ctx
from stagecoach.services.importing import import_file, import_rows
from stagecoach.services.importing.import_file import FileCheck, ImportFileError
from stagecoach.services.lists import definitions as list_definitions
from stagecoach.services.worker import queue
from stagecoach.store.importing import imports as store
from stagecoach.store.importing.imports import ImportRow, State

log = logging.getLogger("stagecoach.imports")
C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL
KIND = "import"  # its work items' kind (services/worker/handlers.py)
CHUNK_ROWS = 5000
FIRST_CHUNK = 100


def start(ctx: Ctx, *, name: str, object_type: ObjectType, file_path: Path, file_name: str,
          specs: Sequence[ColumnSpec] | None, default_stage: str | None,
          created_by: int | None = None, migration: bool = False,
          list_id: int | None = None) -> int:
    """Record an import after checking its header and mapping (errors are raised now, so a
    caller hears about a bad mapping at once), with its work item: a worker applies its
    rows with `run` once this transaction commits. An import flagged as a `migration` may
    set the "became a" dates (rule 17); one with a `list_id` adds every row it creates or
    matches to that static list (automation spec rule 58)."""
    header = import_file.header(file_path)
    mapping = rules.build_mapping(ctx.catalog, object_type, header, specs, default_stage)
    if list_id is not None:
        _check_list(ctx, list_id, object_type)
    import_id = store.create(
        ctx.conn, ctx.account_id, name=name[:200] or file_name[:200], object_type=object_type,
        file_path=str(file_path), file_name=file_name[:255],
        file_size=file_path.stat().st_size, mapping=rules.mapping_to_json(mapping),
        options={"header": header[:rules.MAX_COLUMNS],
                 **({"migration": True} if migration else {}),
                 **({"listId": list_id} if list_id is not None else {})},
        created_by=created_by, now=ctx.now)
    queue.enqueue(ctx.conn, ctx.account_id, KIND, import_id, ctx.now)
    return import_id


def _check_list(ctx: Ctx, list_id: int, object_type: ObjectType) -> None:
    row = list_definitions.require(ctx, list_id)
    if row.processing_type == ProcessingType.DYNAMIC:
        raise ValidationError(f"List {list_id} is DYNAMIC: its filters decide its members; "
                              "an import adds to a MANUAL or SNAPSHOT list",
                              code="DYNAMIC_LIST_MEMBERSHIP", listId=str(list_id))
    if row.object_type is not object_type:
        raise ValidationError(f"List {list_id} holds {row.object_type.plural}; this import "
                              f"writes {object_type.plural}", code="LIST_OBJECT_TYPE",
                              listId=str(list_id))


def fail(conn: Connection, account_id: int, import_id: int, reason: str, now: int) -> bool:
    """Stop an unfinished import as FAILED with `reason` (its committed chunks stay)."""
    return store.finish(conn, account_id, import_id, State.FAILED, now, reason[:2000])


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
                uow.run_conn(engine, store.refresh_statistics)
            if on_progress is not None:
                on_progress(_read(engine, account_id, import_id))
        uow.run_conn(engine, lambda conn: store.finish(
            conn, account_id, import_id, State.DONE, clock(), only_from=[State.PROCESSING]))
    except (DomainError, FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        # A file that cannot be read, or a rule that refuses a whole chunk (its transaction
        # rolled back): the import stops here, FAILED with the reason; the chunks already
        # committed stay, as with a cancel.
        reason = exc.message if isinstance(exc, DomainError) else f"The file cannot be read: {exc}"
        uow.run_conn(engine, lambda conn: store.finish(
            conn, account_id, import_id, State.FAILED, clock(), reason))
    return _read(engine, account_id, import_id)


def _commit_chunk(engine: Engine, imp: ImportRow, mapping: rules.Mapping_,
                  batch: Sequence[tuple[int, list[str]]], position: int,
                  clock: Callable[[], int]) -> bool:
    return uow.run(engine, imp.account_id,
                   lambda ctx: _chunk(ctx, imp, mapping, batch, position), clock)


def _read(engine: Engine, account_id: int, import_id: int) -> ImportRow:
    found = uow.run_conn(engine, lambda conn: store.get(conn, account_id, import_id),
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
    ok = uow.run_conn(engine, lambda conn: store.set_checked(
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
    counts = import_rows.apply_rows(ctx, imp, mapping, batch)
    store.add_errors(ctx.conn, ctx.account_id, imp.id, counts.errors, ctx.now)
    advanced = store.advance(
        ctx.conn, ctx.account_id, imp.id, from_row=from_row, to_row=batch[-1][0],
        created=counts.created, updated=counts.updated, unchanged=counts.unchanged,
        errors=len(counts.errors), now=ctx.now)
    if not advanced:
        raise AssertionError("import progress moved under a locked row")
    return True


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
