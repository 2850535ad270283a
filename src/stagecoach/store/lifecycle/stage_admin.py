"""Set-based SQL behind changes to the lifecycle stage set (rules 35-39)."""

from __future__ import annotations

from sqlalchemy import Connection, func, literal, select

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.store.schema import records, stage_moves

R = records.c
_LIFECYCLE_TYPES = (int(ObjectType.CONTACT), int(ObjectType.COMPANY))


def counts_by_stage(conn: Connection, account_id: int
                    ) -> dict[str, dict[ObjectType, int]]:
    """Live contacts and companies per stage value, in one grouped query."""
    rows = conn.execute(
        select(R.lifecyclestage, R.object_type, func.count())
        .where(R.account_id == account_id, R.object_type.in_(_LIFECYCLE_TYPES),
               R.archived.is_(False), R.lifecyclestage.is_not(None))
        .group_by(R.lifecyclestage, R.object_type)
    ).all()
    out: dict[str, dict[ObjectType, int]] = {}
    for value, ot, n in rows:
        out.setdefault(value, {})[ObjectType(ot)] = int(n)
    return out


def stage_replacement(conn: Connection, account_id: int, op_id: int, value: str,
                      replacement: str, source: Source, note: str) -> None:
    """Stage a move of every live record at `value` to `replacement`, as one INSERT ...
    SELECT (not forward-only: the replacement may come earlier in the order)."""
    q = select(
        R.account_id, literal(op_id), R.object_type, R.id, literal(replacement),
        literal(False), literal(source.type.value), literal(source.id),
        literal(source.label), literal(None), literal(note),
    ).where(R.account_id == account_id, R.object_type.in_(_LIFECYCLE_TYPES),
            R.archived.is_(False), R.lifecyclestage == value)
    conn.execute(stage_moves.insert().from_select(
        ["account_id", "op_id", "object_type", "record_id", "target", "forward_only",
         "source_type", "source_id", "source_label", "user_id", "note"], q))
