"""`stagecoach demo`: build a realistic demo account, then serve it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from stagecoach.cli import app
from stagecoach.demo import DEMO_EMAIL, DEMO_PASSWORD, DemoSize, build
from stagecoach.library import Stagecoach

console = Console()


@app.command()
def demo(
    database_url: Annotated[str, typer.Option(
        "--database-url", help="An SQLite file; it is rebuilt.")] = "sqlite:///var/demo.db",
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    contacts: Annotated[int, typer.Option(help="How many contacts.")] = 3000,
    companies: Annotated[int, typer.Option(help="How many companies.")] = 300,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build only.")] = False,
) -> None:
    """Build a demo account with twelve months of history on an SQLite file and serve it."""
    if not database_url.startswith("sqlite:///"):
        raise typer.BadParameter("the demo builds an SQLite file: sqlite:///path.db")
    path = Path(database_url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    sc = Stagecoach(database_url)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("Writing twelve months of history", total=365)
        made = build(sc, DemoSize(contacts, companies, 365),
                     progress=lambda done, total: bar.update(task, completed=done))
    sc.close()
    url = f"http://{host}:{port}"
    console.print(f"\n[bold green]Stagecoach demo[/] is ready at [bold]{url}[/]")
    console.print(f"  Web login:  {DEMO_EMAIL} / {DEMO_PASSWORD}")
    console.print(f"  API token:  {made.token}")
    console.print(f"  Account id: {made.account_id}")
    console.print(f"  Try:        curl -H 'Authorization: Bearer {made.token}' "
                  f"{url}/crm/v3/objects/contacts\n")
    if not no_serve:
        from stagecoach.cli.serve import serve

        serve(database_url=database_url, host=host, port=port, workers=1)
