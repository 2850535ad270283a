"""`stage_stays` and `stay_exits`, the pre-aggregate lifecycle reports read
(store/reporting/reports.py), kept exact beside the history it is derived from.

A stay is an entry into a stage (a non-empty `lifecyclestage` version, whose id it takes)
until the record's next stage version, in (ts, id) order; its end is a row of `stay_exits`.
Every stage version is written by `stage_moves.apply` (direct writes, reactions, imports,
merges, demotions, stage deletion, backfills), which calls `maintain` right after its
history INSERT ... SELECT: two more statements per (step, object type) whatever the number
of records, both appends. `rebuild` is the same rule over a range of history at once (for
`stagecoach verify --fix` and bulk loads); `domain/stays.py` is the rule for one record,
which verify compares against.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    and_,
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
from stagecoach.store.core import driver
from stagecoach.store.core.db import is_postgres, planner_without
from stagecoach.store.lifecycle import stage_paths
from stagecoach.store.schema import (
    property_history,
    records,
    stage_moves,
    stage_stays,
    stay_exits,
)

S = stage_stays.c
X = stay_exits.c
R = records.c
M = stage_moves.c
H = property_history.c
STAGE = "lifecyclestage"
COLUMNS = ["account_id", "id", "object_type", "record_id", "stage", "entered_at",
           "entered_day", "prev_same_at"]
EXIT_COLUMNS = ["account_id", "stay_id", "object_type", "record_id", "stage", "entered_at",
                "exited_at", "duration_ms"]
_ACC: Any = bindparam("acc", type_=BigInteger)
_OP: Any = bindparam("op", type_=BigInteger)
_NOW: Any = bindparam("now", type_=BigInteger)


@lru_cache(maxsize=64)
def _statements(ot: ObjectType, pg: bool) -> tuple[Any, Any]:
    insert = pg_insert if pg else sqlite_insert
    # The versions this step wrote are the ones of this op at this instant: a range of the
    # (account, type, property, ts) index, not the op's every version.
    step = [H.account_id == _ACC, H.object_type == int(ot), H.property == STAGE,
            H.ts == _NOW, H.op_id == _OP]
    # A moved record's open stay, if it has one, is its latest: one probe of the record
    # index per moved record (the stays of this step are not open yet). A record whose
    # latest stay already ended (it had no stage) is skipped by the exits' key. No join
    # with the account's exits is ever planned.
    latest = (
        select(S.id)
        .where(S.account_id == M.account_id, S.object_type == M.object_type,
               S.record_id == M.record_id)
        .order_by(S.entered_at.desc(), S.id.desc()).limit(1).scalar_subquery()
    )
    left = select(latest).where(M.account_id == _ACC, M.op_id == _OP,
                                M.object_type == int(ot))
    from stagecoach.store.lifecycle.stage_moves import array_of  # one definition of ARRAY(SELECT)
    ending = S.id == any_(array_of(left)) if pg else S.id.in_(left)
    close = insert(stay_exits).from_select(
        EXIT_COLUMNS,
        select(S.account_id, S.id, S.object_type, S.record_id, S.stage, S.entered_at, _NOW,
               _NOW - S.entered_at)
        .where(S.account_id == _ACC, ending),
    ).on_conflict_do_nothing(index_elements=["account_id", "stay_id"])
    prev = aliased(stage_stays, name="prev")
    # A record moved twice at one instant by one op (rounds of a batch) already has the
    # first round's stay: its id is the version's, so the key answers it. (An anti-join
    # instead was planned as a scan of the account's stays on PostgreSQL, once per step.)
    opened = insert(stage_stays).from_select(
        ["account_id", "id", "object_type", "record_id", "stage", "entered_at",
         "entered_day", "prev_same_at"],
        select(
            H.account_id, H.id, H.object_type, H.record_id, H.value, H.ts, H.ts // DAY_MS,
            select(func.max(prev.c.entered_at)).where(
                prev.c.account_id == H.account_id, prev.c.object_type == H.object_type,
                prev.c.record_id == H.record_id, prev.c.stage == H.value,
            ).scalar_subquery(),
        ).where(*step, H.value.is_not(None)),
    ).on_conflict_do_nothing(index_elements=["account_id", "id"])
    return close, opened


def maintain(conn: Connection, account_id: int, op_id: int, ot: ObjectType, now: int,
             pg: bool) -> None:
    """After a step's stage history is written (its moves still staged): end the moved
    records' open stays at `now` and open one per non-empty new stage."""
    close, opened = _statements(ot, pg)
    params = {"acc": account_id, "op": op_id, "now": now}
    with _by_record_index(conn):
        conn.execute(close, params)
        conn.execute(opened, params)
    stage_paths.maintain(conn, account_id, op_id, ot, now, pg)


def open_first(conn: Connection, account_id: int, op_id: int, ot: ObjectType,
               now: int) -> None:
    """Open the first stay of every record created with a stage in the step (op) at `now`:
    new records get their stage with their insert, not as a staged move. A new record has
    no earlier entry to look up, so this is a plain copy of the step's stage versions, on
    the driver's cursor (store/core/driver.py): it runs once per create."""
    driver.execute(conn, _FIRST_STAYS, (account_id, int(ot), STAGE, now, op_id))
    stage_paths.maintain(conn, account_id, op_id, ot, now, is_postgres(conn))


_FIRST_STAYS = driver.Sql(
    "INSERT INTO stage_stays (account_id, id, object_type, record_id, stage, entered_at,"
    " entered_day, prev_same_at) SELECT account_id, id, object_type, record_id, value, ts,"
    f" ts / {DAY_MS}, NULL FROM property_history WHERE account_id = ? AND object_type = ?"
    " AND property = ? AND ts = ? AND op_id = ? AND value IS NOT NULL")


def _by_record_index(conn: Connection) -> Any:
    """A stay's neighbours (the latest in a stage, the previous entry) are looked up per
    version. Planned with no statistics on fresh stays, PostgreSQL reads them by scanning
    the table being written, once per row (20,000 moves: 2.7 s instead of 0.1 s); the
    record index is always the right way in."""
    return planner_without(conn, "seqscan")


def derived(account_id: int, ot: ObjectType, first_id: int | None = None,
            last_id: int | None = None) -> Any:
    """The stays history gives, as a SELECT of each stay's columns and its end (NULL while
    open): the set form of domain.stays.from_versions, for the records in
    [first_id, last_id]."""
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


def derived_inserts(account_id: int, ot: ObjectType, first_id: int | None = None,
                    last_id: int | None = None) -> tuple[Any, Any]:
    """The two INSERT ... SELECTs that write the stays, then the exits, history gives for
    the records in [first_id, last_id] (which have none stored)."""
    d = derived(account_id, ot, first_id, last_id).cte("derived")
    entries = stage_stays.insert().from_select(COLUMNS, select(*(d.c[c] for c in COLUMNS)))
    exits = stay_exits.insert().from_select(
        EXIT_COLUMNS,
        select(d.c.account_id, d.c.id, d.c.object_type, d.c.record_id, d.c.stage,
               d.c.entered_at, d.c.exited_at, d.c.duration_ms)
        .where(d.c.exited_at.is_not(None)))
    return entries, exits


def entered_update(account_id: int, ot: ObjectType, first_id: int | None = None,
                   last_id: int | None = None) -> Any:
    """The UPDATE that sets each record's entry into its current stage (its open stay's),
    for the records in [first_id, last_id]."""
    opened = (
        select(S.entered_at)
        .where(S.account_id == R.account_id, S.object_type == R.object_type,
               S.record_id == R.id, S.stage == R.lifecyclestage,
               ~select(X.stay_id).where(X.account_id == S.account_id, X.stay_id == S.id)
               .exists())
        .order_by(S.entered_at.desc(), S.id.desc()).limit(1).scalar_subquery()
    )
    conds = [R.account_id == account_id, R.object_type == int(ot)]
    if first_id is not None:
        conds.append(R.id >= first_id)
    if last_id is not None:
        conds.append(R.id <= last_id)
    return update(records).where(*conds).values(stage_entered_at=opened)


def rebuild(conn: Connection, account_id: int, ot: ObjectType, first_id: int | None = None,
            last_id: int | None = None) -> None:
    """Replace the stays of the records in [first_id, last_id] by what history gives, and
    set each one's entry into its current stage and its stage path from them."""
    for table in (stage_stays, stay_exits):
        t = table.c
        conds = [t.account_id == account_id, t.object_type == int(ot)]
        if first_id is not None:
            conds.append(t.record_id >= first_id)
        if last_id is not None:
            conds.append(t.record_id <= last_id)
        conn.execute(delete(table).where(*conds))
    for stmt in derived_inserts(account_id, ot, first_id, last_id):
        conn.execute(stmt)
    conn.execute(entered_update(account_id, ot, first_id, last_id))
    stage_paths.rebuild(conn, account_id, ot, is_postgres(conn), first_id, last_id)


def for_records(conn: Connection, account_id: int, ot: ObjectType, first_id: int,
                last_id: int) -> list[Stay]:
    """Stored stays of the records in [first_id, last_id], in (record, entry, id) order."""
    rows = conn.execute(
        select(S.record_id, S.id, S.stage, S.entered_at, S.entered_day, X.exited_at,
               X.duration_ms, S.prev_same_at)
        .select_from(stage_stays.outerjoin(
            stay_exits, and_(X.account_id == S.account_id, X.stay_id == S.id)))
        .where(S.account_id == account_id, S.object_type == int(ot),
               S.record_id >= first_id, S.record_id <= last_id)
        .order_by(S.record_id, S.entered_at, S.id))
    return [Stay(int(r.record_id), int(r.id), r.stage, int(r.entered_at),
                 int(r.entered_day), _int(r.exited_at), _int(r.duration_ms),
                 _int(r.prev_same_at)) for r in rows]


def _int(v: Any) -> int | None:
    return None if v is None else int(v)
