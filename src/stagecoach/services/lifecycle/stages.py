"""Custom lifecycle stages (rules 35-39): add, rename, reorder, delete.

Every change writes the whole set through `store.accounts.write_stage_set`, which keeps
each order as a version, so history keeps meaning what it meant (rule 38).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stagecoach.domain.errors import NotFound, ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.domain.stages import Stage, StageSet, check_stage_label, check_stage_value
from stagecoach.services.auth.accounts import Principal
from stagecoach.services.core import configuration
from stagecoach.services.core.context import Ctx
from stagecoach.services.lifecycle import stage_references
from stagecoach.store.auth.accounts import write_stage_set
from stagecoach.store.core import ids
from stagecoach.store.lifecycle import stage_admin, stage_moves

# Only account admins change the stage set (rule 35): web users with the admin role, and
# tokens holding this scope (non-admin web users never get it).
ADMIN_SCOPE = "crm.schemas.contacts.write"
# Every stage is a branch of the CASE that computes ord() in SQL; keep it bounded.
MAX_STAGES = 100


def may_change(principal: Principal) -> bool:
    if principal.user_id is not None:
        return principal.role == "admin"
    return principal.has(ADMIN_SCOPE)


@dataclass(frozen=True)
class StageInfo:
    value: str
    label: str
    position: int
    record_counts: dict[ObjectType, int]


def list_all(ctx: Ctx) -> list[StageInfo]:
    counts = stage_admin.counts_by_stage(ctx.conn, ctx.account_id)
    return [
        StageInfo(s.value, s.label, i,
                  {ot: counts.get(s.value, {}).get(ot, 0)
                   for ot in (ObjectType.CONTACT, ObjectType.COMPANY)})
        for i, s in enumerate(ctx.catalog.stages)
    ]


def get(ctx: Ctx, value: str) -> StageInfo:
    _require(ctx.catalog.stages, value)
    return next(s for s in list_all(ctx) if s.value == value)


def _require(stages: StageSet, value: str) -> int:
    if value not in stages:
        raise NotFound(f"Lifecycle stage {value!r} does not exist", code="STAGE_NOT_FOUND",
                       value=value)
    return stages.values.index(value)


def _check_unique_label(stages: StageSet, label: str, except_value: str | None = None) -> None:
    # Imports and forms resolve a stage by its label too (rule 34), so labels are unique.
    for s in stages:
        if s.value != except_value and s.label.casefold() == label.casefold():
            raise ValidationError(f"A lifecycle stage is already labelled {s.label!r}",
                                  code="DUPLICATE_STAGE_LABEL", value=s.value)


def _position(position: int | None, size: int) -> int:
    if position is None:
        return size
    if not isinstance(position, int) or isinstance(position, bool) or not (
            0 <= position <= size):
        raise ValidationError(f"position is a whole number from 0 to {size}",
                              code="INVALID_STAGE_POSITION")
    return position


def _save(ctx: Ctx, stages: Sequence[Stage]) -> StageSet:
    new = StageSet(tuple(stages))
    write_stage_set(ctx.conn, ctx.account_id, new, ctx.now)
    ctx.reload_catalog()
    return new


def _fresh_value(ctx: Ctx) -> str:
    """A numeric internal value, as HubSpot gives custom stages (rule 36)."""
    taken = set(ctx.catalog.stages.values)
    while True:
        value = str(ids.take_one(ctx.conn, ctx.account_id, "stage"))
        if value not in taken:
            return check_stage_value(value)


def add(ctx: Ctx, label: str, position: int | None = None) -> Stage:
    """A new stage; its derived properties (rules 13-15) exist from now on, since the
    catalog derives them from the stage set."""
    configuration.lock(ctx)
    stages = ctx.catalog.stages
    label = check_stage_label(label)
    _check_unique_label(stages, label)
    if len(stages) >= MAX_STAGES:
        raise ValidationError(f"An account has at most {MAX_STAGES} lifecycle stages",
                              code="TOO_MANY_STAGES")
    at = _position(position, len(stages))
    stage = Stage(_fresh_value(ctx), label)
    items = list(stages)
    items.insert(at, stage)
    _save(ctx, items)
    return stage


def rename(ctx: Ctx, value: str, label: str) -> Stage:
    """The label only: the value, history and derived values stay (rule 37)."""
    configuration.lock(ctx)
    stages = ctx.catalog.stages
    at = _require(stages, value)
    label = check_stage_label(label)
    _check_unique_label(stages, label, except_value=value)
    if stages.stages[at].label == label:
        return stages.stages[at]
    items = list(stages)
    items[at] = Stage(value, label)
    _save(ctx, items)
    return items[at]


def reorder(ctx: Ctx, values: Sequence[str]) -> StageSet:
    """A new order: what "forward" means from now on (rule 38). Records and history are
    left as they are."""
    configuration.lock(ctx)
    new = ctx.catalog.stages.reordered(list(values))
    if new.values == ctx.catalog.stages.values:
        return new
    return _save(ctx, list(new))


def move(ctx: Ctx, value: str, position: int) -> StageSet:
    configuration.lock(ctx)
    stages = ctx.catalog.stages
    _require(stages, value)
    at = _position(position, len(stages) - 1)
    order = [v for v in stages.values if v != value]
    order.insert(at, value)
    return reorder(ctx, order)


@dataclass(frozen=True)
class Deleted:
    value: str
    replacement: str | None
    moved: int


def _refusal(value: str, refs: Sequence[stage_references.Reference]) -> ValidationError:
    return ValidationError(
        f"Lifecycle stage {value!r} cannot be deleted; it is referred to by: "
        + "; ".join(r.label for r in refs),
        code="STAGE_IN_USE", value=value, references=[r.to_json() for r in refs])


def delete(ctx: Ctx, value: str, replacement: str | None = None) -> Deleted:
    """Refused while anything refers to the stage (rule 39). With a replacement, the
    records at the stage first move there in one audited set-based step."""
    configuration.lock(ctx)
    stages = ctx.catalog.stages
    _require(stages, value)
    if replacement is not None and (replacement == value or replacement not in stages):
        raise ValidationError(
            f"The replacement must be another lifecycle stage, not {replacement!r}",
            code="INVALID_REPLACEMENT_STAGE", allowedOptions=[
                v for v in stages.values if v != value])
    if len(stages) == 1:
        raise ValidationError("The last lifecycle stage cannot be deleted",
                              code="LAST_STAGE")
    refs = stage_references.references(ctx, value)
    blocking = [r for r in refs if not (replacement is not None and r.movable)]
    if blocking:
        raise _refusal(value, blocking)
    moved = 0
    if replacement is not None and any(r.movable for r in refs):
        # The set is saved inside the step, so that primary contacts of the moved
        # companies follow them (rule 21) under the new set when the step's hooks run.
        with ctx.step() as step:
            stage_admin.stage_replacement(
                ctx.conn, ctx.account_id, step.op, value, replacement,
                Source.automation("stage_deleted"),
                f"stage {value} ({stages.label(value)}) deleted")
            result = stage_moves.apply(ctx.conn, ctx.account_id, step.op, ctx.now, stages)
            ctx.at_least(result.now)
            moved = result.moved
            _save(ctx, [s for s in stages if s.value != value])
    else:
        _save(ctx, [s for s in stages if s.value != value])
    return Deleted(value, replacement, moved)


def replace_all(ctx: Ctx, wanted: Sequence[tuple[str | None, str]]) -> StageSet:
    """The whole set at once, as (value or None for a new stage, label) in the new order:
    stages left out are deleted under rule 39, new ones get fresh values, the others are
    renamed and reordered. One new version of the order is written."""
    configuration.lock(ctx)
    current = ctx.catalog.stages
    given = [v for v, _ in wanted if v is not None]
    dup = {v for v in given if given.count(v) > 1}
    if dup:
        raise ValidationError(f"Stages named twice: {', '.join(sorted(dup))}",
                              code="DUPLICATE_STAGE_VALUE")
    unknown = [v for v in given if v not in current]
    if unknown:
        raise NotFound(f"Lifecycle stage {unknown[0]!r} does not exist",
                       code="STAGE_NOT_FOUND", value=unknown[0])
    if not wanted:
        raise ValidationError("The stage set cannot be empty", code="LAST_STAGE")
    if len(wanted) > MAX_STAGES:
        raise ValidationError(f"An account has at most {MAX_STAGES} lifecycle stages",
                              code="TOO_MANY_STAGES")
    labels = [check_stage_label(label) for _, label in wanted]
    seen: set[str] = set()
    for label in labels:
        if label.casefold() in seen:
            raise ValidationError(f"Two lifecycle stages are labelled {label!r}",
                                  code="DUPLICATE_STAGE_LABEL")
        seen.add(label.casefold())
    for value in current.values:
        if value not in given:
            delete(ctx, value)
    final = [Stage(v if v is not None else _fresh_value(ctx), label)
             for (v, _), label in zip(wanted, labels, strict=True)]
    if tuple(final) == ctx.catalog.stages.stages:
        return ctx.catalog.stages
    return _save(ctx, final)
