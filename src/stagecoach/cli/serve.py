"""`stagecoach serve`: the API and the web app over HTTP."""

from __future__ import annotations

import copy
import os
from typing import Annotated, Any

import typer
import uvicorn
import uvicorn.config

from stagecoach.api import background
from stagecoach.cli import DATABASE_HELP, app
from stagecoach.store import migrate
from stagecoach.store.core import db


@app.command()
def serve(
    database_url: Annotated[str | None, typer.Option("--database-url", help=DATABASE_HELP)] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes sharing the database.")] = 1,
    worker: Annotated[bool, typer.Option(
        "--worker/--no-worker",
        help="Run background work (imports, settings jobs) in each server process; with "
             "--no-worker, run `stagecoach worker` processes instead.")] = True,
) -> None:
    """Serve HTTP (loopback unless told otherwise); migrations are applied first."""
    url = db.normalize_url(database_url)
    migrate.upgrade(db.make_engine(url))
    os.environ["STAGECOACH_DATABASE_URL"] = url
    # Read by each server process's app (api/background.py).
    os.environ[background.ENV] = "on" if worker else "off"
    uvicorn.run("stagecoach.api.asgi:app_factory", factory=True, host=host, port=port,
                workers=workers, log_level="info", access_log=False,
                log_config=_log_config(),
                # No `server: uvicorn` banner telling a scanner what to try.
                server_header=False)


def _log_config() -> dict[str, Any]:
    """uvicorn's own logging plus our loggers at INFO: without this the root logger drops
    them, and the correlation id of every error (api spec section 2) must reach the log."""
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["stagecoach"] = {"handlers": ["default"], "level": "INFO",
                                       "propagate": False}
    return config
