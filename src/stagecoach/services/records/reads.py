"""Reading records as the wire sees them: string values, ISO times."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from stagecoach.domain.catalog import Catalog
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import DEFAULT_READ
from stagecoach.domain.values import PropertyType, ms_to_iso, to_wire
from stagecoach.services.core.context import Ctx
from stagecoach.store.records import history, records
from stagecoach.store.records.records import RecordRow


@dataclass(frozen=True)
class HistoryEntry:
    value: str | None
    timestamp: str
    source_type: str
    source_id: str | None
    source_label: str | None
    user_id: int | None


def wire_value(catalog: Catalog, ot: ObjectType, name: str, stored: Any) -> str | None:
    p = catalog.definition(ot, name)
    return to_wire(p.type if p else PropertyType.STRING, stored)


def deal_virtuals(catalog: Catalog, row: RecordRow) -> dict[str, Any]:
    stage = catalog.deal_stage(row.values.get("dealstage") or "")
    if stage is None:
        return {}
    return {"hs_is_closed_won": "true" if stage.is_won else "false",
            "hs_is_closed": "true" if stage.is_closed else "false",
            "hs_deal_stage_probability": stage.probability}


def properties_of(catalog: Catalog, row: RecordRow, names: Iterable[str] | None,
                  ) -> dict[str, str | None]:
    """Requested properties: defined-but-empty ones are None, undefined ones left out."""
    values = dict(row.values)
    if row.object_type is ObjectType.DEAL:
        values.update(deal_virtuals(catalog, row))
    wanted = list(names) if names is not None else list(DEFAULT_READ[row.object_type])
    out: dict[str, str | None] = {}
    for name in wanted:
        if catalog.definition(row.object_type, name) is None:
            continue
        out[name] = wire_value(catalog, row.object_type, name, values.get(name))
    return out


def all_properties(catalog: Catalog, row: RecordRow) -> dict[str, str | None]:
    values = dict(row.values)
    if row.object_type is ObjectType.DEAL:
        values.update(deal_virtuals(catalog, row))
    return {k: wire_value(catalog, row.object_type, k, v) for k, v in sorted(values.items())}


def get_many(ctx: Ctx, ot: ObjectType, ids: Sequence[int], *, include_archived: bool = False
             ) -> dict[int, RecordRow]:
    return records.load(ctx.conn, ctx.account_id, ot, ids, include_archived=include_archived)


def history_of(ctx: Ctx, ot: ObjectType, ids: Sequence[int], names: Iterable[str] | None = None
               ) -> dict[int, dict[str, list[HistoryEntry]]]:
    out: dict[int, dict[str, list[HistoryEntry]]] = {}
    for v in history.for_records(ctx.conn, ctx.account_id, ot, ids, names):
        out.setdefault(v.record_id, {}).setdefault(v.property, []).append(HistoryEntry(
            v.value, ms_to_iso(v.ts), v.source_type, v.source_id, v.source_label, v.user_id))
    return out
