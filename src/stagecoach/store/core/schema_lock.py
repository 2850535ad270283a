"""Serializing changes to an account's configuration (stage set, property definitions,
pipelines, settings): two admins editing at once must not lose each other's change or
collide on a key. SQLite already serializes writers (BEGIN IMMEDIATE); PostgreSQL locks
the account row."""

from __future__ import annotations

from sqlalchemy import Connection, select

from stagecoach.store.core.db import is_postgres
from stagecoach.store.schema import accounts


def lock_configuration(conn: Connection, account_id: int) -> None:
    if is_postgres(conn):
        conn.execute(select(accounts.c.account_id)
                     .where(accounts.c.account_id == account_id).with_for_update()).all()
