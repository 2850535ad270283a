"""Deal pipelines and their stages (api spec section 6). Won and lost are stage data
(rule 22): `isClosed` and `probability` in each stage's metadata.

Deleting archives, as HubSpot does. A pipeline is not deleted while deals are in it, while
a pipeline stage rule of the automation settings names it (rule 23), or when it is the
account's last one (every deal has a pipeline). Stages: services/catalog/pipeline_stages.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stagecoach.domain.errors import NotFound, ValidationError
from stagecoach.services.catalog import pipeline_input as check
from stagecoach.services.catalog.pipeline_input import StageSpec
from stagecoach.services.core import configuration
from stagecoach.services.core.context import Ctx
from stagecoach.store.catalog import pipeline_rows as store


@dataclass(frozen=True)
class PipelineSpec:
    label: str | None = None
    display_order: int | None = None
    stages: Sequence[StageSpec] | None = None


@dataclass(frozen=True)
class StageView:
    id: str
    label: str
    display_order: int
    probability: float
    is_closed: bool
    created_at: int
    updated_at: int


@dataclass(frozen=True)
class PipelineView:
    id: str
    label: str
    display_order: int
    created_at: int
    updated_at: int
    stages: tuple[StageView, ...]


def list_all(ctx: Ctx) -> list[PipelineView]:
    prows = store.pipeline_rows(ctx.conn, ctx.account_id)
    srows = store.stage_rows(ctx.conn, ctx.account_id, [p.id for p in prows])
    return [
        PipelineView(p.id, p.label, p.display_order, p.created_at, p.updated_at, tuple(
            StageView(s.id, s.label, s.display_order, s.probability, s.is_closed,
                      s.created_at, s.updated_at)
            for s in srows if s.pipeline_id == p.id))
        for p in prows
    ]


def get(ctx: Ctx, pipeline_id: str) -> PipelineView:
    found = next((p for p in list_all(ctx) if p.id == pipeline_id), None)
    if found is None:
        raise NotFound(f"Pipeline {pipeline_id} does not exist", code="PIPELINE_NOT_FOUND",
                       pipelineId=pipeline_id)
    return found


def get_stage(ctx: Ctx, pipeline_id: str, stage_id: str) -> StageView:
    found = next((s for s in get(ctx, pipeline_id).stages if s.id == stage_id), None)
    if found is None:
        raise NotFound(f"Stage {stage_id} does not exist in pipeline {pipeline_id}",
                       code="STAGE_NOT_FOUND", pipelineId=pipeline_id, stageId=stage_id)
    return found


def create(ctx: Ctx, spec: PipelineSpec) -> PipelineView:
    configuration.lock(ctx)
    label = check.check_label(spec.label)
    existing = list_all(ctx)
    check.unique_labels([p.label for p in existing] + [label], "pipelines")
    if not spec.stages:
        raise ValidationError("A pipeline needs at least one stage", code="STAGES_REQUIRED")
    if len(spec.stages) > check.MAX_STAGES:
        raise ValidationError(f"A pipeline has at most {check.MAX_STAGES} stages",
                              code="TOO_MANY_STAGES")
    taken = store.taken_ids(ctx.conn, ctx.account_id)
    pipeline_id = check.fresh_id(ctx, taken)
    rows = [check.stage_values(ctx, s, i, taken) for i, s in enumerate(spec.stages)]
    check.unique_labels([r["label"] for r in rows], "stages of a pipeline")
    last = max((p.display_order for p in existing), default=-1)
    order = check.check_order(spec.display_order, last + 1)
    store.insert_pipeline(ctx.conn, ctx.account_id, pipeline_id, label, order, ctx.now)
    store.insert_stages(ctx.conn, ctx.account_id, pipeline_id, rows, ctx.now)
    ctx.reload_catalog()
    return get(ctx, pipeline_id)


def update(ctx: Ctx, pipeline_id: str, spec: PipelineSpec) -> PipelineView:
    configuration.lock(ctx)
    current = get(ctx, pipeline_id)
    values: dict[str, Any] = {"updated_at": ctx.now}
    if spec.label is not None:
        label = check.check_label(spec.label)
        check.unique_labels([p.label for p in list_all(ctx) if p.id != pipeline_id] + [label],
                            "pipelines")
        values["label"] = label
    if spec.display_order is not None:
        values["display_order"] = check.check_order(spec.display_order, current.display_order)
    store.change_pipeline(ctx.conn, ctx.account_id, pipeline_id, values)
    ctx.reload_catalog()
    return get(ctx, pipeline_id)


def delete(ctx: Ctx, pipeline_id: str) -> None:
    configuration.lock(ctx)
    current = get(ctx, pipeline_id)
    reasons = []
    deals = store.deals_in(ctx.conn, ctx.account_id, pipeline_id=pipeline_id)
    if deals:
        reasons.append(f"{deals} deal{'s are' if deals != 1 else ' is'} in it; move "
                       "or delete them first")
    reasons.extend(
        f"the pipeline stage rule for stage {r.stage_id} refers to it"
        for r in ctx.catalog.settings.pipeline_stage_rules if r.pipeline_id == pipeline_id)
    if len(list_all(ctx)) == 1:
        reasons.append("it is the account's only pipeline")
    if reasons:
        raise check.in_use(f"Pipeline {current.label!r}", reasons, pipelineId=pipeline_id,
                           dealCount=deals)
    store.change_pipeline(ctx.conn, ctx.account_id, pipeline_id,
                          {"archived": True, "updated_at": ctx.now})
    ctx.reload_catalog()


def replace(ctx: Ctx, pipeline_id: str, spec: PipelineSpec) -> PipelineView:
    """PUT: the pipeline becomes exactly what is given. A given stage whose id is one of
    the pipeline's stages replaces it; other given stages are created; stages left out are
    deleted, under the same checks as a delete (all refused together, nothing changed)."""
    configuration.lock(ctx)
    current = get(ctx, pipeline_id)
    label = check.check_label(spec.label)
    check.unique_labels([p.label for p in list_all(ctx) if p.id != pipeline_id] + [label],
                        "pipelines")
    if not spec.stages:
        raise ValidationError("A pipeline needs at least one stage", code="STAGES_REQUIRED")
    if len(spec.stages) > check.MAX_STAGES:
        raise ValidationError(f"A pipeline has at most {check.MAX_STAGES} stages",
                              code="TOO_MANY_STAGES")
    mine = {s.id for s in current.stages}
    kept = {s.id for s in spec.stages if s.id in mine}
    reasons = [r for s in current.stages if s.id not in kept
               for r in check.stage_blockers(ctx, s.id)]
    if reasons:
        raise check.in_use(f"Pipeline {current.label!r}", reasons, pipelineId=pipeline_id)
    taken = store.taken_ids(ctx.conn, ctx.account_id)
    rows: list[dict[str, Any]] = []
    for i, s in enumerate(spec.stages):
        if s.id in kept:
            probability, closed = check.parse_metadata(s.metadata)
            rows.append({"id": s.id, "label": check.check_label(s.label),
                        "display_order": check.check_order(s.display_order, i),
                         "probability": probability, "is_closed": closed})
        else:
            rows.append(check.stage_values(ctx, s, i, taken))
    check.unique_labels([r["label"] for r in rows], "stages of a pipeline")
    for old in current.stages:
        if old.id not in kept:
            store.change_stage(ctx.conn, ctx.account_id, old.id,
                               {"archived": True, "updated_at": ctx.now})
    for r in rows:
        if r["id"] in kept:
            store.change_stage(ctx.conn, ctx.account_id, r["id"],
                               {**{k: v for k, v in r.items() if k != "id"},
                                "updated_at": ctx.now})
    store.insert_stages(ctx.conn, ctx.account_id, pipeline_id,
                        [r for r in rows if r["id"] not in kept], ctx.now)
    store.change_pipeline(ctx.conn, ctx.account_id, pipeline_id, {
        "label": label,
        "display_order": check.check_order(spec.display_order, current.display_order),
        "updated_at": ctx.now})
    ctx.reload_catalog()
    return get(ctx, pipeline_id)
