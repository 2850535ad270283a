"""Creating, updating and archiving records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from stagecoach.domain import associations as atypes
from stagecoach.domain import lifecycle_dates, normalize
from stagecoach.domain.creation import initial_stage
from stagecoach.domain.errors import DomainError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.domain.writes import WriteOptions, WritePlan, plan_write
from stagecoach.services.core import writes
from stagecoach.services.core.context import Ctx, Step
from stagecoach.services.core.writes import ItemResult, ItemWrite
from stagecoach.services.records import new_associations
from stagecoach.services.records.associations import AssociationRequest, recount, validate
from stagecoach.store.core import ids
from stagecoach.store.lifecycle import stays
from stagecoach.store.records import associations as assoc_store
from stagecoach.store.records import history, records
from stagecoach.store.records.records import RecordRow
from stagecoach.store.schema import records as records_table

C, CO = ObjectType.CONTACT, ObjectType.COMPANY


@dataclass(frozen=True)
class NewRecord:
    properties: Mapping[str, str | None]
    # (to type, to id, association type ids; empty for the default type)
    associations: Sequence[tuple[ObjectType, int, tuple[int, ...]]] = ()
    # The stage the source itself implies (a form's stage, Lead for an integration).
    source_stage: str | None = None


def create(
    ctx: Ctx,
    object_type: ObjectType,
    inputs: Sequence[NewRecord],
    source: Source,
    options: WriteOptions = WriteOptions(),
) -> list[ItemResult]:
    """Create records in one step; invalid inputs are reported, valid ones created."""
    with ctx.step() as step:
        reactions = ctx.reactions
        results, written = _insert(ctx, step, object_type, inputs, source, options)
    # The new rows are as inserted unless something after the insert may have written to
    # them: an association taking the general path, or any automation reaction.
    if written is not None and ctx.reactions == reactions:
        for i, rid, ignored, row in written:
            results[i] = ItemResult(rid, None, ignored, records.as_inserted(object_type, row))
    return [r if r is not None else ItemResult(None) for r in results]


def _insert(
    ctx: Ctx, step: Step, object_type: ObjectType, inputs: Sequence[NewRecord],
    source: Source, options: WriteOptions,
) -> tuple[list[ItemResult | None],
           list[tuple[int, int, list[str], dict[str, Any]]] | None]:
    """Plan and insert the valid inputs as the step's writes. Returns the results and,
    when no association took the general path, each new row as inserted."""
    op = step.op
    results: list[ItemResult | None] = [None] * len(inputs)
    planned: list[tuple[int, RecordRow | None, WritePlan]] = []
    for i, item in enumerate(inputs):
        try:
            plan = plan_write(ctx.catalog, object_type, {}, item.properties, source,
                              WriteOptions(options.migration, options.system, creating=True))
        except DomainError as exc:
            results[i] = ItemResult(None, exc)
            continue
        planned.append((i, None, plan))
    for i, err in _association_errors(ctx, object_type, inputs, planned).items():
        results[i] = ItemResult(None, err)
    for i, err in writes.check_unique_emails(ctx, object_type, planned).items():
        results[i] = ItemResult(None, err)
    planned = [p for p in planned if results[p[0]] is None]

    by_domain = _domain_companies(ctx, object_type, [plan for _, _, plan in planned])
    new_ids = ids.take(ctx.conn, ctx.account_id, "record", len(planned))
    links = new_associations.plan(ctx, object_type, [
        (rid, _wanted(inputs[i], plan, by_domain, source))
        for rid, (i, _, plan) in zip(new_ids, planned, strict=True)
    ])
    stages = _initial_stages(ctx, object_type, inputs, planned, source)
    inserted = [
        {"id": rid, "created_at": ctx.now,
         # A migration's own "became a" dates win over those the first stage implies.
         "values": {**(stage.values if stage else {}),
                    **{k: v for k, v in plan.changes.items() if v is not None},
                    **links.values.get(rid, {})}}
        for rid, (_, _, plan), stage in zip(new_ids, planned, stages, strict=True)
    ]
    records.insert(ctx.conn, ctx.account_id, object_type, inserted)
    step.created.setdefault(object_type, []).extend(new_ids)
    step.source = source
    history.append(ctx.conn, ctx.account_id, [
        version
        for rid, (_, _, plan), stage in zip(new_ids, planned, stages, strict=True)
        for version in (
            *(history.NewVersion(object_type, rid, name, new, old, source)
              for name, new, old in plan.versions),
            *((history.NewVersion(object_type, rid, "lifecyclestage", stage.stage, None,
                                  stage.source),) if stage else ()),
            *(history.NewVersion(object_type, rid, name, new, None, by)
              for name, new, by in links.versions.get(rid, ())),
        )
    ], ctx.now, op)
    if any(stages):
        # Their first stays (what reports read), as stage moves open them for others.
        stays.open_first(ctx.conn, ctx.account_id, op, object_type, ctx.now)
    new_associations.write(ctx, op, links)
    for rid, (i, _, plan) in zip(new_ids, planned, strict=True):
        results[i] = ItemResult(rid, None, plan.ignored)
    mine = set(new_ids)
    if links.general or any(t is object_type and p in mine for t, p in links.partners):
        return results, None
    return results, [(i, rid, plan.ignored, row) for rid, (i, _, plan), row
                     in zip(new_ids, planned, inserted, strict=True)]


def _association_errors(
    ctx: Ctx, object_type: ObjectType, inputs: Sequence[NewRecord],
    planned: Sequence[tuple[int, RecordRow | None, WritePlan]],
) -> dict[int, DomainError]:
    """The first invalid association of each input (the new record itself is not there
    yet, so only the types and the far side are checked)."""
    reqs = [
        (i, AssociationRequest(object_type, 0, to_type, to_id, types))
        for i, _, _ in planned
        for to_type, to_id, types in inputs[i].associations
    ]
    out: dict[int, DomainError] = {}
    checked = validate(ctx, [r for _, r in reqs], check_from=False)
    for (i, _), err in zip(reqs, checked, strict=True):
        if err is not None:
            out.setdefault(i, err)
    return out


@dataclass(frozen=True)
class InitialStage:
    stage: str
    source: Source
    values: dict[str, Any]  # the stage and its derived dates (rules 11-17)


def _initial_stages(
    ctx: Ctx, object_type: ObjectType, inputs: Sequence[NewRecord],
    planned: Sequence[tuple[int, RecordRow | None, WritePlan]], source: Source,
) -> list[InitialStage | None]:
    """Each new record's first stage (rule 18), written with its insert: a record entering
    its first stage has no earlier stay, so the one-record rule gives its dates, and the
    stage's history version goes with the record's others (reactions read the step's
    history, so they see it as they see any stage move)."""
    if not object_type.has_lifecycle:
        return [None] * len(planned)
    out: list[InitialStage | None] = []
    order = ctx.catalog.stages
    for i, _, plan in planned:
        given = plan.stage[0] if plan.stage else None
        stage, stage_source = initial_stage(given, source, ctx.catalog.settings, order,
                                            inputs[i].source_stage,
                                            contact=object_type is ObjectType.CONTACT)
        if not stage:
            out.append(None)
            continue
        patch = lifecycle_dates.stage_transition({}, None, stage, ctx.now, order)
        values: dict[str, Any] = {k: v for k, v in patch.items() if v is not None}
        values["lifecyclestage"] = stage
        out.append(InitialStage(stage, stage_source, values))
    return out


BY_DOMAIN = Source(SourceType.LIFECYCLE_AUTOMATION, "company_by_domain",
                   "automatic company association by email domain")


def _domain_companies(ctx: Ctx, object_type: ObjectType, plans: Sequence[WritePlan]
                      ) -> dict[str, int]:
    """Rule 27: the company of each new contact's email domain, created when missing
    (before the contacts, so that they are inserted with it)."""
    if object_type is not C or not ctx.catalog.settings.auto_associate_companies_by_domain:
        return {}
    domains = {d for p in plans if (d := _email_domain(p)) is not None}
    if not domains:
        return {}
    found = records.find_by(ctx.conn, ctx.account_id, CO, "domain", sorted(domains))
    company_of = {d: r.id for d, r in found.items()}
    missing = sorted(domains - set(found))
    if missing:
        made = create(ctx, CO, [NewRecord({"domain": d, "name": d}) for d in missing],
                      BY_DOMAIN)
        company_of.update({d: r.record_id for d, r in zip(missing, made, strict=True)
                           if r.record_id is not None})
    return company_of


def _email_domain(plan: WritePlan) -> str | None:
    email = plan.changes.get("email")
    return normalize.company_domain_of(email) if email else None


def _wanted(item: NewRecord, plan: WritePlan, by_domain: Mapping[str, int], source: Source
            ) -> list[new_associations.Wanted]:
    """A new record's associations: those asked for, then its email domain's company
    (rule 27), primary when none of the asked ones is."""
    out = [new_associations.Wanted(to, tid, types, source)
           for to, tid, types in item.associations]
    company = by_domain.get(_email_domain(plan) or "")
    if company is not None:
        primary = atypes.CONTACT_TO_PRIMARY_COMPANY
        has_primary = any(t is CO and primary in types for t, _, types in item.associations)
        out.append(new_associations.Wanted(CO, company, () if has_primary else (primary,),
                                           BY_DOMAIN))
    return out


def update_many(
    ctx: Ctx, object_type: ObjectType, items: Sequence[ItemWrite], source: Source,
    options: WriteOptions = WriteOptions(),
) -> list[ItemResult]:
    return writes.write(ctx, object_type, items, source, options)


# Archiving and restoring are changes like any other: a version of this property, with
# its source, in the record's history (and, for wave 2's change feed, an event).
ARCHIVED = "hs_archived"


def archive(ctx: Ctx, object_type: ObjectType, record_ids: Sequence[int],
            source: Source = Source(SourceType.API)) -> list[int]:
    """Archive (soft-delete) records; returns the ids that were live. History and
    associations are kept (a restore brings them back); partners' counts drop."""
    live = records.load(ctx.conn, ctx.account_id, object_type, record_ids)
    if live:
        with ctx.step() as step:
            _set_archived(ctx, step.op, object_type, sorted(live), True, source)
            recount(ctx, _partners(ctx, object_type, sorted(live)))
    return sorted(live)


def restore(ctx: Ctx, object_type: ObjectType, record_ids: Sequence[int],
            source: Source = Source(SourceType.API)) -> list[int]:
    """Bring archived records back (a merged record stays merged); returns the ids
    restored. Their associations count again on their partners."""
    found = records.load(ctx.conn, ctx.account_id, object_type, record_ids,
                         include_archived=True)
    gone = sorted(r.id for r in found.values() if r.archived and r.merged_into is None)
    if gone:
        with ctx.step() as step:
            _set_archived(ctx, step.op, object_type, gone, False, source)
            recount(ctx, _partners(ctx, object_type, gone))
    return gone


def _set_archived(ctx: Ctx, op: int, object_type: ObjectType, ids: list[int], archived: bool,
                  source: Source, merged_into: int | None = None) -> None:
    t = records_table.c
    ctx.conn.execute(
        update(records_table)
        .where(records.account_scope(ctx.account_id, object_type), t.id.in_(ids))
        .values(archived=archived, archived_at=ctx.now if archived else None,
                updated_at=ctx.now,
                **({"merged_into": merged_into} if merged_into is not None else {})))
    value, old = ("true", "false") if archived else ("false", "true")
    history.append(ctx.conn, ctx.account_id, [
        history.NewVersion(object_type, rid, ARCHIVED, value, old, source) for rid in ids
    ], ctx.now, op)


def archive_merged(ctx: Ctx, object_type: ObjectType, record_id: int, survivor: int,
                   source: Source) -> None:
    """The record a merge folded into `survivor`: archived, pointing at it."""
    with ctx.step() as step:
        _set_archived(ctx, step.op, object_type, [record_id], True, source, survivor)


def _partners(ctx: Ctx, object_type: ObjectType, ids: list[int]
              ) -> list[tuple[ObjectType, int]]:
    partners: list[tuple[ObjectType, int]] = []
    for other in ObjectType:
        if other is not object_type:
            linked = assoc_store.of_records(ctx.conn, ctx.account_id, object_type, ids, other)
            partners.extend((other, pid) for pids in linked.values() for pid in pids)
    return partners
