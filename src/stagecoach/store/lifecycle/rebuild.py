"""Reading what `stagecoach verify` replays, and writing its repairs (rule 17)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select, update

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.stages import StageSet
from stagecoach.store.schema import accounts, property_history, records, stage_orders

H = property_history.c
R = records.c
O = stage_orders.c  # noqa: E741

DERIVED_PREFIXES = ("hs_lifecyclestage_", "hs_v2_date_", "hs_v2_latest_time_in_",
                    "hs_v2_cumulative_time_in_")


def account_ids(conn: Connection) -> list[int]:
    return [r[0] for r in conn.execute(select(accounts.c.account_id).order_by(
        accounts.c.account_id))]


def stage_order_versions(conn: Connection, account_id: int) -> list[tuple[int, StageSet]]:
    """Every stage order the account has had, as (from time, order), oldest first."""
    rows = conn.execute(
        select(O.ts, O.stages).where(O.account_id == account_id).order_by(O.ts, O.version)
    ).all()
    return [(int(r.ts), StageSet.of((v, label) for v, label in r.stages)) for r in rows]


def record_chunk(conn: Connection, account_id: int, object_type: ObjectType, after_id: int,
                 limit: int) -> list[Any]:
    """(id, lifecyclestage, stage_entered_at, props) of the next `limit` records after
    `after_id`."""
    return list(conn.execute(
        select(R.id, R.lifecyclestage, R.stage_entered_at, R.props)
        .where(R.account_id == account_id, R.object_type == int(object_type),
               R.id > after_id)
        .order_by(R.id).limit(limit)
    ))


def lifecycle_versions(conn: Connection, account_id: int, object_type: ObjectType,
                       first_id: int, last_id: int) -> list[Any]:
    """Stage and derived-property versions of records in [first_id, last_id], in replay
    order (record, time, id)."""
    return list(conn.execute(
        select(H.record_id, H.id, H.property, H.value, H.ts)
        .where(H.account_id == account_id, H.object_type == int(object_type),
               H.record_id >= first_id, H.record_id <= last_id,
               or_(H.property == "lifecyclestage",
                   *(H.property.startswith(p, autoescape=True) for p in DERIVED_PREFIXES)))
        .order_by(H.record_id, H.ts, H.id)
    ))


def repair(conn: Connection, account_id: int, object_type: ObjectType,
           rows: Sequence[tuple[int, str | None, dict[str, Any]]]) -> None:
    """Write rebuilt (id, stage, props) rows: the whole props object, derived keys replaced."""
    if not rows:
        return
    conn.execute(
        update(records)
        .where(R.account_id == bindparam("p_account"), R.object_type == bindparam("p_type"),
               R.id == bindparam("p_id"))
        .values(lifecyclestage=bindparam("p_stage"),
                props=bindparam("p_props", type_=R.props.type)),
        [{"p_account": account_id, "p_type": int(object_type), "p_id": rid, "p_stage": stage,
          "p_props": props} for rid, stage, props in rows],
    )


def is_derived(name: str) -> bool:
    return name.startswith(DERIVED_PREFIXES)


def as_dict(props: Any) -> dict[str, Any]:
    if isinstance(props, str):
        return dict(json.loads(props))
    return dict(props or {})
