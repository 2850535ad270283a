"""Saved views of the web app's index pages (a named filter, columns and sort)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, or_, select

from stagecoach.domain.objects import ObjectType
from stagecoach.store.core import ids
from stagecoach.store.schema import saved_views

V = saved_views.c


@dataclass(frozen=True)
class SavedView:
    id: int
    object_type: ObjectType
    name: str
    owner_user_id: int | None  # None: shared with the whole account
    stages: tuple[str, ...]
    query: str
    lead_status: str | None
    columns: tuple[str, ...]
    sort: str

    @property
    def shared(self) -> bool:
        return self.owner_user_id is None


def _view(r: object) -> SavedView:
    return SavedView(r.id, ObjectType(r.object_type), r.name, r.owner_user_id,  # type: ignore[attr-defined]
                     tuple(r.stages or ()), r.query or "", r.lead_status,  # type: ignore[attr-defined]
                     tuple(r.columns or ()), r.sort)  # type: ignore[attr-defined]


def insert(conn: Connection, account_id: int, object_type: ObjectType, name: str,
           owner_user_id: int | None, stages: Sequence[str], query: str,
           lead_status: str | None, columns: Sequence[str], sort: str, now: int) -> int:
    vid = ids.take_one(conn, account_id, "saved_view")
    conn.execute(saved_views.insert().values(
        account_id=account_id, id=vid, object_type=int(object_type), name=name,
        owner_user_id=owner_user_id, stages=list(stages), query=query,
        lead_status=lead_status, columns=list(columns), sort=sort, created_at=now))
    return vid


def visible_to(conn: Connection, account_id: int, object_type: ObjectType, user_id: int
               ) -> list[SavedView]:
    """The user's own views and the account's shared ones, by name."""
    rows = conn.execute(
        select(saved_views).where(
            V.account_id == account_id, V.object_type == int(object_type),
            or_(V.owner_user_id.is_(None), V.owner_user_id == user_id))
        .order_by(V.name, V.id))
    return [_view(r) for r in rows]


def get(conn: Connection, account_id: int, view_id: int) -> SavedView | None:
    r = conn.execute(select(saved_views).where(V.account_id == account_id,
                                               V.id == view_id)).first()
    return _view(r) if r is not None else None


def remove(conn: Connection, account_id: int, view_id: int) -> None:
    conn.execute(delete(saved_views).where(V.account_id == account_id, V.id == view_id))


def views_referring_to_stage(conn: Connection, account_id: int, value: str) -> list[str]:
    """Names of the saved views whose filter names lifecycle stage `value` (rule 39: such a
    stage cannot be deleted). The stage list is JSON, so it is checked here rather than in
    SQL; an account has few views."""
    rows = conn.execute(select(V.name, V.stages).where(V.account_id == account_id)
                        .order_by(V.name, V.id))
    return [r.name for r in rows if value in (r.stages or ())]
