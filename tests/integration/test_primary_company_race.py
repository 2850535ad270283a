"""Issue 21, point 1: two processes setting a contact's primary company at once. The
second insert of a primary row used to be dropped silently (ON CONFLICT DO NOTHING) while
its inverse row, its history and `associatedcompanyid` were written: now it fails, the
unit of work runs again and sees the first, and every contact ends with one primary
company that its inverse rows and `associatedcompanyid` agree with."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

from sqlalchemy import select

from stagecoach.domain import associations as atypes
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.library import Stagecoach
from stagecoach.services.records.associations import AssociationRequest, associate
from stagecoach.store.schema import associations
from tests.helpers import CO, Acct, C

ROUNDS = 12
API = Source(SourceType.API, "race")


def _setter(url: str, account_id: int, contacts: list[int], company: int, errors: Any
            ) -> None:
    sc = Stagecoach(url, upgrade=False)
    try:
        for cid in contacts:
            sc.run(account_id, lambda ctx, cid=cid: associate(ctx, [AssociationRequest(
                ObjectType.CONTACT, cid, ObjectType.COMPANY, company,
                (atypes.CONTACT_TO_PRIMARY_COMPANY,))], API))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        errors.put(repr(exc))
    finally:
        sc.close()


def test_racing_primary_companies_leave_one_primary_that_everything_agrees_with(
        acct: Acct) -> None:
    first, second = acct.company(), acct.company()
    contacts = [acct.contact() for _ in range(ROUNDS)]
    url = str(acct.sc.engine.url.render_as_string(hide_password=False))
    ctx = mp.get_context("spawn")
    errors = ctx.Queue()
    procs = [ctx.Process(target=_setter, args=(url, acct.id, contacts, co, errors))
             for co in (first, second)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
    assert all(p.exitcode == 0 for p in procs)
    assert errors.empty(), errors.get()
    a = associations.c
    with acct.ctx_readonly() as rctx:
        rows = rctx.conn.execute(select(a.from_type, a.from_id, a.to_id, a.type_id).where(
            a.account_id == acct.id)).all()
    for cid in contacts:
        primary = [r.to_id for r in rows if r.from_type == int(C) and r.from_id == cid
                   and r.type_id == atypes.CONTACT_TO_PRIMARY_COMPANY]
        assert len(primary) == 1, (cid, rows)
        inverse = [r.from_id for r in rows if r.from_type == int(CO) and r.to_id == cid
                   and r.type_id == atypes.BY_ID[atypes.CONTACT_TO_PRIMARY_COMPANY].inverse_id]
        assert inverse == primary
        assert int(acct.values(C, cid)["associatedcompanyid"]) == primary[0]
