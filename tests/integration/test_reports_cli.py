"""`stagecoach report ...` prints the same numbers as the API (rule 48)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stagecoach.api.app import create_app
from stagecoach.cli import _register, app
from tests.helpers import Acct
from tests.integration.test_reports_funnel import STAGES, build_paths

AS_OF = "2030-01-01T00:00:00.000Z"


def cli(acct: Acct, *args: str) -> str:
    _register()
    url = acct.sc.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["report", *args, "--database-url", url,
                                      "--account-id", str(acct.id)])
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_reports_equal_the_api_reports(acct: Acct):
    build_paths(acct)
    api = TestClient(create_app(acct.sc))
    api.headers["Authorization"] = f"Bearer {acct.token}"
    stages = ",".join(STAGES)
    cases = [
        ("funnel", ["--stages", stages, "--mode", "reached"],
         {"stages": stages, "mode": "reached"}),
        ("funnel", ["--breakdown", "hs_lead_status"], {"breakdown": "hs_lead_status"}),
        ("time-in-stage", ["--stages", stages, "--as-of", AS_OF],
         {"stages": stages, "asOf": AS_OF}),
        ("stage-changes", ["--interval", "day", "--from", "2023-11-14T00:00:00Z",
                           "--to", "2023-11-16T00:00:00Z"],
         {"interval": "day", "from": "2023-11-14T00:00:00Z", "to": "2023-11-16T00:00:00Z"}),
    ]
    for kind, args, params in cases:
        printed = json.loads(cli(acct, kind, *args, "--json"))
        assert printed == api.get(f"/lifecycle/v1/reports/{kind}", params=params).json()
        csv_text = cli(acct, kind, *args, "--csv")
        api_csv = api.get(f"/lifecycle/v1/reports/{kind}", params={**params, "format": "csv"})
        assert csv_text.replace("\r\n", "\n") == api_csv.text.replace("\r\n", "\n")


def test_cli_prints_a_table_by_default(acct: Acct):
    build_paths(acct)
    out = cli(acct, "funnel", "--stages", ",".join(STAGES))
    assert "nextStepConversion" in out and "0.75" in out
    lead_row = next(line for line in out.splitlines() if " lead " in line)
    assert "4" in lead_row


def test_cli_reports_bad_parameters_without_a_traceback(acct: Acct):
    _register()
    url = acct.sc.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["report", "funnel", "--stages", "nope",
                                      "--database-url", url, "--account-id", str(acct.id)])
    assert result.exit_code == 2
    assert "Unknown lifecycle stage" in result.output
