"""Index-page query times over many contacts: `python bench/web_listing.py [N] [db url]`.

Seeds N contacts straight into `records` (a fixture, not the write path: the point is the
read queries), then times store/records/listing.list_page (chip counts + one page) for the
filters and sorts the contacts page offers. Prints one JSON line per workload, with a raw
baseline (`SELECT count(*)` of the account's contacts) measured in the same run.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time

from sqlalchemy import func, select

from stagecoach.domain.objects import ObjectType
from stagecoach.library import Stagecoach
from stagecoach.store.catalog.catalog import load_stages
from stagecoach.store.core import db
from stagecoach.store.records import listing
from stagecoach.store.records.listing import ListQuery
from stagecoach.store.schema import records

STAGES = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
          "customer", "evangelist", "other"]
FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Ken", "Linus", "Margaret", "Donald"]
LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Thompson", "Torvalds", "Knuth"]


def seed(sc: Stagecoach, n: int) -> int:
    acct = sc.create_account("Bench", f"bench{time.time_ns()}@example.test", "benchmark-pw")
    rnd = random.Random(7)
    t0 = 1_700_000_000_000
    with db.transaction(sc.engine) as conn:
        for start in range(0, n, 10_000):
            rows = []
            for i in range(start, min(n, start + 10_000)):
                first, last = rnd.choice(FIRST), rnd.choice(LAST)
                rows.append({
                    "account_id": acct.account_id, "object_type": 1, "id": i + 1,
                    "created_at": t0 + i * 1000, "updated_at": t0 + i * 1000, "archived": False,
                    "email": f"{first.lower()}.{last.lower()}{i}@example.org",
                    "lifecyclestage": rnd.choice(STAGES) if i % 10 else None,
                    "props": {"firstname": first, "lastname": f"{last}{i}",
                              "hs_lead_status": rnd.choice(["NEW", "OPEN", "CONNECTED"])},
                })
            conn.execute(records.insert(), rows)
    # What autovacuum (PostgreSQL) or `stagecoach db analyze` would have done by then.
    with sc.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE records" if db.is_postgres(conn) else "ANALYZE")
    return acct.account_id


def timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{tempfile.mkdtemp()}/bench-web.db"
    sc = Stagecoach(url)
    account_id = seed(sc, n)
    C = ObjectType.CONTACT
    workloads = {
        "newest_first": ListQuery(C),
        "stage_filter_lead": ListQuery(C, stages=("lead",)),
        "sort_email": ListQuery(C, sort="email"),
        "sort_stage": ListQuery(C, sort="lifecyclestage"),
        "sort_name": ListQuery(C, sort="name"),
        "search_text": ListQuery(C, text="turing12"),
        "lead_status": ListQuery(C, lead_status="OPEN"),
        "page_1000": ListQuery(C, page=1000),
    }
    with db.transaction(sc.engine, readonly=True) as conn:
        stage_set = load_stages(conn, account_id)
        base = timed(lambda: conn.execute(
            select(func.count()).select_from(records)
            .where(records.c.account_id == account_id, records.c.object_type == 1)).scalar())
        print(json.dumps({"workload": "baseline_count", "n": n, "db": conn.dialect.name,
                          "ms": round(base, 1)}))
        for name, q in workloads.items():
            ms = timed(lambda q=q: listing.list_page(conn, account_id, q, stage_set))
            print(json.dumps({"workload": name, "n": n, "db": conn.dialect.name,
                              "ms": round(ms, 1), "ratio": round(ms / base, 2)}))
    sc.close()


if __name__ == "__main__":
    main()
