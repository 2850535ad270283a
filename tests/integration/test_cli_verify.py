"""`stagecoach verify` and `stagecoach jobs resume` from the command line (SQLite file)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import update
from typer.testing import CliRunner

from stagecoach.cli import _register, app
from stagecoach.library import Stagecoach
from stagecoach.services.lifecycle import backfill
from stagecoach.store.schema import records
from tests.helpers import Acct, C


def test_verify_exit_codes_json_and_fix(tmp_path: Path) -> None:
    _register()
    url = f"sqlite:///{tmp_path}/cli.db"
    sc = Stagecoach(url)
    acct = Acct.new(sc)
    cid = acct.contact(stage="lead")
    runner = CliRunner()
    ok = runner.invoke(app, ["verify", "--database-url", url, "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["count"] == 0
    with sc.engine.begin() as conn:
        conn.execute(update(records).where(records.c.id == cid).values(lifecyclestage="other"))
    bad = runner.invoke(app, ["verify", "--database-url", url])
    assert bad.exit_code == 1
    assert "lifecyclestage" in bad.output
    fixed = runner.invoke(app, ["verify", "--database-url", url, "--fix", "--json"])
    assert fixed.exit_code == 1 and json.loads(fixed.output)["fixed"] is True
    assert runner.invoke(app, ["verify", "--database-url", url]).exit_code == 0
    assert acct.stage(C, cid) == "lead"
    sc.close()


def test_jobs_resume_finishes_a_job_left_running(tmp_path: Path) -> None:
    _register()
    url = f"sqlite:///{tmp_path}/jobs.db"
    sc = Stagecoach(url)
    acct = Acct.new(sc)
    cid = acct.contact()
    acct.in_unit(lambda ctx: backfill.start(
        ctx, {"createDefault": {"enabled": True, "stage": "lead"}}))
    out = CliRunner().invoke(app, ["jobs", "resume", "--database-url", url])
    assert out.exit_code == 0, out.output
    assert "DONE" in out.output
    assert acct.stage(C, cid) == "lead"
    sc.close()
