"""`stagecoach report funnel | time-in-stage | stage-changes`: the API's reports on the
command line, through the same use case, so the numbers are the same (rule 48)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from stagecoach.cli import DATABASE_HELP, app
from stagecoach.domain.errors import DomainError
from stagecoach.domain.report_results import ReportResult, to_csv
from stagecoach.domain.reports import ReportKind
from stagecoach.library import Stagecoach
from stagecoach.services.reporting import reports

report_app = typer.Typer(help="Lifecycle reports: funnel, time in stage, stage changes.",
                         no_args_is_help=True)
app.add_typer(report_app, name="report")
console = Console()

Db = Annotated[str | None, typer.Option("--database-url", help=DATABASE_HELP)]
Account = Annotated[int, typer.Option("--account-id", help="The account to report on.")]
Obj = Annotated[str, typer.Option("--object", help="contacts or companies.")]
Stages = Annotated[str | None, typer.Option(help="Comma-separated stages (default: all, "
                                                 "in order).")]
From = Annotated[str | None, typer.Option("--from", help="ISO datetime; default: all time.")]
To = Annotated[str | None, typer.Option("--to", help="ISO datetime; default: all time.")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Compute as the data stood then.")]
Breakdown = Annotated[str | None, typer.Option(help="An enumeration property to split by.")]
Filters = Annotated[str | None, typer.Option("--filter-groups",
                                             help="filterGroups as JSON text (a segment).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the API's JSON.")]
AsCsv = Annotated[bool, typer.Option("--csv", help="Print the API's CSV.")]


def _run(kind: ReportKind, database_url: str | None, account_id: int,
         raw: dict[str, object], as_json: bool, as_csv: bool) -> None:
    params = {k: v for k, v in raw.items() if v is not None}
    sc = Stagecoach(database_url)
    try:
        result: ReportResult = sc.run(  # type: ignore[assignment]
            account_id, lambda ctx: reports.run(ctx, kind, params), readonly=True)
    except DomainError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    finally:
        sc.close()
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
    elif as_csv:
        typer.echo(to_csv(result.table()), nl=False)
    else:
        header, rows = result.table()
        table = Table(title=f"{kind.value} ({result.object_type.plural})")
        for col in header:
            table.add_column(col, justify="left" if col in ("stage", "breakdown", "start")
                             else "right")
        for row in rows:
            table.add_row(*("—" if c is None else str(c) for c in row))
        console.print(table)


@report_app.command("funnel")
def funnel(
    account_id: Account, database_url: Db = None, object_type: Obj = "contacts",
    stages: Stages = None,
    mode: Annotated[str, typer.Option(help="ordered, any or reached.")] = "ordered",
    from_: From = None, to: To = None, as_of: AsOf = None, breakdown: Breakdown = None,
    filter_groups: Filters = None, as_json: AsJson = False, as_csv: AsCsv = False,
) -> None:
    """Counts and conversions of each step of a funnel of stages."""
    _run(ReportKind.FUNNEL, database_url, account_id,
         {"objectType": object_type, "stages": stages, "mode": mode, "from": from_, "to": to,
          "asOf": as_of, "breakdown": breakdown, "filterGroups": filter_groups},
         as_json, as_csv)


@report_app.command("time-in-stage")
def time_in_stage(
    account_id: Account, database_url: Db = None, object_type: Obj = "contacts",
    stages: Stages = None, from_: From = None, to: To = None, as_of: AsOf = None,
    breakdown: Breakdown = None, filter_groups: Filters = None,
    as_json: AsJson = False, as_csv: AsCsv = False,
) -> None:
    """Median, 90th percentile and mean of completed stays; who is in each stage now."""
    _run(ReportKind.TIME_IN_STAGE, database_url, account_id,
         {"objectType": object_type, "stages": stages, "from": from_, "to": to,
          "asOf": as_of, "breakdown": breakdown, "filterGroups": filter_groups},
         as_json, as_csv)


@report_app.command("stage-changes")
def stage_changes(
    account_id: Account, database_url: Db = None, object_type: Obj = "contacts",
    stages: Stages = None,
    interval: Annotated[str, typer.Option(help="day, week or month.")] = "week",
    from_: From = None, to: To = None, as_of: AsOf = None, breakdown: Breakdown = None,
    filter_groups: Filters = None, as_json: AsJson = False, as_csv: AsCsv = False,
) -> None:
    """Entries into each stage per day, week or month (re-entries included)."""
    _run(ReportKind.STAGE_CHANGES, database_url, account_id,
         {"objectType": object_type, "stages": stages, "interval": interval, "from": from_,
          "to": to, "asOf": as_of, "breakdown": breakdown, "filterGroups": filter_groups},
         as_json, as_csv)
