"""How far a DYNAMIC list's stored members are from what its filters select now: the
records that should be members and are not, and the members that should not be
(`stagecoach verify`). Read-only; repairs go through the lists' own recompute."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exists, literal, select
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain.objects import ObjectType
from stagecoach.store.schema import list_memberships, records

R = records.c
M = list_memberships.c


@dataclass(frozen=True)
class Drift:
    missing: list[int]  # should be members
    extra: list[int]  # should not be


def drift(conn: Connection, account_id: int, list_id: int, object_type: ObjectType,
          match: ColumnElement[bool], limit: int) -> Drift:
    live = [R.account_id == account_id, R.object_type == int(object_type),
            R.archived.is_(False)]
    member = exists(select(literal(1)).where(
        M.account_id == account_id, M.list_id == list_id, M.record_id == R.id))
    missing = conn.execute(select(R.id).where(*live, match, ~member)
                           .order_by(R.id).limit(limit)).scalars().all()
    mm = list_memberships.alias("mm")
    still: Any = exists(select(literal(1)).select_from(records).where(
        *live, R.id == mm.c.record_id, match))
    extra = conn.execute(select(mm.c.record_id).where(
        mm.c.account_id == account_id, mm.c.list_id == list_id, ~still)
        .order_by(mm.c.record_id).limit(limit)).scalars().all()
    return Drift(list(missing), list(extra))
