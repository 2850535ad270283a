"""Reading and changing the automation settings. A change never rewrites the past by
itself (rule 26): that is what preview and apply are for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stagecoach.domain import settings as rules
from stagecoach.domain.settings import AutomationSettings
from stagecoach.services.core import configuration
from stagecoach.services.core.context import Ctx
from stagecoach.store.lifecycle import settings as store


def get(ctx: Ctx) -> dict[str, Any]:
    return ctx.catalog.settings.to_json()


def patch(ctx: Ctx, changes: Mapping[str, Any]) -> dict[str, Any]:
    configuration.lock(ctx)
    merged = rules.merge(ctx.catalog.settings, changes, ctx.catalog.stages,
                         ctx.catalog.pipelines)
    store.save(ctx.conn, ctx.account_id, merged, ctx.now)
    ctx.reload_catalog()
    return merged.to_json()


def replace(ctx: Ctx, full: Mapping[str, Any]) -> dict[str, Any]:
    """PUT: keys not given go back to their defaults."""
    configuration.lock(ctx)
    merged = rules.merge(AutomationSettings(), full, ctx.catalog.stages, ctx.catalog.pipelines)
    store.save(ctx.conn, ctx.account_id, merged, ctx.now)
    ctx.reload_catalog()
    return merged.to_json()
