"""`/imports`: upload a CSV, map its columns with a preview of the first rows, start the
import (a worker applies it), follow its progress, download error rows.

The uploaded file's path travels from the mapping step to the start as a value signed with
the session's secret, so a page can only start an import of a file its own user uploaded.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from stagecoach.domain.csv_cells import safe_row
from stagecoach.domain.errors import DomainError
from stagecoach.domain.imports import ColumnSpec
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.values import is_decimal
from stagecoach.library import Stagecoach
from stagecoach.services.core.context import Ctx
from stagecoach.services.importing import import_file, imports
from stagecoach.store.importing import files
from stagecoach.store.importing import imports as store
from stagecoach.web import pages
from stagecoach.web import session as sessions
from stagecoach.web.common import flash_redirect, posted, run, text
from stagecoach.web.routing import WebError, WebRoute
from stagecoach.web.session import WebSession

router = APIRouter(route_class=WebRoute)
PREVIEW_ROWS = 5
TYPES = {"contacts": ObjectType.CONTACT, "companies": ObjectType.COMPANY,
         "deals": ObjectType.DEAL}
FILE_TOKEN_MAX_AGE_S = 24 * 3600


def _signer(session: WebSession) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(session.secret, salt=f"import-file:{session.user.user_id}")


def _import_id(raw: str) -> int:
    if not is_decimal(raw) or len(raw) > 18:
        raise WebError(404, "Import not found")
    return int(raw)


@router.get("/imports")
def index(request: Request) -> Response:
    session = sessions.require(request)
    rows = run(request, session, lambda ctx: store.list_for_account(
        ctx.conn, ctx.account_id, 50, 0), readonly=True)
    return pages.render(request, "imports.html", {"imports": rows, "types": TYPES,
                                                       "unfinished": store.UNFINISHED}, session,
                        section="imports")


def _mapping_page(request: Request, session: WebSession, *, token: str, file_name: str,
                  object_type: str, header: list[str], preview: list[list[str]],
                  error: str = "") -> Response:
    ot = TYPES[object_type]

    def props(ctx: Ctx) -> dict[str, Any]:
        defs = sorted((p for p in ctx.catalog.properties(ot) if not p.calculated),
                      key=lambda p: p.label.lower())
        return {"props": [(p.name, p.label) for p in defs],
                "stages": list(ctx.catalog.stages) if ot.has_lifecycle else []}

    context = run(request, session, props, readonly=True)
    by_name = {n.lower(): n for n, _ in context["props"]}
    by_name.update({label.lower(): n for n, label in context["props"]})
    guesses = [by_name.get(h.strip().lower(), "") for h in header]
    return pages.render(request, "import_map.html", {
        **context, "token": token, "file_name": file_name, "object_type": object_type,
        "columns": list(zip(header, guesses, strict=True)), "preview": preview,
        "error": error}, session, status=400 if error else 200, section="imports")


@router.post("/imports/upload")
async def upload(request: Request) -> Response:
    session, form = await posted(request)
    object_type = text(form, "objectType", 20)
    upload_file = form.get("file")
    if object_type not in TYPES:
        return flash_redirect(request, session, "/imports", "error", "Choose what to import.")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        return flash_redirect(request, session, "/imports", "error", "Choose a CSV file.")
    sc: Stagecoach = request.app.state.sc
    try:
        path = await run_in_threadpool(files.save_upload, sc.engine, session.user.account_id,
                                       upload_file.file)
    except files.TooLarge as exc:
        return flash_redirect(request, session, "/imports", "error", str(exc))
    try:
        header = await run_in_threadpool(import_file.header, path)
    except DomainError as exc:
        path.unlink(missing_ok=True)
        return flash_redirect(request, session, "/imports", "error", exc.message)
    preview = await run_in_threadpool(import_file.preview, path, PREVIEW_ROWS)
    token = _signer(session).dumps({"p": str(path), "n": upload_file.filename[:255]})
    return _mapping_page(request, session, token=token, file_name=upload_file.filename,
                         object_type=object_type, header=header, preview=preview)


@router.post("/imports")
async def start(request: Request) -> Response:
    session, form = await posted(request)
    try:
        signed = _signer(session).loads(text(form, "file_token", 2000),
                                        max_age=FILE_TOKEN_MAX_AGE_S)
    except BadSignature:
        raise WebError(400, "This upload has expired", "Upload the file again.") from None
    path, file_name = Path(signed["p"]), str(signed["n"])
    object_type = text(form, "objectType", 20)
    if object_type not in TYPES or not path.exists():
        raise WebError(400, "This upload has expired", "Upload the file again.")
    ot = TYPES[object_type]
    columns = [str(c) for c in form.getlist("column")]
    targets = [str(t) for t in form.getlist("property")]
    specs = [ColumnSpec(c, t or None, ot, None)
             for c, t in zip(columns, targets, strict=False)]
    stage = text(form, "defaultStage", 64) or None
    name = text(form, "name", 200) or file_name

    def begin(ctx: Ctx) -> int:
        return imports.start(ctx, name=name, object_type=ot, file_path=path,
                             file_name=file_name, specs=specs, default_stage=stage,
                             created_by=session.user.user_id)

    try:
        import_id = run(request, session, begin)
    except DomainError as exc:
        header = import_file.header(path)
        return _mapping_page(request, session, token=text(form, "file_token", 2000),
                             file_name=file_name, object_type=object_type, header=header,
                             preview=import_file.preview(path, PREVIEW_ROWS),
                             error=exc.message)
    return flash_redirect(request, session, f"/imports/{import_id}", "ok",
                          "Import started.")


@router.get("/imports/{import_id}")
def show(request: Request, import_id: str) -> Response:
    session = sessions.require(request)
    iid = _import_id(import_id)
    imp = run(request, session, lambda ctx: imports.get(ctx, iid), readonly=True)
    done = imp.state.value not in store.UNFINISHED
    return pages.render(request, "import_show.html", {"imp": imp, "done": done}, session,
                        section="imports")


@router.post("/imports/{import_id}/cancel")
async def cancel(request: Request, import_id: str) -> Response:
    """Stop an unfinished import: the chunks already committed stay (as with the API's
    cancel); the worker sees the state at its next chunk and stops."""
    session, _ = await posted(request)
    iid = _import_id(import_id)
    imp = run(request, session, lambda ctx: imports.cancel(ctx, iid))
    if imp.state is store.State.CANCELED:
        return flash_redirect(request, session, f"/imports/{iid}", "ok", "Import canceled.")
    return flash_redirect(request, session, f"/imports/{iid}", "error",
                          f"The import has already finished ({imp.state.value}).")


@router.get("/imports/{import_id}/errors.csv")
def errors_csv(request: Request, import_id: str) -> Response:
    """Every error row: the row's own cells first (so the file can be fixed and imported
    again), then why it failed."""
    session = sessions.require(request)
    iid = _import_id(import_id)

    def load(ctx: Ctx) -> tuple[Any, list[Any]]:
        imp = imports.get(ctx, iid)
        return imp, store.errors_page(ctx.conn, ctx.account_id, iid, 0, imp.errors + 1)

    imp, rows = run(request, session, load, readonly=True)
    header = list(imp.options.get("header") or [])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(safe_row([*header, "rowNumber", "errorType", "errorMessage",
                              "columnName"]))
    for r in rows:
        cells = list(r.raw_row) if isinstance(r.raw_row, list) else [r.raw_row]
        writer.writerow(safe_row([*cells, r.row_number, r.error_type, r.reason,
                                  r.column_name or ""]))
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="import-{iid}-errors.csv"'})
