"""The set-based form of a lifecycle stage write (rules 1, 5, 6, 11, 13-16).

Stage moves of one step are first staged as rows of `stage_moves` (by a direct write, or by
an INSERT ... SELECT of a reaction), then applied here with a constant number of
statements whatever their number: refused forward-only moves go to the blocked-writes log,
one INSERT ... SELECT writes their history, and one UPDATE per distinct (old, new) pair
moves the records and their derived date properties. `domain/lifecycle_dates.py` is the
same rule for one record; a property-based test holds the two together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    case,
    delete,
    exists,
    func,
    literal,
    literal_column,
    null,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain import lifecycle_dates as ld
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.domain.stages import StageSet
from stagecoach.store.db import is_postgres
from stagecoach.store.ids import RowIds
from stagecoach.store.jsonsql import JsonSql
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
    cause_kind: str | None = None
    cause_id: int | None = None
    note: str | None = None


def stage_rows(conn: Connection, account_id: int, op_id: int, moves: Sequence[Move]) -> None:
    if not moves:
        return
    conn.execute(
        stage_moves.insert(),
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


def position(col: ColumnElement[str | None], stages: StageSet) -> ColumnElement[int]:
    """ord() in SQL: the stage's position in the current order, -1 for empty/unknown."""
    if not len(stages):
        return literal(-1)
    return case(
        *((col == literal_column(f"'{s}'"), i) for i, s in enumerate(stages.values)),
        else_=-1,
    )


@dataclass(frozen=True)
class MoveResult:
    moved: int
    blocked: int


def apply(
    conn: Connection, account_id: int, op_id: int, now: int, stages: StageSet
) -> MoveResult:
    moved = blocked = 0
    for ot in (ObjectType.CONTACT, ObjectType.COMPANY):
        m, b = _apply_for_type(conn, account_id, op_id, ot, now, stages)
        moved += m
        blocked += b
    return MoveResult(moved, blocked)


def _joined(account_id: int, op_id: int, ot: ObjectType) -> ColumnElement[bool]:
    return and_(
        M.account_id == account_id,
        M.op_id == op_id,
        M.object_type == int(ot),
        R.account_id == M.account_id,
        R.object_type == M.object_type,
        R.id == M.record_id,
    )


def _apply_for_type(
    conn: Connection, account_id: int, op_id: int, ot: ObjectType, now: int, stages: StageSet
) -> tuple[int, int]:
    joined = _joined(account_id, op_id, ot)
    if is_postgres(conn):
        # Lock in a fixed order before deciding, so that a concurrent writer cannot change a
        # stage between the decision and the update.
        conn.execute(
            select(R.id).where(joined).order_by(R.id).with_for_update(of=records)
        ).all()

    pos_target = position(M.target, stages)
    pos_current = position(R.lifecyclestage, stages)
    refused = and_(
        M.forward_only.is_(True),
        M.target.is_not(None),
        pos_target <= pos_current,
        R.lifecyclestage.is_distinct_from(M.target),
    )
    # One grouped read tells, per (old, new, forward-only, archived) group, what the policy
    # does (the same rule as `refuses` below, in SQL as `refused`), so the statements that
    # log refusals and drop non-moves run only when some group needs them.
    groups = conn.execute(
        select(R.lifecyclestage, M.target, M.forward_only, R.archived, func.count())
        .where(joined)
        .group_by(R.lifecyclestage, M.target, M.forward_only, R.archived)
    ).all()
    n_refused = sum(g[4] for g in groups if not g[3] and refuses(stages, g[0], g[1], g[2]))
    blocked = (_log_refused(conn, account_id, op_id, ot, now, stages, joined, refused, n_refused)
               if n_refused else 0)
    moving: dict[tuple[str | None, str | None], int] = {}
    for old, new, forward_only, archived, n in groups:
        if archived or old == new or refuses(stages, old, new, forward_only):
            continue
        moving[(old, new)] = moving.get((old, new), 0) + n
    if sum(moving.values()) < sum(g[4] for g in groups):
        # Drop what will not move: refused moves, no-ops, and records archived meanwhile.
        conn.execute(
            delete(stage_moves).where(
                M.account_id == account_id,
                M.op_id == op_id,
                M.object_type == int(ot),
                exists(select(R.id).where(
                    joined, (refused | R.lifecyclestage.is_not_distinct_from(M.target)
                             | R.archived.is_(True)))),
            )
        )
    pairs = [(old, new, n) for (old, new), n in moving.items()]
    total = sum(moving.values())
    if total == 0:
        return 0, blocked  # every staged row was dropped above

    row_ids = RowIds(conn, account_id, "history", total)
    conn.execute(
        property_history.insert().from_select(
            ["account_id", "id", "object_type", "record_id", "property", "value", "old_value",
             "ts", "source_type", "source_id", "source_label", "user_id", "op_id",
             "cause_kind", "cause_id", "note"],
            select(
                M.account_id, row_ids.column("stage_moves.record_id"), M.object_type,
                M.record_id, literal("lifecyclestage"), M.target, R.lifecyclestage,
                literal(now), M.source_type, M.source_id, M.source_label, M.user_id,
                literal(op_id), M.cause_kind, M.cause_id, M.note,
            ).where(joined),
        )
    )
    jsql = JsonSql(conn)
    for old, new, _count in pairs:
        # IN (not a correlated EXISTS): the planner drives from this step's moves (by
        # primary key) instead of scanning every record at stage `old`.
        in_moves = R.id.in_(
            select(M.record_id).where(
                M.account_id == account_id,
                M.op_id == op_id,
                M.object_type == int(ot),
                M.target.is_not_distinct_from(new),
            )
        )
        conn.execute(
            update(records)
            .where(R.account_id == account_id, R.object_type == int(ot),
                   R.lifecyclestage.is_not_distinct_from(old), in_moves)
            .values(
                lifecyclestage=new,
                updated_at=now,
                props=jsql.patch(R.props, derived_patch(jsql, old, new, now, stages)),
            )
        )
    _clear(conn, account_id, op_id, ot)
    return total, blocked


def refuses(stages: StageSet, current: str | None, target: str | None,
            forward_only: bool) -> bool:
    """A forward-only move that is not forward (and not a no-op) is refused (rules 1, 5)."""
    return (bool(forward_only) and target is not None and current != target
            and not stages.is_forward(current, target))


def _clear(conn: Connection, account_id: int, op_id: int, ot: ObjectType) -> None:
    conn.execute(
        delete(stage_moves).where(M.account_id == account_id, M.op_id == op_id,
                                  M.object_type == int(ot))
    )


def derived_patch(
    jsql: JsonSql, old: str | None, new: str | None, now: int, stages: StageSet
) -> list[tuple[str, ColumnElement[Any]]]:
    """SQL form of `lifecycle_dates.stage_transition` (a NULL removes the key)."""
    items: list[tuple[str, ColumnElement[Any]]] = []
    now_sql = jsql.bigint(now)
    if old:
        entered = jsql.num(R.props, ld.entered_key(old))
        cumulative = jsql.num(R.props, ld.cumulative_key(old))
        items.append((ld.exited_key(old), now_sql))
        items.append((ld.latest_key(old), jsql.bigint(now_sql - entered)))
        items.append((
            ld.cumulative_key(old),
            case((entered.is_(None), cumulative),
                 else_=func.coalesce(cumulative, 0) + now_sql - entered),
        ))
    if new:
        items.extend((ld.became_key(s), null()) for s in stages.after(new))
        items.append((ld.entered_key(new), now_sql))
        items.append((ld.became_key(new),
                      func.coalesce(jsql.num(R.props, ld.became_key(new)), now_sql)))
    return items


def _log_refused(
    conn: Connection,
    account_id: int,
    op_id: int,
    ot: ObjectType,
    now: int,
    stages: StageSet,
    joined: ColumnElement[bool],
    refused: ColumnElement[bool],
    n: int,
) -> int:
    row_ids = RowIds(conn, account_id, "blocked", n)
    reason = case((R.lifecyclestage == literal_column(f"'{stages.last}'"), "last_stage"),
                  else_="backward")
    conn.execute(
        blocked_writes.insert().from_select(
            ["account_id", "id", "object_type", "record_id", "property", "attempted_value",
             "kept_value", "source_type", "source_id", "source_label", "user_id", "reason",
             "ts", "op_id", "cause_kind", "cause_id"],
            select(
                M.account_id, row_ids.column("stage_moves.record_id"), M.object_type,
                M.record_id, literal("lifecyclestage"), M.target, R.lifecyclestage,
                M.source_type, M.source_id, M.source_label, M.user_id, reason, literal(now),
                literal(op_id), M.cause_kind, M.cause_id,
            ).where(joined, refused, R.archived.is_(False)),
        )
    )
    return int(n)
