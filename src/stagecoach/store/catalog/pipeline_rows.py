"""Rows of `pipelines` and `pipeline_stages`, with the times the wire shows. Deleting is
archiving (the ids stay taken, as in HubSpot)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, func, select, update

from stagecoach.domain.objects import ObjectType
from stagecoach.store.catalog import catalog_version
from stagecoach.store.schema import pipeline_stages, pipelines, records

P = pipelines.c
S = pipeline_stages.c
R = records.c


def pipeline_rows(conn: Connection, account_id: int, *, archived: bool = False
                  ) -> list[Row[Any]]:
    return list(conn.execute(
        select(pipelines).where(P.account_id == account_id, P.archived.is_(archived))
        .order_by(P.display_order, P.label, P.id)))


def stage_rows(conn: Connection, account_id: int, pipeline_ids: Sequence[str]
               ) -> list[Row[Any]]:
    if not pipeline_ids:
        return []
    return list(conn.execute(
        select(pipeline_stages).where(S.account_id == account_id,
                                      S.pipeline_id.in_(list(pipeline_ids)),
                                      S.archived.is_(False))
        .order_by(S.display_order, S.label, S.id)))


def taken_ids(conn: Connection, account_id: int) -> set[str]:
    """Every pipeline and stage id ever used in the account, archived ones included."""
    ps = conn.execute(select(P.id).where(P.account_id == account_id)).scalars()
    ss = conn.execute(select(S.id).where(S.account_id == account_id)).scalars()
    return set(ps) | set(ss)


def insert_pipeline(conn: Connection, account_id: int, pipeline_id: str, label: str,
                    display_order: int, now: int) -> None:
    conn.execute(pipelines.insert().values(
        account_id=account_id, id=pipeline_id, object_type=int(ObjectType.DEAL), label=label,
        display_order=display_order, archived=False, created_at=now, updated_at=now))
    catalog_version.changed(conn, account_id)


def insert_stages(conn: Connection, account_id: int, pipeline_id: str,
                  stages: Sequence[Mapping[str, Any]], now: int) -> None:
    if stages:
        conn.execute(pipeline_stages.insert(), [
            {"account_id": account_id, "pipeline_id": pipeline_id, "archived": False,
             "created_at": now, "updated_at": now, **s}
            for s in stages
        ])
        catalog_version.changed(conn, account_id)


def change_pipeline(conn: Connection, account_id: int, pipeline_id: str,
                    values: Mapping[str, Any]) -> None:
    conn.execute(update(pipelines).where(P.account_id == account_id, P.id == pipeline_id)
                 .values(**values))
    catalog_version.changed(conn, account_id)


def change_stage(conn: Connection, account_id: int, stage_id: str,
                 values: Mapping[str, Any]) -> None:
    conn.execute(update(pipeline_stages).where(S.account_id == account_id, S.id == stage_id)
                 .values(**values))
    catalog_version.changed(conn, account_id)


def deals_in(conn: Connection, account_id: int, *, pipeline_id: str | None = None,
             stage_id: str | None = None) -> int:
    """Live deals in a pipeline or at a stage (one indexed count)."""
    q = select(func.count()).select_from(records).where(
        R.account_id == account_id, R.object_type == int(ObjectType.DEAL),
        R.archived.is_(False))
    if pipeline_id is not None:
        q = q.where(R.pipeline == pipeline_id)
    if stage_id is not None:
        q = q.where(R.dealstage == stage_id)
    return int(conn.execute(q).scalar_one())
