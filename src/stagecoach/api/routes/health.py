"""GET /health: no authentication; the version, whether the database answers, and how
background work is doing (the workers' last heartbeat, the oldest due item's age)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from stagecoach import __version__
from stagecoach.library import now_ms
from stagecoach.services.worker.status import status as worker_status

router = APIRouter()


@router.get("/health", tags=["health"])
def health(request: Request) -> JSONResponse:
    sc = request.app.state.sc
    worker = None
    try:
        with sc.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            worker = worker_status(conn, now_ms())
        database = {"status": "ok", "dialect": sc.engine.dialect.name}
        status = 200
    except Exception as exc:  # noqa: BLE001 - health reports any database failure
        database = {"status": "error", "error": type(exc).__name__}
        status = 503
    return JSONResponse({"status": "ok" if status == 200 else "degraded",
                         "version": __version__, "database": database, "worker": worker},
                        status_code=status)
