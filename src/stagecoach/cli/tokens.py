"""`stagecoach token create | list | revoke`: API tokens, integrations' included
(automation spec rules 76 and 81)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from sqlalchemy import Connection

from stagecoach.cli import DATABASE_HELP, app
from stagecoach.domain.values import ms_to_iso
from stagecoach.library import Stagecoach, now_ms
from stagecoach.services.auth import accounts
from stagecoach.services.core import uow

DbOption = Annotated[str | None, typer.Option("--database-url", help=DATABASE_HELP)]
AccountOption = Annotated[int | None, typer.Option(
    help="The account the token belongs to (needed when there are several).")]
DAY_MS = 86_400_000

token_app = typer.Typer(help="API access tokens.")
app.add_typer(token_app, name="token")


def _account(conn: Connection, account_id: int | None) -> int:
    return account_id if account_id is not None else accounts.only_account(conn)


@token_app.command("create")
def token_create(
    account_id: AccountOption = None,
    scopes: Annotated[str, typer.Option(help="Comma-separated scopes, or 'all'.")] = "all",
    name: Annotated[str, typer.Option(help="A name to recognise the token by.")] = "cli",
    integration: Annotated[str | None, typer.Option(
        help="Make the token an integration's (e.g. salesforce): its writes carry the "
             "integration as their source.")] = None,
    expires_in_days: Annotated[int | None, typer.Option(
        help="Days until the token stops working (default: never).", min=1)] = None,
    database_url: DbOption = None,
) -> None:
    """Create an API token; it is shown once and stored only as a hash."""
    wanted = accounts.ALL_SCOPES if scopes == "all" else tuple(
        s.strip() for s in scopes.split(",") if s.strip())
    sc = Stagecoach(database_url)
    now = now_ms()

    def create(conn: Connection) -> str:
        return accounts.create_token(
            conn, _account(conn, account_id), integration or name, wanted, now,
            integration=integration,
            expires_at=now + expires_in_days * DAY_MS if expires_in_days else None)

    typer.echo(uow.run_conn(sc.engine, create))


@token_app.command("list")
def token_list(account_id: AccountOption = None, as_json: Annotated[bool, typer.Option(
        "--json", help="One JSON object per token.")] = False,
        database_url: DbOption = None) -> None:
    """Every token of the account: live, expired and revoked, with when it was last used."""
    sc = Stagecoach(database_url)
    found = uow.run_conn(sc.engine, lambda conn: accounts.tokens(
        conn, _account(conn, account_id)), readonly=True)
    now = now_ms()
    for t in found:
        state = ("revoked" if t.revoked_at else
                 "expired" if t.expires_at and t.expires_at <= now else "live")
        row = {"id": t.id, "name": t.name, "state": state, "integration": t.integration,
               "scopes": t.scopes, "createdAt": ms_to_iso(t.created_at),
               "expiresAt": ms_to_iso(t.expires_at) if t.expires_at else None,
               "lastUsedAt": ms_to_iso(t.last_used_at) if t.last_used_at else None}
        if as_json:
            typer.echo(json.dumps(row))
        else:
            typer.echo(f"{t.id}\t{state}\t{t.name}\tlast used {row['lastUsedAt'] or 'never'}"
                       + (f"\tintegration {t.integration}" if t.integration else ""))


@token_app.command("revoke")
def token_revoke(token_id: int, account_id: AccountOption = None,
                 database_url: DbOption = None) -> None:
    """Revoke a token: the next request that presents it is refused, in every server
    process."""
    sc = Stagecoach(database_url)
    uow.run_conn(sc.engine, lambda conn: accounts.revoke_token(
        conn, _account(conn, account_id), token_id, now_ms()))
    typer.echo(f"Token {token_id} revoked.")
