"""Loading an account's catalog (stages, settings, pipelines, property definitions)."""

from __future__ import annotations

import threading
import weakref

from sqlalchemy import Connection, Engine, select

from stagecoach.domain import settings as settings_rules
from stagecoach.domain.catalog import Catalog, custom_property
from stagecoach.domain.deals import DealStage, Pipeline
from stagecoach.domain.errors import NotFound
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.stages import StageSet
from stagecoach.store.catalog import catalog_version
from stagecoach.store.schema import (
    account_settings,
    accounts,
    lifecycle_stages,
    pipeline_stages,
    pipelines,
    property_defs,
)


def load_stages(conn: Connection, account_id: int) -> StageSet:
    rows = conn.execute(
        select(lifecycle_stages.c.value, lifecycle_stages.c.label)
        .where(lifecycle_stages.c.account_id == account_id)
        .order_by(lifecycle_stages.c.position)
    ).all()
    return StageSet.of((r.value, r.label) for r in rows)


def load_pipelines(conn: Connection, account_id: int) -> tuple[Pipeline, ...]:
    prow = conn.execute(
        select(pipelines)
        .where(pipelines.c.account_id == account_id, pipelines.c.archived.is_(False))
        .order_by(pipelines.c.display_order, pipelines.c.id)
    ).all()
    srows = conn.execute(
        select(pipeline_stages)
        .where(pipeline_stages.c.account_id == account_id,
               pipeline_stages.c.archived.is_(False))
        .order_by(pipeline_stages.c.display_order, pipeline_stages.c.id)
    ).all()
    out = []
    for p in prow:
        stages = tuple(
            DealStage(s.id, s.pipeline_id, s.label, s.display_order, s.probability, s.is_closed)
            for s in srows
            if s.pipeline_id == p.id
        )
        out.append(Pipeline(p.id, p.label, p.display_order, stages))
    return tuple(out)


# Per engine (a process may serve several databases), per account: the catalog and the
# stamp it was loaded at. Only catalogs read at the start of a unit of work are kept, never
# one read after the unit changed it (that one is not committed yet).
_cache: weakref.WeakKeyDictionary[Engine, dict[int, tuple[tuple[int, int], Catalog]]] = (
    weakref.WeakKeyDictionary())
_cache_guard = threading.Lock()


def current_catalog(conn: Connection, account_id: int) -> Catalog:
    """The account's catalog at the start of a unit of work: one statement when this process
    has it already at the current version (store/catalog/catalog_version.py)."""
    stamp = catalog_version.stamp(conn, account_id)
    with _cache_guard:
        mine = _cache.setdefault(conn.engine, {})
        known = mine.get(account_id)
    if known is not None and known[0] == stamp:
        return known[1]
    catalog = load_catalog(conn, account_id)
    with _cache_guard:
        mine[account_id] = (stamp, catalog)
    return catalog


def load_catalog(conn: Connection, account_id: int) -> Catalog:
    exists = conn.execute(
        select(accounts.c.account_id).where(accounts.c.account_id == account_id)
    ).first()
    if exists is None:
        raise NotFound(f"Account {account_id} does not exist", code="ACCOUNT_NOT_FOUND")
    stored = conn.execute(
        select(account_settings.c.settings).where(account_settings.c.account_id == account_id)
    ).scalar()
    props = conn.execute(
        select(property_defs).where(property_defs.c.account_id == account_id,
                                    property_defs.c.archived.is_(False))
    ).all()
    return Catalog(
        account_id=account_id,
        stages=load_stages(conn, account_id),
        settings=settings_rules.from_stored(stored),
        pipelines=load_pipelines(conn, account_id),
        stored_properties=tuple(
            custom_property(
                ObjectType(r.object_type), r.name, r.label, r.type, r.field_type,
                r.group_name, r.description, r.options or [], builtin=r.builtin,
            )
            for r in props
        ),
    )
