"""The SQL form of `domain/lifecycle_dates.stage_transition`: what a stage move does to a
record's derived date properties, as a JSON patch of its `props` (a NULL removes the key).
A property-based test holds the two together (tests/property/test_engine_matches_model.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, case, cast, func, null
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain import lifecycle_dates as ld
from stagecoach.domain.stages import StageSet
from stagecoach.store.core.jsonsql import JsonSql
from stagecoach.store.schema import records

R = records.c


def derived_patch(
    jsql: JsonSql, old: str | None, new: str | None, now: int | ColumnElement[Any],
    stages: StageSet,
) -> list[tuple[str, ColumnElement[Any]]]:
    """SQL form of `lifecycle_dates.stage_transition` (a NULL removes the key)."""
    items: list[tuple[str, ColumnElement[Any]]] = []
    now_sql = jsql.bigint(now) if isinstance(now, int) else cast(now, BigInteger)
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
