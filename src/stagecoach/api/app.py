"""The ASGI application: every route family, mounted on one Stagecoach instance."""

from __future__ import annotations

import os

from fastapi import FastAPI

from stagecoach import __version__, web
from stagecoach.api import background, errors, openapi_responses, safety
from stagecoach.api.input_guard import InputGuard
from stagecoach.api.routes import (
    associations,
    change_feed,
    events,
    forms,
    health,
    imports,
    lists,
    objects,
    objects_batch,
    objects_search,
)
from stagecoach.api.routes import lifecycle as lifecycle_routes
from stagecoach.api.routes import pipelines as pipeline_routes
from stagecoach.api.routes import properties as property_routes
from stagecoach.api.routes import reports as report_routes
from stagecoach.api.routes import settings as settings_routes
from stagecoach.api.routes import stages as stage_routes
from stagecoach.api.security_headers import SecurityHeaders
from stagecoach.library import Stagecoach


def create_app(sc: Stagecoach, *, worker: bool | None = None) -> FastAPI:
    """The app; it runs a worker for background work while it serves unless `worker` is
    False (default: on, unless STAGECOACH_WORKER=off)."""
    # The interactive docs page loads its scripts from a CDN: off unless the operator
    # turns it on (STAGECOACH_API_DOCS=on); /openapi.json is always served.
    docs = os.environ.get("STAGECOACH_API_DOCS", "").lower() in ("on", "1", "true")
    app = FastAPI(title="Stagecoach", version=__version__, openapi_url="/openapi.json",
                  docs_url="/docs" if docs else None, redoc_url=None,
                  lifespan=background.lifespan(background.enabled() if worker is None
                                               else worker))
    app.state.sc = sc
    errors.install(app)
    # Inside the body-size limit (added after it, so nearer the routes).
    app.add_middleware(InputGuard)
    app.add_middleware(SecurityHeaders)
    app.include_router(health.router)
    safety.install(app)
    app.include_router(objects_search.router)
    app.include_router(objects_batch.router)
    app.include_router(objects.router)
    app.include_router(associations.router)
    app.include_router(property_routes.router)
    app.include_router(pipeline_routes.router)
    app.include_router(settings_routes.router)
    app.include_router(stage_routes.router)
    app.include_router(report_routes.router)
    web.install(app)
    app.include_router(forms.router)
    app.include_router(events.router)
    app.include_router(change_feed.router)
    app.include_router(imports.router)
    app.include_router(lifecycle_routes.router)
    app.include_router(lists.router)
    openapi_responses.install(app)
    return app
