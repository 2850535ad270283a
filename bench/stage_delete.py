"""Deleting a lifecycle stage with a replacement (rule 39): N records moved in one audited
set-based step, beside a raw baseline in the same run: one plain UPDATE of the same rows
plus a bulk insert of as many history rows.

    python -m bench stage_delete [database-url] [N] [--analyze]

Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time

from sqlalchemy import select, update

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.library import Stagecoach
from stagecoach.services.lifecycle import stages
from stagecoach.services.records import records
from stagecoach.services.records.records import NewRecord
from stagecoach.store.core import ids
from stagecoach.store.schema import property_history
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


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    analyze = "--analyze" in argv
    url = args[0] if args and args[0] else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    n = int(args[1]) if len(args) > 1 else 10_000
    sc = Stagecoach(url)
    acct, value = setup(sc, n)
    base_acct, base_value = setup(sc, n)
    if sc.engine.dialect.name == "postgresql" and analyze:
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
        at_stage = (r.account_id == base_acct, r.object_type == int(C),
                    r.lifecyclestage == base_value)
        rids = [row[0] for row in ctx.conn.execute(select(r.id).where(*at_stage))]
        ctx.conn.execute(update(records_table).where(*at_stage).values(lifecyclestage="lead"))
        hids = ids.take(ctx.conn, base_acct, "history", len(rids))
        ctx.conn.execute(property_history.insert(), [
            {"account_id": base_acct, "id": h, "object_type": int(C), "record_id": rid,
             "property": "lifecyclestage", "value": "lead", "old_value": base_value,
             "ts": 0, "source_type": "LIFECYCLE_AUTOMATION", "op_id": 0}
            for rid, h in zip(rids, hids, strict=True)])
    baseline = time.perf_counter() - t
    print(json.dumps({
        "workload": "stage_delete_with_replacement", "dialect": sc.engine.dialect.name,
        "records": n, "analyzed": analyze, "moved": moved,
        "seconds": round(ours, 3), "baseline_seconds": round(baseline, 3),
        "ratio": round(ours / baseline, 1) if baseline else None}))
    sc.close()


if __name__ == "__main__":
    main(sys.argv[1:])
