"""`stagecoach jobs resume`: run the background work that is due (settings jobs and imports
left unfinished, e.g. by a crash) to its end, in the foreground: `stagecoach worker
--once`, reporting on the settings jobs."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import typer
from rich.console import Console

from stagecoach.cli import DATABASE_HELP, app
from stagecoach.cli.worker import drain
from stagecoach.library import Stagecoach
from stagecoach.services.core import uow
from stagecoach.services.core.context import Ctx
from stagecoach.services.lifecycle import backfill
from stagecoach.store.worker import jobs

jobs_app = typer.Typer(help="Background jobs (settings applied to existing records).")
app.add_typer(jobs_app, name="jobs")


def _state(ctx: Ctx, job_id: int) -> dict[str, Any]:
    return backfill.get(ctx, job_id)


@jobs_app.command("resume")
def resume(
    database_url: Annotated[str | None, typer.Option("--database-url", help=DATABASE_HELP)] = None,
) -> None:
    """Run every unfinished job to its end."""
    sc = Stagecoach(database_url)
    console = Console()
    try:
        pending = uow.run_conn(
            sc.engine, lambda conn: jobs.unfinished(conn, backfill.KIND), readonly=True)
        ran = drain(sc)
        for account_id, job_id in pending:
            state = sc.run(account_id, partial(_state, job_id=job_id), readonly=True)
            console.print(f"Account {account_id} job {job_id}: {state}")
        if not pending:
            console.print("No unfinished jobs.")
        console.print(f"Ran {ran} work items.")
    finally:
        sc.close()
