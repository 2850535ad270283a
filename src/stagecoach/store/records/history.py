"""The append-only property history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from stagecoach.domain.causes import CauseKind
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.store.core import ids as id_alloc
from stagecoach.store.core.bulk import insert_many
from stagecoach.store.schema import property_history

H = property_history.c


@dataclass(frozen=True)
class NewVersion:
    object_type: ObjectType
    record_id: int
    property: str
    value: str | None
    old_value: str | None
    source: Source
    cause_kind: CauseKind | None = None
    cause_id: int | None = None
    note: str | None = None


def append(
    conn: Connection, account_id: int, versions: Sequence[NewVersion], ts: int, op_id: int
) -> list[int]:
    if not versions:
        return []
    new_ids = id_alloc.take(conn, account_id, "history", len(versions))
    insert_many(
        conn,
        property_history,
        [
            {
                "account_id": account_id,
                "id": hid,
                "object_type": int(v.object_type),
                "record_id": v.record_id,
                "property": v.property,
                "value": v.value,
                "old_value": v.old_value,
                "ts": ts,
                "source_type": v.source.type.value,
                "source_id": v.source.id,
                "source_label": v.source.label,
                "user_id": v.source.user_id,
                "op_id": op_id,
                "cause_kind": v.cause_kind,
                "cause_id": v.cause_id,
                "note": v.note,
            }
            for hid, v in zip(new_ids, versions, strict=True)
        ],
    )
    return new_ids


def for_records(
    conn: Connection,
    account_id: int,
    object_type: ObjectType,
    record_ids: Iterable[int],
    properties: Iterable[str] | None = None,
) -> list:  # type: ignore[type-arg]
    """Versions of the given records, newest first."""
    ids = sorted(set(record_ids))
    if not ids:
        return []
    q = select(property_history).where(
        H.account_id == account_id,
        H.object_type == int(object_type),
        H.record_id.in_(ids),
    )
    if properties is not None:
        q = q.where(H.property.in_(sorted(set(properties))))
    return list(conn.execute(q.order_by(H.ts.desc(), H.id.desc())))
