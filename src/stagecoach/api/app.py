"""The ASGI application: every route family, mounted on one Stagecoach instance."""

from __future__ import annotations

from fastapi import FastAPI

from stagecoach import __version__, web
from stagecoach.api import errors
from stagecoach.api.routes import health
from stagecoach.library import Stagecoach


def create_app(sc: Stagecoach) -> FastAPI:
    app = FastAPI(title="Stagecoach", version=__version__, openapi_url="/openapi.json",
                  docs_url="/docs", redoc_url=None)
    app.state.sc = sc
    errors.install(app)
    app.include_router(health.router)
    web.install(app)
    return app
