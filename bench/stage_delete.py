"""Deleting a lifecycle stage with a replacement (rule 39): N records moved in one audited
set-based step, beside a raw baseline (one plain UPDATE of the same rows) in the same run.

    PYTHONPATH=src python bench/stage_delete.py [database-url] [N] [--analyze]

Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time

from sqlalchemy import update

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.library import Stagecoach
from stagecoach.services import records, stages
from stagecoach.services.records import NewRecord
from stagecoach.store.schema import records as records_table

C = ObjectType.CONTACT


def setup(sc: Stagecoach, n: int) -> tuple[int, str]:
    acct = sc.create_account("bench", "bench@example.test").account_id
    value = sc.run(acct, lambda ctx: stages.add(ctx, "Doomed").value)
    for start in range(0, n, 1000):
        size = min(1000, n - start)
        sc.run(acct, lambda ctx, size=size: records.create(  # type: ignore[misc]
            ctx, C, [NewRecord({"lifecyclestage": value})] * size,
            Source(SourceType.IMPORT, "bench")))
    return acct, str(value)


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    sc = Stagecoach(url)
    acct, value = setup(sc, n)
    base_acct, base_value = setup(sc, n)
    if sc.engine.dialect.name == "postgresql" and "--analyze" in sys.argv:
        # What autovacuum does in a running system (this test server has it off).
        with sc.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE records")
            conn.commit()

    t = time.perf_counter()
    moved = sc.run(acct, lambda ctx: stages.delete(ctx, value, "lead").moved)
    ours = time.perf_counter() - t

    t = time.perf_counter()
    with sc.unit(base_acct) as ctx:
        r = records_table.c
        ctx.conn.execute(update(records_table).where(
            r.account_id == base_acct, r.object_type == int(C), r.lifecyclestage == base_value,
        ).values(lifecyclestage="lead"))
    baseline = time.perf_counter() - t
    print(json.dumps({
        "workload": "stage_delete_with_replacement", "dialect": sc.engine.dialect.name,
        "records": n, "analyzed": "--analyze" in sys.argv, "moved": moved,
        "seconds": round(ours, 3), "baseline_plain_update_seconds": round(baseline, 3),
        "ratio": round(ours / baseline, 1) if baseline else None}))
    sc.close()


if __name__ == "__main__":
    main()
