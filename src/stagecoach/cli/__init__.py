"""The command line: `stagecoach init | serve | demo | import | report | verify | ...`.

Each command group lives in its own module and registers itself on `app`.
"""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Stagecoach: a CRM lifecycle-stage engine with a HubSpot-compatible API.")

DATABASE_HELP = ("Database URL: sqlite:///path.db (default sqlite:///stagecoach.db) or "
                 "postgresql://user@host/db. Also read from STAGECOACH_DATABASE_URL.")


def _register() -> None:
    # Imported for their side effect of adding commands to `app`.
    import stagecoach.cli.jobs  # noqa: F401
    import stagecoach.cli.verify  # noqa: F401
    from stagecoach.cli import serve, setup  # noqa: F401


def main() -> None:
    _register()
    app()
