"""Concurrent writers to related records lose no update and break no rule.

Several processes write at once: a deal moves to Closed won while its company's stage is
changed, its contacts' stages are set and their names edited. Afterwards, every record's
current values agree with its history, and the forward-only outcome holds.
"""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

from sqlalchemy import select

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.library import Stagecoach
from stagecoach.services.core.writes import ItemWrite
from stagecoach.services.records import records
from stagecoach.store.schema import property_history
from tests.helpers import CO, Acct, C, D

API = Source(SourceType.API, "race")


def _worker(url: str, account_id: int, ot: int, writes: list[tuple[int, dict[str, str]]],
            errors: Any) -> None:
    sc = Stagecoach(url, upgrade=False)
    try:
        for rid, props in writes:
            sc.run(account_id, lambda ctx, rid=rid, props=props: records.update_many(
                ctx, ObjectType(ot), [ItemWrite(rid, props)], API))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        errors.put(repr(exc))
    finally:
        sc.close()


def _run_all(jobs: list[tuple[Any, tuple[Any, ...]]]) -> None:
    """Run each (target, args) in its own process at once; every one must succeed (each
    target takes an error queue as its last argument)."""
    ctx = mp.get_context("spawn")
    errors = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, errors)) for target, args in jobs]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
    assert all(p.exitcode == 0 for p in procs)
    assert errors.empty(), errors.get()


def test_concurrent_writers_to_related_records_lose_nothing(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True)
    co = acct.company(stage="subscriber")
    contacts = [acct.contact(stage="subscriber") for _ in range(12)]
    for c in contacts:
        acct.associate(C, c, CO, co, (1,))
    deal = acct.create(D, {"dealname": "Race", "dealstage": "appointmentscheduled"},
                       assoc=[(CO, co, ())])
    url = str(acct.sc.engine.url.render_as_string(hide_password=False))

    deal_moves = [(deal, {"dealstage": s}) for s in
                  ("qualifiedtobuy", "presentationscheduled", "contractsent", "closedwon")]
    company_moves = [(co, {"lifecyclestage": s}) for s in
                     ("lead", "marketingqualifiedlead", "salesqualifiedlead")]
    contact_moves = [(c, {"lifecyclestage": "lead"}) for c in contacts]
    renames = [(c, {"firstname": f"n{i}-{c}"}) for i in range(3) for c in contacts]

    _run_all([(_worker, (url, acct.id, int(ot), w))
              for ot, w in ((D, deal_moves), (CO, company_moves), (C, contact_moves),
                            (C, renames))])

    # The deal was won: company and every primary contact end as customers, whatever the
    # interleaving (forward-only writes commute to the furthest stage).
    assert acct.stage(CO, co) == "customer"
    assert {acct.stage(C, c) for c in contacts} == {"customer"}
    # No lost update of another property written concurrently with the cascades.
    for c in contacts:
        assert acct.values(C, c)["firstname"] == f"n2-{c}"
    # Current values agree with the latest history version of each record.
    with acct.ctx_readonly() as ctx_:
        for ot, rid in [(CO, co), *((C, c) for c in contacts)]:
            latest = ctx_.conn.execute(
                select(property_history.c.value)
                .where(property_history.c.account_id == acct.id,
                       property_history.c.object_type == int(ot),
                       property_history.c.record_id == rid,
                       property_history.c.property == "lifecyclestage")
                .order_by(property_history.c.ts.desc(), property_history.c.id.desc())
                .limit(1)).scalar()
            assert latest == acct.stage(ot, rid)


def _creator(url: str, account_id: int, company: int, tag: str, n: int, errors: Any) -> None:
    from stagecoach.services.records.records import NewRecord

    sc = Stagecoach(url, upgrade=False)
    try:
        for i in range(n):
            sc.run(account_id, lambda ctx, i=i: records.create(
                ctx, C, [NewRecord({"email": f"{tag}{i}@race.test"}, [(CO, company, ())])],
                API))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        errors.put(repr(exc))
    finally:
        sc.close()


def test_concurrent_creates_into_one_company_count_every_contact(acct: Acct) -> None:
    co = acct.company(name="Crowded")
    url = str(acct.sc.engine.url.render_as_string(hide_password=False))
    _run_all([(_creator, (url, acct.id, co, f"w{k}-", 15)) for k in range(3)])
    # Each create recounted the company: whatever the interleaving, the count it kept is
    # the number of contacts it has (a count read before another writer's commit would
    # lose that writer's contact).
    assert acct.values(CO, co)["num_associated_contacts"] == 45


def _apply_over_a_stale_read(url: str, account_id: int, loaded: Any, patched: Any,
                             errors: Any) -> None:
    """Starts a unit (reading the account's settings), lets a settings PATCH commit in
    between where the database allows it, then applies other settings."""
    from stagecoach.services.lifecycle import backfill
    from stagecoach.store.core.db import is_postgres

    sc = Stagecoach(url, upgrade=False)
    try:
        with sc.unit(account_id) as ctx:
            loaded.set()
            # SQLite admits one writer: the PATCH waits for this unit, so nothing comes.
            patched.wait(30 if is_postgres(ctx.conn) else 0.5)
            backfill.start(ctx, {"createDefault": {"enabled": True, "stage": "lead"}})
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        errors.put(repr(exc))
    finally:
        sc.close()


def _patch_settings(url: str, account_id: int, loaded: Any, patched: Any, errors: Any
                    ) -> None:
    from stagecoach.services.lifecycle import settings

    sc = Stagecoach(url, upgrade=False)
    try:
        assert loaded.wait(60)
        with sc.unit(account_id) as ctx:
            settings.patch(ctx, {"apiBackwardWrites": "reject"})
        patched.set()
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        errors.put(repr(exc))
    finally:
        sc.close()


def test_a_settings_patch_racing_an_apply_to_existing_records_is_kept(acct: Acct) -> None:
    ctx = mp.get_context("spawn")
    loaded, patched = ctx.Event(), ctx.Event()
    url = str(acct.sc.engine.url.render_as_string(hide_password=False))
    _run_all([(_apply_over_a_stale_read, (url, acct.id, loaded, patched)),
              (_patch_settings, (url, acct.id, loaded, patched))])
    # Both changes stand, whichever committed first.
    final = acct.settings()
    assert final["apiBackwardWrites"] == "reject"
    assert final["createDefault"] == {"enabled": True, "stage": "lead"}
