"""An account's live lists as the step hook needs them: the DYNAMIC ones parsed, in
dependency order, and the ids of the others.

Every step of every unit asks for them, so a server process keeps them between units, as
it keeps the catalog (store/catalog/catalog.py): a change to the set of lists or to a
DYNAMIC list's filters bumps the catalog's version (store/catalog/catalog_version.py) in
its transaction, which gives every later unit a new `Catalog` object, and the kept lists
are valid only for the `Catalog` object they were read with. An account without lists
therefore costs no statement per step. The unit that changes lists reads them afresh from
its own transaction (its writes are not committed, so they are never kept).
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from stagecoach.domain.catalog import Catalog
from stagecoach.domain.errors import DomainError
from stagecoach.domain.lists.dependencies import in_dependency_order
from stagecoach.domain.lists.model import FilterBranch, ProcessingType
from stagecoach.domain.lists.parse import parse_branch
from stagecoach.services.core.context import Ctx
from stagecoach.store.catalog import catalog_version
from stagecoach.store.lists import rows
from stagecoach.store.lists.rows import ListRow

log = logging.getLogger("stagecoach.lists")
_DIRTY = "stagecoach.lists.changed"


@dataclass(frozen=True)
class ActiveList:
    row: ListRow
    branch: FilterBranch

    @property
    def id(self) -> int:
        return self.row.id


@dataclass(frozen=True)
class AccountLists:
    # DYNAMIC lists, each after the lists it names.
    active: tuple[ActiveList, ...]
    # Lists kept by hand (MANUAL, SNAPSHOT).
    static_ids: tuple[int, ...]

    @property
    def empty(self) -> bool:
        return not self.active and not self.static_ids


_kept: weakref.WeakKeyDictionary[Engine, dict[int, tuple[Catalog, AccountLists]]] = (
    weakref.WeakKeyDictionary())
_guard = threading.Lock()


def parse_stored(catalog: Catalog, row: ListRow) -> FilterBranch:
    assert row.filter_branch is not None
    return parse_branch(row.filter_branch, row.object_type, catalog.require_definition)


def _load(ctx: Ctx) -> AccountLists:
    active: dict[int, ActiveList] = {}
    static: list[int] = []
    for row in rows.live(ctx.conn, ctx.account_id):
        if row.processing_type != ProcessingType.DYNAMIC or row.filter_branch is None:
            static.append(row.id)
            continue
        try:
            active[row.id] = ActiveList(row, parse_stored(ctx.catalog, row))
        except DomainError as exc:
            # A property its filters name was archived since: the list keeps its members
            # until its filters are updated.
            log.warning("list %s of account %s is not kept: %s", row.id, ctx.account_id,
                        exc.message)
    order = in_dependency_order({i: a.branch.list_ids for i, a in active.items()})
    return AccountLists(tuple(active[i] for i in order), tuple(static))


def _changed_here(conn: Connection) -> bool:
    held = conn.info.get(_DIRTY)
    return held is not None and held is conn.get_transaction()


def account_lists(ctx: Ctx) -> AccountLists:
    if _changed_here(ctx.conn):
        return _load(ctx)
    with _guard:
        held = _kept.get(ctx.conn.engine, {}).get(ctx.account_id)
    if held is not None and held[0] is ctx.catalog:
        return held[1]
    found = _load(ctx)
    with _guard:
        _kept.setdefault(ctx.conn.engine, {})[ctx.account_id] = (ctx.catalog, found)
    return found


def changed(ctx: Ctx) -> None:
    """Call in the unit that creates, archives or restores a list or changes filters."""
    if not _changed_here(ctx.conn):
        catalog_version.changed(ctx.conn, ctx.account_id)
        ctx.conn.info[_DIRTY] = ctx.conn.get_transaction()
