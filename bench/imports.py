"""Benchmark: importing N contacts (stages as values and labels, companies by email
domain, history) beside a raw baseline in the same run: a plain bulk load (executemany,
one transaction per 2,000 rows) of the same records and of as many history rows
(property and association history) and association rows as the import wrote.

    PYTHONPATH=src python -m bench imports [--db sqlite|postgres|both] [--rows 1000000]

The baseline writes through the same driver-level bulk path the import's store uses
(executemany on SQLite, COPY on PostgreSQL), so the ratio is the cost of the rules.
The import runs as `python -m stagecoach import` in a child process, so its peak memory
(max RSS) is its own. Prints one JSON object per database and a summary line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text

from stagecoach.library import Stagecoach
from stagecoach.store.core.bulk import insert_many
from stagecoach.store.importing.imports import refresh_statistics
from stagecoach.store.schema import (
    association_history,
    associations,
    imports,
    property_history,
    records,
)

PG_ADMIN = os.environ.get("STAGECOACH_BENCH_PG_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
STAGES = ["subscriber", "Lead", "marketing qualified lead", "SALESQUALIFIEDLEAD", "customer"]
CONTACTS_PER_COMPANY = 10
CHUNK = 2000


def fresh_url(db: str, name: str) -> str:
    if db == "sqlite":
        path = Path(tempfile.gettempdir()) / f"stagecoach-bench-{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "stagecoach_bench_{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "stagecoach_bench_{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/stagecoach_bench_{name}"


def write_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("email,firstname,lastname,lifecyclestage\n")
        for i in range(rows):
            f.write(f"person{i}@company{i // CONTACTS_PER_COMPANY}.test,First{i},Last{i},"
                    f"{STAGES[i % len(STAGES)]}\n")


def run_import(url: str, path: Path) -> dict[str, Any]:
    sc = Stagecoach(url)
    account = sc.create_account("Bench", "bench@example.test")
    sc.close()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "stagecoach", "import", str(path), "--object", "contacts",
         "--account-id", str(account.account_id), "--database-url", url],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"import failed: {out}")
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(select(imports).where(
            imports.c.account_id == account.account_id)).one()
        counts = {
            "records": _count(conn, records, account.account_id),
            "history": _count(conn, property_history, account.account_id),
            "associations": _count(conn, associations, account.account_id),
            "association_history": _count(conn, association_history, account.account_id),
        }
    engine.dispose()
    # ru_maxrss is in KiB on Linux.
    return {"seconds": (row.finished_at - row.created_at) / 1000, "state": row.state,
            "created": row.created_count, "errors": row.error_count,
            "peak_mb": round(usage.ru_maxrss / 1024, 1),
            "client_cpu_s": round(usage.ru_utime + usage.ru_stime, 2), **counts}


def _count(conn: Any, table: Any, account_id: int) -> int:
    return int(conn.execute(select(func.count()).where(
        table.c.account_id == account_id)).scalar_one())


def run_baseline(url: str, rows: int, counts: dict[str, int]) -> tuple[float, float]:
    """A plain bulk load of as many records, property and association history rows, and
    association rows as the import wrote."""
    sc = Stagecoach(url)
    account = sc.create_account("Baseline", "baseline@example.test").account_id
    engine: Engine = sc.engine
    n_records, n_history, n_assoc = counts["records"], counts["history"], counts["associations"]
    started, cpu = time.perf_counter(), time.process_time()
    for lo in range(0, n_records, CHUNK):
        if lo == CHUNK:
            # The same planner-statistics refresh the import does after its first chunk.
            with engine.begin() as conn:
                refresh_statistics(conn)
        with engine.begin() as conn:
            insert_many(conn, records, [
                {"account_id": account, "object_type": 1, "id": i + 1, "created_at": 1,
                 "updated_at": 1, "archived": False, "email": f"person{i}@company.test",
                 "domain": None, "lifecyclestage": "lead", "pipeline": None,
                 "dealstage": None,
                 "props": {"firstname": f"First{i}", "lastname": f"Last{i}",
                           "hs_lifecyclestage_lead_date": 1, "hs_v2_date_entered_lead": 1}}
                for i in range(lo, min(lo + CHUNK, n_records))])
    for lo in range(0, n_history, CHUNK):
        with engine.begin() as conn:
            insert_many(conn, property_history, [
                {"account_id": account, "id": j + 1, "object_type": 1,
                 "record_id": j % n_records + 1, "property": "firstname", "value": f"v{j}",
                 "old_value": None, "ts": 1, "source_type": "IMPORT", "source_id": "1",
                 "source_label": "bench", "user_id": None, "op_id": 1, "cause_kind": None,
                 "cause_id": None, "note": None}
                for j in range(lo, min(lo + CHUNK, n_history))])
    for lo in range(0, n_assoc, CHUNK):
        with engine.begin() as conn:
            insert_many(conn, associations, [
                {"account_id": account, "from_type": 1, "from_id": k % n_records + 1,
                 "to_type": 1, "to_id": k // n_records + 1, "type_id": 1000,
                 "created_at": 1}
                for k in range(lo, min(lo + CHUNK, n_assoc))])
    n_assoc_history = counts["association_history"]
    for lo in range(0, n_assoc_history, CHUNK):
        with engine.begin() as conn:
            insert_many(conn, association_history, [
                {"account_id": account, "id": k + 1, "op_id": 1, "from_type": 1,
                 "from_id": k % n_records + 1, "to_type": 2, "to_id": k // n_records + 1,
                 "type_id": 1, "action": "add", "ts": 1, "source_type": "IMPORT",
                 "source_id": "1", "user_id": None}
                for k in range(lo, min(lo + CHUNK, n_assoc_history))])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    sc.close()
    return seconds, cpu


def bench(db: str, rows: int, workdir: Path) -> dict[str, Any]:
    path = workdir / f"contacts-{rows}.csv"
    if not path.exists():
        write_file(path, rows)
    imported = run_import(fresh_url(db, "imports_import"), path)
    baseline, baseline_cpu = run_baseline(fresh_url(db, "imports_baseline"), rows, imported)
    result = {
        "db": db, "rows": rows, **imported,
        "rows_per_s": round(rows / imported["seconds"]),
        "baseline_seconds": round(baseline, 2),
        "baseline_rows_per_s": round(rows / baseline),
        # The client's own CPU time (on SQLite, nearly all of the work): a cross-check of
        # the wall-clock ratio on a machine whose load changes during the run.
        "baseline_client_cpu_s": round(baseline_cpu, 2),
        "ratio": round(baseline / imported["seconds"], 3),
    }
    print(json.dumps(result), flush=True)
    return result


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m bench imports")
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--rows", type=int, default=1_000_000)
    args = p.parse_args(argv)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory(prefix="stagecoach-bench-") as d:
        results = [bench(db, args.rows, Path(d)) for db in dbs]
    for r in results:
        print(f"{r['db']}: {r['rows']} contacts imported at {r['rows_per_s']} rows/s "
              f"(baseline {r['baseline_rows_per_s']} rows/s), ratio {r['ratio']:.2f} "
              f"(target >= 0.50), peak {r['peak_mb']} MB (target < 300)")


if __name__ == "__main__":
    main(sys.argv[1:])
