"""Active lists kept exact in the transaction of every change (automation spec rule 54).

`maintain_step` is a step hook (services/hooks.py), after the lifecycle reactions, so it
sees every record the step and its cascades touched. For each DYNAMIC list it recomputes
membership for just those records with one set-based statement (two more when someone
joins or leaves), in dependency order so that a list naming another (IN_LIST) reads it
already updated; records the step archived also leave the lists kept by hand. Every
join and leave is logged with one fresh op that joins the step, which the change feed
reads. A step whose writer knows it changed nothing a list reads costs nothing.

Time alone moves records in and out of lists whose filters are indexed from today:
`refresh_time_relative` recomputes those as of the unit's time (the worker runs it).
"""

from __future__ import annotations

from collections.abc import Sequence

from stagecoach.domain.lists.model import ARCHIVED, MEMBERSHIP
from stagecoach.domain.sources import SourceType
from stagecoach.services.core.context import Ctx, Step
from stagecoach.services.lists.registry import ActiveList, account_lists
from stagecoach.store.core.db import is_postgres
from stagecoach.store.lists import memberships, scope
from stagecoach.store.lists.compile import ListCompiler
from stagecoach.store.lists.memberships import Change

# Who changes a DYNAMIC list's members: its filters.
FILTERS = (SourceType.CALCULATED.value, "list_filters")
# Properties every write changes: a list reading them is never skipped.
_ALWAYS = frozenset({"lastmodifieddate", "hs_lastmodifieddate"})


def _changed(step: Step) -> set[str] | None:
    """What the step changed, when known: its writer's `changed` covers its own op only,
    so once reactions joined the step (a deal won moving contacts) anything may have."""
    return step.changed if len(step.ops) == 1 else None


def _due(lists: Sequence[ActiveList], step: Step) -> list[ActiveList]:
    """The lists the step may move records in or out of, in order: those reading what it
    changed, and, once one of them is due, those reading other lists' members."""
    if _changed(step) is None:
        return list(lists)
    changed = set(step.changed or ()) | _ALWAYS
    out = []
    for a in lists:
        if step.created.get(a.row.object_type) or not a.branch.properties_read.isdisjoint(
                changed):
            out.append(a)
            changed.add(MEMBERSHIP)
    return out


def filter_change(ctx: Ctx, a: ActiveList, op: int) -> Change:
    return Change(ctx.account_id, a.id, a.row.object_type, op, ctx.now, *FILTERS)


def maintain_step(ctx: Ctx, step: Step) -> None:
    found = account_lists(ctx)
    if found.empty:
        return
    due = _due(found.active, step)
    changed = _changed(step)
    archive_possible = changed is None or ARCHIVED in changed
    statics = found.static_ids if archive_possible else ()
    if not due and not statics:
        return
    op = ctx.reaction_op()
    pg = is_postgres(ctx.conn)
    compiler = ListCompiler(pg, ctx.catalog, ctx.now)
    for a in due:
        ot = a.row.object_type
        # step.ops includes `op`, so a list naming another sees the joins written before it.
        touched = scope.touched(pg, ctx.account_id, ot, step.ops, step.created.get(ot, ()),
                                memberships=MEMBERSHIP in a.branch.properties_read)
        memberships.recompute(ctx.conn, filter_change(ctx, a, op),
                              compiler.branch(a.branch), touched)
    if statics:
        memberships.leave_archived(ctx.conn, ctx.account_id, step.ops, op, ctx.now,
                                   statics, *FILTERS)


def rebuild(ctx: Ctx, lists: Sequence[ActiveList]) -> int:
    """Recompute whole lists as of the unit's time, in one step (the lists naming them
    follow in the step's hook). Returns how many memberships changed."""
    if not lists:
        return 0
    compiler = ListCompiler(is_postgres(ctx.conn), ctx.catalog, ctx.now)
    changed = 0
    with ctx.step(changed={MEMBERSHIP}) as step:
        for a in lists:
            changed += memberships.recompute(ctx.conn, filter_change(ctx, a, step.op),
                                             compiler.branch(a.branch))
    return changed


def refresh_time_relative(ctx: Ctx) -> int:
    """Bring every list whose filters are indexed from now up to the unit's time (and
    the lists that name them). Returns how many memberships changed."""
    return rebuild(ctx, [a for a in account_lists(ctx).active if a.branch.time_relative])


def refresh_list(ctx: Ctx, list_id: int) -> int:
    return rebuild(ctx, [a for a in account_lists(ctx).active if a.id == list_id])
