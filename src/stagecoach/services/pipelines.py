"""Deal pipelines and their stages (api spec section 6). Won and lost are stage data
(rule 22): `isClosed` and `probability` in each stage's metadata.

Deleting archives, as HubSpot does. A pipeline or stage is not deleted while deals are in
it, while a pipeline stage rule of the automation settings names it (rule 23), or when it
is the last one (every deal has a pipeline and a stage).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stagecoach.domain.errors import Conflict, NotFound, ValidationError
from stagecoach.services import configuration
from stagecoach.services.context import Ctx
from stagecoach.store import ids
from stagecoach.store import pipeline_rows as store

_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_LABEL = 200
MAX_STAGES = 100


@dataclass(frozen=True)
class StageSpec:
    """A stage to create or patch; None means "not given"."""

    id: str | None = None
    label: str | None = None
    display_order: int | None = None
    metadata: Mapping[str, Any] | None = None


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


def _label(value: str | None) -> str:
    v = (value or "").strip()
    if not v or len(v) > MAX_LABEL:
        raise ValidationError(f"label is 1 to {MAX_LABEL} characters", code="INVALID_LABEL")
    return v


def _order(value: int | None, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 1_000_000:
        raise ValidationError("displayOrder is a whole number", code="INVALID_DISPLAY_ORDER")
    return value


def parse_metadata(metadata: Mapping[str, Any] | None,
                   base: tuple[float, bool] | None = None) -> tuple[float, bool]:
    """(probability, isClosed) from a stage's metadata strings. A closed stage is won
    (probability 1.0) or lost (0.0): nothing in between, so that rule 22 always answers."""
    md = dict(metadata or {})
    unknown = set(md) - {"isClosed", "probability"}
    if unknown:
        raise ValidationError(
            f"Unknown deal stage metadata: {', '.join(sorted(unknown))}; a deal stage's "
            "metadata holds isClosed and probability", code="INVALID_STAGE_METADATA")
    probability, closed = base if base is not None else (None, False)
    if "isClosed" in md:
        raw = md["isClosed"]
        text = str(raw).strip().lower() if isinstance(raw, str | bool) else ""
        if text not in ("true", "false"):
            raise ValidationError('metadata.isClosed is "true" or "false"',
                                  code="INVALID_STAGE_METADATA")
        closed = text == "true"
    if "probability" in md:
        raw = md["probability"]
        try:
            if isinstance(raw, bool) or not isinstance(raw, str | int | float):
                raise ValueError(raw)
            probability = float(raw)
        except ValueError:
            probability = -1.0
        if not 0.0 <= probability <= 1.0:
            raise ValidationError(
                f'metadata.probability is a number from "0.0" to "1.0", not {raw!r}',
                code="INVALID_STAGE_METADATA")
    if probability is None:
        raise ValidationError("A deal stage needs metadata.probability (\"0.0\" to \"1.0\")",
                              code="INVALID_STAGE_METADATA")
    if closed and probability not in (0.0, 1.0):
        raise ValidationError(
            "A closed deal stage has probability 1.0 (won) or 0.0 (lost)",
            code="INVALID_STAGE_METADATA")
    return probability, closed


def _fresh_id(ctx: Ctx, taken: set[str]) -> str:
    while True:
        value = str(ids.take_one(ctx.conn, ctx.account_id, "pipeline"))
        if value not in taken:
            taken.add(value)
            return value


def _claim_id(given: str | None, ctx: Ctx, taken: set[str]) -> str:
    if given is None:
        return _fresh_id(ctx, taken)
    if not _ID_RE.match(given):
        raise ValidationError("A stage id is 1 to 64 characters of letters, digits, _ and -",
                              code="INVALID_STAGE_ID", stageId=given)
    if given in taken:
        raise Conflict(f"The id {given} is already used in this account",
                       code="STAGE_ID_TAKEN", stageId=given)
    taken.add(given)
    return given


def _unique_labels(labels: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for label in labels:
        if label.casefold() in seen:
            raise ValidationError(f"Two {what} are labelled {label!r}",
                                  code="DUPLICATE_LABEL")
        seen.add(label.casefold())


def _stage_values(ctx: Ctx, spec: StageSpec, index: int, taken: set[str]) -> dict[str, Any]:
    probability, closed = parse_metadata(spec.metadata)
    return {"id": _claim_id(spec.id, ctx, taken), "label": _label(spec.label),
            "display_order": _order(spec.display_order, index),
            "probability": probability, "is_closed": closed}


def create(ctx: Ctx, spec: PipelineSpec) -> PipelineView:
    configuration.lock(ctx)
    label = _label(spec.label)
    existing = list_all(ctx)
    _unique_labels([p.label for p in existing] + [label], "pipelines")
    if not spec.stages:
        raise ValidationError("A pipeline needs at least one stage", code="STAGES_REQUIRED")
    if len(spec.stages) > MAX_STAGES:
        raise ValidationError(f"A pipeline has at most {MAX_STAGES} stages",
                              code="TOO_MANY_STAGES")
    taken = store.taken_ids(ctx.conn, ctx.account_id)
    pipeline_id = _fresh_id(ctx, taken)
    rows = [_stage_values(ctx, s, i, taken) for i, s in enumerate(spec.stages)]
    _unique_labels([r["label"] for r in rows], "stages of a pipeline")
    order = _order(spec.display_order, max((p.display_order for p in existing), default=-1) + 1)
    store.insert_pipeline(ctx.conn, ctx.account_id, pipeline_id, label, order, ctx.now)
    store.insert_stages(ctx.conn, ctx.account_id, pipeline_id, rows, ctx.now)
    ctx.reload_catalog()
    return get(ctx, pipeline_id)


def update(ctx: Ctx, pipeline_id: str, spec: PipelineSpec) -> PipelineView:
    configuration.lock(ctx)
    current = get(ctx, pipeline_id)
    values: dict[str, Any] = {"updated_at": ctx.now}
    if spec.label is not None:
        label = _label(spec.label)
        _unique_labels([p.label for p in list_all(ctx) if p.id != pipeline_id] + [label],
                       "pipelines")
        values["label"] = label
    if spec.display_order is not None:
        values["display_order"] = _order(spec.display_order, current.display_order)
    store.change_pipeline(ctx.conn, ctx.account_id, pipeline_id, values)
    ctx.reload_catalog()
    return get(ctx, pipeline_id)


def _in_use(what: str, reasons: list[str], **context: Any) -> ValidationError:
    return ValidationError(f"{what} cannot be deleted: " + "; ".join(reasons),
                           code="PIPELINE_IN_USE", reasons=reasons, **context)


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
        raise _in_use(f"Pipeline {current.label!r}", reasons, pipelineId=pipeline_id,
                      dealCount=deals)
    store.change_pipeline(ctx.conn, ctx.account_id, pipeline_id,
                          {"archived": True, "updated_at": ctx.now})
    ctx.reload_catalog()


def create_stage(ctx: Ctx, pipeline_id: str, spec: StageSpec) -> StageView:
    configuration.lock(ctx)
    current = get(ctx, pipeline_id)
    if len(current.stages) >= MAX_STAGES:
        raise ValidationError(f"A pipeline has at most {MAX_STAGES} stages",
                              code="TOO_MANY_STAGES")
    taken = store.taken_ids(ctx.conn, ctx.account_id)
    row = _stage_values(ctx, spec, max((s.display_order for s in current.stages),
                                       default=-1) + 1, taken)
    _unique_labels([s.label for s in current.stages] + [row["label"]], "stages of a pipeline")
    store.insert_stages(ctx.conn, ctx.account_id, pipeline_id, [row], ctx.now)
    ctx.reload_catalog()
    return get_stage(ctx, pipeline_id, row["id"])


def update_stage(ctx: Ctx, pipeline_id: str, stage_id: str, spec: StageSpec) -> StageView:
    """Changing isClosed/probability does not move or re-trigger deals already at the stage
    (like a settings change, it never rewrites the past by itself: rule 26)."""
    configuration.lock(ctx)
    current = get_stage(ctx, pipeline_id, stage_id)
    values: dict[str, Any] = {"updated_at": ctx.now}
    if spec.label is not None:
        label = _label(spec.label)
        _unique_labels([s.label for s in get(ctx, pipeline_id).stages if s.id != stage_id]
                       + [label], "stages of a pipeline")
        values["label"] = label
    if spec.display_order is not None:
        values["display_order"] = _order(spec.display_order, current.display_order)
    if spec.metadata is not None:
        values["probability"], values["is_closed"] = parse_metadata(
            spec.metadata, (current.probability, current.is_closed))
    store.change_stage(ctx.conn, ctx.account_id, stage_id, values)
    ctx.reload_catalog()
    return get_stage(ctx, pipeline_id, stage_id)


def delete_stage(ctx: Ctx, pipeline_id: str, stage_id: str) -> None:
    configuration.lock(ctx)
    current = get_stage(ctx, pipeline_id, stage_id)
    reasons = _stage_blockers(ctx, stage_id)
    deals = store.deals_in(ctx.conn, ctx.account_id, stage_id=stage_id)
    if len(get(ctx, pipeline_id).stages) == 1:
        reasons.append("it is the pipeline's only stage")
    if reasons:
        raise _in_use(f"Stage {current.label!r}", reasons, pipelineId=pipeline_id,
                      stageId=stage_id, dealCount=deals)
    store.change_stage(ctx.conn, ctx.account_id, stage_id,
                       {"archived": True, "updated_at": ctx.now})
    ctx.reload_catalog()


def _stage_blockers(ctx: Ctx, stage_id: str) -> list[str]:
    reasons = []
    deals = store.deals_in(ctx.conn, ctx.account_id, stage_id=stage_id)
    if deals:
        reasons.append(f"{deals} deal{'s are' if deals != 1 else ' is'} at stage {stage_id}")
    reasons.extend(
        f"a pipeline stage rule (lifecycle stage {r.lifecycle_stage}) refers to stage "
        f"{stage_id}"
        for r in ctx.catalog.settings.pipeline_stage_rules if r.stage_id == stage_id)
    return reasons


def replace(ctx: Ctx, pipeline_id: str, spec: PipelineSpec) -> PipelineView:
    """PUT: the pipeline becomes exactly what is given. A given stage whose id is one of
    the pipeline's stages replaces it; other given stages are created; stages left out are
    deleted, under the same checks as a delete (all refused together, nothing changed)."""
    configuration.lock(ctx)
    current = get(ctx, pipeline_id)
    label = _label(spec.label)
    _unique_labels([p.label for p in list_all(ctx) if p.id != pipeline_id] + [label],
                   "pipelines")
    if not spec.stages:
        raise ValidationError("A pipeline needs at least one stage", code="STAGES_REQUIRED")
    if len(spec.stages) > MAX_STAGES:
        raise ValidationError(f"A pipeline has at most {MAX_STAGES} stages",
                              code="TOO_MANY_STAGES")
    mine = {s.id for s in current.stages}
    kept = {s.id for s in spec.stages if s.id in mine}
    reasons = [r for s in current.stages if s.id not in kept
               for r in _stage_blockers(ctx, s.id)]
    if reasons:
        raise _in_use(f"Pipeline {current.label!r}", reasons, pipelineId=pipeline_id)
    taken = store.taken_ids(ctx.conn, ctx.account_id)
    rows: list[dict[str, Any]] = []
    for i, s in enumerate(spec.stages):
        if s.id in kept:
            probability, closed = parse_metadata(s.metadata)
            rows.append({"id": s.id, "label": _label(s.label),
                         "display_order": _order(s.display_order, i),
                         "probability": probability, "is_closed": closed})
        else:
            rows.append(_stage_values(ctx, s, i, taken))
    _unique_labels([r["label"] for r in rows], "stages of a pipeline")
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
        "label": label, "display_order": _order(spec.display_order, current.display_order),
        "updated_at": ctx.now})
    ctx.reload_catalog()
    return get(ctx, pipeline_id)


def replace_stage(ctx: Ctx, pipeline_id: str, stage_id: str, spec: StageSpec) -> StageView:
    """PUT: label, displayOrder and the whole metadata are given (probability required)."""
    if spec.label is None or spec.metadata is None:
        raise ValidationError("Replacing a stage takes its label and metadata",
                              code="INVALID_STAGE")
    configuration.lock(ctx)
    current = get_stage(ctx, pipeline_id, stage_id)
    probability, closed = parse_metadata(spec.metadata)
    label = _label(spec.label)
    _unique_labels([s.label for s in get(ctx, pipeline_id).stages if s.id != stage_id]
                   + [label], "stages of a pipeline")
    store.change_stage(ctx.conn, ctx.account_id, stage_id, {
        "label": label, "display_order": _order(spec.display_order, current.display_order),
        "probability": probability, "is_closed": closed, "updated_at": ctx.now})
    ctx.reload_catalog()
    return get_stage(ctx, pipeline_id, stage_id)
