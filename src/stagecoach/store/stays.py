"""`stage_stays`, the pre-aggregate lifecycle reports read (store/reports.py), kept exact
beside the history it is derived from.

A stay is an entry into a stage (a non-empty `lifecyclestage` version, whose id it takes)
until the record's next stage version, in (ts, id) order. Every stage version is written by
`stage_moves.apply` (direct writes, reactions, imports, merges, demotions, stage deletion,
backfills), which calls `maintain` right after its history INSERT ... SELECT: two more
statements per (step, object type) whatever the number of records. `rebuild` is the same
rule over a range of history at once (for `stagecoach verify --fix` and bulk loads);
`domain/stays.py` is the rule for one record, which verify compares against.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    any_,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.stays import DAY_MS, Stay
from stagecoach.store import stage_paths
from stagecoach.store.db import is_postgres, planner_without
from stagecoach.store.schema import property_history, stage_moves, stage_stays

S = stage_stays.c
H = property_history.c
M = stage_moves.c
STAGE = "lifecyclestage"
COLUMNS = ["account_id", "id", "object_type", "record_id", "stage", "entered_at",
           "entered_day", "exited_at", "duration_ms", "prev_same_at"]
_ACC: Any = bindparam("acc", type_=BigInteger)
_OP: Any = bindparam("op", type_=BigInteger)
_NOW: Any = bindparam("now", type_=BigInteger)


@lru_cache(maxsize=64)
def _statements(ot: ObjectType, pg: bool) -> tuple[Any, Any]:
    from stagecoach.store.stage_moves import array_of  # one definition of ARRAY(SELECT)

    moving = select(M.record_id).where(M.account_id == _ACC, M.op_id == _OP,
                                       M.object_type == int(ot))
    in_step = S.record_id == any_(array_of(moving)) if pg else S.record_id.in_(moving)
    close = (
        update(stage_stays)
        .where(S.account_id == _ACC, S.object_type == int(ot), in_step,
               S.exited_at.is_(None))
        .values(exited_at=_NOW, duration_ms=_NOW - S.entered_at)
    )
    prev = aliased(stage_stays, name="prev")
    # A record moved twice at one instant by one op (rounds of a batch) already has the
    # first round's stay: its id is the version's, so the key answers it. (An anti-join
    # instead was planned as a scan of the account's stays on PostgreSQL, once per step.)
    insert = pg_insert if pg else sqlite_insert
    # The versions this step wrote are the ones of this op at this instant: a range of the
    # (account, type, property, ts) index, not the op's every version.
    opened = insert(stage_stays).from_select(
        ["account_id", "id", "object_type", "record_id", "stage", "entered_at",
         "entered_day", "prev_same_at"],
        select(
            H.account_id, H.id, H.object_type, H.record_id, H.value, H.ts, H.ts // DAY_MS,
            select(func.max(prev.c.entered_at)).where(
                prev.c.account_id == H.account_id, prev.c.object_type == H.object_type,
                prev.c.record_id == H.record_id, prev.c.stage == H.value,
            ).scalar_subquery(),
        ).where(
            H.account_id == _ACC, H.object_type == int(ot), H.property == STAGE,
            H.ts == _NOW, H.op_id == _OP, H.value.is_not(None),
        ),
    ).on_conflict_do_nothing(index_elements=["account_id", "id"])
    return close, opened


def maintain(conn: Connection, account_id: int, op_id: int, ot: ObjectType, now: int,
             pg: bool) -> None:
    """After a step's stage history is written (its moves still staged): close the moved
    records' open stays at `now` and open one per non-empty new stage."""
    close, _ = _statements(ot, pg)
    conn.execute(close, {"acc": account_id, "op": op_id, "now": now})
    open_entered(conn, account_id, op_id, ot, now, pg)


def open_entered(conn: Connection, account_id: int, op_id: int, ot: ObjectType, now: int,
                 pg: bool) -> None:
    """Open a stay for every non-empty stage version the step wrote at `now` that has none
    yet (new records get their first stage with their insert, not as a staged move)."""
    _, opened = _statements(ot, pg)
    # The previous entry into the same stage is looked up per new stay. Planned with no
    # statistics on fresh stays, PostgreSQL reads it by scanning the table it is inserting
    # into, once per row (20,000 moves: 2.7 s instead of 0.1 s); the record index is always
    # the right way in.
    with planner_without(conn, "seqscan"):
        conn.execute(opened, {"acc": account_id, "op": op_id, "now": now})
    stage_paths.maintain(conn, account_id, op_id, ot, now, pg)


def derived(account_id: int, ot: ObjectType, first_id: int | None = None,
            last_id: int | None = None) -> Any:
    """The stays history gives, as a SELECT with stage_stays' columns (the set form of
    domain.stays.from_versions), for the records in [first_id, last_id]."""
    conds = [H.account_id == account_id, H.object_type == int(ot), H.property == STAGE]
    if first_id is not None:
        conds.append(H.record_id >= first_id)
    if last_id is not None:
        conds.append(H.record_id <= last_id)
    v = select(
        H.account_id, H.id, H.object_type, H.record_id, H.value, H.ts,
        func.lead(H.ts).over(partition_by=H.record_id, order_by=(H.ts, H.id)).label("next"),
        func.lag(H.ts).over(partition_by=(H.record_id, H.value), order_by=(H.ts, H.id))
        .label("prev"),
    ).where(*conds).subquery("v")
    return select(
        v.c.account_id, v.c.id, v.c.object_type, v.c.record_id, v.c.value.label("stage"),
        v.c.ts.label("entered_at"), (v.c.ts // DAY_MS).label("entered_day"),
        v.c.next.label("exited_at"),
        (v.c.next - v.c.ts).label("duration_ms"), v.c.prev.label("prev_same_at"),
    ).where(v.c.value.is_not(None))


def rebuild(conn: Connection, account_id: int, ot: ObjectType, first_id: int | None = None,
            last_id: int | None = None) -> None:
    """Replace the stays of the records in [first_id, last_id] by what history gives."""
    conds = [S.account_id == account_id, S.object_type == int(ot)]
    if first_id is not None:
        conds.append(S.record_id >= first_id)
    if last_id is not None:
        conds.append(S.record_id <= last_id)
    conn.execute(delete(stage_stays).where(*conds))
    conn.execute(stage_stays.insert().from_select(
        COLUMNS,
        derived(account_id, ot, first_id, last_id)))
    stage_paths.rebuild(conn, account_id, ot, is_postgres(conn), first_id, last_id)


def for_records(conn: Connection, account_id: int, ot: ObjectType, first_id: int,
                last_id: int) -> list[Stay]:
    """Stored stays of the records in [first_id, last_id], in (record, entry, id) order."""
    rows = conn.execute(
        select(S.record_id, S.id, S.stage, S.entered_at, S.entered_day, S.exited_at,
               S.duration_ms, S.prev_same_at)
        .where(S.account_id == account_id, S.object_type == int(ot),
               S.record_id >= first_id, S.record_id <= last_id)
        .order_by(S.record_id, S.entered_at, S.id))
    return [Stay(int(r.record_id), int(r.id), r.stage, int(r.entered_at),
                 int(r.entered_day), _int(r.exited_at), _int(r.duration_ms),
                 _int(r.prev_same_at)) for r in rows]


def _int(v: Any) -> int | None:
    return None if v is None else int(v)
