"""`stagecoach verify` (rule 17): rebuild every record's stage and derived lifecycle
properties — and its stays, which reports read (domain/stays.py) — from the property
history and report every difference from what is stored; then every active list's
members against its filters (services/integrity/verify_lists.py).

History is the truth. Each version is replayed with the stage order in force when it was
written (rule 38), and records are streamed in chunks so memory stays flat whatever the
account's size. With `fix`, each chunk's repairs are committed with it.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from itertools import groupby
from typing import Any

from sqlalchemy import Engine

from stagecoach.domain import lifecycle_dates as ld
from stagecoach.domain import stage_paths as pd
from stagecoach.domain import stays as sd
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.stages import StageSet
from stagecoach.services.core import uow
from stagecoach.services.integrity.differences import Difference
from stagecoach.services.integrity.verify_lists import verify_lists
from stagecoach.store.core import db
from stagecoach.store.lifecycle import rebuild as store
from stagecoach.store.lifecycle import stage_codes as codes_store
from stagecoach.store.lifecycle import stage_paths as paths_store
from stagecoach.store.lifecycle import stays as stays_store

CHUNK = 2000
STAYS = "stage stays"  # the Difference.property of a record whose stays differ
ENTERED = "stage_entered_at"  # ... and of one whose current stage's entry time differs
PATH = "stage path"  # ... whose stage path (store/lifecycle/stage_paths.py) differs from its stays


class OrderAt:
    """The stage order in force at a time: the latest order written at or before it."""

    def __init__(self, versions: Sequence[tuple[int, StageSet]]):
        self.times = [t for t, _ in versions]
        self.orders = [o for _, o in versions] or [StageSet.default()]

    def __call__(self, ts: int) -> StageSet:
        i = bisect.bisect_right(self.times, ts) - 1
        return self.orders[max(i, 0)]


def compare(account_id: int, ot: ObjectType, rid: int, stored_stage: str | None,
            stored_props: dict[str, Any], stage: str | None, derived: dict[str, Any]
            ) -> list[Difference]:
    out = []
    if (stored_stage or None) != stage:
        out.append(Difference(account_id, ot, rid, "lifecyclestage", stored_stage, stage))
    have = {k: int(v) for k, v in stored_props.items() if store.is_derived(k) and v is not None}
    for key in sorted(set(have) | set(derived)):
        if have.get(key) != derived.get(key):
            out.append(Difference(account_id, ot, rid, key, have.get(key), derived.get(key)))
    return out


def _chunk(conn: Any, account_id: int, ot: ObjectType, after: int, order_at: OrderAt,
           fix: bool) -> tuple[list[Difference], int | None, int]:
    rows = store.record_chunk(conn, account_id, ot, after, CHUNK)
    if not rows:
        return [], None, 0
    versions = store.lifecycle_versions(conn, account_id, ot, rows[0].id, rows[-1].id)
    by_record = {rid: list(vs) for rid, vs in groupby(versions, key=lambda v: v.record_id)}
    diffs: list[Difference] = []
    repairs: list[tuple[int, str | None, dict[str, Any]]] = []
    for row in rows:
        stage, derived = ld.replay(
            ld.Version(int(v.ts), v.property, v.value, order_at(int(v.ts)))
            for v in by_record.get(row.id, []))
        props = store.as_dict(row.props)
        found = compare(account_id, ot, row.id, row.lifecyclestage, props, stage, derived)
        if found:
            diffs.extend(found)
            kept = {k: v for k, v in props.items() if not store.is_derived(k)}
            repairs.append((row.id, stage, {**kept, **derived}))
    stay_diffs, path_diffs = _stay_differences(conn, account_id, ot, rows, versions)
    diffs.extend(stay_diffs)
    diffs.extend(path_diffs)
    if fix:
        store.repair(conn, account_id, ot, repairs)
        if stay_diffs:  # their paths too
            stays_store.rebuild(conn, account_id, ot, rows[0].id, rows[-1].id)
        elif path_diffs:
            paths_store.rebuild(conn, account_id, ot, db.is_postgres(conn), rows[0].id,
                                rows[-1].id)
    return diffs, rows[-1].id, len(rows)


def _stay_differences(conn: Any, account_id: int, ot: ObjectType, rows: Sequence[Any],
                      versions: Sequence[Any]) -> tuple[list[Difference], list[Difference]]:
    """Records whose stored stays, or entry into their current stage, differ from what
    history gives (a rebuild of their stays repairs both); and those whose stored stage
    path differs from what those stays give."""
    expected = sd.from_versions(
        sd.StageVersion(int(v.record_id), int(v.id), v.value, int(v.ts))
        for v in versions if v.property == "lifecyclestage")
    stored = stays_store.for_records(conn, account_id, ot, rows[0].id, rows[-1].id)
    want = {rid: list(g) for rid, g in groupby(expected, key=lambda s: s.record_id)}
    have = {rid: list(g) for rid, g in groupby(stored, key=lambda s: s.record_id)}
    stays = [
        Difference(account_id, ot, rid, STAYS, _show(have.get(rid, [])),
                   _show(want.get(rid, [])))
        for rid in sorted(set(want) | set(have))
        if have.get(rid, []) != want.get(rid, [])
    ]
    for row in rows:
        entered = sd.current_entry(want.get(row.id, []))
        if row.stage_entered_at != entered:
            stays.append(Difference(account_id, ot, row.id, ENTERED, row.stage_entered_at,
                                    entered))
    codes = codes_store.load(conn, account_id)
    paths = paths_store.for_records(conn, account_id, ot, rows[0].id, rows[-1].id)
    return stays, [
        Difference(account_id, ot, rid, PATH, paths.get(rid),
                   (pd.path_of(want[rid], codes), pd.times_of(want[rid], codes))
                   if rid in want else None)
        for rid in sorted(set(want) | set(paths))
        if rid not in want or rid not in paths
        or not pd.matches(*paths[rid], want[rid], codes)
    ]


def _show(stays: Sequence[sd.Stay]) -> list[list[Any]]:
    return [[s.stage, s.entered_at, s.exited_at, s.prev_same_at] for s in stays]


def _wall_clock() -> int:
    return int(time.time() * 1000)


def verify(engine: Engine, account_ids: Sequence[int] | None = None, *, fix: bool = False,
           progress: Callable[[int], None] | None = None,
           clock: Callable[[], int] = _wall_clock) -> Iterator[Difference]:
    """Every difference between stored and rebuilt values, account by account; with `fix`
    the stored values are repaired chunk by chunk as they are found."""
    accounts = (list(account_ids) if account_ids
                else uow.run_conn(engine, store.account_ids, readonly=True))
    for account_id in accounts:
        order_at = OrderAt(uow.run_conn(
            engine, partial(store.stage_order_versions, account_id=account_id),
            readonly=True))
        for ot in (ObjectType.CONTACT, ObjectType.COMPANY):
            after: int | None = 0
            while after is not None:
                step = partial(_chunk, account_id=account_id, ot=ot, after=after,
                               order_at=order_at, fix=fix)
                diffs, after, n = uow.run_conn(engine, step, readonly=not fix)
                if progress is not None and n:
                    progress(n)
                yield from diffs
        yield from verify_lists(engine, account_id, clock, fix=fix)
