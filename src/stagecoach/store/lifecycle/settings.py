"""Persisting the account's automation settings."""

from __future__ import annotations

from sqlalchemy import Connection, update

from stagecoach.domain.settings import AutomationSettings
from stagecoach.store.catalog import catalog_version
from stagecoach.store.schema import account_settings


def save(conn: Connection, account_id: int, settings: AutomationSettings, now: int) -> None:
    conn.execute(update(account_settings)
                 .where(account_settings.c.account_id == account_id)
                 .values(settings=settings.to_json(), updated_at=now))
    catalog_version.changed(conn, account_id)
