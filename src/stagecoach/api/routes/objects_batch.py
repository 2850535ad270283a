"""Batch endpoints of CRM objects (api spec §3): at most 100 inputs, applied in order.

Answers: 201 for a create, 200 for the others, 207 with `errors` when some inputs failed
(each error names its input by `index` and, when it has one, `id`); archive is 204.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request, Response

from stagecoach.api import openapi_docs as docs
from stagecoach.api import wire
from stagecoach.api.auth import object_scope
from stagecoach.api.handler import Call, Reply, handle
from stagecoach.api.objects_view import (
    ReadOptions,
    api_source,
    migrating,
    render,
    write_scopes,
)
from stagecoach.api.routes.objects import associations_in
from stagecoach.domain.errors import DomainError, NotFound
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.values import ms_to_iso
from stagecoach.domain.writes import WriteOptions
from stagecoach.services.core.context import Ctx
from stagecoach.services.core.writes import ItemResult, ItemWrite
from stagecoach.services.lifecycle import timeline
from stagecoach.services.records import lookup, records, upsert
from stagecoach.services.records.records import NewRecord
from stagecoach.store.records import records as record_store
from stagecoach.store.records.records import RecordRow

router = APIRouter(tags=["objects batch"])
BATCH = "/crm/v3/objects/{object_type}/batch"
MAX_INPUTS = 100


def batch_inputs(body: Any) -> list[dict[str, Any]]:
    body = wire.obj(body, "The request body")
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise wire.bad("inputs must be a list", "INVALID_INPUT")
    if len(inputs) > MAX_INPUTS:
        raise wire.bad(f"A batch has at most {MAX_INPUTS} inputs, not {len(inputs)}",
                       "TOO_MANY_INPUTS", max=MAX_INPUTS)
    return [wire.obj(x, "Each input") for x in inputs]


def batch_error(exc: DomainError, index: int, rid: str | None) -> dict[str, Any]:
    context: dict[str, list[str]] = {"index": [str(index)]}
    if rid is not None:
        context["ids"] = [rid]
    for k, v in exc.context.items():
        if v is not None and k != "id":
            context[k] = [str(x) for x in v] if isinstance(v, list) else [str(v)]
    return {"status": "error", "category": exc.category, "message": exc.message,
            "context": context, "links": {}, "id": rid,
            "errors": [{"message": exc.message, "code": exc.code}]}


def batch_reply(ok_status: int, started: int, ctx: Ctx, results: list[dict[str, Any]],
                errors: list[dict[str, Any]]) -> Reply:
    body: dict[str, Any] = {"status": "COMPLETE", "results": results,
                            "startedAt": ms_to_iso(started), "completedAt": ms_to_iso(ctx.now),
                            "requestedAt": ms_to_iso(started)}
    if errors:
        body["errors"] = errors
        body["numErrors"] = len(errors)
    return Reply(207 if errors else ok_status, body)


def _rendered(ctx: Ctx, ot: ObjectType, ids: list[int], names_of: dict[int, list[str]],
              known: Mapping[int, RecordRow] | None = None) -> dict[int, dict[str, Any]]:
    """The records' JSON; `known` rows (as the use case left them) are not read again."""
    known = known or {}
    rows = {**known, **record_store.load(ctx.conn, ctx.account_id, ot,
                                         [i for i in ids if i not in known])}
    return {rid: wire.record_json(ctx.catalog, rows[rid], names_of[rid])
            for rid in ids if rid in rows}


def _written_reply(ctx: Ctx, ot: ObjectType, status: int, started: int,
                   outcomes: list[tuple[int, str | None, ItemResult, Mapping[str, Any]]],
                   errors: list[dict[str, Any]]) -> Reply:
    """The reply to a batch that wrote records: each outcome is (input index, the input's id
    for an error, what the write did, the properties it sent). A record written by several
    inputs appears once, with every property they sent."""
    names_of: dict[int, list[str]] = {}
    known: dict[int, RecordRow] = {}
    ignored: list[str] = []
    for i, given_id, r, props in outcomes:
        if r.error is not None or r.record_id is None:
            errors.append(batch_error(r.error or DomainError("Not created"), i, given_id))
            continue
        names_of[r.record_id] = names_of.get(r.record_id, []) + wire.write_names(ot, props)
        if r.row is not None:
            known[r.record_id] = r.row
        ignored += r.ignored
    ids = list(names_of)
    shown = _rendered(ctx, ot, ids, names_of, known)
    errors.sort(key=lambda e: int(e["context"]["index"][0]))
    return batch_reply(status, started, ctx, [shown[i] for i in ids if i in shown],
                       errors).ignored(ignored)


def _resolve(ctx: Ctx, ot: ObjectType, items: list[dict[str, Any]], default_prop: str | None
             ) -> list[int | DomainError]:
    """Each input's record id, by its (or the batch's) idProperty."""
    props = [lookup.check_id_property(ot, x.get("idProperty") or default_prop) for x in items]
    raws = [str(x.get("id", "")).strip() for x in items]
    found: dict[str, dict[str, int]] = {}
    for prop in set(props):
        found[prop] = lookup.resolve(ctx, ot, prop, [r for r, p in zip(raws, props,
                                                                        strict=True)
                                                     if p == prop])
    out: list[int | DomainError] = []
    for raw, prop in zip(raws, props, strict=True):
        rid = found[prop].get(raw)
        out.append(rid if rid is not None else NotFound(
            f"{ot.singular.capitalize()} {raw[:80]} does not exist", id=raw[:80]))
    return out


@router.post(BATCH + "/create", status_code=201, responses=docs.PARTIAL,
             openapi_extra=docs.BATCH_WRITE)
async def batch_create(object_type: str, request: Request) -> Response:
    ot = wire.object_type(object_type)
    migration = migrating(request)

    def run(ctx: Ctx, call: Call) -> Reply:
        started = ctx.now
        items = batch_inputs(call.body)
        parsed: list[NewRecord | DomainError] = []
        for x in items:
            try:
                parsed.append(NewRecord(wire.properties_in(x.get("properties")),
                                        associations_in(ot, x.get("associations"))))
            except DomainError as exc:
                parsed.append(exc)
        good = [(i, p) for i, p in enumerate(parsed) if isinstance(p, NewRecord)]
        made = records.create(ctx, ot, [p for _, p in good], api_source(call.who, migration),
                              WriteOptions(migration))
        errors = [batch_error(p, i, None) for i, p in enumerate(parsed)
                  if isinstance(p, DomainError)]
        return _written_reply(ctx, ot, 201, started, [
            (i, None, r, p.properties) for (i, p), r in zip(good, made, strict=True)
        ], errors)

    return await handle(request, write_scopes(request, ot), run, with_body=True,
                        idempotent=True)


@router.post(BATCH + "/read", responses=docs.PARTIAL,
             openapi_extra={**docs.BATCH, "parameters": docs.BATCH_READ_QUERY})
async def batch_read(object_type: str, request: Request) -> Response:
    ot = wire.object_type(object_type)

    def run(ctx: Ctx, call: Call) -> Reply:
        started = ctx.now
        items = batch_inputs(call.body)
        body = call.body
        opts = ReadOptions(wire.str_list(body.get("properties"), "properties") or None,
                           wire.str_list(body.get("propertiesWithHistory"),
                                         "propertiesWithHistory") or None)
        archived = wire.query_bool(request, "archived")
        as_of = wire.as_of(request)
        prop = lookup.check_id_property(ot, body.get("idProperty"))
        raws = [str(x.get("id", "")).strip() for x in items]
        then = as_of is not None
        if prop == "hs_object_id" or archived:
            numbers = {r: lookup.numeric_id(r) for r in raws}
            ids = {r: n for r, n in numbers.items() if n is not None}
            rows = record_store.load(ctx.conn, ctx.account_id, ot, list(ids.values()),
                                     include_archived=archived or then)
        else:
            ids = lookup.resolve(ctx, ot, prop, raws)
            rows = record_store.load(ctx.conn, ctx.account_id, ot, list(ids.values()),
                                     include_archived=then)
        if as_of is not None:
            # As they stood then: created later is absent, archived since is live.
            rows = {i: r for i, r in rows.items() if timeline.existed_at(r, as_of)
                    and timeline.archived_at(r, as_of) == archived}
        ids = {r: i for r, i in ids.items() if i in rows}
        order = list(dict.fromkeys(ids[r] for r in raws if r in ids))
        shown = render(ctx, ot, [rows[i] for i in order], opts, as_of)
        errors = [batch_error(NotFound(f"{ot.singular.capitalize()} {r[:80]} does not exist",
                                       id=r[:80]), i, r[:80])
                  for i, r in enumerate(raws) if r not in ids]
        return batch_reply(200, started, ctx, shown, errors)

    return await handle(request, (object_scope(ot, False),), run, with_body=True,
                        readonly=True)


@router.post(BATCH + "/update", responses=docs.PARTIAL, openapi_extra=docs.BATCH_WRITE)
async def batch_update(object_type: str, request: Request) -> Response:
    ot = wire.object_type(object_type)
    migration = migrating(request)

    def run(ctx: Ctx, call: Call) -> Reply:
        started = ctx.now
        items = batch_inputs(call.body)
        targets = _resolve(ctx, ot, items, None)
        writes: list[tuple[int, ItemWrite]] = []
        errors: list[dict[str, Any]] = []
        for i, (x, t) in enumerate(zip(items, targets, strict=True)):
            rid = str(x.get("id", ""))[:80]
            if isinstance(t, DomainError):
                errors.append(batch_error(t, i, rid))
                continue
            try:
                writes.append((i, ItemWrite(t, wire.properties_in(x.get("properties")))))
            except DomainError as exc:
                errors.append(batch_error(exc, i, rid))
        done = records.update_many(ctx, ot, [w for _, w in writes],
                                   api_source(call.who, migration), WriteOptions(migration))
        return _written_reply(ctx, ot, 200, started, [
            (i, str(w.record_id), ItemResult(w.record_id, r.error, r.ignored), w.properties)
            for (i, w), r in zip(writes, done, strict=True)
        ], errors)

    return await handle(request, write_scopes(request, ot), run, with_body=True,
                        idempotent=True)


@router.post(BATCH + "/upsert", responses=docs.PARTIAL, openapi_extra=docs.BATCH_WRITE)
async def batch_upsert(object_type: str, request: Request) -> Response:
    ot = wire.object_type(object_type)
    migration = migrating(request)

    def run(ctx: Ctx, call: Call) -> Reply:
        started = ctx.now
        items = batch_inputs(call.body)
        props = {lookup.check_id_property(ot, x.get("idProperty")) for x in items}
        if len(props) > 1:
            raise wire.bad("All inputs of an upsert use the same idProperty",
                           "INVALID_ID_PROPERTY")
        prop = props.pop() if props else "hs_object_id"
        inputs: list[tuple[int, upsert.UpsertInput]] = []
        errors: list[dict[str, Any]] = []
        for i, x in enumerate(items):
            key = str(x.get("id", "")).strip()
            try:
                if not key:
                    raise wire.bad("Each upsert input needs an id", "INVALID_INPUT")
                inputs.append((i, upsert.UpsertInput(key, wire.properties_in(
                    x.get("properties")))))
            except DomainError as exc:
                errors.append(batch_error(exc, i, key[:80] or None))
        done = upsert.upsert(ctx, ot, prop, [u for _, u in inputs],
                             api_source(call.who, migration), WriteOptions(migration))
        ok: list[tuple[int, bool]] = []
        names_of: dict[int, list[str]] = {}
        ignored: list[str] = []
        for (i, u), r in zip(inputs, done, strict=True):
            if r.error is not None or r.record_id is None:
                errors.append(batch_error(r.error or DomainError("Not written"), i, u.key[:80]))
                continue
            ok.append((r.record_id, r.created))
            names_of[r.record_id] = names_of.get(r.record_id, []) + wire.write_names(
                ot, [*u.properties, prop] if prop != "hs_object_id" else u.properties)
            ignored += r.ignored
        shown = _rendered(ctx, ot, list(dict.fromkeys(rid for rid, _ in ok)), names_of)
        created = {rid for rid, new in ok if new}
        results = [{**shown[rid], "new": rid in created}
                   for rid in dict.fromkeys(rid for rid, _ in ok) if rid in shown]
        errors.sort(key=lambda e: int(e["context"]["index"][0]))
        return batch_reply(200, started, ctx, results, errors).ignored(ignored)

    return await handle(request, write_scopes(request, ot), run, with_body=True,
                        idempotent=True)


@router.post(BATCH + "/archive", status_code=204, openapi_extra=docs.BATCH)
async def batch_archive(object_type: str, request: Request) -> Response:
    ot = wire.object_type(object_type)

    def run(ctx: Ctx, call: Call) -> Reply:
        items = batch_inputs(call.body)
        ids = [wire.record_id(x.get("id")) for x in items]
        records.archive(ctx, ot, ids, api_source(call.who, False))
        return Reply(204)

    return await handle(request, (object_scope(ot, True),), run, with_body=True,
                        idempotent=True)
