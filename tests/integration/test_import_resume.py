"""Imports commit per chunk with their progress: a process killed in the middle of a file
resumes exactly after its last committed chunk, without duplicating or losing a row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from stagecoach.services.importing.imports import FIRST_CHUNK
from stagecoach.store.importing import imports as store
from stagecoach.store.importing.imports import State
from stagecoach.store.schema import import_errors, property_history, records
from tests.helpers import Acct

ROWS = 6000
CHUNK = 150
STAGES = ["subscriber", "Lead", "MARKETINGQUALIFIEDLEAD", "wizard"]


def expected_stage(i: int) -> str | None:
    raw = STAGES[i % len(STAGES)]
    return None if raw == "wizard" else raw.lower().replace("marketingqualifiedlead",
                                                            "marketingqualifiedlead")


def cli(acct: Acct, path: Path) -> subprocess.Popen[bytes]:
    url = acct.sc.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(Path.cwd() / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "stagecoach", "import", str(path), "--object", "contacts",
         "--account-id", str(acct.id), "--database-url", url, "--chunk-rows", str(CHUNK)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def progress(acct: Acct) -> tuple[str, int] | None:
    with acct.ctx_readonly() as ctx:
        found = ctx.conn.execute(select(store.I.state, store.I.next_row).where(
            store.I.account_id == acct.id)).first()
    return (found[0], found[1]) if found else None


def test_killed_import_resumes_after_its_last_committed_chunk(acct: Acct,
                                                              tmp_path: Path) -> None:
    f = tmp_path / "people.csv"
    with f.open("w", encoding="utf-8") as out:
        out.write("email,firstname,lifecyclestage\n")
        for i in range(1, ROWS + 1):
            out.write(f"p{i}@example.test,Name{i},{STAGES[i % len(STAGES)]}\n")

    proc = cli(acct, f)
    deadline = time.time() + 120
    while time.time() < deadline:
        seen = progress(acct)
        if seen and seen[1] >= ROWS // 4:
            break
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    state, committed = progress(acct) or ("", 0)
    assert state == State.PROCESSING.value
    # A chunk boundary: the small first chunk, then whole chunks.
    assert 0 < committed < ROWS and (committed - FIRST_CHUNK) % CHUNK == 0

    again = cli(acct, f)
    output = again.communicate(timeout=300)[0].decode()
    assert again.returncode == 0, output
    assert "Resuming import" in output

    with acct.ctx_readonly() as ctx:
        imp = store.list_for_account(ctx.conn, acct.id, 10, 0)
        assert len(imp) == 1
        done = imp[0]
        rows = {r.email: r for r in ctx.conn.execute(select(records).where(
            records.c.account_id == acct.id, records.c.object_type == 1))}
        stage_versions = dict(ctx.conn.execute(
            select(property_history.c.record_id, func.count())
            .where(property_history.c.account_id == acct.id,
                   property_history.c.property == "lifecyclestage")
            .group_by(property_history.c.record_id)).all())
        error_rows = [r.row_number for r in ctx.conn.execute(
            select(import_errors.c.row_number).where(import_errors.c.account_id == acct.id)
            .order_by(import_errors.c.row_number))]
    assert done.state is State.DONE and done.next_row == ROWS
    bad = [i for i in range(1, ROWS + 1) if STAGES[i % len(STAGES)] == "wizard"]
    assert error_rows == bad
    assert done.errors == len(bad) and done.created == ROWS - len(bad)
    assert len(rows) == ROWS - len(bad)
    for i in range(1, ROWS + 1):
        row = rows.get(f"p{i}@example.test")
        if i in bad:
            assert row is None
            continue
        assert row is not None, i
        assert row.lifecyclestage == expected_stage(i), i
        assert row.props["firstname"] == f"Name{i}"
        assert stage_versions[row.id] == 1, i  # written once: nothing applied twice
