"""Checking what a caller gives for a deal pipeline or stage: labels, orders, ids and the
metadata that makes a stage won or lost (rule 22), and what stops a stage from going."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stagecoach.domain.errors import Conflict, ValidationError
from stagecoach.services.core.context import Ctx
from stagecoach.store.catalog import pipeline_rows as store
from stagecoach.store.core import ids

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


def check_label(value: str | None) -> str:
    v = (value or "").strip()
    if not v or len(v) > MAX_LABEL:
        raise ValidationError(f"label is 1 to {MAX_LABEL} characters", code="INVALID_LABEL")
    return v


def check_order(value: int | None, default: int) -> int:
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


def fresh_id(ctx: Ctx, taken: set[str]) -> str:
    while True:
        value = str(ids.take_one(ctx.conn, ctx.account_id, "pipeline"))
        if value not in taken:
            taken.add(value)
            return value


def claim_id(given: str | None, ctx: Ctx, taken: set[str]) -> str:
    if given is None:
        return fresh_id(ctx, taken)
    if not _ID_RE.match(given):
        raise ValidationError("A stage id is 1 to 64 characters of letters, digits, _ and -",
                              code="INVALID_STAGE_ID", stageId=given)
    if given in taken:
        raise Conflict(f"The id {given} is already used in this account",
                       code="STAGE_ID_TAKEN", stageId=given)
    taken.add(given)
    return given


def unique_labels(labels: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for label in labels:
        if label.casefold() in seen:
            raise ValidationError(f"Two {what} are labelled {label!r}",
                                  code="DUPLICATE_LABEL")
        seen.add(label.casefold())


def stage_values(ctx: Ctx, spec: StageSpec, index: int, taken: set[str]) -> dict[str, Any]:
    probability, closed = parse_metadata(spec.metadata)
    return {"id": claim_id(spec.id, ctx, taken), "label": check_label(spec.label),
            "display_order": check_order(spec.display_order, index),
            "probability": probability, "is_closed": closed}


def in_use(what: str, reasons: list[str], **context: Any) -> ValidationError:
    return ValidationError(f"{what} cannot be deleted: " + "; ".join(reasons),
                           code="PIPELINE_IN_USE", reasons=reasons, **context)


def stage_blockers(ctx: Ctx, stage_id: str) -> list[str]:
    reasons = []
    deals = store.deals_in(ctx.conn, ctx.account_id, stage_id=stage_id)
    if deals:
        reasons.append(f"{deals} deal{'s are' if deals != 1 else ' is'} at stage {stage_id}")
    reasons.extend(
        f"a pipeline stage rule (lifecycle stage {r.lifecycle_stage}) refers to stage "
        f"{stage_id}"
        for r in ctx.catalog.settings.pipeline_stage_rules if r.stage_id == stage_id)
    return reasons
