"""The blocked-writes log (rule 6): what the policy refused, and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from stagecoach.domain.causes import CauseKind
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.store.core import ids as id_alloc
from stagecoach.store.core.bulk import insert_many
from stagecoach.store.schema import blocked_writes

B = blocked_writes.c


@dataclass(frozen=True)
class NewBlocked:
    object_type: ObjectType
    record_id: int
    property: str
    attempted: str | None
    kept: str | None
    reason: str
    source: Source
    cause_kind: CauseKind | None = None
    cause_id: int | None = None


def append(conn: Connection, account_id: int, rows: Sequence[NewBlocked], ts: int,
           op_id: int) -> None:
    if not rows:
        return
    new_ids = id_alloc.take(conn, account_id, "blocked", len(rows))
    insert_many(conn, blocked_writes, [
        {"account_id": account_id, "id": bid, "object_type": int(b.object_type),
         "record_id": b.record_id, "property": b.property, "attempted_value": b.attempted,
         "kept_value": b.kept, "source_type": b.source.type.value, "source_id": b.source.id,
         "source_label": b.source.label, "user_id": b.source.user_id, "reason": b.reason,
         "ts": ts, "op_id": op_id, "cause_kind": b.cause_kind, "cause_id": b.cause_id}
        for bid, b in zip(new_ids, rows, strict=True)
    ])


def for_record(conn: Connection, account_id: int, object_type: ObjectType, record_id: int,
               limit: int = 100) -> list:  # type: ignore[type-arg]
    return list(conn.execute(
        select(blocked_writes)
        .where(B.account_id == account_id, B.object_type == int(object_type),
               B.record_id == record_id)
        .order_by(B.ts.desc(), B.id.desc())
        .limit(limit)
    ))
