"""Form definitions and submissions (rule 33)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stagecoach.domain import forms as rules
from stagecoach.domain.errors import NotFound
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.domain.values import ms_to_iso
from stagecoach.services.core import writes
from stagecoach.services.core.context import Ctx
from stagecoach.services.inbound import intake
from stagecoach.store.inbound import forms as store
from stagecoach.store.records import records as record_store


def _not_found(form_id: str) -> NotFound:
    return NotFound(f"Form {form_id} does not exist", code="FORM_NOT_FOUND", id=form_id)


def _wire(stored: store.StoredForm) -> dict[str, Any]:
    return rules.to_wire(stored.form, ms_to_iso(stored.created_at), ms_to_iso(stored.updated_at))


def list_forms(ctx: Ctx) -> list[dict[str, Any]]:
    return [_wire(f) for f in store.list_forms(ctx.conn, ctx.account_id)]


def get(ctx: Ctx, form_id: str) -> dict[str, Any]:
    found = store.get(ctx.conn, ctx.account_id, form_id)
    if found is None:
        raise _not_found(form_id)
    return _wire(found)


def create(ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
    form = rules.parse_definition(body, ctx.catalog.stages, form_id=str(uuid.uuid4()))
    store.insert_form(ctx.conn, ctx.account_id, form, ctx.now)
    return get(ctx, form.id)


def patch(ctx: Ctx, form_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    found = store.get(ctx.conn, ctx.account_id, form_id, lock=True)
    if found is None:
        raise _not_found(form_id)
    form = rules.parse_definition(body, ctx.catalog.stages, form_id=form_id, base=found.form)
    store.update_form(ctx.conn, ctx.account_id, form, ctx.now)
    return get(ctx, form_id)


def delete(ctx: Ctx, form_id: str) -> None:
    if not store.delete_form(ctx.conn, ctx.account_id, form_id):
        raise _not_found(form_id)


@dataclass(frozen=True)
class SubmitResult:
    submission_id: int
    contact_id: int
    created: bool


def submit(ctx: Ctx, form_id: str, fields: Sequence[tuple[str, str]],
           context: Mapping[str, str | None], submitted_at: int | None = None) -> SubmitResult:
    """Record a submission and write its contact: matched by email, or created with the
    form's stage; an existing contact's stage moves forward only (source FORM)."""
    found = store.get(ctx.conn, ctx.account_id, form_id)
    if found is None:
        raise _not_found(form_id)
    form = found.form
    plan = rules.plan_submission(form, fields, ctx.catalog.stages)
    source = Source(SourceType.FORM, form.id, form.name)
    done = intake.upsert_contact(ctx, plan.properties["email"], plan.properties, plan.stage,
                                 source)
    if form.company_stage:
        _stage_company(ctx, done.contact_id, form.company_stage, source)
    # A step of its own, writing no property: the submission is an event (rule 49) that
    # consumers of the step (workflow triggers) react to.
    with ctx.step(changed=set()) as step:
        sid = store.insert_submission(
            ctx.conn, ctx.account_id, form.id, submitted_at or ctx.now,
            context.get("pageUri"), context.get("pageName"), dict(fields), done.contact_id,
            step.op)
    return SubmitResult(sid, done.contact_id, done.created)


def _stage_company(ctx: Ctx, contact_id: int, stage: str, source: Source) -> None:
    """The form's stage for companies (rule 33) goes to the contact's primary company: the
    one the submission created (by email domain, rule 27) starts with it; one that existed
    moves to it forward only, as the contact does."""
    contact = record_store.load(ctx.conn, ctx.account_id, ObjectType.CONTACT, [contact_id])
    company = contact[contact_id].values.get("associatedcompanyid") if contact else None
    if company is None:
        return
    result = writes.write(ctx, ObjectType.COMPANY,
                          [writes.ItemWrite(int(company), {"lifecyclestage": stage})], source)[0]
    if result.error is not None:
        raise result.error
