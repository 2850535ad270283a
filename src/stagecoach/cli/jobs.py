"""`stagecoach jobs resume`: finish every settings backfill left RUNNING (e.g. by a crash),
in the foreground. A server does the same on its own when it starts."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import typer
from rich.console import Console

from stagecoach.cli import DATABASE_HELP, app
from stagecoach.library import Stagecoach
from stagecoach.services.core.context import Ctx
from stagecoach.services.lifecycle import backfill

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
        pending = backfill.unfinished(sc.engine)
        for account_id, job_id in pending:
            backfill.run(lambda acc, fn: bool(sc.run(acc, fn)), account_id, job_id)
            state = sc.run(account_id, partial(_state, job_id=job_id), readonly=True)
            console.print(f"Account {account_id} job {job_id}: {state}")
        if not pending:
            console.print("No unfinished jobs.")
    finally:
        sc.close()
