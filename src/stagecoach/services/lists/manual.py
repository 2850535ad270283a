"""Members added and removed by hand (MANUAL lists, and SNAPSHOT lists after their
creation): by people, the API, imports and workflows (rule 54).

Each call is one step with one op: every join and leave it makes is logged with that op,
and lists whose filters name this one follow in the step's hook. A DYNAMIC list's members
are its filters' to decide: changing them by hand is 400. Ids that are not live records of
the list's object type are reported as missing, never an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.lists.model import MEMBERSHIP, ProcessingType
from stagecoach.domain.sources import Source
from stagecoach.services.core.context import Ctx
from stagecoach.services.lists.definitions import require
from stagecoach.services.records.lookup import numeric_id
from stagecoach.store.core.db import is_postgres
from stagecoach.store.lists import memberships
from stagecoach.store.lists.memberships import Change
from stagecoach.store.lists.rows import ListRow
from stagecoach.store.lists.scope import id_set

MAX_IDS = 100_000


@dataclass(frozen=True)
class Changes:
    added: list[int]
    removed: list[int]
    missing: list[str]


def _kept_by_hand(ctx: Ctx, list_id: int) -> ListRow:
    row = require(ctx, list_id)
    if row.processing_type == ProcessingType.DYNAMIC:
        raise ValidationError(
            f"List {list_id} is DYNAMIC: its filters decide its members, which cannot be "
            "added or removed by hand", code="DYNAMIC_LIST_MEMBERSHIP")
    return row


def _ids(raw: Sequence[object], what: str) -> tuple[list[int], list[str]]:
    """Numeric ids in order (once each), and what was given that is not an id."""
    if len(raw) > MAX_IDS:
        raise ValidationError(f"At most {MAX_IDS} record ids per request",
                              code="TOO_MANY_IDS")
    good: dict[int, None] = {}
    wrong: list[str] = []
    for item in raw:
        found = numeric_id(item) if isinstance(item, str | int) and not isinstance(
            item, bool) else None
        if found is None:
            wrong.append(str(item)[:40])
        else:
            good[found] = None
    return list(good), wrong


def change(ctx: Ctx, list_id: int, to_add: Sequence[object], to_remove: Sequence[object],
           source: Source) -> Changes:
    """Add then remove (an id given in both stays or becomes a member)."""
    row = _kept_by_hand(ctx, list_id)
    add_ids, bad_add = _ids(to_add, "recordIdsToAdd")
    remove_ids, bad_remove = _ids(to_remove, "recordIdsToRemove")
    adding = set(add_ids)
    remove_ids = [i for i in remove_ids if i not in adding]
    pg = is_postgres(ctx.conn)
    given = add_ids + remove_ids
    live = memberships.live_ids(ctx.conn, ctx.account_id, row.object_type,
                                id_set(pg, given)) if given else set()
    missing = [*dict.fromkeys([*bad_add, *bad_remove,
                               *(str(i) for i in given if i not in live)])]
    added: list[int] = []
    removed: list[int] = []
    if live:
        with ctx.step(changed={MEMBERSHIP}) as step:
            c = Change(ctx.account_id, row.id, row.object_type, step.op, ctx.now,
                       source.type.value, source.id)
            wanted_in = [i for i in add_ids if i in live]
            wanted_out = [i for i in remove_ids if i in live]
            if wanted_out:
                removed = memberships.remove(ctx.conn, c, id_set(pg, wanted_out))
            if wanted_in:
                added = memberships.add(ctx.conn, c, id_set(pg, wanted_in))
    return Changes(added, removed, missing)


def clear(ctx: Ctx, list_id: int, source: Source) -> int:
    """Every member leaves; returns how many."""
    row = _kept_by_hand(ctx, list_id)
    with ctx.step(changed={MEMBERSHIP}) as step:
        return len(memberships.remove(ctx.conn, Change(
            ctx.account_id, row.id, row.object_type, step.op, ctx.now, source.type.value,
            source.id), None))
