"""A company with N primary contacts moves to Customer with sync on: every contact follows,
with history and derived dates. Measured beside a raw baseline in the same process and
database: one plain UPDATE of the same rows plus a bulk insert of as many history rows.

    python -m bench cascade [--sizes 10000,100000] [--databases sqlite,postgres]

Prints one JSON object per line: {"workload", "database", "contacts", "engine_s",
"baseline_s", "ratio"}.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from typing import Any

from sqlalchemy import create_engine, select, text, update

from stagecoach.domain import lifecycle_dates as ld
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.library import Stagecoach
from stagecoach.services.core import writes
from stagecoach.services.lifecycle import settings
from stagecoach.services.records import records as record_service
from stagecoach.services.records.records import NewRecord
from stagecoach.store.core import ids
from stagecoach.store.lifecycle import stays
from stagecoach.store.schema import associations, property_history, records

C, CO = ObjectType.CONTACT, ObjectType.COMPANY
UI = Source(SourceType.CRM_UI, None, "web app", user_id=1)
T0 = 1_700_000_000_000
PG_ADMIN = os.environ.get("STAGECOACH_BENCH_PG_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CHUNK = 5000


def _populate(sc: Stagecoach, account_id: int, company: int, n: int) -> list[int]:
    """N lead contacts with history and dates, primary to `company` (bulk, untimed)."""
    with sc.unit(account_id, T0) as ctx:
        conn = ctx.conn
        rids = ids.take(conn, account_id, "record", n)
        hids = ids.take(conn, account_id, "history", n)
        props = {ld.became_key("lead"): T0, ld.entered_key("lead"): T0}
        if conn.dialect.name == "postgresql":
            _populate_pg(conn, account_id, company, rids, hids, props)
        else:
            _populate_sqlite(conn, account_id, company, rids, hids, props)
        # Their open stays (what reports read), so the cascade closes them as it would.
        stays.rebuild(conn, account_id, C, rids[0], rids[-1])
    return rids


def _populate_sqlite(conn: Any, account_id: int, company: int, rids: list[int],
                     hids: list[int], props: dict[str, int]) -> None:
    for i in range(0, len(rids), CHUNK):
            part = list(zip(rids[i:i + CHUNK], hids[i:i + CHUNK], strict=True))
            conn.execute(records.insert(), [
                {"account_id": account_id, "object_type": int(C), "id": r, "created_at": T0,
                 "updated_at": T0, "archived": False, "lifecyclestage": "lead", "props": props}
                for r, _ in part])
            conn.execute(property_history.insert(), [
                {"account_id": account_id, "id": h, "object_type": int(C), "record_id": r,
                 "property": "lifecyclestage", "value": "lead", "old_value": None, "ts": T0,
                 "source_type": "IMPORT", "op_id": 0} for r, h in part])
            conn.execute(associations.insert(), [
                {"account_id": account_id, "from_type": f, "from_id": a, "to_type": t,
                 "to_id": b, "type_id": tid, "created_at": T0}
                for r, _ in part
                for f, a, t, b, tid in ((1, r, 2, company, 1), (1, r, 2, company, 279),
                                        (2, company, 1, r, 2), (2, company, 1, r, 280))])


def _populate_pg(conn: Any, account_id: int, company: int, rids: list[int], hids: list[int],
                 props: dict[str, int]) -> None:
    """The same population server-side (unnest), which psycopg's executemany would take
    minutes to send."""
    params = {"a": account_id, "t": T0, "co": company, "rids": rids, "hids": hids,
              "p": json.dumps(props)}
    conn.execute(text(
        "INSERT INTO records (account_id, object_type, id, created_at, updated_at, archived, "
        "lifecyclestage, props) SELECT :a, 1, r, :t, :t, false, 'lead', CAST(:p AS jsonb) "
        "FROM unnest(CAST(:rids AS bigint[])) AS r"), params)
    # Statistics that still say "a handful of records" make every foreign-key check of the
    # history insert below scan the account (see store/importing/imports.py refresh_statistics).
    conn.execute(text("ANALYZE records"))
    conn.execute(text(
        "INSERT INTO property_history (account_id, id, object_type, record_id, property, value, "
        "ts, source_type, op_id) SELECT :a, h, 1, r, 'lifecyclestage', 'lead', :t, 'IMPORT', 0 "
        "FROM unnest(CAST(:rids AS bigint[]), CAST(:hids AS bigint[])) AS u(r, h)"), params)
    conn.execute(text(
        "INSERT INTO associations (account_id, from_type, from_id, to_type, to_id, type_id, "
        "created_at) SELECT :a, v.ft, CASE WHEN v.ft = 1 THEN r ELSE :co END, v.tt, "
        "CASE WHEN v.ft = 1 THEN :co ELSE r END, v.tid, :t "
        "FROM unnest(CAST(:rids AS bigint[])) AS r, "
        "(VALUES (1, 2, 1), (1, 2, 279), (2, 1, 2), (2, 1, 280)) AS v(ft, tt, tid)"), params)


def _baseline(sc: Stagecoach, account_id: int, company: int, n: int) -> float:
    """The same rows, the plainest way: one UPDATE, one bulk INSERT of n history rows."""
    R, A = records.c, associations.c
    start = time.perf_counter()
    with sc.unit(account_id, T0 + 2) as ctx:
        conn = ctx.conn
        conn.execute(update(records).where(
            R.account_id == account_id, R.object_type == int(C),
            R.id.in_(select(A.from_id).where(A.account_id == account_id, A.to_type == int(CO),
                                             A.to_id == company, A.type_id == 1,
                                             A.from_type == int(C))))
            .values(lifecyclestage="customer", updated_at=T0 + 2))
        rids = [r[0] for r in conn.execute(select(A.from_id).where(
            A.account_id == account_id, A.to_type == int(CO), A.to_id == company,
            A.type_id == 1, A.from_type == int(C)))]
        hids = ids.take(conn, account_id, "history", len(rids))
        conn.execute(property_history.insert(), [
            {"account_id": account_id, "id": h, "object_type": int(C), "record_id": r,
             "property": "lifecyclestage", "value": "customer", "old_value": "lead",
             "ts": T0 + 2, "source_type": "LIFECYCLE_AUTOMATION", "op_id": 0}
            for r, h in zip(rids, hids, strict=True)])
    assert len(rids) == n
    return time.perf_counter() - start


def _engine(sc: Stagecoach, account_id: int, company: int) -> float:
    start = time.perf_counter()
    with sc.unit(account_id, T0 + 1) as ctx:
        writes.write(ctx, CO, [writes.ItemWrite(company, {"lifecyclestage": "customer"})], UI)
    return time.perf_counter() - start


def _company(sc: Stagecoach, account_id: int) -> int:
    with sc.unit(account_id, T0) as ctx:
        made = record_service.create(ctx, CO, [NewRecord({"lifecyclestage": "lead"})], UI)
    rid = made[0].record_id
    assert rid is not None
    return rid


def run_one(url: str, database: str, n: int) -> dict[str, Any]:
    sc = Stagecoach(url)
    try:
        acct = sc.create_account(f"bench {n}", f"bench{n}@example.test", now=T0)
        with sc.unit(acct.account_id, T0) as ctx:
            settings.patch(ctx, {"syncWithPrimaryCompany": True})
        # Two companies with the same population: one for the engine, one for the baseline.
        engine_co, base_co = _company(sc, acct.account_id), _company(sc, acct.account_id)
        moved = _populate(sc, acct.account_id, engine_co, n)
        _populate(sc, acct.account_id, base_co, n)
        _settle(sc, database)
        # The baseline runs before and after the engine; the faster of the two counts, so
        # that the ratio errs against the engine on a noisy machine.
        first = _baseline(sc, acct.account_id, base_co, n)
        _settle(sc, database)
        engine = _engine(sc, acct.account_id, engine_co)
        _settle(sc, database)
        baseline = min(first, _baseline(sc, acct.account_id, base_co, n))
        with sc.unit(acct.account_id, T0 + 3, readonly=True) as ctx:
            R = records.c
            customers = ctx.conn.execute(select(R.id).where(
                R.account_id == acct.account_id, R.id.in_(moved[:1000]),
                R.lifecyclestage == "customer")).all()
        assert len(customers) == min(n, 1000), "the cascade did not move every contact"
        return {"workload": "cascade", "database": database, "contacts": n,
                "engine_s": round(engine, 4), "baseline_s": round(baseline, 4),
                "ratio": round(engine / baseline, 3)}
    finally:
        sc.close()


def _settle(sc: Stagecoach, database: str) -> None:
    """Leave no pending background work (WAL checkpoint, statistics) to the next timing."""
    if database == "postgresql":
        with sc.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.execute(text("CHECKPOINT"))
            conn.commit()
        return
    raw = sc.engine.raw_connection()  # autocommit: a checkpoint cannot run in a transaction
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    finally:
        raw.close()


def _pg_url(name: str) -> str:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def _drop_pg(name: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench cascade")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    for database in [d.strip() for d in args.databases.split(",") if d.strip()]:
        for n in sizes:
            if database == "sqlite":
                with tempfile.TemporaryDirectory(prefix="stagecoach-bench-") as d:
                    result = run_one(f"sqlite:///{d}/bench.db", "sqlite", n)
            else:
                name = f"stagecoach_bench_{os.getpid()}"
                try:
                    result = run_one(_pg_url(name), "postgresql", n)
                finally:
                    _drop_pg(name)
            print(json.dumps(result), flush=True)
    return 0
