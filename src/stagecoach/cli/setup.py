"""`stagecoach init`, `stagecoach db upgrade`, `stagecoach token create`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Connection

from stagecoach.cli import DATABASE_HELP, app
from stagecoach.library import Stagecoach, now_ms
from stagecoach.services.auth import accounts
from stagecoach.services.core import uow
from stagecoach.store import migrate
from stagecoach.store.core import db

console = Console()
DbOption = Annotated[str | None, typer.Option("--database-url", help=DATABASE_HELP)]

db_app = typer.Typer(help="Database maintenance.")
token_app = typer.Typer(help="API access tokens.")
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")


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


@token_app.command("create")
def token_create(
    account_id: Annotated[int | None, typer.Option(
        help="The account the token belongs to (needed when there are several).")] = None,
    scopes: Annotated[str, typer.Option(help="Comma-separated scopes, or 'all'.")] = "all",
    name: Annotated[str, typer.Option(help="A name to recognise the token by.")] = "cli",
    database_url: DbOption = None,
) -> None:
    """Create an API token; it is shown once and stored only as a hash."""
    wanted = accounts.ALL_SCOPES if scopes == "all" else tuple(
        s.strip() for s in scopes.split(",") if s.strip())
    sc = Stagecoach(database_url)

    def create(conn: Connection) -> str:
        target = account_id if account_id is not None else accounts.only_account(conn)
        return accounts.create_token(conn, target, name, wanted, now_ms())

    typer.echo(uow.run_conn(sc.engine, create))
