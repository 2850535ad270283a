"""Associations v4 (api spec §5). Ids are JSON numbers in responses; primary semantics and
the lifecycle reactions live in services/records/associations.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from stagecoach.api import openapi_docs as docs
from stagecoach.api import wire
from stagecoach.api.auth import object_scope
from stagecoach.api.handler import Call, Reply, handle
from stagecoach.api.objects_view import api_source
from stagecoach.api.routes.objects_batch import batch_error, batch_inputs, batch_reply
from stagecoach.domain import associations as atypes
from stagecoach.domain.errors import DomainError, NotFound, ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.services.core.context import Ctx
from stagecoach.services.records import associations as service
from stagecoach.services.records import lookup
from stagecoach.services.records.associations import AssociationRequest
from stagecoach.store.records import associations as links
from stagecoach.store.records import records as record_store

router = APIRouter(tags=["associations"])
PAIR = "/crm/v4/objects/{ft}/{fid}/associations/{tt}/{tid}"
BATCH = "/crm/v4/associations/{ft}/{tt}/batch"
DEFAULT_PAGE = 500
CATEGORY = "HUBSPOT_DEFINED"


def _scopes(ft: ObjectType, tt: ObjectType, write: bool) -> tuple[str, ...]:
    return (object_scope(ft, write), object_scope(tt, False))


def type_json(tid: int) -> dict[str, Any]:
    return {"category": CATEGORY, "typeId": tid, "label": atypes.BY_ID[tid].label}


def _type_ids(raw: Any, ft: ObjectType, tt: ObjectType) -> tuple[int, ...]:
    """`[{associationCategory, associationTypeId}]`: the labelled types asked for (the
    unlabelled type always comes with them)."""
    if not isinstance(raw, list) or not raw:
        raise wire.bad("The body is a non-empty list of {associationCategory, "
                       "associationTypeId}", "INVALID_INPUT")
    out: list[int] = []
    for spec in raw:
        spec = wire.obj(spec, "An association spec")
        category = spec.get("associationCategory", CATEGORY)
        if category != CATEGORY:
            raise ValidationError(f"Association category {str(category)[:40]!r} has no "
                                  "types here; use HUBSPOT_DEFINED",
                                  code="INVALID_ASSOCIATION_CATEGORY")
        tid = wire.int_value("associationTypeId", spec.get("associationTypeId"), -1, 0, 10**9)
        t = atypes.resolve(tid, ft, tt)
        if t.label is not None:
            out.append(tid)
    return tuple(dict.fromkeys(out))


def _labels(ctx: Ctx, ft: ObjectType, fid: int, tt: ObjectType, tid: int) -> dict[str, Any]:
    found = links.between(ctx.conn, ctx.account_id, [(ft, fid, tt, tid)])
    labels = sorted({atypes.BY_ID[x.type_id].label or "" for x in found} - {""})
    return {"fromObjectTypeId": ft.type_id, "fromObjectId": fid,
            "toObjectTypeId": tt.type_id, "toObjectId": tid, "labels": labels}


def _associate(ctx: Ctx, call: Call, reqs: list[AssociationRequest]
               ) -> list[DomainError | None]:
    checked = service.validate(ctx, reqs)
    ok = [r for r, err in zip(reqs, checked, strict=True) if err is None]
    if ok:
        service.associate(ctx, ok, api_source(call.who))
    return checked


def _default_results(pairs: list[tuple[ObjectType, int, ObjectType, int]]
                     ) -> list[dict[str, Any]]:
    out = []
    for ft, fid, tt, tid in pairs:
        u = atypes.unlabelled(ft, tt)
        out.append({"from": {"id": str(fid)}, "to": {"id": str(tid)},
                    "associationSpec": {"associationCategory": CATEGORY,
                                        "associationTypeId": u.id}})
        out.append({"from": {"id": str(tid)}, "to": {"id": str(fid)},
                    "associationSpec": {"associationCategory": CATEGORY,
                                        "associationTypeId": u.inverse_id}})
    return out


@router.put(PAIR, status_code=201, openapi_extra=docs.ASSOC_SPECS)
async def create_labelled(ft: str, fid: str, tt: str, tid: str, request: Request) -> Response:
    f, t = wire.object_type(ft), wire.object_type(tt)

    def run(ctx: Ctx, call: Call) -> Reply:
        from_id, to_id = wire.record_id(fid, "objectId"), wire.record_id(tid, "toObjectId")
        req = AssociationRequest(f, from_id, t, to_id, _type_ids(call.body, f, t))
        err = _associate(ctx, call, [req])[0]
        if err is not None:
            raise err
        return Reply(201, _labels(ctx, f, from_id, t, to_id))

    return await handle(request, _scopes(f, t, True), run, with_body=True)


@router.put("/crm/v4/objects/{ft}/{fid}/associations/default/{tt}/{tid}")
async def create_default(ft: str, fid: str, tt: str, tid: str, request: Request) -> Response:
    f, t = wire.object_type(ft), wire.object_type(tt)

    def run(ctx: Ctx, call: Call) -> Reply:
        from_id, to_id = wire.record_id(fid, "objectId"), wire.record_id(tid, "toObjectId")
        err = _associate(ctx, call, [AssociationRequest(f, from_id, t, to_id, ())])[0]
        if err is not None:
            raise err
        return batch_reply(200, ctx.now, ctx, _default_results([(f, from_id, t, to_id)]), [])

    return await handle(request, _scopes(f, t, True), run)


@router.get("/crm/v4/objects/{ft}/{fid}/associations/{tt}", openapi_extra=docs.ASSOC_LIST)
async def list_associations(ft: str, fid: str, tt: str, request: Request) -> Response:
    f, t = wire.object_type(ft), wire.object_type(tt)

    def run(ctx: Ctx, call: Call) -> Reply:
        from_id = wire.record_id(fid, "objectId")
        if not record_store.load(ctx.conn, ctx.account_id, f, [from_id]):
            raise NotFound(f"{f.singular.capitalize()} {from_id} does not exist",
                           id=str(from_id))
        limit = wire.int_value("limit", request.query_params.get("limit"), DEFAULT_PAGE, 1,
                               DEFAULT_PAGE)
        after_raw = request.query_params.get("after")
        after = wire.record_id(after_raw, "after") if after_raw else 0
        found = links.of_records(ctx.conn, ctx.account_id, f, [from_id], t).get(from_id, {})
        targets = sorted(x for x in found if x > after)
        page = targets[:limit]
        body: dict[str, Any] = {"results": [
            {"toObjectId": to_id, "associationTypes": [type_json(x) for x in found[to_id]]}
            for to_id in page]}
        if len(targets) > limit:
            nxt = str(page[-1])
            body["paging"] = {"next": {
                "after": nxt, "link": wire.next_link(request, nxt)}}
        return Reply(200, body)

    return await handle(request, _scopes(f, t, False), run, readonly=True)


@router.delete(PAIR, status_code=204)
async def remove_pair(ft: str, fid: str, tt: str, tid: str, request: Request) -> Response:
    f, t = wire.object_type(ft), wire.object_type(tt)

    def run(ctx: Ctx, call: Call) -> Reply:
        from_id, to_id = wire.record_id(fid, "objectId"), wire.record_id(tid, "toObjectId")
        atypes.unlabelled(f, t)
        service.disassociate(ctx, f, from_id, t, to_id, api_source(call.who))
        return Reply(204)

    return await handle(request, _scopes(f, t, True), run)


def _pair_ids(x: dict[str, Any]) -> tuple[int, int]:
    return (wire.record_id(wire.obj(x.get("from"), "from").get("id"), "from.id"),
            wire.record_id(wire.obj(x.get("to"), "to").get("id"), "to.id"))


def _batch_associate(ctx: Ctx, call: Call, f: ObjectType, t: ObjectType, labelled: bool
                     ) -> tuple[list[AssociationRequest], list[dict[str, Any]]]:
    """Apply every well-formed input of an association batch in order; returns the pairs
    made and the errors (invalid inputs and refused pairs) by input index."""
    errors: list[dict[str, Any]] = []
    reqs: list[tuple[int, AssociationRequest]] = []
    for i, x in enumerate(batch_inputs(call.body)):
        try:
            fid, tid = _pair_ids(x)
            types = _type_ids(x.get("types"), f, t) if labelled else ()
            reqs.append((i, AssociationRequest(f, fid, t, tid, types)))
        except DomainError as exc:
            errors.append(batch_error(exc, i, None))
    checked = _associate(ctx, call, [r for _, r in reqs])
    made = []
    for (i, r), err in zip(reqs, checked, strict=True):
        if err is not None:
            errors.append(batch_error(err, i, str(r.from_id)))
        else:
            made.append(r)
    errors.sort(key=lambda e: int(e["context"]["index"][0]))
    return made, errors


@router.post(BATCH + "/create", status_code=201, responses=docs.PARTIAL,
             openapi_extra=docs.BATCH)
async def batch_create(ft: str, tt: str, request: Request) -> Response:
    f, t = wire.object_type(ft), wire.object_type(tt)

    def run(ctx: Ctx, call: Call) -> Reply:
        started = ctx.now
        made, errors = _batch_associate(ctx, call, f, t, labelled=True)
        results = [_labels(ctx, f, r.from_id, t, r.to_id) for r in made]
        return batch_reply(201, started, ctx, results, errors)

    return await handle(request, _scopes(f, t, True), run, with_body=True, idempotent=True)


@router.post(BATCH + "/associate/default", responses=docs.PARTIAL,
             openapi_extra=docs.BATCH)
async def batch_default(ft: str, tt: str, request: Request) -> Response:
    f, t = wire.object_type(ft), wire.object_type(tt)

    def run(ctx: Ctx, call: Call) -> Reply:
        started = ctx.now
        made, errors = _batch_associate(ctx, call, f, t, labelled=False)
        done = [(f, r.from_id, t, r.to_id) for r in made]
        return batch_reply(200, started, ctx, _default_results(done), errors)

    return await handle(request, _scopes(f, t, True), run, with_body=True, idempotent=True)


@router.post(BATCH + "/read", responses=docs.PARTIAL, openapi_extra=docs.BATCH)
async def batch_read(ft: str, tt: str, request: Request) -> Response:
    f, t = wire.object_type(ft), wire.object_type(tt)

    def run(ctx: Ctx, call: Call) -> Reply:
        started = ctx.now
        raws = [str(x.get("id", "")).strip() for x in batch_inputs(call.body)]
        numbers = {r: lookup.numeric_id(r) for r in raws}
        ids = {r: n for r, n in numbers.items() if n is not None}
        live = record_store.load(ctx.conn, ctx.account_id, f, list(ids.values()))
        found = links.of_records(ctx.conn, ctx.account_id, f, list(live), t)
        results, errors = [], []
        for i, r in enumerate(raws):
            rid = ids.get(r)
            if rid is None or rid not in live:
                errors.append(batch_error(NotFound(
                    f"{f.singular.capitalize()} {r[:80]} does not exist", id=r[:80]),
                    i, r[:80]))
                continue
            targets = found.get(rid, {})
            results.append({"from": {"id": str(rid)}, "to": [
                {"toObjectId": to_id, "associationTypes": [type_json(x) for x in targets[to_id]]}
                for to_id in sorted(targets)]})
        return batch_reply(200, started, ctx, results, errors)

    return await handle(request, _scopes(f, t, False), run, with_body=True, readonly=True)


@router.post(BATCH + "/archive", status_code=204, openapi_extra=docs.BATCH)
async def batch_archive(ft: str, tt: str, request: Request) -> Response:
    f, t = wire.object_type(ft), wire.object_type(tt)

    def run(ctx: Ctx, call: Call) -> Reply:
        atypes.unlabelled(f, t)
        pairs: list[tuple[int, int]] = []
        for x in batch_inputs(call.body):
            fid = wire.record_id(wire.obj(x.get("from"), "from").get("id"), "from.id")
            to = x.get("to")
            if not isinstance(to, list):
                raise wire.bad("to must be a list of {id}", "INVALID_INPUT")
            pairs += [(fid, wire.record_id(wire.obj(y, "to").get("id"), "to.id")) for y in to]
        for fid, tid in dict.fromkeys(pairs):
            service.disassociate(ctx, f, fid, t, tid, api_source(call.who))
        return Reply(204)

    return await handle(request, _scopes(f, t, True), run, with_body=True, idempotent=True)


@router.get("/crm/v4/associations/{ft}/{tt}/labels")
async def labels(ft: str, tt: str, request: Request) -> Response:
    f, t = wire.object_type(ft), wire.object_type(tt)

    def run(ctx: Ctx, call: Call) -> Reply:
        return Reply(200, {"results": [type_json(x.id) for x in atypes.types_between(f, t)]})

    return await handle(request, (object_scope(f, False),), run, readonly=True)
