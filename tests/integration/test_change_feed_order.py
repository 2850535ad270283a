"""Rule 50 across processes: while several processes write at once, a reader polling the
feed with the last seq it saw never misses an event and never sees one twice."""

from __future__ import annotations

import multiprocessing as mp
import random
import time
from typing import Any

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.library import Stagecoach
from stagecoach.services.core.writes import ItemWrite
from stagecoach.services.feed import reads
from stagecoach.services.records import records
from stagecoach.services.records.records import NewRecord
from tests.helpers import Acct

API = Source(SourceType.API, "race")
WRITERS = 3
WRITES = 40


def _writer(url: str, account_id: int, seed: int, errors: Any) -> None:
    sc = Stagecoach(url, upgrade=False)
    rnd = random.Random(seed)
    try:
        for i in range(WRITES):
            def write(ctx: Any, i: int = i) -> None:
                made = records.create(ctx, ObjectType.CONTACT, [
                    NewRecord({"firstname": f"w{seed}-{i}-{n}"}) for n in range(rnd.randint(1, 4))
                ], API)
                # A unit that works on after its first write: its events must still not
                # become visible before those of a unit that began later and committed first.
                time.sleep(rnd.random() * 0.01)
                records.update_many(ctx, ObjectType.CONTACT, [
                    ItemWrite(r.record_id, {"lastname": "x"}) for r in made if r.record_id
                ], API)
            sc.run(account_id, write)
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        errors.put(repr(exc))
    finally:
        sc.close()


def _poll(sc: Stagecoach, account_id: int, after: int) -> list[int]:
    page = sc.run(account_id, lambda ctx: reads.page(ctx, after, 1000, None), readonly=True)
    return [int(e["seq"]) for e in page["results"]]


def test_a_polling_reader_never_misses_or_repeats_an_event_across_processes(acct: Acct
                                                                            ) -> None:
    url = str(acct.sc.engine.url.render_as_string(hide_password=False))
    ctx = mp.get_context("spawn")
    errors = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, acct.id, seed, errors))
             for seed in range(WRITERS)]
    for p in procs:
        p.start()
    seen: list[int] = []
    while any(p.is_alive() for p in procs):
        seen += _poll(acct.sc, acct.id, seen[-1] if seen else 0)
    for p in procs:
        p.join(120)
    seen += _poll(acct.sc, acct.id, seen[-1] if seen else 0)
    assert all(p.exitcode == 0 for p in procs)
    assert errors.empty(), errors.get()
    # Seqs are dense: a number the reader passed and that committed later would be missing
    # here, and one seen twice would repeat.
    assert seen == list(range(1, len(seen) + 1))
    total = acct.sc.run(acct.id, lambda c: reads.reads.last_seq(c.conn, c.account_id),
                        readonly=True)
    assert len(seen) == total and total > WRITERS * WRITES * 3
