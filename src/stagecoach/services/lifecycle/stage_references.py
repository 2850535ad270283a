"""What refers to a lifecycle stage, so that deleting it can be refused with the list
(rule 39).

The registry is `CHECKERS`: each checker takes the unit of work and a stage value and
returns what refers to it. Forms, lists, workflows and saved views add theirs with one
line (append their function to the list below, or call `register`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stagecoach.services.core.context import Ctx
from stagecoach.store.inbound.forms import forms_referring_to_stage
from stagecoach.store.lifecycle import stage_admin
from stagecoach.store.lists.rows import naming_stage
from stagecoach.store.records.saved_views import views_referring_to_stage


@dataclass(frozen=True)
class Reference:
    kind: str          # "records", "setting", "pipelineStageRule", "form", ...
    id: str            # what refers: an object type, a setting key, a form id...
    label: str         # how a person reads it
    count: int | None = None
    # Records holding a stage can be moved to a replacement; other references cannot.
    movable: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "id": self.id, "label": self.label}
        if self.count is not None:
            out["count"] = self.count
        return out


Checker = Callable[[Ctx, str], list[Reference]]


def held_by_records(ctx: Ctx, value: str) -> list[Reference]:
    counts = stage_admin.counts_by_stage(ctx.conn, ctx.account_id).get(value, {})
    return [
        Reference("records", ot.plural, f"{n} {ot.plural if n != 1 else ot.singular}", n,
                  movable=True)
        for ot, n in sorted(counts.items()) if n
    ]


def named_by_settings(ctx: Ctx, value: str) -> list[Reference]:
    s = ctx.catalog.settings
    out = [
        Reference("setting", key, f"setting {key}")
        for key, setting in (("createDefault", s.create_default),
                             ("dealCreated", s.deal_created), ("dealWon", s.deal_won))
        if setting.stage == value
    ]
    out.extend(
        Reference("pipelineStageRule", f"{r.pipeline_id}/{r.stage_id}",
                  f"pipeline stage rule for deal stage {r.stage_id} of pipeline "
                  f"{r.pipeline_id}")
        for r in s.pipeline_stage_rules if r.lifecycle_stage == value
    )
    return out


def named_by_forms(ctx: Ctx, value: str) -> list[Reference]:
    return [Reference("form", label, label)
            for label in forms_referring_to_stage(ctx.conn, ctx.account_id, value)]


def named_by_saved_views(ctx: Ctx, value: str) -> list[Reference]:
    return [Reference("savedView", name, f"saved view {name!r}")
            for name in views_referring_to_stage(ctx.conn, ctx.account_id, value)]


def named_by_lists(ctx: Ctx, value: str) -> list[Reference]:
    return [Reference("list", str(r.id), f"list {r.name!r}")
            for r in naming_stage(ctx.conn, ctx.account_id, value)]


CHECKERS: list[Checker] = [
    held_by_records,
    named_by_settings,
    named_by_forms,
    named_by_saved_views,
    named_by_lists,
]


def register(checker: Checker) -> Checker:
    if checker not in CHECKERS:
        CHECKERS.append(checker)
    return checker


def references(ctx: Ctx, value: str) -> list[Reference]:
    return [ref for check in CHECKERS for ref in check(ctx, value)]
