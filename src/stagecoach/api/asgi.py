"""Entry point for servers that import the app (uvicorn workers, gunicorn)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from stagecoach.api.app import create_app
from stagecoach.library import Stagecoach


def app_factory() -> FastAPI:
    # Migrations ran in the parent `stagecoach serve`; workers only connect.
    return create_app(Stagecoach(os.environ.get("STAGECOACH_DATABASE_URL"), upgrade=False))
