"""Demoting a record: an audited backward move in one call (rule 7).

It goes through the ordinary write path (`writes.persist` with a non-forward-only move), so
the dates follow rule 11 and the version carries the reason (`note`) and source id
`demotion`; automation then settles as after any stage change.
"""

from __future__ import annotations

from dataclasses import replace

from stagecoach.domain import demotion as rules
from stagecoach.domain.errors import NotFound, ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.domain.writes import WritePlan
from stagecoach.services.core import writes
from stagecoach.services.core.context import Ctx
from stagecoach.store.records import records


def demote(ctx: Ctx, object_type: ObjectType, record_id: int, stage: str, reason: str,
           source: Source) -> str:
    """Move the record back to `stage`; returns the stage it left."""
    if not object_type.has_lifecycle:
        raise ValidationError(f"{object_type.plural} have no lifecycle stage",
                              code="NO_LIFECYCLE_STAGE")
    note = rules.check_reason(reason)
    row = records.load(ctx.conn, ctx.account_id, object_type, [record_id], lock=True
                       ).get(record_id)
    if row is None:
        raise NotFound(f"{object_type.singular.capitalize()} {record_id} does not exist",
                       id=str(record_id))
    current = row.stage
    rules.check_backward(ctx.catalog.stages, current, stage)
    with ctx.step() as step:
        writes.persist(ctx, object_type, step.op, [(row, WritePlan(stage=(stage,)), None)],
                       replace(source, id=rules.SOURCE_ID), stage_note=note)
    assert current is not None
    return current
