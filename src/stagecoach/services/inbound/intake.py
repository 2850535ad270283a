"""Contacts that arrive by email from outside the CRM (form submissions, tracking events):
matched by email case-insensitively, or created (rules 28, 29 and 33)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stagecoach.domain import normalize
from stagecoach.domain.errors import DomainError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source
from stagecoach.services.core import writes
from stagecoach.services.core.context import Ctx
from stagecoach.services.records import records
from stagecoach.services.records.records import NewRecord
from stagecoach.store.records import records as record_store

C = ObjectType.CONTACT


@dataclass(frozen=True)
class Intake:
    contact_id: int
    created: bool
    ignored: list[str]


def upsert_contact(ctx: Ctx, email: str, properties: Mapping[str, str], stage: str,
                   source: Source) -> Intake:
    """Update the contact with this email or create it. The stage is the one the source
    brings: on a new contact it wins over the create setting (rule 18's exception); on an
    existing one it is a forward-only write like any other from this source.

    Two first submissions with one new email at the same instant: the second transaction
    meets the unique email index; the caller re-runs the unit of work once
    (api/routes/_intake.py), and then it finds the contact."""
    key = normalize.email(email)
    props = {k: v for k, v in properties.items() if k not in ("email", "lifecyclestage")}
    found = record_store.find_by(ctx.conn, ctx.account_id, C, "email", [key], lock=True)
    if key in found:
        rid = found[key].id
        result = writes.write(ctx, C, [writes.ItemWrite(rid, {**props, "lifecyclestage": stage})],
                              source)[0]
        created = False
    else:
        result = records.create(ctx, C, [NewRecord({**props, "email": key},
                                                   source_stage=stage)], source)[0]
        created = True
    if result.error is not None:
        raise result.error
    if result.record_id is None:
        raise DomainError("The contact could not be written", code="CONTACT_NOT_WRITTEN")
    return Intake(result.record_id, created, result.ignored)
