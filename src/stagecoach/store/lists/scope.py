"""Sets of record ids as SQL, for membership statements: ids given by the caller (one
parameter however many), and the records a step's ops touched.

A step's changes are found where its ops wrote them: property versions (archive and
restore included), association changes at both ends, list membership changes (lists that
name other lists), plus the records it created, which may have no version at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Select, Text, cast, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY

from stagecoach.domain.objects import ObjectType
from stagecoach.store.schema import association_history, list_membership_log, property_history

H = property_history.c
A = association_history.c
G = list_membership_log.c


def id_set(pg: bool, ids: Sequence[int]) -> Select[Any]:
    """SELECT of `ids` as one bound value: an array on PostgreSQL, JSON on SQLite (an IN
    list of 50,000 parameters is past both databases' limits)."""
    if pg:
        return select(func.unnest(literal(list(ids), ARRAY(BigInteger))))
    values = func.json_each(cast(literal(json.dumps(list(ids))), Text)).table_valued("value")
    return select(values.c.value)


def touched(pg: bool, account_id: int, object_type: ObjectType, ops: Sequence[int],
            created: Sequence[int], *, memberships: bool) -> Select[Any]:
    """The records of `object_type` the ops changed (with `memberships`, also those whose
    list memberships they changed), and `created`."""
    ot = int(object_type)
    op_list = sorted(set(ops))
    parts: list[Select[Any]] = [
        select(H.record_id).where(H.account_id == account_id, H.op_id.in_(op_list),
                                  H.object_type == ot),
        select(A.from_id).where(A.account_id == account_id, A.op_id.in_(op_list),
                                A.from_type == ot),
        select(A.to_id).where(A.account_id == account_id, A.op_id.in_(op_list),
                              A.to_type == ot),
    ]
    if memberships:
        parts.append(select(G.record_id).where(G.account_id == account_id,
                                               G.op_id.in_(op_list), G.object_type == ot))
    if created:
        parts.append(id_set(pg, created))
    return select(union_all(*parts).subquery().c[0])
