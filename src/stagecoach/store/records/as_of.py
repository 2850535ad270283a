"""Values as they stood at a past instant, from the property history (rule 43).

Set-based: the latest version at or before `as_of` per record and property, found with one
window-free query (a correlated "no newer version" over the (record, property, ts) index),
so that reports can join it like a table and reads rebuild a page of records with one
statement whatever the number of records or properties.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Select, and_, func, select
from sqlalchemy.orm import aliased

from stagecoach.domain.objects import ObjectType
from stagecoach.store.schema import property_history, records

H = property_history.c
R = records.c


def _latest(account_id: int, object_type: ObjectType, props: Sequence[str], as_of: int,
            record_ids: Sequence[int] | None) -> Select:  # type: ignore[type-arg]
    """(record_id, property, hid): the id of each record's latest version of each property
    at or before `as_of`."""
    newer = aliased(property_history, name="newer")
    latest = (
        select(H.record_id.label("record_id"), H.property.label("property"),
               func.max(H.id).label("hid"))
        .where(H.account_id == account_id, H.object_type == int(object_type),
               H.property.in_(list(props)), H.ts <= as_of,
               ~select(newer.c.id).where(
                   newer.c.account_id == H.account_id,
                   newer.c.object_type == H.object_type,
                   newer.c.record_id == H.record_id, newer.c.property == H.property,
                   newer.c.ts > H.ts, newer.c.ts <= as_of).exists())
        .group_by(H.record_id, H.property)
    )
    if record_ids is not None:
        latest = latest.where(H.record_id.in_(list(record_ids)))
    return latest


def _values_query(account_id: int, object_type: ObjectType, props: Sequence[str], as_of: int,
                  record_ids: Sequence[int] | None) -> Select:  # type: ignore[type-arg]
    lt = _latest(account_id, object_type, props, as_of, record_ids).subquery("latest")
    version = aliased(property_history, name="version")
    q = (
        select(R.id.label("record_id"), lt.c.property.label("property"),
               version.c.value.label("value"))
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
    """record id -> {property: wire value then} for every record that existed at `as_of`
    (one query for any number of properties)."""
    props = list(dict.fromkeys(properties))
    out: dict[int, dict[str, str | None]] = {}
    if not props:
        return out
    for rid, prop, value in conn.execute(
            _values_query(account_id, object_type, props, as_of, record_ids)):
        found = out.setdefault(rid, dict.fromkeys(props))
        if prop is not None:
            found[prop] = value
    return out


def modified_at(conn: Connection, account_id: int, object_type: ObjectType,
                record_ids: Sequence[int], as_of: int) -> dict[int, int]:
    """record id -> the time of its latest version at or before `as_of`."""
    if not record_ids:
        return {}
    return {rid: int(ts) for rid, ts in conn.execute(
        select(H.record_id, func.max(H.ts))
        .where(H.account_id == account_id, H.object_type == int(object_type),
               H.record_id.in_(list(record_ids)), H.ts <= as_of)
        .group_by(H.record_id))}
