"""The web app people use: server-rendered pages on the same service layer as the API.

`install(app)` mounts the pages and the static files on the FastAPI application.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from stagecoach.web.pages import STATIC


def install(app: FastAPI) -> None:
    from stagecoach.web.routes import (
        auth,
        deals,
        forms,
        imports,
        lists,
        record,
        reports,
        settings,
        settings_backfill,
        stages,
        tokens,
    )

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in (auth, lists, record, deals, settings, settings_backfill, stages, reports,
                   forms, imports, tokens):
        app.include_router(module.router, include_in_schema=False)
