"""Creates of contacts over real HTTP against real `stagecoach serve` processes, beside a raw
baseline taken in the same run.

    PYTHONPATH=src python -m bench api_http [--databases sqlite,postgresql] [--workers 1,2]
        [--seconds 6] [--clients 4] [--batch 100] [--pg-admin-url URL]

For each database and number of server processes: a fresh database (a SQLite file, a new
PostgreSQL database), `stagecoach init --json` for an account and token, `stagecoach serve
--workers N`, then for a fixed time (a) single creates `POST /crm/v3/objects/contacts` and
(b) batch creates of `--batch` inputs, each from `--clients` concurrent keep-alive
connections driven by a separate client process (http.client, request bodies built from a
template: the client's own CPU per request is measured and printed, so one can see that it
is not the bottleneck). Contacts are realistic: email at one of a few hundred company
domains (so rule 27's company association by domain runs, as in production), first and last
name, lifecycle stage `lead`.

The raw baseline, on the same database in the same run: the rows the product inserts for one
such contact (its `records` row, every history version its create wrote, its associations
both ways and their history, its first stay and its stage path, copied from a contact the
server created) inserted through the database driver itself (sqlite3 / psycopg), one
transaction per record, one connection. Targets (the API issue): single creates at least
50% of the raw baseline; batch creates at least 20,000 records/s on SQLite.

Prints one JSON object per measurement, then a table with the ratios.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("STAGECOACH_PG_ADMIN_URL",
                              "postgresql://postgres@127.0.0.1:5432/postgres")
DOMAINS = 300
SINGLE_TARGET = 0.5
BATCH_TARGET = 20_000


# ---------------------------------------------------------------- the load generator


def _contact(k: int, tag: str, domain: int | None = None) -> str:
    # Built as text from a template: encoding JSON per request would cost the client more
    # than needed, and the point is to measure the server.
    d = k % DOMAINS if domain is None else domain
    return (f'{{"properties":{{"email":"ann.lee.{tag}{k}@firm{d}.test",'
            f'"firstname":"Ann","lastname":"Lee {k}","lifecyclestage":"lead"}}}}')


def _client_thread(port: int, token: str, batch: int, deadline: float, tag: str,
                   out: list[tuple[int, int, int]]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    path = ("/crm/v3/objects/contacts/batch/create" if batch
            else "/crm/v3/objects/contacts")
    k = requests = records = failures = 0
    # Each connection picks companies at random, as independent API clients would (in
    # lockstep they would all queue on the same company rows).
    pick = random.Random(tag).randrange
    while time.perf_counter() < deadline:
        if batch:
            body = '{"inputs":[' + ",".join(_contact(k + i, tag, pick(DOMAINS))
                                            for i in range(batch)) + "]}"
            k += batch
        else:
            body = _contact(k, tag, pick(DOMAINS))
            k += 1
        conn.request("POST", path, body.encode(), headers)
        resp = conn.getresponse()
        payload = resp.read()
        requests += 1
        if resp.status == 201:
            records += batch or 1
        else:
            failures += 1
            if failures <= 3:
                print(f"client: {resp.status} {payload[:300]!r}", file=sys.stderr)
    conn.close()
    out.append((requests, records, failures))


def _client_process(port: int, token: str, batch: int, clients: int, seconds: float,
                    tag: str, result: Any) -> None:
    """One process, `clients` threads each with its own keep-alive connection."""
    cpu0 = time.process_time()
    start = time.perf_counter()
    deadline = start + seconds
    out: list[tuple[int, int, int]] = []
    threads = [threading.Thread(target=_client_thread,
                                args=(port, token, batch, deadline, f"{tag}t{i}x", out))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.put({"elapsed": time.perf_counter() - start, "client_cpu": time.process_time() - cpu0,
                "requests": sum(o[0] for o in out), "records": sum(o[1] for o in out),
                "failures": sum(o[2] for o in out)})


# ---------------------------------------------------------------- servers and databases


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its descendants, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += cpu.get(p, 0.0)
        todo.extend(children.get(p, []))
    return total


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _env() -> dict[str, str]:
    # The rate limiter stays on (it is part of every request's path) with a limit the
    # benchmark cannot reach.
    path = os.pathsep.join(p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, "STAGECOACH_RATE_LIMIT": "1000000000"}


def _init(url: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "stagecoach", "init", "--database-url", url,
                          "--json"], capture_output=True, env=_env())
    if out.returncode != 0:
        raise RuntimeError(f"stagecoach init failed: {out.stderr.decode()[-3000:]}")
    return json.loads(out.stdout.decode().strip().splitlines()[-1])  # type: ignore[no-any-return]


def _serve(url: str, workers: int, log_dir: Path) -> Server:
    port = _free_port()
    log = log_dir / f"server-{port}.log"
    with open(log, "wb") as f:
        proc = subprocess.Popen([sys.executable, "-m", "stagecoach", "serve", "--database-url",
                                 url, "--port", str(port), "--workers", str(workers)],
                                stdout=f, stderr=subprocess.STDOUT, env=_env())
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                c.close()
                # Every worker answers: give the others a moment to come up too.
                time.sleep(1.0 if workers > 1 else 0.2)
                return Server(proc, port, log)
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def _fresh_pg(name: str, admin_url: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def _analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute("ANALYZE")


def _drop_pg(name: str, admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- the raw baseline


def _dbapi(url: str) -> Any:
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        # The product's own pragmas (store/core/db.py), so the baseline pays the same commit cost.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn
    import psycopg

    return psycopg.connect(url)


def _rows_of(conn: Any, sqlite: bool, sql: str, params: tuple[Any, ...]
             ) -> tuple[list[str], list[list[Any]]]:
    cur = conn.execute(sql.replace("%s", "?") if sqlite else sql, params)
    cols = [d[0] for d in cur.description]
    rows = [list(r) for r in cur.fetchall()]
    if not sqlite:
        conn.rollback()
    return cols, rows


class _Rows:
    """One table's rows written for the model contact, and how to re-key them per copy."""

    def __init__(self, table: str, cols: list[str], rows: list[list[Any]], ph: str,
                 fresh: tuple[str, ...] = (), contact: tuple[str, ...] = ()) -> None:
        self.cols, self.rows = cols, rows
        self.sql = (f'INSERT INTO {table} ({", ".join(cols)}) '
                    f'VALUES ({", ".join([ph] * len(cols))})')
        # Columns that take a new unique id per copy, and those that name the contact.
        self.fresh = [cols.index(c) for c in fresh]
        self.contact = [cols.index(c) for c in contact]

    def copy(self, model_id: int, new_id: int, unique: int) -> list[list[Any]]:
        out = []
        for j, r in enumerate(self.rows):
            row = list(r)
            for i in self.fresh:
                row[i] = unique * 100 + j
            for i in self.contact:
                if row[i] == model_id:
                    row[i] = new_id
            out.append(row)
        return out


def raw_baseline(url: str, account_id: int, token: str, port: int, seconds: float,
                 per_transaction: int = 1) -> dict[str, Any]:
    """Records per second for the same inserts, one transaction per record (or, to show
    the floor under batch creates, `per_transaction` records' rows per transaction).

    "The same inserts" are every row the product inserted for one contact created through
    the API: its `records` row, every history version its create wrote (its own and the
    association count of its company), its associations both ways and their history, its
    first stay and its stage path. Each copy gets a new contact id and new row ids."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    model = _contact(0, f"rawmodel{per_transaction}x").encode()
    conn.request("POST", "/crm/v3/objects/contacts", model,
                 {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    resp = conn.getresponse()
    model_id = int(json.loads(resp.read())["id"])
    conn.close()
    sqlite = url.startswith("sqlite")
    db = _dbapi(url)
    ph = "?" if sqlite else "%s"
    a, m = account_id, model_id
    ops = f"SELECT DISTINCT op_id FROM property_history WHERE account_id = {a} " \
          f"AND object_type = 1 AND record_id = {m}"
    selects = {
        "records": (f"SELECT * FROM records WHERE account_id = {a} AND object_type = 1 "
                    f"AND id = {m}", (), ("id",)),
        "property_history": (f"SELECT * FROM property_history WHERE account_id = {a} "
                             f"AND op_id IN ({ops})", ("id",), ("record_id",)),
        "associations": (f"SELECT * FROM associations WHERE account_id = {a} AND "
                         f"((from_type = 1 AND from_id = {m}) OR (to_type = 1 AND to_id = {m}))",
                         (), ("from_id", "to_id")),
        "association_history": (f"SELECT * FROM association_history WHERE account_id = {a} "
                                f"AND op_id IN ({ops})", ("id",), ("from_id", "to_id")),
        "stage_stays": (f"SELECT * FROM stage_stays WHERE account_id = {a} AND "
                        f"object_type = 1 AND record_id = {m}", ("id",), ("record_id",)),
        "stage_paths": (f"SELECT * FROM stage_paths WHERE account_id = {a} AND "
                        f"object_type = 1 AND record_id = {m}", (), ("record_id",)),
    }
    tables = []
    for name, (sql, fresh, contact) in selects.items():
        cols, rows = _rows_of(db, sqlite, sql, ())
        if not sqlite:
            from psycopg.types.json import Jsonb

            rows = [[Jsonb(v) if isinstance(v, dict) else v for v in r] for r in rows]
        tables.append(_Rows(name, cols, rows, ph, fresh, contact))
    email = tables[0].cols.index("email")
    # Ids and emails no other run in this database uses.
    base = 10**12 + os.getpid() * 10**7 + (0 if per_transaction == 1 else 5 * 10**6)
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        copies: list[list[list[Any]]] = [[] for _ in tables]
        for _ in range(per_transaction):
            n += 1
            new_id = base + n
            for rows, t in zip(copies, tables, strict=True):
                rows += t.copy(model_id, new_id, new_id)
            copies[0][-1][email] = f"raw{per_transaction}.{n}@firm{n % DOMAINS}.test"
        if sqlite:
            db.execute("BEGIN IMMEDIATE")
            for t, rows in zip(tables, copies, strict=True):
                db.executemany(t.sql, rows)
            db.execute("COMMIT")
        else:
            with db.cursor() as cur:
                for t, rows in zip(tables, copies, strict=True):
                    cur.executemany(t.sql, rows)
            db.commit()
    elapsed = time.perf_counter() - start
    db.close()
    return {"records": n, "elapsed": elapsed, "records_per_s": n / elapsed,
            "rows_per_record": {t.sql.split()[2]: len(t.rows) for t in tables},
            "history_rows_per_record": len(tables[1].rows)}


# ---------------------------------------------------------------- one measurement


def drive(port: int, token: str, batch: int, clients: int, seconds: float, tag: str,
          server_pid: int) -> dict[str, Any]:
    result: Any = mp.get_context("spawn").Queue()
    cpu0 = _tree_cpu(server_pid)
    proc = mp.get_context("spawn").Process(
        target=_client_process, args=(port, token, batch, clients, seconds, tag, result))
    proc.start()
    got = result.get(timeout=seconds + 300)
    proc.join()
    server_cpu = _tree_cpu(server_pid) - cpu0
    requests = max(1, got["requests"])
    return {
        "records": got["records"], "requests": got["requests"], "failures": got["failures"],
        "elapsed_s": round(got["elapsed"], 2),
        "records_per_s": round(got["records"] / got["elapsed"], 1),
        "ms_per_request": round(got["elapsed"] * 1000 * clients / requests, 2),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / requests, 2),
        "client_cpu_ms_per_request": round(got["client_cpu"] * 1000 / requests, 3),
    }


def run_database(kind: str, workers_list: list[int], args: argparse.Namespace,
                 log_dir: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for workers in workers_list:
        pg_name = f"stagecoach_bench_http_{os.getpid()}_{workers}"
        url = (f"sqlite:///{log_dir}/bench-{workers}.db" if kind == "sqlite"
               else _fresh_pg(pg_name, args.pg_admin_url))
        made = _init(url)
        server = _serve(url, workers, log_dir)
        try:
            # Warm up every worker (imports, catalogs, connection pools) and the domains.
            drive(server.port, made["token"], args.batch, args.clients, 1.5, "warm",
                  server.process.pid)
            if kind != "sqlite":
                # Autovacuum is off on this machine; a real deployment's planner has
                # statistics on tables that are written all day.
                _analyze(url)
            for label, batch in (("single", 0), ("batch", args.batch)):
                r = drive(server.port, made["token"], batch, args.clients, args.seconds,
                          label, server.process.pid)
                row = {"database": kind, "workers": workers, "kind": label,
                       "batch": batch or 1, "clients": args.clients, **r}
                rows.append(row)
                print(json.dumps(row), flush=True)
            raw = raw_baseline(url, made["account_id"], made["token"], server.port,
                               args.seconds)
            row = {"database": kind, "workers": workers, "kind": "raw",
                   "records_per_s": round(raw["records_per_s"], 1), "records": raw["records"],
                   "rows_per_record": raw["rows_per_record"]}
            rows.append(row)
            print(json.dumps(row), flush=True)
            floor = raw_baseline(url, made["account_id"], made["token"], server.port,
                                 args.seconds, per_transaction=args.batch)
            row = {"database": kind, "workers": workers, "kind": "raw-batch",
                   "batch": args.batch, "records_per_s": round(floor["records_per_s"], 1),
                   "records": floor["records"]}
            rows.append(row)
            print(json.dumps(row), flush=True)
        finally:
            server.stop()
            if kind != "sqlite":
                _drop_pg(pg_name, args.pg_admin_url)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    raw = {(r["database"], r["workers"], r["kind"]): r["records_per_s"] for r in rows
           if r["kind"].startswith("raw")}
    lines = [f"{'database':<11}{'workers':>8}{'kind':>10}{'records/s':>11}{'ms/req':>9}"
             f"{'srv cpu ms/req':>16}{'cli cpu ms/req':>16}{'vs raw':>8}{'vs target':>11}"]
    for r in rows:
        if r["kind"].startswith("raw"):
            lines.append(f"{r['database']:<11}{r['workers']:>8}{r['kind']:>10}"
                         f"{r['records_per_s']:>11.0f}")
            continue
        base = "raw" if r["kind"] == "single" else "raw-batch"
        ratio = r["records_per_s"] / raw[(r["database"], r["workers"], base)]
        if r["kind"] == "single":
            target = f"{ratio / SINGLE_TARGET:.2f}"
        elif r["database"] == "sqlite":
            target = f"{r['records_per_s'] / BATCH_TARGET:.2f}"
        else:
            target = "-"
        lines.append(f"{r['database']:<11}{r['workers']:>8}{r['kind']:>10}"
                     f"{r['records_per_s']:>11.0f}{r['ms_per_request']:>9.2f}"
                     f"{r['server_cpu_ms_per_request']:>16.2f}"
                     f"{r['client_cpu_ms_per_request']:>16.3f}{ratio:>8.3f}{target:>11}")
    lines.append("vs raw: single creates over `raw` (the same inserts, a transaction per "
                 "record); batch creates over `raw-batch` (the same inserts, a batch's records "
                 "per transaction: the floor under a batch create). vs target: single over "
                 f"{SINGLE_TARGET:.0%} of raw; batch on SQLite over {BATCH_TARGET} records/s "
                 "(1.00 = target met).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench api_http")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--log-dir", default=None, help="Keep server logs (and SQLite files) "
                        "here instead of a temporary directory.")
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",")]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="stagecoach-bench-http-") as tmp:
        d = args.log_dir or tmp
        Path(d).mkdir(parents=True, exist_ok=True)
        for kind in args.databases.split(","):
            kind = "sqlite" if kind.startswith("sqlite") else "postgresql"
            rows += run_database(kind, workers, args, Path(d))
    print(table(rows), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
