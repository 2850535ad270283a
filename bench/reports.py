"""Benchmark: every lifecycle report over N contacts and M stage versions, beside the raw
baseline of the plainest SQL count over the same history rows, in the same run.

    PYTHONPATH=src python -m bench reports [--db sqlite|postgres|both]
        [--contacts 1000000] [--versions 10000000] [--repeat 3]

The data set is generated with bulk SQL (a fixture, not product code): contact r's k-th
version enters stage (k + r % 3) mod 8 (so some paths wrap back to subscriber, a backward
move), every 17th-ish version is a clear, versions are 3 days apart. Prints one JSON object
per line: {"db", "report", "seconds", "baseline_seconds", "ratio"} and a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, text

from stagecoach.domain.objects import ObjectType
from stagecoach.library import Stagecoach
from stagecoach.services.reporting import reports
from stagecoach.store.lifecycle import stage_paths as stage_paths_store
from stagecoach.store.lifecycle import stays
from stagecoach.store.schema import property_history, stage_paths, stage_stays, stay_exits

PG_ADMIN = os.environ.get("STAGECOACH_BENCH_PG_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BASE_TS = 1_600_000_000_000
DAY = 86_400_000
STAGE_CASE = ("CASE {e} WHEN 0 THEN 'subscriber' WHEN 1 THEN 'lead' "
              "WHEN 2 THEN 'marketingqualifiedlead' WHEN 3 THEN 'salesqualifiedlead' "
              "WHEN 4 THEN 'opportunity' WHEN 5 THEN 'customer' WHEN 6 THEN 'evangelist' "
              "ELSE 'other' END")
STATUS_CASE = ("CASE r % 4 WHEN 0 THEN 'NEW' WHEN 1 THEN 'OPEN' WHEN 2 THEN 'IN_PROGRESS' "
               "ELSE 'CONNECTED' END")


# Two runs side by side need their own data sets: STAGECOACH_BENCH_REPORTS_NAME=...
NAME = os.environ.get("STAGECOACH_BENCH_REPORTS_NAME", "stagecoach_bench_reports")


def _fresh_url(db: str) -> str:
    if db == "sqlite":
        path = os.path.join(tempfile.gettempdir(), f"{NAME}.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return f"sqlite:///{path}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{NAME}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{NAME}"


def _history_select(pg: bool, account_id: int, n: int) -> str:
    r = f"(j % {n} + 1)"
    k = f"(j / {n})"
    idx = f"(({k} + {r} % 3) % 8)"
    clear = f"(({r} * 13 + {k} * 7) % 17 = 0)"
    value = f"CASE WHEN {clear} THEN NULL ELSE {STAGE_CASE.format(e=idx)} END"
    ts = f"({BASE_TS} + {k} * 3 * {DAY} + ({r} * 7919) % {DAY})"
    return (f"SELECT {account_id}, j + 1, 1, {r}, 'lifecyclestage', {value}, {ts}, 'API', "
            f"0 {'FROM generate_series(0::bigint, :m - 1) AS s(j)' if pg else 'FROM seq'}")


def load(engine: Engine, account_id: int, n: int, m: int) -> None:
    pg = engine.dialect.name == "postgresql"
    records_sql = (
        "INSERT INTO records (account_id, object_type, id, created_at, updated_at, archived,"
        " props) {with_} SELECT {a}, 1, r, {base} + (r * 7919) % {day}, {base}, {false},"
        " {props} FROM {series}"
    ).format(
        with_="" if pg else "WITH RECURSIVE rs(r) AS (SELECT 1 UNION ALL SELECT r + 1 FROM rs"
                            " WHERE r < :n)",
        a=account_id, base=BASE_TS, day=DAY, false="false" if pg else "0",
        props=(f"jsonb_build_object('hs_lead_status', {STATUS_CASE})" if pg else
               f"json_object('hs_lead_status', {STATUS_CASE})"),
        series="generate_series(1::bigint, :n) AS s(r)" if pg else "rs",
    )
    history_sql = (
        "INSERT INTO property_history (account_id, id, object_type, record_id, property,"
        " value, ts, source_type, op_id) "
        + ("" if pg else "WITH RECURSIVE seq(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM seq"
                         " WHERE j < :m - 1) ")
        + _history_select(pg, account_id, n)
    )
    indexes = [*property_history.indexes, *stage_stays.indexes, *stay_exits.indexes]
    with engine.begin() as conn:
        for ix in indexes:
            ix.drop(conn)
    # SQLite checks foreign keys per row; the fixture is consistent by construction.
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if not pg:
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("BEGIN")
        else:
            cur.execute("SET session_replication_role = replica")
        t = time.perf_counter()
        cur.execute(records_sql.replace(":n", str(n)))
        cur.execute(history_sql.replace(":m", str(m)))
        raw.commit()
        print(f"# loaded {n} contacts, {m} versions in {time.perf_counter() - t:.1f}s",
              file=sys.stderr)
        # The stays reports read, derived from that history by the product's own rebuild
        # (what `stagecoach verify --fix` runs), as one INSERT ... SELECT.
        t = time.perf_counter()
        if pg:
            cur.execute("SET work_mem = '512MB'")
        else:
            cur.execute("BEGIN")
        for stmt in stays.derived_inserts(account_id, ObjectType.CONTACT):
            cur.execute(str(stmt.compile(dialect=engine.dialect,
                                         compile_kwargs={"literal_binds": True})))
        raw.commit()
        print(f"# derived stays in {time.perf_counter() - t:.1f}s", file=sys.stderr)
        # Each record's stage path (funnels over all time), derived from those stays.
        t = time.perf_counter()
        if not pg:
            cur.execute("BEGIN")
        paths = stage_paths.insert().from_select(
            stage_paths_store.COLUMNS, stage_paths_store.derived(
                account_id, ObjectType.CONTACT, pg))
        cur.execute(str(paths.compile(dialect=engine.dialect,
                                      compile_kwargs={"literal_binds": True})))
        raw.commit()
        print(f"# derived paths in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    finally:
        raw.close()
    t = time.perf_counter()
    with engine.begin() as conn:
        for ix in indexes:
            ix.create(conn)
    print(f"# indexed in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    t = time.perf_counter()
    with engine.begin() as conn:  # each contact's current stage: its open stay's
        conn.execute(text(
            "UPDATE records SET lifecyclestage = s.stage, stage_entered_at = s.entered_at"
            " FROM stage_stays AS s WHERE s.account_id = records.account_id"
            " AND s.object_type = records.object_type AND s.record_id = records.id"
            " AND records.account_id = :a AND NOT EXISTS (SELECT 1 FROM stay_exits AS x"
            " WHERE x.account_id = s.account_id AND x.stay_id = s.id)"), {"a": account_id})
    print(f"# current stages in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    if pg:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE property_history"))
            conn.execute(text("VACUUM ANALYZE records"))
            conn.execute(text("VACUUM ANALYZE stage_stays"))
            conn.execute(text("VACUUM ANALYZE stay_exits"))
            conn.execute(text("VACUUM ANALYZE stage_paths"))
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def _timed(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


F, T, SC = (reports.ReportKind.FUNNEL, reports.ReportKind.TIME_IN_STAGE,
            reports.ReportKind.STAGE_CHANGES)
BY = {"breakdown": "hs_lead_status"}
AS_OF = {"asOf": BASE_TS + 15 * DAY}  # the middle of the generated history
RANGE = {"from": BASE_TS + 6 * DAY, "to": BASE_TS + 21 * DAY}
REPORTS: dict[str, tuple[reports.ReportKind, dict[str, object]]] = {
    "funnel-ordered": (F, {"mode": "ordered"}),
    "funnel-any": (F, {"mode": "any"}),
    "funnel-reached": (F, {"mode": "reached"}),
    "funnel-ordered-breakdown": (F, {"mode": "ordered", **BY}),
    "funnel-any-breakdown": (F, {"mode": "any", **BY}),
    "funnel-reached-breakdown": (F, {"mode": "reached", **BY}),
    "funnel-ordered-asof": (F, {"mode": "ordered", **AS_OF}),
    "funnel-any-range": (F, {"mode": "any", **RANGE}),
    "funnel-reached-asof": (F, {"mode": "reached", **AS_OF}),
    "time-in-stage": (T, {}),
    "time-in-stage-asof": (T, AS_OF),
    "time-in-stage-range": (T, RANGE),
    "stage-changes-day": (SC, {"interval": "day"}),
    "stage-changes-week": (SC, {"interval": "week"}),
    "stage-changes-month": (SC, {"interval": "month"}),
    "stage-changes-asof": (SC, {"interval": "week", **AS_OF}),
}


def _url(db: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{os.path.join(tempfile.gettempdir(), f'{NAME}.db')}"
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{NAME}"


def run_db(db: str, n: int, m: int, repeat: int, only: list[str] | None,
           reuse: bool = False) -> list[dict[str, Any]]:
    if reuse:
        # The data set left by a previous run (its size is whatever that run loaded).
        sc = Stagecoach(_url(db))
        with sc.engine.connect() as conn:
            account_id = conn.execute(text(
                "SELECT account_id FROM accounts WHERE name = 'Bench'")).scalar_one()
            n = conn.execute(text("SELECT count(*) FROM records WHERE account_id = :a"),
                             {"a": account_id}).scalar_one()
    else:
        sc = Stagecoach(_fresh_url(db))
        account_id = sc.create_account("Bench", "bench@example.test", now=BASE_TS).account_id
        load(sc.engine, account_id, n, m)
    baseline_sql = text("SELECT count(*) FROM property_history WHERE account_id = :a AND "
                        "object_type = 1 AND property = 'lifecyclestage'")

    def baseline() -> int:
        with sc.engine.connect() as conn:
            return int(conn.execute(baseline_sql, {"a": account_id}).scalar_one())

    rows_seen = baseline()
    now = BASE_TS + 400 * DAY
    out = []
    for name, (kind, raw) in REPORTS.items():
        if only and name not in only:
            continue

        def report(kind: reports.ReportKind = kind, raw: dict[str, object] = raw) -> object:
            return sc.run(account_id, lambda ctx: reports.run(ctx, kind, raw),
                          now=now, readonly=True)

        report()  # warm the caches the baseline also enjoys
        base_s = _timed(baseline, repeat)
        rep_s = _timed(report, repeat)
        row = {"bench": "reports", "db": db, "contacts": n, "versions": rows_seen,
               "report": name, "seconds": round(rep_s, 3),
               "baseline_seconds": round(base_s, 3), "ratio": round(rep_s / base_s, 2)}
        print(json.dumps(row), flush=True)
        out.append(row)
    sc.close()
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench reports", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--contacts", type=int, default=1_000_000)
    ap.add_argument("--versions", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", nargs="*", help="report names to run (default: all)")
    ap.add_argument("--reuse", action="store_true",
                    help="measure on the data set a previous run left instead of loading")
    args = ap.parse_args(argv)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    rows = []
    for db in dbs:
        rows += run_db(db, args.contacts, args.versions, args.repeat, args.only, args.reuse)
    worst = max((r["ratio"] for r in rows), default=0)
    print(json.dumps({"bench": "reports", "summary": True, "worst_ratio": worst,
                      "within_2x": worst <= 2.0}))


if __name__ == "__main__":
    main()
