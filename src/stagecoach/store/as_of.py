"""Values as they stood at a past instant, from the property history (rule 43).

Set-based: the latest version at or before `as_of` per record and property, found with one
window-free query (a correlated MAX over the (record, property, ts) index), so that reports
can join it like a table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Select, and_, func, select
from sqlalchemy.orm import aliased

from stagecoach.domain.objects import ObjectType
from stagecoach.store.schema import property_history, records

H = property_history.c
R = records.c


def values_at_query(account_id: int, object_type: ObjectType, prop: str, as_of: int,
                    record_ids: Sequence[int] | None = None) -> Select:  # type: ignore[type-arg]
    """(record_id, value) of every record that existed at `as_of`; value NULL when the
    property was empty then. Records created later are left out."""
    newer = aliased(property_history, name="newer")
    latest = (
        select(H.record_id.label("record_id"), func.max(H.id).label("hid"))
        .where(H.account_id == account_id, H.object_type == int(object_type),
               H.property == prop, H.ts <= as_of,
               ~select(newer.c.id).where(
                   newer.c.account_id == H.account_id,
                   newer.c.object_type == H.object_type,
                   newer.c.record_id == H.record_id, newer.c.property == H.property,
                   newer.c.ts > H.ts, newer.c.ts <= as_of).exists())
        .group_by(H.record_id)
    )
    if record_ids is not None:
        latest = latest.where(H.record_id.in_(list(record_ids)))
    lt = latest.subquery("latest")
    version = aliased(property_history, name="version")
    q = (
        select(R.id.label("record_id"), version.c.value.label("value"))
        .select_from(records)
        .outerjoin(lt, lt.c.record_id == R.id)
        .outerjoin(version, and_(version.c.account_id == R.account_id, version.c.id == lt.c.hid))
        .where(R.account_id == account_id, R.object_type == int(object_type),
               R.created_at <= as_of)
    )
    if record_ids is not None:
        q = q.where(R.id.in_(list(record_ids)))
    return q


def values_at(conn: Connection, account_id: int, object_type: ObjectType,
              properties: Iterable[str], as_of: int, record_ids: Sequence[int] | None = None,
              ) -> dict[int, dict[str, str | None]]:
    """record id -> {property: wire value then} (one query per property)."""
    out: dict[int, dict[str, str | None]] = {}
    for prop in properties:
        for rid, value in conn.execute(
            values_at_query(account_id, object_type, prop, as_of, record_ids)
        ):
            out.setdefault(rid, {})[prop] = value
    return out
