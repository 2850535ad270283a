"""The stages of a deal pipeline: create, update, replace, delete (archive). A stage is
not deleted while deals are at it, while a pipeline stage rule names it, or when it is its
pipeline's last one."""

from __future__ import annotations

from typing import Any

from stagecoach.domain.errors import ValidationError
from stagecoach.services.catalog import pipeline_input as check
from stagecoach.services.catalog.pipeline_input import StageSpec
from stagecoach.services.catalog.pipelines import StageView, get, get_stage
from stagecoach.services.core import configuration
from stagecoach.services.core.context import Ctx
from stagecoach.store.catalog import pipeline_rows as store


def create(ctx: Ctx, pipeline_id: str, spec: StageSpec) -> StageView:
    configuration.lock(ctx)
    current = get(ctx, pipeline_id)
    if len(current.stages) >= check.MAX_STAGES:
        raise ValidationError(f"A pipeline has at most {check.MAX_STAGES} stages",
                              code="TOO_MANY_STAGES")
    taken = store.taken_ids(ctx.conn, ctx.account_id)
    row = check.stage_values(ctx, spec, max((s.display_order for s in current.stages),
                                            default=-1) + 1, taken)
    check.unique_labels([s.label for s in current.stages] + [row["label"]], "stages of a pipeline")
    store.insert_stages(ctx.conn, ctx.account_id, pipeline_id, [row], ctx.now)
    ctx.reload_catalog()
    return get_stage(ctx, pipeline_id, row["id"])


def update(ctx: Ctx, pipeline_id: str, stage_id: str, spec: StageSpec) -> StageView:
    """Changing isClosed/probability does not move or re-trigger deals already at the stage
    (like a settings change, it never rewrites the past by itself: rule 26)."""
    configuration.lock(ctx)
    current = get_stage(ctx, pipeline_id, stage_id)
    values: dict[str, Any] = {"updated_at": ctx.now}
    if spec.label is not None:
        label = check.check_label(spec.label)
        check.unique_labels([s.label for s in get(ctx, pipeline_id).stages if s.id != stage_id]
                            + [label], "stages of a pipeline")
        values["label"] = label
    if spec.display_order is not None:
        values["display_order"] = check.check_order(spec.display_order, current.display_order)
    if spec.metadata is not None:
        values["probability"], values["is_closed"] = check.parse_metadata(
            spec.metadata, (current.probability, current.is_closed))
    store.change_stage(ctx.conn, ctx.account_id, stage_id, values)
    ctx.reload_catalog()
    return get_stage(ctx, pipeline_id, stage_id)


def delete(ctx: Ctx, pipeline_id: str, stage_id: str) -> None:
    configuration.lock(ctx)
    current = get_stage(ctx, pipeline_id, stage_id)
    reasons = check.stage_blockers(ctx, stage_id)
    deals = store.deals_in(ctx.conn, ctx.account_id, stage_id=stage_id)
    if len(get(ctx, pipeline_id).stages) == 1:
        reasons.append("it is the pipeline's only stage")
    if reasons:
        raise check.in_use(f"Stage {current.label!r}", reasons, pipelineId=pipeline_id,
                           stageId=stage_id, dealCount=deals)
    store.change_stage(ctx.conn, ctx.account_id, stage_id,
                       {"archived": True, "updated_at": ctx.now})
    ctx.reload_catalog()


def replace(ctx: Ctx, pipeline_id: str, stage_id: str, spec: StageSpec) -> StageView:
    """PUT: label, displayOrder and the whole metadata are given (probability required)."""
    if spec.label is None or spec.metadata is None:
        raise ValidationError("Replacing a stage takes its label and metadata",
                              code="INVALID_STAGE")
    configuration.lock(ctx)
    current = get_stage(ctx, pipeline_id, stage_id)
    probability, closed = check.parse_metadata(spec.metadata)
    label = check.check_label(spec.label)
    check.unique_labels([s.label for s in get(ctx, pipeline_id).stages if s.id != stage_id]
                        + [label], "stages of a pipeline")
    store.change_stage(ctx.conn, ctx.account_id, stage_id, {
        "label": label,
        "display_order": check.check_order(spec.display_order, current.display_order),
        "probability": probability, "is_closed": closed, "updated_at": ctx.now})
    ctx.reload_catalog()
    return get_stage(ctx, pipeline_id, stage_id)

