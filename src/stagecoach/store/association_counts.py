"""Counting a record's associated records (num_associated_deals, num_associated_contacts)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import BigInteger, Connection, Integer, SmallInteger, and_, bindparam, func, select

from stagecoach.domain import associations as atypes
from stagecoach.domain.objects import ObjectType
from stagecoach.store.schema import associations, records

A = associations.c
R = records.c


def counts(conn: Connection, account_id: int, from_type: ObjectType, from_ids: Iterable[int],
           to_type: ObjectType) -> dict[int, int]:
    """Live associated records of `to_type` per record (every association carries the
    unlabelled type, so counting it counts each partner once)."""
    ids = sorted(set(from_ids))
    if not ids:
        return {}
    rows = conn.execute(_COUNTS, {
        "acc": account_id, "ft": int(from_type), "tt": int(to_type),
        "unl": atypes.unlabelled(from_type, to_type).id, "ids": ids}).all()
    found = {r[0]: int(r[1]) for r in rows}
    return {i: found.get(i, 0) for i in ids}


# Built once (counts run several times per request; building costs more than running).
_COUNTS = (
    select(A.from_id, func.count())
    .join(records, and_(R.account_id == A.account_id, R.object_type == A.to_type,
                        R.id == A.to_id, R.archived.is_(False)))
    .where(A.account_id == bindparam("acc", type_=BigInteger),
           A.from_type == bindparam("ft", type_=SmallInteger),
           A.to_type == bindparam("tt", type_=SmallInteger),
           A.type_id == bindparam("unl", type_=Integer),
           A.from_id.in_(bindparam("ids", expanding=True)))
    .group_by(A.from_id)
)
