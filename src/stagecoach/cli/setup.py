"""`stagecoach init` and `stagecoach db upgrade`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from stagecoach.cli import DATABASE_HELP, app
from stagecoach.library import Stagecoach
from stagecoach.store import migrate
from stagecoach.store.core import db

console = Console()
DbOption = Annotated[str | None, typer.Option("--database-url", help=DATABASE_HELP)]

db_app = typer.Typer(help="Database maintenance.")
app.add_typer(db_app, name="db")


@app.command()
def init(
    database_url: DbOption = None,
    name: Annotated[str, typer.Option(help="The account's name.")] = "My company",
    admin_email: Annotated[str, typer.Option(help="The admin's login.")] = "admin@example.com",
    admin_password: Annotated[str | None, typer.Option(help="Generated when not given.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Create the schema, an account, its admin user and an all-scopes token."""
    sc = Stagecoach(database_url)
    made = sc.create_account(name, admin_email, admin_password)
    if as_json:
        typer.echo(json.dumps({"account_id": made.account_id, "token": made.token,
                               "admin_email": made.admin_email,
                               "admin_password": made.admin_password}))
        return
    console.print(f"[bold green]Account {made.account_id}[/] ({name}) is ready.")
    console.print(f"  API token:      {made.token}")
    console.print(f"  Web login:      {made.admin_email} / {made.admin_password}")


@db_app.command("upgrade")
def db_upgrade(database_url: DbOption = None) -> None:
    """Apply every pending migration."""
    migrate.upgrade(db.make_engine(database_url))
    console.print("Database is up to date.")
