"""`/contacts/{id}` and `/companies/{id}`: properties, the lifecycle stage and its dates,
changing the stage by hand, demoting it (rule 7), associations, deals, history and blocked
writes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from stagecoach.domain import associations as atypes
from stagecoach.domain.errors import DomainError, ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.values import is_decimal, to_wire
from stagecoach.services.core.context import Ctx
from stagecoach.services.core.writes import ItemWrite
from stagecoach.services.lifecycle import demotion, explain
from stagecoach.services.records import associations, records
from stagecoach.services.records.associations import AssociationRequest
from stagecoach.services.records.records import NewRecord
from stagecoach.store.records import record_views
from stagecoach.store.records import records as record_store
from stagecoach.web import columns, pages, record_page
from stagecoach.web import session as sessions
from stagecoach.web.common import flash_redirect, page_type, posted, run, text, ui_source
from stagecoach.web.routing import WebError, WebRoute

router = APIRouter(route_class=WebRoute)
C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL
# The permission the API asks of tokens for the same move.
DEMOTE_SCOPE = "lifecycle.demote"


def _kind(request: Request) -> tuple[str, ObjectType]:
    kind = request.url.path.split("/")[1]
    return kind, page_type(kind)


def cascade_lines(ctx: Ctx, skip: tuple[ObjectType, int] | None = None) -> list[str]:
    """What this request's steps did to lifecycle stages, one line per record (the record
    the user changed itself left out)."""
    rows = record_views.stage_changes_in_ops(ctx.conn, ctx.account_id, ctx.ops)
    refs = [(ObjectType(r.object_type), r.record_id) for r in rows]
    named = record_views.names(ctx.conn, ctx.account_id, refs)
    lines = []
    for r in rows:
        ref = (ObjectType(r.object_type), r.record_id)
        if ref == skip:
            continue
        row = named.get(ref)
        who = columns.display_name(ref[0], row.values if row else {}, ref[1])
        old = ctx.catalog.stages.label(r.old_value) if r.old_value else "no stage"
        new = ctx.catalog.stages.label(r.value) if r.value else "no stage"
        lines.append(f"{ref[0].singular.capitalize()} {who}: {old} → {new} "
                     f"({r.source_label or r.source_type})")
    return lines


@router.get("/contacts/{record_id}")
@router.get("/companies/{record_id}")
def show(request: Request, record_id: int) -> Response:
    kind, ot = _kind(request)
    session = sessions.require(request)
    page, why, catalog = run(request, session, lambda ctx: (
        record_page.load(ctx, ot, record_id), explain.explain(ctx, ot, record_id),
        ctx.catalog), readonly=True)
    return pages.render(request, "record.html", {
        "p": page, "explain": why, "pipelines": catalog.pipelines, "kind": kind, "ot": ot,
        "base": f"/{kind}", "display_name": columns.display_name,
        "stage_label": catalog.stages.label, "deal_stage": catalog.deal_stage,
        "can_demote": session.may(DEMOTE_SCOPE)},
        session, section=kind)


@router.post("/contacts/{record_id}/stage")
@router.post("/companies/{record_id}/stage")
async def change_stage(request: Request, record_id: int) -> Response:
    kind, ot = _kind(request)
    session, form = await posted(request)
    target = text(form, "lifecyclestage", 64) or None
    confirmed = form.get("confirm") == "yes"
    url = f"/{kind}/{record_id}"

    def change(ctx: Ctx) -> dict[str, Any]:
        row = record_store.load(ctx.conn, ctx.account_id, ot, [record_id]).get(record_id)
        if row is None:
            raise WebError(404, f"This {ot.singular} does not exist")
        if target is not None:
            ctx.catalog.stages.require(target)
        current = row.stage
        if current == target:
            return {"noop": True}
        backward = ctx.catalog.stages.ord(target) < ctx.catalog.stages.ord(current)
        if backward and not confirmed:
            return {"confirm": {
                "name": columns.display_name(ot, row.values, row.id),
                "current": ctx.catalog.stages.label(current) if current else None,
                "target": target, "target_label": (ctx.catalog.stages.label(target)
                                                   if target else None),
                "cleared": record_page.dates_cleared_by(ctx.catalog, ot, row.values, target,
                                                        ctx.now)}}
        result = records.update_many(ctx, ot, [ItemWrite(record_id, {"lifecyclestage":
                                                                     target or ""})],
                                     ui_source(session))[0]
        if result.error is not None:
            raise result.error
        return {"done": ctx.catalog.stages.label(target) if target else None,
                "cascade": cascade_lines(ctx, (ot, record_id))}

    out = run(request, session, change)
    if out.get("noop"):
        return flash_redirect(request, session, url, "info", "The stage did not change.")
    if "confirm" in out:
        return pages.render(request, "stage_confirm.html", {
            **out["confirm"], "kind": kind, "ot": ot, "record_id": record_id, "url": url},
            session, section=kind)
    msg = (f"Lifecycle stage set to {out['done']}." if out["done"]
           else "Lifecycle stage cleared.")
    if out["cascade"]:
        msg += " Automation also changed:"
    return flash_redirect(request, session, url, "ok", msg, out["cascade"])


@router.post("/contacts/{record_id}/demote")
@router.post("/companies/{record_id}/demote")
async def demote(request: Request, record_id: int) -> Response:
    """The audited backward move with its reason; unlike the confirmed manual move above,
    it needs its own permission and leaves the reason in the history."""
    kind, ot = _kind(request)
    session, form = await posted(request)
    if not session.may(DEMOTE_SCOPE):
        raise WebError(403, "Only admins can demote a record",
                       "Demoting moves a record backward with a reason and needs its own "
                       "permission. Ask an admin of the account to do it.")
    target, reason = text(form, "stage", 64), text(form, "reason", 2000)
    url = f"/{kind}/{record_id}"

    def run_demotion(ctx: Ctx) -> tuple[str, list[str]]:
        old = demotion.demote(ctx, ot, record_id, target, reason, ui_source(session))
        stages = ctx.catalog.stages
        return (f"Demoted from {stages.label(old)} to {stages.label(target)}.",
                cascade_lines(ctx, (ot, record_id)))

    try:
        msg, lines = run(request, session, run_demotion)
    except ValidationError as exc:
        return flash_redirect(request, session, url, "error", exc.message)
    return flash_redirect(request, session, url, "ok",
                          msg + (" Automation also changed:" if lines else ""), lines)


@router.post("/contacts/{record_id}/properties")
@router.post("/companies/{record_id}/properties")
async def edit_properties(request: Request, record_id: int) -> Response:
    kind, ot = _kind(request)
    session, form = await posted(request)
    sent = {str(k)[2:]: str(v).strip() for k, v in form.multi_items()
            if str(k).startswith("p_") and isinstance(v, str)}
    url = f"/{kind}/{record_id}"

    def save(ctx: Ctx) -> tuple[list[str], list[str]]:
        row = record_store.load(ctx.conn, ctx.account_id, ot, [record_id]).get(record_id)
        if row is None:
            raise WebError(404, f"This {ot.singular} does not exist")
        changes: dict[str, str | None] = {}
        for name, value in sent.items():
            p = ctx.catalog.definition(ot, name)
            if p is None or p.calculated or name == "lifecyclestage":
                continue
            if (to_wire(p.type, row.values.get(name)) or "") != value:
                changes[name] = value  # "" clears (rule 8)
        if not changes:
            return [], []
        result = records.update_many(ctx, ot, [ItemWrite(record_id, changes)],
                                     ui_source(session))[0]
        if result.error is not None:
            raise result.error
        return sorted(changes), cascade_lines(ctx, (ot, record_id))

    try:
        changed, cascade = run(request, session, save)
    except DomainError as exc:
        return flash_redirect(request, session, url, "error", exc.message)
    if not changed:
        return flash_redirect(request, session, url, "info", "Nothing changed.")
    return flash_redirect(request, session, url, "ok",
                          f"Saved {', '.join(changed)}." + (" Automation also changed:"
                                                            if cascade else ""), cascade)


def _find(ctx: Ctx, ot: ObjectType, ref: str) -> int:
    """A record named by its id, or a contact's email / a company's domain."""
    ref = ref.strip()
    if is_decimal(ref) and len(ref) < 19:
        if record_store.load(ctx.conn, ctx.account_id, ot, [int(ref)]):
            return int(ref)
    else:
        column = "email" if ot is C else "domain"
        found = record_store.find_by(ctx.conn, ctx.account_id, ot, column, [ref.lower()])
        if found:
            return next(iter(found.values())).id
    raise ValidationError(f"No {ot.singular} {ref!r} was found. Give its ID or its "
                          f"{'email' if ot is C else 'domain'}.")


@router.post("/contacts/{record_id}/associations")
@router.post("/companies/{record_id}/associations")
async def add_association(request: Request, record_id: int) -> Response:
    kind, ot = _kind(request)
    session, form = await posted(request)
    other = CO if ot is C else C
    primary = form.get("primary") == "on"
    url = f"/{kind}/{record_id}"

    def add(ctx: Ctx) -> tuple[str, list[str]]:
        other_id = _find(ctx, other, text(form, "target", 254))
        types = (atypes.primary_type(ot, other).id,) if primary else ()
        req = AssociationRequest(ot, record_id, other, other_id, types)
        err = associations.validate(ctx, [req])[0]
        if err is not None:
            raise err
        associations.associate(ctx, [req], ui_source(session))
        lines = cascade_lines(ctx)
        msg = "Association added" + (" as primary" if primary else "") + "."
        return msg + (" Automation also changed:" if lines else ""), lines

    try:
        msg, lines = run(request, session, add)
    except DomainError as exc:
        return flash_redirect(request, session, url, "error", exc.message)
    return flash_redirect(request, session, url, "ok", msg, lines)


@router.post("/contacts/{record_id}/associations/{other_id}/remove")
@router.post("/companies/{record_id}/associations/{other_id}/remove")
async def remove_association(request: Request, record_id: int, other_id: int) -> Response:
    kind, ot = _kind(request)
    session, form = await posted(request)
    other = ObjectType.DEAL if form.get("type") == "deal" else (CO if ot is C else C)
    url = f"/{kind}/{record_id}"

    def remove(ctx: Ctx) -> None:
        associations.disassociate(ctx, ot, record_id, other, other_id, ui_source(session))

    run(request, session, remove)
    return flash_redirect(request, session, url, "ok", "Association removed.")


@router.post("/contacts/{record_id}/associations/{other_id}/primary")
@router.post("/companies/{record_id}/associations/{other_id}/primary")
async def make_primary(request: Request, record_id: int, other_id: int) -> Response:
    kind, ot = _kind(request)
    session, _ = await posted(request)
    url = f"/{kind}/{record_id}"

    def primary(ctx: Ctx) -> list[str]:
        types = (atypes.CONTACT_TO_PRIMARY_COMPANY,)
        req = (AssociationRequest(C, record_id, CO, other_id, types) if ot is C
               else AssociationRequest(C, other_id, CO, record_id, types))
        err = associations.validate(ctx, [req])[0]
        if err is not None:
            raise err
        associations.associate(ctx, [req], ui_source(session))
        return cascade_lines(ctx)

    try:
        lines = run(request, session, primary)
    except DomainError as exc:
        return flash_redirect(request, session, url, "error", exc.message)
    return flash_redirect(request, session, url, "ok", "Primary company changed." + (
        " Automation also changed:" if lines else ""), lines)


# What a person types in for a new contact or company created from another record's page.
_NEW_FIELDS = {C: ("email", "firstname", "lastname"), CO: ("name", "domain")}


@router.post("/companies/{record_id}/contacts/new")
@router.post("/contacts/{record_id}/companies/new")
async def create_related(request: Request, record_id: int) -> Response:
    """A new contact from a company's page, or a new company from a contact's page,
    associated with that record. Created by a person in the web app, it gets the first
    stage in the current order like any other (rule 18a): no stage is given here."""
    kind, ot = _kind(request)
    session, form = await posted(request)
    other = CO if ot is C else C
    primary = form.get("primary") == "on"
    url = f"/{kind}/{record_id}"
    props = {k: text(form, k, 254) for k in _NEW_FIELDS[other] if text(form, k)}
    if not props:
        return flash_redirect(request, session, url, "error",
                              f"Give the new {other.singular} "
                              f"{'an email or a name' if other is C else 'a name or a domain'}.")

    def make(ctx: Ctx) -> tuple[str, list[str]]:
        if not record_store.load(ctx.conn, ctx.account_id, ot, [record_id]):
            raise WebError(404, f"This {ot.singular} does not exist")
        types = (atypes.primary_type(other, ot).id,) if primary else ()
        result = records.create(ctx, other, [NewRecord(props, [(ot, record_id, types)])],
                                ui_source(session))[0]
        if result.error is not None:
            raise result.error
        assert result.record_id is not None
        shown: dict[str, object] = dict(props)
        return (columns.display_name(other, shown, result.record_id),
                cascade_lines(ctx, (other, result.record_id)))

    try:
        name, lines = run(request, session, make)
    except DomainError as exc:
        return flash_redirect(request, session, url, "error", exc.message)
    return flash_redirect(request, session, url, "ok",
                          f"{other.singular.capitalize()} “{name}” created."
                          + (" Automation also changed:" if lines else ""), lines)


@router.post("/contacts/{record_id}/deals")
@router.post("/companies/{record_id}/deals")
async def create_deal(request: Request, record_id: int) -> Response:
    kind, ot = _kind(request)
    session, form = await posted(request)
    url = f"/{kind}/{record_id}"
    props = {k: text(form, k, 200) for k in ("dealname", "amount", "pipeline", "dealstage")
             if text(form, k)}
    if not props.get("dealname"):
        return flash_redirect(request, session, url, "error", "A deal needs a name.")

    def make(ctx: Ctx) -> list[str]:
        if not record_store.load(ctx.conn, ctx.account_id, ot, [record_id]):
            raise WebError(404, f"This {ot.singular} does not exist")
        # From a company's page the company is the deal's primary company, as in HubSpot.
        assoc = [(ot, record_id, (atypes.DEAL_TO_PRIMARY_COMPANY,) if ot is CO else ())]
        result = records.create(ctx, D, [NewRecord(props, assoc)], ui_source(session))[0]
        if result.error is not None:
            raise result.error
        return cascade_lines(ctx)

    try:
        lines = run(request, session, make)
    except DomainError as exc:
        return flash_redirect(request, session, url, "error", exc.message)
    return flash_redirect(request, session, url, "ok", f"Deal “{props['dealname']}” created."
                          + (" Automation also changed:" if lines else ""), lines)
