"""Time travel (rule 43): a record's stage changes and stays, and stages at a past instant.

`stage_at` is set-based (one query for any number of records) so that reads with `?asOf=`
and reports computed "as of" a date can use it; `values_at` gives any property the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from stagecoach.domain import timeline as rules
from stagecoach.domain.errors import DomainError, NotFound
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.values import ms_to_iso, to_stored
from stagecoach.services.core.context import Ctx
from stagecoach.store.records import as_of as store
from stagecoach.store.records import records
from stagecoach.store.records.records import RecordRow
from stagecoach.store.schema import property_history

H = property_history.c


def stage_at(ctx: Ctx, object_type: ObjectType, ids: Sequence[int] | None, as_of: int
             ) -> dict[int, str | None]:
    """record id -> its stage at `as_of` (None: empty then); records created after `as_of`
    are absent. `ids` None means every record of the type."""
    found = store.values_at(ctx.conn, ctx.account_id, object_type, ["lifecyclestage"], as_of,
                            ids)
    return {rid: v.get("lifecyclestage") for rid, v in found.items()}


def values_at(ctx: Ctx, object_type: ObjectType, ids: Sequence[int] | None,
              properties: Iterable[str], as_of: int) -> dict[int, dict[str, str | None]]:
    return store.values_at(ctx.conn, ctx.account_id, object_type, properties, as_of, ids)


# Kept from the record itself rather than the history: they are what the record *is*.
_IDENTITY = ("createdate", "hs_object_id", "lastmodifieddate", "hs_lastmodifieddate")


def existed_at(row: RecordRow, as_of: int) -> bool:
    return row.created_at <= as_of


def archived_at(row: RecordRow, as_of: int) -> bool:
    """Whether the record was archived at `as_of` (archived since is still live then)."""
    return row.archived and row.archived_at is not None and row.archived_at <= as_of


def rows_as_of(ctx: Ctx, object_type: ObjectType, rows: Sequence[RecordRow],
               properties: Iterable[str], as_of: int) -> list[RecordRow]:
    """The records that existed at `as_of`, with `properties` as they stood then, rebuilt
    from the history: two queries for any number of records and properties."""
    rows = [r for r in rows if existed_at(r, as_of)]
    ids = [r.id for r in rows]
    wanted = [p for p in dict.fromkeys(properties) if p not in _IDENTITY]
    if object_type is ObjectType.DEAL and "dealstage" not in wanted:
        wanted.append("dealstage")  # the deal's closed/won flags derive from it
    then = store.values_at(ctx.conn, ctx.account_id, object_type, wanted, as_of, ids)
    modified = store.modified_at(ctx.conn, ctx.account_id, object_type, ids, as_of)
    out = []
    for row in rows:
        values = {k: v for k, v in row.values.items() if k in _IDENTITY}
        for name, wire in then.get(row.id, {}).items():
            if wire is None or wire == "":
                continue
            p = ctx.catalog.definition(object_type, name)
            try:
                values[name] = to_stored(name, p.type, wire) if p is not None else wire
            except DomainError:
                values[name] = wire  # valid when written; the definition changed since
        updated = max(modified.get(row.id, row.created_at), row.created_at)
        for name in ("lastmodifieddate", "hs_lastmodifieddate"):
            if name in values:
                values[name] = updated
        gone = archived_at(row, as_of)
        out.append(replace(row, updated_at=updated, archived=gone,
                           archived_at=row.archived_at if gone else None, values=values))
    return out


def timeline(ctx: Ctx, object_type: ObjectType, record_id: int, as_of: int | None = None
             ) -> dict[str, Any]:
    row = records.load(ctx.conn, ctx.account_id, object_type, [record_id],
                       include_archived=True).get(record_id)
    if row is None:
        raise NotFound(f"{object_type.singular.capitalize()} {record_id} does not exist",
                       id=str(record_id))
    prop = "lifecyclestage" if object_type.has_lifecycle else "dealstage"
    versions = ctx.conn.execute(
        select(property_history)
        .where(H.account_id == ctx.account_id, H.object_type == int(object_type),
               H.record_id == record_id, H.property == prop)
        .order_by(H.ts, H.id)
    ).all()
    changes = [rules.Change(v.ts, v.old_value, v.value) for v in versions]
    out: dict[str, Any] = {
        "objectType": object_type.plural,
        "id": str(record_id),
        "property": prop,
        "stage": row.values.get(prop),
        "changes": [
            {"from": v.old_value, "to": v.value, "timestamp": ms_to_iso(v.ts),
             "sourceType": v.source_type, "sourceId": v.source_id,
             "sourceLabel": v.source_label,
             "updatedByUserId": v.user_id,
             "cause": ({"kind": v.cause_kind, "id": str(v.cause_id)}
                       if v.cause_kind else None),
             "note": v.note}
            for v in versions
        ],
        "stays": [
            {"stage": s.stage, "enteredAt": ms_to_iso(s.entered_at),
             "exitedAt": ms_to_iso(s.exited_at) if s.exited_at is not None else None,
             "durationMs": s.duration(ctx.now), "ongoing": s.exited_at is None}
            for s in rules.stays(changes)
        ],
    }
    if as_of is not None:
        then = store.values_at(ctx.conn, ctx.account_id, object_type, [prop], as_of,
                               [record_id])
        out["asOf"] = {"timestamp": ms_to_iso(as_of), "existed": record_id in then,
                       "stage": then.get(record_id, {}).get(prop)}
    return out
