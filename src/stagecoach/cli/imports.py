"""`stagecoach import FILE --object contacts`: an import from the command line, with a
progress bar. The import is queued like any other, and this process holds its work item
while it runs it: if the process is stopped, a worker (a server's, or `stagecoach worker`)
resumes the import after its last committed chunk, and so does running the same command
again."""

from __future__ import annotations

import csv
import gc
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Connection

from stagecoach.cli import DATABASE_HELP, app
from stagecoach.domain.csv_cells import safe_row
from stagecoach.domain.errors import DomainError
from stagecoach.domain.objects import ObjectType
from stagecoach.library import Stagecoach
from stagecoach.services.core import uow
from stagecoach.services.importing import imports
from stagecoach.services.worker import foreground
from stagecoach.store.auth import accounts
from stagecoach.store.importing import imports as store
from stagecoach.store.importing.imports import ImportRow, State

console = Console(stderr=True)
out = Console()


def _account(sc: Stagecoach, given: int | None) -> int:
    if given is not None:
        return given
    found = uow.run_conn(sc.engine, accounts.account_ids, readonly=True)
    if len(found) != 1:
        console.print("[red]Name the account with --account-id[/] (the database has "
                      f"{'no' if not found else 'several'} accounts).")
        raise typer.Exit(2)
    return found[0]


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A CSV file with a header row (UTF-8).")],
    object_type: Annotated[str, typer.Option("--object", help="contacts, companies or deals.")
                           ] = "contacts",
    default_stage: Annotated[str | None, typer.Option(
        "--default-stage", help="Lifecycle stage for rows that give none.")] = None,
    account_id: Annotated[int | None, typer.Option(help="The account to import into.")] = None,
    name: Annotated[str | None, typer.Option(help="The import's name.")] = None,
    migration: Annotated[bool, typer.Option(
        "--migration", help='A migration: its rows may set the "became a" dates '
                            '(hs_lifecyclestage_<stage>_date).')] = False,
    chunk_rows: Annotated[int, typer.Option(help="Rows committed together.", hidden=True)
                          ] = imports.CHUNK_ROWS,
    database_url: Annotated[str | None, typer.Option("--database-url", help=DATABASE_HELP)
                            ] = None,
) -> None:
    """Import records: columns are matched to properties by internal name or label."""
    try:
        ot = ObjectType.parse(object_type)
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(2) from None
    path = file.resolve()
    if not path.is_file():
        console.print(f"[red]No such file: {file}[/]")
        raise typer.Exit(2)
    # A dedicated process: old objects are frozen out of the collector and young ones
    # collected less often, which saves ~15% of a large import's time (chunk rows are many
    # small objects that all live until the chunk commits).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    sc = Stagecoach(database_url)
    acct = _account(sc, account_id)
    resumed = uow.run_conn(sc.engine, lambda conn: store.find_unfinished_by_file(
        conn, acct, str(path), path.stat().st_size), readonly=True)
    if resumed is not None:
        import_id = resumed
        console.print(f"Resuming import {import_id} of {path.name}.")
    else:
        try:
            import_id = sc.run(acct, lambda ctx: imports.start(  # type: ignore[assignment]
                ctx, name=name or path.name, object_type=ot, file_path=path,
                file_name=path.name, specs=None, default_stage=default_stage,
                migration=migration))
        except DomainError as exc:
            console.print(f"[red]Cannot import {path.name}:[/] {exc.message}")
            raise typer.Exit(1) from None
    # Held while it runs here: the workers leave it alone, and finish it if this is killed.
    with foreground.hold(sc.engine, acct, imports.KIND, int(import_id), sc.clock) as held:
        final = _run_with_progress(sc, acct, int(import_id), chunk_rows)
        held.finish(final.state.value not in store.UNFINISHED)
    _report(sc, final, path)
    if final.state is not State.DONE:
        raise typer.Exit(1)


def _run_with_progress(sc: Stagecoach, acct: int, import_id: int, chunk_rows: int
                       ) -> ImportRow:
    columns = (TextColumn("[bold]import {task.fields[iid]}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("import", total=None, iid=import_id)

        def progress(imp: ImportRow) -> None:
            bar.update(task, total=imp.total_rows, completed=imp.next_row)

        final = imports.run(sc.engine, acct, import_id, sc.clock, chunk_rows=chunk_rows,
                            on_progress=progress)
        bar.update(task, total=final.total_rows, completed=final.next_row)
    return final


def _report(sc: Stagecoach, imp: ImportRow, path: Path) -> None:
    colour = {State.DONE: "green", State.FAILED: "red"}.get(imp.state, "yellow")
    out.print(f"Import {imp.id}: [{colour}]{imp.state.value}[/]"
              + (f" - {imp.failure}" if imp.failure else ""))
    out.print(f"  rows {imp.next_row}/{imp.total_rows or 0}  created {imp.created}  "
              f"updated {imp.updated}  unchanged {imp.unchanged}  errors {imp.errors}")
    if imp.errors:
        target = path.with_name(f"{path.stem}.errors-{imp.id}.csv")
        _write_errors(sc, imp, target)
        out.print(f"  error rows: {target}  (also GET /crm/v3/imports/{imp.id}/errors)")


def _errors_after(sc: Stagecoach, imp: ImportRow, after: int) -> list[Any]:
    def fn(conn: Connection) -> list[Any]:
        return store.errors_page(conn, imp.account_id, imp.id, after, 1000)
    return uow.run_conn(sc.engine, fn, readonly=True)


def _write_errors(sc: Stagecoach, imp: ImportRow, target: Path) -> None:
    """Every error row, page by page, with its row number, column and reason."""
    with target.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["row", "column", "error", "reason", "value", "row data"])
        after = 0
        while True:
            page = _errors_after(sc, imp, after)
            if not page:
                return
            for r in page:
                w.writerow(safe_row([r.row_number, r.column_name or "", r.error_type,
                                     r.reason, r.invalid_value or "", ",".join(r.raw_row)]))
            after = page[-1].row_number
