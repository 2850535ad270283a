"""The server's embedded worker (automation spec rule 79): each server process runs one,
started and stopped by the app's lifespan. `stagecoach serve --no-worker` (which sets
STAGECOACH_WORKER=off for the server processes) leaves background work to separate
`stagecoach worker` processes; either way every worker shares the one queue."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from stagecoach.library import Stagecoach
from stagecoach.services.worker import handlers

ENV = "STAGECOACH_WORKER"


def enabled() -> bool:
    """Whether servers run a worker (the default) or leave it to worker processes."""
    return os.environ.get(ENV, "on").strip().lower() not in ("0", "off", "false", "no")


def lifespan(with_worker: bool
             ) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        if not with_worker:
            yield
            return
        sc: Stagecoach = app.state.sc
        worker = handlers.worker(sc.engine, sc.clock)
        app.state.worker = worker
        worker.start()
        try:
            yield
        finally:
            await run_in_threadpool(worker.stop)

    return run
