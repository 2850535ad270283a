"""Job rows (backfills, imports): state and progress live in the database, so a restarted
process, or another one, can pick a job up where it stopped."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from stagecoach.store.core import ids
from stagecoach.store.core.db import is_postgres
from stagecoach.store.schema import jobs

J = jobs.c
RUNNING, DONE, FAILED = "RUNNING", "DONE", "FAILED"


def create(conn: Connection, account_id: int, kind: str, params: dict[str, Any], total: int,
           created_by: int | None, now: int) -> int:
    jid = ids.take_one(conn, account_id, "job")
    conn.execute(jobs.insert().values(
        account_id=account_id, id=jid, kind=kind, state=RUNNING, processed=0, total=total,
        params=params, result={}, created_by=created_by, created_at=now, updated_at=now))
    return jid


def get(conn: Connection, account_id: int, job_id: int, *, lock: bool = False) -> Any:
    q = select(jobs).where(J.account_id == account_id, J.id == job_id)
    if lock and is_postgres(conn):
        q = q.with_for_update()
    return conn.execute(q).first()


def progress(conn: Connection, account_id: int, job_id: int, *, processed: int,
             result: dict[str, Any], now: int, state: str = RUNNING,
             error: str | None = None) -> None:
    conn.execute(update(jobs).where(J.account_id == account_id, J.id == job_id).values(
        processed=processed, result=result, state=state, error=error, updated_at=now))


def unfinished(conn: Connection, kind: str) -> list[tuple[int, int]]:
    """(account id, job id) of every job of `kind` still RUNNING, in any account."""
    return [(r[0], r[1]) for r in conn.execute(
        select(J.account_id, J.id).where(J.kind == kind, J.state == RUNNING)
        .order_by(J.account_id, J.id))]


def to_json(row: Any) -> dict[str, Any]:
    from stagecoach.domain.values import ms_to_iso

    out = {"id": str(row.id), "kind": row.kind, "state": row.state,
           "processed": int(row.processed), "total": int(row.total),
           "createdAt": ms_to_iso(row.created_at), "updatedAt": ms_to_iso(row.updated_at)}
    result = dict(row.result or {})
    result.pop("cursor", None)
    if result:
        out["result"] = result
    if row.error:
        out["error"] = row.error
    return out
