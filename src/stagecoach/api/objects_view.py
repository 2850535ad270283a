"""What a read asks for (properties, history, associations) and the records rendered so,
with a constant number of queries per page: one for history, one per association type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from stagecoach.api import wire
from stagecoach.api.auth import object_scope
from stagecoach.api.errors import ApiError
from stagecoach.domain.errors import DomainError, ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import DEFAULT_READ
from stagecoach.domain.sources import Source, SourceType
from stagecoach.domain.values import ms_to_iso
from stagecoach.services.auth.accounts import Principal
from stagecoach.services.core.context import Ctx
from stagecoach.services.lifecycle import timeline
from stagecoach.services.records import reads
from stagecoach.store.records import associations as links
from stagecoach.store.records.records import RecordRow


@dataclass(frozen=True)
class ReadOptions:
    properties: list[str] | None = None
    with_history: list[str] | None = None
    associations: list[ObjectType] | None = None


def association_types(names: Sequence[str] | None) -> list[ObjectType] | None:
    if names is None:
        return None
    out: list[ObjectType] = []
    for n in names:
        try:
            out.append(ObjectType.parse(n))
        except DomainError:
            # In a query an unknown type is the caller's mistake (400), not a missing page.
            raise ValidationError(f"Unknown object type in associations: {n[:60]!r}",
                                  code="INVALID_ASSOCIATION_TYPE") from None
    return list(dict.fromkeys(out))


def read_options(request: Request) -> ReadOptions:
    return ReadOptions(
        wire.query_list(request, "properties"),
        wire.query_list(request, "propertiesWithHistory"),
        association_types(wire.query_list(request, "associations")),
    )


def render(ctx: Ctx, ot: ObjectType, rows: Sequence[RecordRow], opts: ReadOptions,
           as_of: int | None = None) -> list[dict[str, Any]]:
    """The records as the wire shows them; with `as_of`, as they stood then (records that
    did not exist yet are left out), their associations included."""
    if as_of is not None:
        rows = timeline.rows_as_of(ctx, ot, rows, opts.properties or DEFAULT_READ[ot], as_of)
    ids = [r.id for r in rows]
    history = (reads.history_of(ctx, ot, ids, opts.with_history)
               if opts.with_history and ids else {})
    if as_of is not None:
        then = ms_to_iso(as_of)
        history = {rid: {name: [e for e in entries if e.timestamp <= then]
                         for name, entries in by_name.items()}
                   for rid, by_name in history.items()}
    assoc: dict[ObjectType, dict[int, dict[int, list[int]]]] = {}
    for to_type in opts.associations or ():
        assoc[to_type] = (
            links.of_records(ctx.conn, ctx.account_id, ot, ids, to_type) if as_of is None
            else links.of_records_as_of(ctx.conn, ctx.account_id, ot, ids, to_type, as_of))
    return [
        wire.record_json(
            ctx.catalog, row, opts.properties,
            with_history=opts.with_history,
            history=history.get(row.id, {}),
            associations={t: assoc[t].get(row.id, {}) for t in assoc}
            if opts.associations is not None else None,
        )
        for row in rows
    ]


def api_source(who: Principal, migration: bool = False) -> Source:
    """Writes through the API carry the token as their source id, as HubSpot records the
    app that wrote; a migration write says so in its label (rule 17: its source recorded)
    and keeps the API's write policy."""
    if who.integration is not None:
        # An integration's token (automation spec rule 76): the integration is the source,
        # with the policy of its source type (forward-only, may clear).
        kind = (SourceType.SALESFORCE if who.integration == "salesforce"
                else SourceType.INTEGRATION)
        return Source(kind, who.integration, f"integration {who.integration}", who.user_id)
    label = "API token" if who.token_id else "API"
    return Source(SourceType.API, str(who.token_id) if who.token_id else None,
                  f"{label} (migration)" if migration else label, who.user_id)


MIGRATION_HEADER = "Stagecoach-Migration"
MIGRATE_SCOPE = "lifecycle.migrate"


def migrating(request: Request) -> bool:
    """Whether a write is flagged as a migration (rule 17): it may then set the "became
    a" dates, and needs the scope `lifecycle.migrate` besides the object's write scope."""
    raw = request.headers.get(MIGRATION_HEADER)
    if raw is None or raw.strip().lower() == "false":
        return False
    if raw.strip().lower() == "true":
        return True
    raise ApiError(400, f"{MIGRATION_HEADER} is true or false, not {raw[:40]!r}")


def write_scopes(request: Request, ot: ObjectType) -> tuple[str, ...]:
    """The scopes a write of `ot` needs: a migration needs `lifecycle.migrate` too."""
    scope = object_scope(ot, True)
    return (scope, MIGRATE_SCOPE) if migrating(request) else (scope,)
