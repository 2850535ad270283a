"""`stage_paths`: each record's entries into stages as a string of stage codes (the rule
is domain/stage_paths.py), derived from `stage_stays` and kept beside them.

`maintain` runs right after a step's stays are opened (store/lifecycle/stays.open_entered, the one
place every stage entry passes): one statement whatever the number of records. A record's
entries arrive in time order (a step never writes history dated before the record's last
write), so its path only grows at the end: the step's entries (one tie group, they share
the step's instant) are appended. A record entered again at the instant of its last entry
(rounds of a batch) has its whole path derived again from its stays, so that the tie group
holds every entry of that instant. The path's times (one fixed-width block per character,
domain/stage_paths.py) grow, and are derived again, alongside it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    Text,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by, array
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.stage_paths import TIME_OFFSET, TIME_WIDTH, encode_time
from stagecoach.store.schema import property_history, stage_codes, stage_paths, stage_stays

P = stage_paths.c
S = stage_stays.c
H = property_history.c
C = stage_codes.c
STAGE = "lifecyclestage"
_ACC: Any = bindparam("acc", type_=BigInteger)
_OP: Any = bindparam("op", type_=BigInteger)
_NOW: Any = bindparam("now", type_=BigInteger)


def _group(code: Any, pg: bool) -> Any:
    """Aggregate: a tie group's string, its k distinct codes repeated k times."""
    k = func.count(code.distinct())
    if pg:
        codes = func.string_agg(code.distinct(), literal(""))
        return case((k == 1, codes), else_=func.repeat(codes, cast(k, Integer)))
    codes = func.replace(func.group_concat(code.distinct()), ",", "")
    return case((k == 1, codes), else_=func.replace(func.hex(func.zeroblob(k)), "00", codes))


def encoded(t: Any, pg: bool) -> Any:
    """A time as the times of one character: a one-element array on PostgreSQL, a block
    (domain/stage_paths.encode_time) on SQLite."""
    if pg:
        return array([t], type_=BigInteger)
    return func.printf(f"%0{TIME_WIDTH}x", t + TIME_OFFSET)


def _as_times(text: Any, pg: bool) -> Any:
    """Times assembled as text (_group_times) as stored: on PostgreSQL, comma-terminated
    numbers into an array."""
    if pg:
        return cast(func.string_to_array(func.rtrim(text, ","), ","), ARRAY(BigInteger))
    return text


def _group_times(code: Any, at: Any, pg: bool) -> Any:
    """Aggregate: a tie group's times as text, its instant once per character of its
    string (on PostgreSQL as comma-terminated numbers, see _as_times)."""
    k = func.count(code.distinct())
    if pg:
        return func.repeat(cast(at, Text).concat(","), cast(k * k, Integer))
    block = encoded(at, pg)
    return case((k == 1, block), else_=func.replace(func.hex(func.zeroblob(k * k)), "00",
                                                     block))


def _groups(pg: bool, *conds: Any) -> Any:
    """Tie groups of stays, one per (record, instant): (record_id, entered_at, grp,
    grp_times)."""
    return (
        select(S.record_id, S.entered_at, _group(C.code, pg).label("grp"),
               _group_times(C.code, S.entered_at, pg).label("grp_times"))
        .select_from(_coded())
        .where(*conds)
        .group_by(S.record_id, S.entered_at)
        .subquery("g")
    )


def _coded() -> Any:
    return stage_stays.join(stage_codes,
                            (C.account_id == S.account_id) & (C.stage == S.stage))


def _concat(pg: bool, part: Any, order: Any, partition: Any = None) -> Any:
    """Window: the concatenation of `part` over the whole partition in `order`."""
    agg = func.string_agg(part, literal("")) if pg else func.group_concat(part, "")
    return agg.over(partition_by=partition, order_by=order, rows=(None, None))


def _upserted() -> dict[str, Any]:
    # Named as text: SQLAlchemy correlates only to an enclosing SELECT, not to the row of
    # an ON CONFLICT DO UPDATE.
    return {c: literal_column(f"stage_paths.{c}") for c in ("account_id", "object_type",
                                                            "record_id")}


def _again(pg: bool, ot: ObjectType, record_id: Any, times: bool = False) -> Any:
    """The whole path (or its times) of a record of the step (account `acc`), from its
    stays: a window over its tie groups, every row of which holds it."""
    part = _group_times(C.code, S.entered_at, pg) if times else _group(C.code, pg)
    whole = _concat(pg, part, S.entered_at)
    return (
        select(_as_times(whole, pg) if times else whole)
        .select_from(_coded())
        .where(S.account_id == _ACC, S.object_type == int(ot),
               S.record_id == record_id)
        .group_by(S.entered_at)
        .limit(1)
        .scalar_subquery()
    )


@lru_cache(maxsize=64)
def _statement(ot: ObjectType, pg: bool) -> Any:
    # A step writes one version per record; a record's earlier versions of the same op at
    # the same instant (rounds of a batch) are read again here, and its whole path is then
    # derived again (so no DISTINCT aggregate is needed: they cost a sort per record).
    # SQLite applies an upsert's rows one by one, so a record's second row meets the
    # first one's (at this instant: derived again) and needs no grouping (a sort);
    # PostgreSQL refuses to update a row twice in one statement.
    versions = (
        select(H.record_id, (func.count() if pg else literal(1)).label("n"),
               (func.min(C.code) if pg else C.code).label("code"))
        .select_from(property_history.join(
            stage_codes, (C.account_id == H.account_id) & (C.stage == H.value)))
        .where(H.account_id == _ACC, H.object_type == int(ot), H.property == STAGE,
               H.ts == _NOW, H.op_id == _OP, H.value.is_not(None))
    )
    entered = (versions.group_by(H.record_id) if pg else versions).subquery("entered")
    insert = (pg_insert if pg else sqlite_insert)(stage_paths)
    stmt = insert.from_select(
        COLUMNS,
        select(_ACC, literal(int(ot)), entered.c.record_id,
               case((entered.c.n == 1, entered.c.code),
                    else_=_again(pg, ot, entered.c.record_id)),
               _NOW,
               case((entered.c.n == 1, encoded(_NOW, pg)),
                    else_=_again(pg, ot, entered.c.record_id, times=True)))
        # SQLite reads `ON CONFLICT` after a bare FROM as a join constraint.
        .where(entered.c.record_id.is_not(None)))
    row = _upserted()
    # One new entry after the last one: appended. Else (an entry at the instant of the
    # last one, or several at once): derived again.
    appended = (P.last_at < stmt.excluded.last_at) & (func.length(stmt.excluded.path) == 1)
    return stmt.on_conflict_do_update(
        index_elements=["account_id", "object_type", "record_id"],
        set_={"path": case((appended, P.path.concat(stmt.excluded.path)),
                           else_=_again(pg, ot, row["record_id"])),
              "times": case((appended, P.times.concat(stmt.excluded.times)),
                            else_=_again(pg, ot, row["record_id"], times=True)),
              "last_at": case((P.last_at > stmt.excluded.last_at, P.last_at),
                              else_=stmt.excluded.last_at)},
    )


def maintain(conn: Connection, account_id: int, op_id: int, ot: ObjectType, now: int,
             pg: bool) -> None:
    """Append the entries the step wrote at `now` (its new stays) to their records' paths."""
    conn.execute(_statement(ot, pg), {"acc": account_id, "op": op_id, "now": now})


def derived(account_id: int, ot: ObjectType, pg: bool, first_id: int | None = None,
            last_id: int | None = None) -> Any:
    """The paths stage_stays give, as a SELECT with stage_paths' columns (COLUMNS), for the records
    in [first_id, last_id]."""
    conds = [S.account_id == account_id, S.object_type == int(ot)]
    if first_id is not None:
        conds.append(S.record_id >= first_id)
    if last_id is not None:
        conds.append(S.record_id <= last_id)
    g = _groups(pg, *conds)
    if pg:
        return select(
            literal(account_id, BigInteger), literal(int(ot)), g.c.record_id,
            func.string_agg(g.c.grp, aggregate_order_by(literal(""), g.c.entered_at))
            .label("path"),
            func.max(g.c.entered_at).label("last_at"),
            _as_times(func.string_agg(g.c.grp_times,
                                      aggregate_order_by(literal(""), g.c.entered_at)), pg)
            .label("times"),
        ).group_by(g.c.record_id)
    w = select(
        g.c.record_id,
        _concat(pg, g.c.grp, g.c.entered_at, g.c.record_id).label("path"),
        _concat(pg, g.c.grp_times, g.c.entered_at, g.c.record_id).label("times"),
        g.c.entered_at,
        func.row_number().over(partition_by=g.c.record_id,
                               order_by=g.c.entered_at.desc()).label("rn"),
    ).subquery("w")
    return select(literal(account_id, BigInteger), literal(int(ot)), w.c.record_id,
                  w.c.path, w.c.entered_at.label("last_at"), w.c.times).where(w.c.rn == 1)


COLUMNS = ["account_id", "object_type", "record_id", "path", "last_at", "times"]


def rebuild(conn: Connection, account_id: int, ot: ObjectType, pg: bool,
            first_id: int | None = None, last_id: int | None = None) -> None:
    """Replace the paths of the records in [first_id, last_id] by what their stays give."""
    conds = [P.account_id == account_id, P.object_type == int(ot)]
    if first_id is not None:
        conds.append(P.record_id >= first_id)
    if last_id is not None:
        conds.append(P.record_id <= last_id)
    conn.execute(delete(stage_paths).where(*conds))
    conn.execute(stage_paths.insert().from_select(
        COLUMNS, derived(account_id, ot, pg, first_id, last_id)))


def for_records(conn: Connection, account_id: int, ot: ObjectType, first_id: int,
                last_id: int) -> dict[int, tuple[str, str]]:
    """(path, times) per record, the times as text blocks (domain/stage_paths.py) on
    either database."""
    return {int(r.record_id): (r.path, times_text(r.times)) for r in conn.execute(
        select(P.record_id, P.path, P.times).where(
            P.account_id == account_id, P.object_type == int(ot),
            P.record_id >= first_id, P.record_id <= last_id))}


def times_text(times: str | list[int]) -> str:
    """Stored times (an array on PostgreSQL) as text blocks."""
    return times if isinstance(times, str) else "".join(encode_time(t) for t in times)
