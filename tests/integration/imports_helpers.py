"""Running an import to the end from a test, and reading its error rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stagecoach.domain.imports import ColumnSpec
from stagecoach.domain.objects import ObjectType
from stagecoach.services.importing import imports
from stagecoach.store.importing import imports as store
from stagecoach.store.importing.imports import ImportRow
from tests.helpers import Acct


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def start(acct: Acct, path: Path, ot: ObjectType = ObjectType.CONTACT,
          default_stage: str | None = None, specs: list[ColumnSpec] | None = None) -> int:
    return int(acct.in_unit(lambda ctx: imports.start(
        ctx, name=path.name, object_type=ot, file_path=path, file_name=path.name,
        specs=specs, default_stage=default_stage)))


def run_import(acct: Acct, path: Path, ot: ObjectType = ObjectType.CONTACT,
               default_stage: str | None = None, specs: list[ColumnSpec] | None = None,
               chunk_rows: int = imports.CHUNK_ROWS) -> ImportRow:
    iid = start(acct, path, ot, default_stage, specs)
    return imports.run(acct.sc.engine, acct.id, iid, acct.tick, chunk_rows=chunk_rows)


def error_rows(acct: Acct, import_id: int) -> list[Any]:
    with acct.ctx_readonly() as ctx:
        return store.errors_page(ctx.conn, acct.id, import_id, 0, 10_000)


def by_email(acct: Acct, *emails: str) -> dict[str, Any]:
    from stagecoach.store.records import records
    with acct.ctx_readonly() as ctx:
        return records.find_by(ctx.conn, acct.id, ObjectType.CONTACT, "email", list(emails))
