"""Batch upsert: update the record a unique property names, or create it (api spec §3).

Inputs are applied in order: the batch is cut into runs in which each identifier appears
once; each run is one lookup, one create call and one update call, so the cost does not
grow with the number of inputs of a run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from stagecoach.domain.errors import DomainError, NotFound
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.domain.writes import WriteOptions
from stagecoach.services.core.context import Ctx
from stagecoach.services.core.writes import ItemWrite
from stagecoach.services.records import lookup, records
from stagecoach.services.records.records import NewRecord


@dataclass(frozen=True)
class UpsertInput:
    key: str
    properties: Mapping[str, str | None]


@dataclass
class UpsertResult:
    record_id: int | None
    created: bool = False
    error: DomainError | None = None
    ignored: list[str] = field(default_factory=list)


def _runs(keys: Sequence[str]) -> list[list[int]]:
    out: list[list[int]] = [[]]
    seen: set[str] = set()
    for i, k in enumerate(keys):
        if k in seen:
            out.append([])
            seen = set()
        out[-1].append(i)
        seen.add(k)
    return [r for r in out if r]


def upsert(ctx: Ctx, ot: ObjectType, id_property: str, inputs: Sequence[UpsertInput],
           source: Source, options: WriteOptions = WriteOptions()) -> list[UpsertResult]:
    keys = [lookup.key_of(id_property, x.key) for x in inputs]
    results: list[UpsertResult] = [UpsertResult(None) for _ in inputs]
    for run in _runs(keys):
        found = lookup.resolve(ctx, ot, id_property, [inputs[i].key for i in run])
        updates = [i for i in run if inputs[i].key in found]
        creates = [i for i in run if inputs[i].key not in found]
        if id_property == "hs_object_id":
            for i in creates:
                results[i].error = NotFound(
                    f"{ot.singular.capitalize()} {inputs[i].key} does not exist; an upsert "
                    "by record id cannot create", id=inputs[i].key)
            creates = []
        made = records.create(ctx, ot, [
            NewRecord({**inputs[i].properties, id_property: inputs[i].key}) for i in creates
        ], source, options) if creates else []
        for i, r in zip(creates, made, strict=True):
            results[i] = UpsertResult(r.record_id, True, r.error, r.ignored)
        changed = records.update_many(ctx, ot, [
            ItemWrite(found[inputs[i].key], inputs[i].properties) for i in updates
        ], source, options) if updates else []
        for i, r in zip(updates, changed, strict=True):
            results[i] = UpsertResult(r.record_id, False, r.error, r.ignored)
    return results
