"""The ASGI application: every route family, mounted on one Stagecoach instance."""

from __future__ import annotations

from fastapi import FastAPI

from stagecoach import __version__
from stagecoach.api import errors
from stagecoach.api.routes import health
from stagecoach.api.routes import lifecycle as lifecycle_routes
from stagecoach.library import Stagecoach


def create_app(sc: Stagecoach) -> FastAPI:
    app = FastAPI(title="Stagecoach", version=__version__, openapi_url="/openapi.json",
                  docs_url="/docs", redoc_url=None)
    app.state.sc = sc
    errors.install(app)
    app.include_router(health.router)
    app.include_router(lifecycle_routes.router)
    return app
