"""HubSpot's imports API: POST /crm/v3/imports (multipart), GET state and errors, cancel.
Starting an import enqueues it; a worker (services/worker/) applies the rows, and the
request returns at once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from stagecoach.api import unit
from stagecoach.api.auth import require
from stagecoach.api.errors import ApiError
from stagecoach.api.objects_view import MIGRATE_SCOPE
from stagecoach.domain.errors import DomainError
from stagecoach.domain.imports import ColumnSpec
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.values import is_decimal, ms_to_iso, whole_number
from stagecoach.library import Stagecoach
from stagecoach.services.importing import imports
from stagecoach.store.importing import files
from stagecoach.store.importing import imports as store

router = APIRouter()
SCOPE = "crm.import"
MAX_ERRORS_PAGE = 500


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


@dataclass(frozen=True)
class ImportRequest:
    name: str
    file_name: str
    object_type: ObjectType
    specs: list[ColumnSpec]
    default_stage: str | None
    migration: bool
    list_id: int | None


def parse_request(raw: str) -> ImportRequest:
    """The importRequest field: `"migration": true` lets the rows set the "became a" dates
    (rule 17); `"listId"` names a static list every imported or matched row joins
    (automation spec rule 58)."""
    try:
        req = json.loads(raw)
    except ValueError:
        raise _bad("importRequest is not valid JSON") from None
    if not isinstance(req, dict):
        raise _bad("importRequest is a JSON object")
    file_list = req.get("files")
    if not isinstance(file_list, list) or len(file_list) != 1 or not isinstance(
            file_list[0], dict):
        raise _bad("importRequest.files lists exactly one file")
    f = file_list[0]
    fmt = str(f.get("fileFormat", "CSV")).upper()
    if fmt != "CSV":
        raise _bad(f"fileFormat {fmt!r}: Stagecoach imports CSV files (save the sheet as "
                   "CSV UTF-8)")
    page = f.get("fileImportPage")
    if not isinstance(page, dict):
        raise _bad("importRequest.files[0].fileImportPage is required")
    if page.get("hasHeader", True) is not True:
        raise _bad("The file must have a header row (hasHeader: true): columns are mapped "
                   "by their header names")
    mappings = page.get("columnMappings")
    if not isinstance(mappings, list) or not mappings:
        raise _bad("fileImportPage.columnMappings lists the columns to import")
    specs: list[ColumnSpec] = []
    for m in mappings:
        if not isinstance(m, dict) or not isinstance(m.get("columnName"), str):
            raise _bad("Each column mapping has columnName, columnObjectTypeId, propertyName")
        try:
            ot = ObjectType.parse(str(m.get("columnObjectTypeId", "0-1")))
        except DomainError:
            raise _bad(f"Unknown columnObjectTypeId {m.get('columnObjectTypeId')!r}") from None
        prop = m.get("propertyName")
        if prop is not None and not isinstance(prop, str):
            raise _bad("propertyName is a string")
        specs.append(ColumnSpec(m["columnName"], prop, ot, m.get("idColumnType")))
    types = {s.object_type for s in specs if s.property_name is not None}
    object_type = (ObjectType.DEAL if ObjectType.DEAL in types else
                   ObjectType.CONTACT if ObjectType.CONTACT in types else ObjectType.COMPANY)
    stage = req.get("defaultLifecycleStage")
    if stage is not None and not isinstance(stage, str):
        raise _bad("defaultLifecycleStage is a stage's internal value or label")
    migration = req.get("migration", False)
    if not isinstance(migration, bool):
        raise _bad("migration is true or false")
    name = req.get("name") if isinstance(req.get("name"), str) else None
    file_name = str(f.get("fileName") or "import.csv")
    list_raw = req.get("listId")
    list_id = (None if list_raw is None
               else whole_number(str(list_raw), "listId", low=1))
    return ImportRequest(name or file_name, file_name, object_type, specs, stage, migration,
                         list_id)


@router.post("/crm/v3/imports")
@router.post("/crm/v3/imports/")
async def start_import(request: Request) -> dict[str, Any]:
    p = require(request, SCOPE)
    try:
        form = await request.form(max_files=1, max_fields=20)
    except Exception as exc:  # malformed multipart bodies come in many shapes
        raise _bad(f"The request is not valid multipart/form-data: {exc}") from None
    raw = form.get("importRequest")
    upload = form.get("files")
    if not isinstance(raw, str):
        raise _bad("The importRequest field (JSON text) is required")
    if not isinstance(upload, UploadFile):
        raise _bad("The files field (the file to import) is required")
    req = parse_request(raw)
    if req.migration:
        require(request, SCOPE, MIGRATE_SCOPE)
    if req.list_id is not None:
        require(request, SCOPE, "crm.lists.write")
    sc: Stagecoach = request.app.state.sc
    try:
        path = await run_in_threadpool(files.save_upload, sc.engine, p.account_id, upload.file)
    except files.TooLarge as exc:
        raise ApiError(413, str(exc)) from None

    def _start(ctx: Any) -> int:
        return imports.start(ctx, name=req.name, object_type=req.object_type,
                             file_path=path, file_name=upload.filename or req.file_name,
                             specs=req.specs, default_stage=req.default_stage,
                             created_by=p.user_id, migration=req.migration,
                             list_id=req.list_id)

    try:
        import_id = await run_in_threadpool(unit.run, request, p.account_id, _start)
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
    found = await run_in_threadpool(unit.run, request, p.account_id,
                                    lambda ctx: imports.get(ctx, import_id), readonly=True)
    return imports.to_wire(found, ms_to_iso)


def _import_id(raw: str) -> int:
    if not is_decimal(raw) or len(raw) > 18:
        raise ApiError(404, f"Import {raw} does not exist")
    return int(raw)


@router.get("/crm/v3/imports")
@router.get("/crm/v3/imports/")
async def list_imports(request: Request, limit: int = 100, after: str = "0") -> dict[str, Any]:
    p = require(request, SCOPE)
    start = whole_number(after or "0", "after")
    limit = max(1, min(limit, 100))
    rows = await run_in_threadpool(unit.run, request, p.account_id, lambda ctx: store
                                   .list_for_account(ctx.conn, ctx.account_id, limit + 1, start),
                                   readonly=True)
    out: dict[str, Any] = {"results": [imports.to_wire(r, ms_to_iso) for r in rows[:limit]]}
    if len(rows) > limit:
        out["paging"] = {"next": {"after": str(rows[limit - 1].id)}}
    return out


@router.get("/crm/v3/imports/{import_id}")
async def get_import(request: Request, import_id: str) -> dict[str, Any]:
    p = require(request, SCOPE)
    iid = _import_id(import_id)
    found = await run_in_threadpool(unit.run, request, p.account_id,
                                    lambda ctx: imports.get(ctx, iid), readonly=True)
    return imports.to_wire(found, ms_to_iso)


@router.get("/crm/v3/imports/{import_id}/errors")
async def import_errors(request: Request, import_id: str, after: str = "0",
                        limit: int = 100) -> dict[str, Any]:
    p = require(request, SCOPE)
    iid = _import_id(import_id)
    start = whole_number(after or "0", "after")
    limit = max(1, min(limit, MAX_ERRORS_PAGE))

    def _page(ctx: Any) -> tuple[Any, list[Any]]:
        imp = imports.get(ctx, iid)
        return imp, store.errors_page(ctx.conn, ctx.account_id, iid, start, limit + 1)

    imp, rows = await run_in_threadpool(unit.run, request, p.account_id, _page, readonly=True)
    header = imp.options.get("header") or []
    results = []
    for r in rows[:limit]:
        col = header.index(r.column_name) + 1 if r.column_name in header else None
        results.append({
            "id": f"{iid}-{r.row_number}",
            "createdAt": r.created_at,
            "objectType": imp.object_type.singular.upper(),
            "objectTypeId": imp.object_type.type_id,
            "errorType": r.error_type,
            "errorMessage": r.reason,
            "invalidValue": r.invalid_value,
            "invalidValueToDisplay": r.invalid_value,
            "knownColumnNumber": col,
            "columnName": r.column_name,
            "rowNumber": r.row_number,
            "sourceData": {"rowData": r.raw_row, "lineNumber": r.row_number + 1,
                           "pageName": imp.file_name},
        })
    out: dict[str, Any] = {"results": results}
    if len(rows) > limit:
        out["paging"] = {"next": {"after": str(rows[limit - 1].row_number)}}
    return out


@router.post("/crm/v3/imports/{import_id}/cancel")
async def cancel_import(request: Request, import_id: str) -> dict[str, Any]:
    p = require(request, SCOPE)
    iid = _import_id(import_id)
    started = unit.clock()
    await run_in_threadpool(unit.run, request, p.account_id, lambda ctx: imports.cancel(ctx, iid))
    return {"status": "COMPLETE", "startedAt": ms_to_iso(started),
            "completedAt": ms_to_iso(unit.clock())}
