"""The command line: `stagecoach init | serve | demo | import | report | verify | ...`.

Each command group lives in its own module and registers itself on `app`.
"""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Stagecoach: a CRM lifecycle-stage engine with a HubSpot-compatible API.")

DATABASE_HELP = ("Database URL: sqlite:///path.db (default sqlite:///stagecoach.db) or "
                 "postgresql://user@host/db. Also read from STAGECOACH_DATABASE_URL.")


def _register() -> None:
    # Imported for their side effect of adding commands to `app`.
    from stagecoach.cli import (  # noqa: F401
        demo,
        imports,
        jobs,
        report,
        serve,
        setup,
        tokens,
        verify,
        worker,
    )


def main() -> None:
    from stagecoach.domain.errors import DomainError

    _register()
    try:
        app()
    except DomainError as exc:
        # A clear message, not a traceback, for anything the rules refuse.
        typer.echo(f"Error: {exc.message}", err=True)
        raise SystemExit(2) from None
