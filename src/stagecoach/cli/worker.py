"""`stagecoach worker [--once]`: run background work (imports, settings jobs; next, webhook
deliveries and workflow timers) from the shared queue. Any number of worker processes, and
the servers' embedded workers, may run against one database (automation spec rule 79)."""

from __future__ import annotations

import signal
import threading
from typing import Annotated, Any

import typer
from rich.console import Console

from stagecoach.cli import DATABASE_HELP, app
from stagecoach.library import Stagecoach
from stagecoach.services.worker import handlers, worker

console = Console(stderr=True)


def drain(sc: Stagecoach) -> int:
    """Run every due item to its end in this process; how many ran."""
    return handlers.worker(sc.engine, sc.clock, name=worker.worker_id("cli")).run_until_idle()


@app.command("worker")
def worker_command(
    once: Annotated[bool, typer.Option(
        "--once", help="Run the work that is due now, then exit (for cron and tests).")
                    ] = False,
    concurrency: Annotated[int, typer.Option(help="Items run at once.")] = worker.SLOTS,
    database_url: Annotated[str | None, typer.Option("--database-url", help=DATABASE_HELP)
                            ] = None,
) -> None:
    """Run background work until stopped (Ctrl-C or SIGTERM: the items in hand finish, or
    are picked up again by another worker when their lease runs out)."""
    sc = Stagecoach(database_url)
    try:
        if once:
            console.print(f"Ran {drain(sc)} work items.")
            return
        w = handlers.worker(sc.engine, sc.clock, slots=concurrency)
        stop = threading.Event()

        def on_signal(_signum: int, _frame: Any) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        w.start()
        console.print(f"Worker {w.id} running; Ctrl-C stops it.")
        stop.wait()
        w.stop()
    finally:
        sc.close()
