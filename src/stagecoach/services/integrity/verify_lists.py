"""`stagecoach verify` for active lists: every DYNAMIC list's members are exactly the live
records its filters select (rule 54). A difference is reported per record; with `fix`, the
list is recomputed through the lists' own path, so the repair is logged and becomes
membership events like any other change."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import Engine

from stagecoach.services.core import uow
from stagecoach.services.core.context import Ctx
from stagecoach.services.integrity.differences import Difference
from stagecoach.services.lists import maintain
from stagecoach.services.lists.registry import account_lists
from stagecoach.store.core.db import is_postgres
from stagecoach.store.lists.compile import ListCompiler
from stagecoach.store.lists.drift import drift

SHOWN_PER_LIST = 1000
MEMBER, NOT_MEMBER = "member", "not a member"


def _differences(ctx: Ctx, fix: bool) -> list[Difference]:
    compiler = ListCompiler(is_postgres(ctx.conn), ctx.catalog, ctx.now)
    out: list[Difference] = []
    drifted = []
    for a in account_lists(ctx).active:
        ot = a.row.object_type
        found = drift(ctx.conn, ctx.account_id, a.id, ot, compiler.branch(a.branch),
                      SHOWN_PER_LIST)
        prop = f"list {a.id} ({a.row.name})"
        out += [Difference(ctx.account_id, ot, rid, prop, NOT_MEMBER, MEMBER)
                for rid in found.missing]
        out += [Difference(ctx.account_id, ot, rid, prop, MEMBER, NOT_MEMBER)
                for rid in found.extra]
        if found.missing or found.extra:
            drifted.append(a)
    if fix and drifted:
        maintain.rebuild(ctx, drifted)
    return out


def verify_lists(engine: Engine, account_id: int, clock: Callable[[], int], *,
                 fix: bool = False) -> Iterator[Difference]:
    yield from uow.run(engine, account_id, lambda ctx: _differences(ctx, fix), clock,
                       readonly=not fix)
