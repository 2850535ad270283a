"""The single path every property write goes through.

Inputs are applied in order (rule 10): a batch is cut into rounds in which each record
appears once; each round is one step (`ctx.step()`, one op id) with a constant number of
statements, and its hooks (automation first) run before the next round starts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from stagecoach.domain.causes import Cause
from stagecoach.domain.errors import Conflict, DomainError, NotFound
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.domain.writes import WriteOptions, WritePlan, plan_write
from stagecoach.services.core.context import Ctx, Step
from stagecoach.store.lifecycle import stage_moves
from stagecoach.store.records import blocked, history, records
from stagecoach.store.records.records import RecordRow


@dataclass(frozen=True)
class ItemWrite:
    record_id: int
    properties: Mapping[str, str | None]
    cause: Cause | None = None


@dataclass
class ItemResult:
    record_id: int | None
    error: DomainError | None = None
    ignored: list[str] = field(default_factory=list)
    # The record as the unit leaves it, when the use case knows it without reading it back.
    row: RecordRow | None = None


def rounds(items: Sequence[ItemWrite]) -> list[list[int]]:
    """Indexes of `items` cut into consecutive runs in which no record appears twice, so
    that applying round after round is applying the inputs in order."""
    out: list[list[int]] = [[]]
    seen: set[int] = set()
    for i, item in enumerate(items):
        if item.record_id in seen:
            out.append([])
            seen = set()
        out[-1].append(i)
        seen.add(item.record_id)
    return [r for r in out if r]


def write(
    ctx: Ctx,
    object_type: ObjectType,
    items: Sequence[ItemWrite],
    source: Source,
    options: WriteOptions = WriteOptions(),
    locked: Mapping[int, RecordRow] | None = None,
) -> list[ItemResult]:
    """`locked`: the records as the caller just loaded them with their locks, in this
    transaction, so that the first round need not read them again."""
    results: list[ItemResult | None] = [None] * len(items)
    for n, indexes in enumerate(rounds(items)):
        with ctx.step() as step:
            _round(ctx, step, object_type, items, indexes, source, options,
                   locked if n == 0 else None, results)
    return [r if r is not None else ItemResult(None) for r in results]


def _round(ctx: Ctx, step: Step, object_type: ObjectType, items: Sequence[ItemWrite],
           indexes: Sequence[int], source: Source, options: WriteOptions,
           locked: Mapping[int, RecordRow] | None, results: list[ItemResult | None]) -> None:
    """One round as one step: load and lock its records, plan each input, persist."""
    wanted = [items[i].record_id for i in indexes]
    rows = ({rid: locked[rid] for rid in wanted if rid in locked}
            if locked is not None
            else records.load(ctx.conn, ctx.account_id, object_type, wanted, lock=True))
    ctx.at_least(max((r.updated_at for r in rows.values()), default=0))
    planned: list[tuple[int, RecordRow, WritePlan]] = []
    for i in indexes:
        item = items[i]
        row = rows.get(item.record_id)
        if row is None:
            results[i] = ItemResult(item.record_id, NotFound(
                f"{object_type.singular.capitalize()} {item.record_id} does not exist",
                id=str(item.record_id)))
            continue
        try:
            plan = plan_write(ctx.catalog, object_type, row.values, item.properties,
                              source, options)
        except DomainError as exc:
            results[i] = ItemResult(item.record_id, exc)
            continue
        planned.append((i, row, plan))
    for i, err in check_unique_emails(ctx, object_type, planned).items():
        results[i] = ItemResult(items[i].record_id, err)
    planned = [p for p in planned if results[p[0]] is None]
    persist(ctx, object_type, step.op, [(row, plan, items[i].cause) for i, row, plan in planned],
            source)
    for i, row, plan in planned:
        results[i] = ItemResult(row.id, None, plan.ignored)
    # The step wrote what its plans say (and no association): its hooks know from that
    # alone whether anything can react.
    step.changed = {
        name for _, _, plan in planned
        for name in (*(v[0] for v in plan.versions),
                     *(("lifecyclestage",) if plan.stage is not None else ()))}


def check_unique_emails(
    ctx: Ctx, object_type: ObjectType, planned: Sequence[tuple[int, RecordRow | None, WritePlan]]
) -> dict[int, DomainError]:
    """A contact's email is unique in the account (409), within the batch too."""
    if object_type is not ObjectType.CONTACT:
        return {}
    wanted = {i: p.changes["email"] for i, _, p in planned if p.changes.get("email")}
    if not wanted:
        return {}
    taken = records.find_by(ctx.conn, ctx.account_id, object_type, "email",
                            list(wanted.values()))
    errors: dict[int, DomainError] = {}
    claimed: dict[str, int | None] = {}
    for i, row, _ in planned:
        email = wanted.get(i)
        if email is None:
            continue
        owner = taken.get(email)
        mine = row.id if row is not None else None
        if (owner is not None and owner.id != mine) or email in claimed:
            errors[i] = Conflict(
                f"A contact with email {email} already exists",
                code="CONTACT_EXISTS",
                existingId=str(owner.id) if owner else None,
            )
        else:
            claimed[email] = mine
    return errors


def persist(
    ctx: Ctx,
    object_type: ObjectType,
    op: int,
    entries: Sequence[tuple[RecordRow, WritePlan, Cause | None]],
    source: Source,
    *,
    stage_note: str | None = None,
) -> None:
    """Write the plans of one step: values, history, stage moves, blocked writes."""
    conn, acc = ctx.conn, ctx.account_id
    records.apply_changes(conn, acc, object_type,
                          [(row, plan.changes) for row, plan, _ in entries if plan.changes],
                          ctx.now)
    history.append(conn, acc, [
        history.NewVersion(object_type, row.id, name, new, old, source,
                           cause.kind if cause else None, cause.id if cause else None)
        for row, plan, cause in entries
        for name, new, old in plan.versions
    ], ctx.now, op)
    moves = [
        stage_moves.Move(object_type, row.id, plan.stage[0], False, source,
                         cause.kind if cause else None, cause.id if cause else None, stage_note)
        for row, plan, cause in entries
        if plan.stage is not None
    ]
    if moves:
        stage_moves.stage_rows(conn, acc, op, moves)
        ctx.at_least(stage_moves.apply(conn, acc, op, ctx.now, ctx.catalog.stages).now)
    blocked.append(conn, acc, [
        blocked.NewBlocked(object_type, row.id, b.property, b.attempted, b.kept, b.reason,
                           source, cause.kind if cause else None, cause.id if cause else None)
        for row, plan, cause in entries
        for b in plan.blocked
    ], ctx.now, op)
