"""The set-based form of a lifecycle stage write (rules 1, 5, 6, 11, 13-16).

Stage moves of one step are first staged as rows of `stage_moves` (by a direct write, or by
an INSERT ... SELECT of a reaction), then applied here with a constant number of
statements whatever their number. What each move does is not decided here: one grouped
read gives the step's distinct (old, new, forward-only) moves, the policy answers for each
(store/lifecycle/move_decisions.py), and the statements apply its answers: refused moves
go to the blocked-writes log with its reason, one INSERT ... SELECT writes the history of
the applied ones (and two statements the stays reports read, store/lifecycle/stays.py),
and one UPDATE per distinct (old, new) pair moves the records and their derived date
properties (store/lifecycle/stage_dates.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    and_,
    any_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    literal_column,
    null,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain.causes import CauseKind
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.domain.stages import StageSet
from stagecoach.store.core.bulk import insert_many
from stagecoach.store.core.db import is_postgres, planner_without
from stagecoach.store.core.ids import reserve, sequence_name
from stagecoach.store.core.jsonsql import JsonSql
from stagecoach.store.lifecycle import move_decisions as decisions
from stagecoach.store.lifecycle import stays
from stagecoach.store.lifecycle.stage_dates import derived_patch
from stagecoach.store.schema import blocked_writes, property_history, records, stage_moves

M = stage_moves.c
R = records.c


@dataclass(frozen=True)
class Move:
    object_type: ObjectType
    record_id: int
    target: str | None
    forward_only: bool
    source: Source
    cause_kind: CauseKind | None = None
    cause_id: int | None = None
    note: str | None = None


def stage_rows(conn: Connection, account_id: int, op_id: int, moves: Sequence[Move]) -> None:
    if not moves:
        return
    insert_many(
        conn,
        stage_moves,
        [
            {
                "account_id": account_id,
                "op_id": op_id,
                "object_type": int(m.object_type),
                "record_id": m.record_id,
                "target": m.target,
                "forward_only": m.forward_only,
                "source_type": m.source.type.value,
                "source_id": m.source.id,
                "source_label": m.source.label,
                "user_id": m.source.user_id,
                "cause_kind": m.cause_kind,
                "cause_id": m.cause_id,
                "note": m.note,
            }
            for m in moves
        ],
    )


@dataclass(frozen=True)
class MoveResult:
    moved: int
    blocked: int
    now: int  # the step's time: never before the last write of a record it moved


def apply(
    conn: Connection, account_id: int, op_id: int, now: int, stages: StageSet
) -> MoveResult:
    moved = blocked = 0
    pending = conn.execute(
        select(M.object_type).where(M.account_id == account_id, M.op_id == op_id).distinct()
    ).scalars().all()
    for ot in sorted(ObjectType(t) for t in pending):
        m, b, now = _apply_for_type(conn, account_id, op_id, ot, now, stages)
        moved += m
        blocked += b
    return MoveResult(moved, blocked, now)


# Statements are built once per object type and dialect (a move's, per stage order too)
# with bound parameters and reused: building SQLAlchemy expressions costs far more than
# running them.
_ACC: Any = bindparam("acc", type_=BigInteger)
_OP: Any = bindparam("op", type_=BigInteger)
_NOW: Any = bindparam("now", type_=BigInteger)


class _ArrayOf(ColumnElement[Any]):
    """PostgreSQL's ARRAY(SELECT ...) constructor."""

    inherit_cache = True

    def __init__(self, query: Any) -> None:
        self.query = query
        self.type = postgresql.ARRAY(BigInteger())


array_of = _ArrayOf


@compiles(_ArrayOf)
def _compile_array_of(element: _ArrayOf, compiler: Any, **kw: Any) -> str:
    return f"ARRAY({compiler.process(element.query, **kw)})"


def moved_records(ot: ObjectType, pg: bool, target: Any = None) -> ColumnElement[bool]:
    """Records of this step's moves (optionally only those moving to `target`), as a
    restriction on `records` alone. On PostgreSQL it is `id = ANY(ARRAY(...))`, which is
    always planned as primary-key lookups; as a join condition, PostgreSQL without
    statistics on fresh rows scanned the account's records once per move."""
    ids = select(M.record_id).where(M.account_id == _ACC, M.op_id == _OP,
                                    M.object_type == int(ot))
    if target is not None:
        ids = ids.where(M.target.is_not_distinct_from(target))
    scope = and_(R.account_id == _ACC, R.object_type == int(ot))
    if pg:
        return and_(scope, R.id == any_(_ArrayOf(ids)))
    return and_(scope, R.id.in_(ids))


def _joined(ot: ObjectType, pg: bool) -> ColumnElement[bool]:
    joined = and_(
        M.account_id == _ACC,
        M.op_id == _OP,
        M.object_type == int(ot),
        R.account_id == M.account_id,
        R.object_type == M.object_type,
        R.id == M.record_id,
    )
    # SQLite plans the join as primary-key probes by itself.
    return and_(joined, moved_records(ot, pg)) if pg else joined


@dataclass(frozen=True)
class _Plan:
    lock: Any
    last_write: Any
    groups: Any
    log_refused: Any
    drop: Any
    history: Any
    clear: Any


@lru_cache(maxsize=256)
def _plan(ot: ObjectType, pg: bool) -> _Plan:
    joined = _joined(ot, pg)
    return _Plan(
        lock=select(R.id, R.updated_at).where(moved_records(ot, pg)).order_by(R.id)
        .with_for_update(key_share=True),
        last_write=select(func.max(R.updated_at)).where(moved_records(ot, pg)),
        # One grouped read is all the policy needs to answer for the step, and the
        # statements that log refusals and drop non-moves run only when some group needs
        # them.
        groups=select(R.lifecyclestage, M.target, M.forward_only, R.archived, func.count())
        .where(joined).group_by(R.lifecyclestage, M.target, M.forward_only, R.archived),
        log_refused=blocked_writes.insert().from_select(
            ["account_id", "id", "object_type", "record_id", "property", "attempted_value",
             "kept_value", "source_type", "source_id", "source_label", "user_id", "reason",
             "ts", "op_id", "cause_kind", "cause_id"],
            select(
                M.account_id, _row_id(pg, "blocked"), M.object_type, M.record_id,
                literal("lifecyclestage"), M.target, R.lifecyclestage, M.source_type,
                M.source_id, M.source_label, M.user_id, decisions.reason(), _NOW, M.op_id,
                M.cause_kind, M.cause_id,
            ).where(joined, decisions.refused()),
        ),
        drop=_drop_statement(ot, pg, joined),
        history=property_history.insert().from_select(
            ["account_id", "id", "object_type", "record_id", "property", "value", "old_value",
             "ts", "source_type", "source_id", "source_label", "user_id", "op_id",
             "cause_kind", "cause_id", "note"],
            select(
                M.account_id, _row_id(pg, "history"), M.object_type, M.record_id,
                literal("lifecyclestage"), M.target, R.lifecyclestage, _NOW, M.source_type,
                M.source_id, M.source_label, M.user_id, M.op_id, M.cause_kind, M.cause_id,
                M.note,
            ).where(joined),
        ),
        clear=delete(stage_moves).where(M.account_id == _ACC, M.op_id == _OP,
                                        M.object_type == int(ot)),
    )


def _drop_statement(ot: ObjectType, pg: bool, joined: ColumnElement[bool]) -> Any:
    """Drop what will not move: all but the moves the policy applies, and records archived
    meanwhile. PostgreSQL joins from the step's moves (DELETE ... USING); an EXISTS there
    made it scan the account's records once per move when it had no statistics on fresh
    rows. SQLite has no DELETE ... USING and plans the EXISTS as a primary-key probe."""
    dropped = decisions.not_applied()
    if pg:
        return delete(stage_moves).where(joined, dropped)
    return delete(stage_moves).where(
        M.account_id == _ACC, M.op_id == _OP, M.object_type == int(ot),
        exists(select(R.id).where(joined, dropped)),
    )


def _row_id(pg: bool, kind: str) -> ColumnElement[int]:
    """Ids for INSERT ... SELECT rows: nextval on PostgreSQL; on SQLite a reserved block
    (bound as :id_base) plus the row's number."""
    if pg:
        return literal_column(f"nextval('{sequence_name(kind)}')")
    return bindparam("id_base", type_=BigInteger) + func.row_number().over(
        order_by=stage_moves.c.record_id)


@lru_cache(maxsize=1024)
def _move_statement(values: tuple[str, ...], ot: ObjectType, pg: bool, old: str | None,
                    new: str | None) -> Any:
    stages = StageSet.of((v, v) for v in values)
    jsql = JsonSql.for_dialect(pg)
    return (
        update(records)
        .where(moved_records(ot, pg, literal(new) if new is not None else null()),
               R.lifecyclestage.is_not_distinct_from(old))
        .values(lifecyclestage=new, updated_at=_NOW,
                stage_entered_at=_NOW if new is not None else null(),
                props=jsql.patch(R.props, derived_patch(jsql, old, new, _NOW, stages)))
    )


def _apply_for_type(
    conn: Connection, account_id: int, op_id: int, ot: ObjectType, now: int, stages: StageSet
) -> tuple[int, int, int]:
    # Both sides of every join here are already restricted to exactly this step's rows
    # (records by primary key, moves by step), so a hash join is linear whatever the
    # statistics; without statistics on fresh rows PostgreSQL's nested loops went quadratic.
    with planner_without(conn, "nestloop"):
        return _apply_with(conn, account_id, op_id, ot, now, stages, is_postgres(conn))


def _apply_with(
    conn: Connection, account_id: int, op_id: int, ot: ObjectType, now: int, stages: StageSet,
    pg: bool,
) -> tuple[int, int, int]:
    plan = _plan(ot, pg)
    params: dict[str, Any] = {"acc": account_id, "op": op_id}
    if pg:
        # Lock in a fixed order before deciding, so that a concurrent writer cannot change a
        # stage between the decision and the update.
        last = max((r.updated_at for r in conn.execute(plan.lock, params)), default=None)
    else:
        last = conn.execute(plan.last_write, params).scalar()
    # A writer that waited for another's lock must not write history dated before it.
    now = max(now, int(last or 0))
    params["now"] = now
    decided = decisions.decide(stages, conn.execute(plan.groups, params).all())
    if decided.blocked:
        conn.execute(plan.log_refused, {**params, **decided.params(),
                                        **_id_base(conn, account_id, "blocked",
                                                   decided.blocked)})
    total = decided.moved
    if decided.dropped:
        conn.execute(plan.drop, {**params, **decided.params()})
    if total:
        conn.execute(plan.history, {**params, **_id_base(conn, account_id, "history", total)})
        stays.maintain(conn, account_id, op_id, ot, now, pg)
        for old, new in decided.applied:
            conn.execute(_move_statement(stages.values, ot, pg, old, new), params)
    conn.execute(plan.clear, params)
    return total, decided.blocked, now


def _id_base(conn: Connection, account_id: int, kind: str, n: int) -> dict[str, int]:
    if is_postgres(conn):
        return {}
    return {"id_base": reserve(conn, account_id, kind, n) - 1}
