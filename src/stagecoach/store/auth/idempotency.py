"""Stored first responses of requests sent with an `Idempotency-Key`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from stagecoach.store.core.upsert import insert_ignore
from stagecoach.store.schema import idempotency_keys

K = idempotency_keys.c


@dataclass(frozen=True)
class Stored:
    request_hash: str
    status_code: int
    body: str
    created_at: int


def find(conn: Connection, account_id: int, key: str) -> Stored | None:
    row = conn.execute(
        select(K.request_hash, K.status_code, K.body, K.created_at)
        .where(K.account_id == account_id, K.key == key)
    ).first()
    return Stored(row.request_hash, row.status_code, row.body, row.created_at) if row else None


def forget(conn: Connection, account_id: int, key: str) -> None:
    conn.execute(delete(idempotency_keys).where(K.account_id == account_id, K.key == key))


def save(conn: Connection, account_id: int, key: str, request_hash: str, status_code: int,
         body: str, now: int) -> bool:
    """Store the response; False when another transaction stored one for the key first."""
    insert_ignore(conn, idempotency_keys, [{
        "account_id": account_id, "key": key, "request_hash": request_hash,
        "status_code": status_code, "body": body, "created_at": now}])
    stored = find(conn, account_id, key)
    return stored is not None and stored.request_hash == request_hash and stored.body == body
