"""Rule 53: the company -> N contacts cascade with the change feed (and, once defined, two
active lists) beside the same cascade without them, in the same process and database.

    python -m bench feed [--sizes 10000,100000] [--databases sqlite,postgres]

Each side runs twice on a fresh population of its own; the faster run of each counts.
Prints one JSON object per line: {"workload", "database", "contacts", "with_s",
"without_s", "events", "ratio"}.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench import cascade
from stagecoach.library import Stagecoach
from stagecoach.services import hooks
from stagecoach.services.core import writes
from stagecoach.services.lifecycle import settings
from stagecoach.store.feed import reads

# What a deployment adds to each unit beside the lifecycle rules: set up by `extras` of the
# account before timing, and switched off for the runs "without".
Extras = Callable[[Stagecoach, int], None]


def _cascade(sc: Stagecoach, account_id: int, company: int, at: int) -> float:
    start = time.perf_counter()
    with sc.unit(account_id, at) as ctx:
        writes.write(ctx, cascade.CO, [writes.ItemWrite(company, {"lifecyclestage": "customer"})],
                     cascade.UI)
    return time.perf_counter() - start


def run_one(url: str, database: str, n: int, extras: Extras | None = None) -> dict[str, Any]:
    sc = Stagecoach(url)
    full_step, full_unit = hooks.STEP_HOOKS, hooks.BEFORE_COMMIT
    try:
        acct = sc.create_account(f"bench {n}", f"bench{n}@example.test", now=cascade.T0)
        aid = acct.account_id
        with sc.unit(aid, cascade.T0) as ctx:
            settings.patch(ctx, {"syncWithPrimaryCompany": True})
        if extras is not None:
            extras(sc, aid)
        companies = [cascade._company(sc, aid) for _ in range(4)]
        for co in companies:
            cascade._populate(sc, aid, co, n)
        cascade._settle(sc, database)
        with_s: list[float] = []
        without_s: list[float] = []
        events = 0
        for i, co in enumerate(companies):
            bare = i % 2 == 1
            # Only the lifecycle reactions (the first step hook) and no unit hook.
            hooks.STEP_HOOKS = full_step[:1] if bare else full_step
            hooks.BEFORE_COMMIT = () if bare else full_unit
            with sc.unit(aid, cascade.T0 + 10 + i, readonly=True) as ctx:
                before = reads.last_seq(ctx.conn, aid)
            (without_s if bare else with_s).append(_cascade(sc, aid, co, cascade.T0 + 10 + i))
            with sc.unit(aid, cascade.T0 + 10 + i, readonly=True) as ctx:
                if not bare:
                    events = reads.last_seq(ctx.conn, aid) - before
            cascade._settle(sc, database)
        assert events >= n, f"the cascade wrote {events} events for {n} contacts"
        best_with, best_without = min(with_s), min(without_s)
        return {"workload": "cascade_with_feed", "database": database, "contacts": n,
                "with_s": round(best_with, 4), "without_s": round(best_without, 4),
                "events": events, "ratio": round(best_with / best_without, 3)}
    finally:
        hooks.STEP_HOOKS, hooks.BEFORE_COMMIT = full_step, full_unit
        sc.close()


def main(argv: Sequence[str], extras: Extras | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench feed")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args(list(argv))
    for database in [d.strip() for d in args.databases.split(",") if d.strip()]:
        for n in [int(s) for s in args.sizes.split(",") if s]:
            if database == "sqlite":
                with tempfile.TemporaryDirectory(prefix="stagecoach-bench-") as d:
                    result = run_one(f"sqlite:///{d}/bench.db", "sqlite", n, extras)
            else:
                name = f"stagecoach_bench_{os.getpid()}"
                try:
                    result = run_one(cascade._pg_url(name), "postgresql", n, extras)
                finally:
                    cascade._drop_pg(name)
            print(json.dumps(result), flush=True)
    return 0
