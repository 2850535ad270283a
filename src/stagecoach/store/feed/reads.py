"""Reading the change feed in `seq` order, and dropping what is past retention."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, delete, func, select

from stagecoach.domain.feed import Event, EventType
from stagecoach.domain.objects import ObjectType
from stagecoach.store.core import driver
from stagecoach.store.schema import events

E = events.c


def page(conn: Connection, account_id: int, after: int, limit: int,
         types: Collection[EventType] | None = None) -> list[Event]:
    """Up to `limit` events with a seq above `after`, in seq order."""
    q = select(events).where(E.account_id == account_id, E.seq > after)
    if types is not None:
        q = q.where(E.event_type.in_(sorted(t.value for t in types)))
    return [_event(r) for r in conn.execute(q.order_by(E.seq).limit(limit))]


def last_seq(conn: Connection, account_id: int) -> int:
    found = conn.execute(select(E.seq).where(E.account_id == account_id)
                         .order_by(E.seq.desc()).limit(1)).scalar()
    return int(found or 0)


def newest_at(conn: Connection, account_id: int) -> int | None:
    return conn.execute(select(E.occurred_at).where(E.account_id == account_id)
                        .order_by(E.seq.desc()).limit(1)).scalar()


def purge(conn: Connection, account_id: int, before: int, limit: int) -> int:
    """Drop the oldest events that occurred before `before`, up to `limit` of them; returns
    how many. It walks the key from the oldest seq: events are in commit order, so their
    times only grow with seq (up to a unit's length), and the batch stays bounded."""
    oldest = (select(E.seq, E.occurred_at).where(E.account_id == account_id)
              .order_by(E.seq).limit(limit).subquery())
    cutoff = conn.execute(select(func.max(oldest.c.seq))
                          .where(oldest.c.occurred_at < before)).scalar()
    if cutoff is None:
        return 0
    return conn.execute(delete(events).where(E.account_id == account_id, E.seq <= cutoff)
                        ).rowcount


def _event(r: object) -> Event:
    row = r._mapping  # type: ignore[attr-defined]
    return Event(int(row["seq"]), EventType(row["event_type"]), ObjectType(row["object_type"]),
                 int(row["object_id"]), int(row["occurred_at"]), row["property"],
                 row["value"], row["old_value"], row["source_type"], row["source_id"],
                 row["cause_kind"], row["cause_id"], row["ref_id"],
                 driver.json_value(row["detail"]))
