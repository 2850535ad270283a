"""The first step of every change to the account's configuration."""

from __future__ import annotations

from stagecoach.services.core.context import Ctx
from stagecoach.store.core.schema_lock import lock_configuration


def lock(ctx: Ctx) -> None:
    """Take the account's configuration lock, then reload the catalog: what was loaded
    before waiting for the lock may be stale."""
    lock_configuration(ctx.conn, ctx.account_id)
    ctx.reload_catalog()
