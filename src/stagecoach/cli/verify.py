"""`stagecoach verify`: rebuild derived lifecycle properties from history and compare (rule 17).

Exit code 1 when any difference was found, also with `--fix` (the run that repaired them
found them; the next run answers 0), so scripts and CI can rely on it.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from stagecoach.cli import DATABASE_HELP, app
from stagecoach.services.integrity.differences import Difference
from stagecoach.services.integrity.verify import verify
from stagecoach.store.core import db

MAX_ROWS_SHOWN = 1000


@app.command("verify")
def verify_command(
    database_url: Annotated[str | None, typer.Option("--database-url", help=DATABASE_HELP)] = None,
    account_id: Annotated[list[int] | None, typer.Option(
        "--account-id", help="Only this account (repeatable); default: every account.")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Repair what differs.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Rebuild every record's stage and derived lifecycle dates from history; report every
    difference (exit code 1 when there is one)."""
    engine = db.make_engine(database_url)
    diffs: list[Difference] = []
    checked = 0
    if as_json:
        for d in verify(engine, account_id, fix=fix):
            diffs.append(d)
    else:
        console = Console(stderr=True)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"),
                      console=console, transient=True) as bar:
            task = bar.add_task("Verifying records", total=None)

            def seen(n: int) -> None:
                nonlocal checked
                checked += n
                bar.update(task, description=f"Verified {checked} records")

            diffs = list(verify(engine, account_id, fix=fix, progress=seen))
    engine.dispose()
    if as_json:
        typer.echo(json.dumps({"differences": [d.to_json() for d in diffs],
                               "count": len(diffs), "fixed": fix and bool(diffs)}))
    else:
        _print(diffs, fix, checked)
    if diffs:
        raise typer.Exit(1)


def _print(diffs: list[Difference], fix: bool, checked: int) -> None:
    console = Console()
    if not diffs:
        console.print(f"[green]No differences[/] ({checked} records checked).")
        return
    table = Table(title=f"{len(diffs)} differences" + (" (repaired)" if fix else ""))
    for col in ("account", "object", "id", "property", "stored", "expected"):
        table.add_column(col)
    for d in diffs[:MAX_ROWS_SHOWN]:
        table.add_row(str(d.account_id), d.object_type.plural, str(d.record_id), d.property,
                      "" if d.stored is None else str(d.stored),
                      "" if d.expected is None else str(d.expected))
    console.print(table)
    if len(diffs) > MAX_ROWS_SHOWN:
        console.print(f"... and {len(diffs) - MAX_ROWS_SHOWN} more (use --json for all).")
