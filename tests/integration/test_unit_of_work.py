"""The unit of work (services/core/uow.py) and its steps: hooks run per step on every op a
write caused, work after commit only after commit, a use case that loses a race runs
again whole, and a cascade that does not settle stops without failing the user's write."""

from __future__ import annotations

from typing import Any

import pytest

from stagecoach.library import Stagecoach
from stagecoach.services.core import uow
from stagecoach.services.core.context import Ctx, Step
from stagecoach.services.core.writes import ItemWrite
from stagecoach.services.lifecycle.automation import CASCADE_STOPPED
from stagecoach.services.records import records
from stagecoach.services.records.records import NewRecord
from stagecoach.store.records import records as record_store
from tests.helpers import API, CO, Acct, C, blocked_rows


def _company_with_primary_contact(acct: Acct) -> tuple[int, int]:
    acct.settings(syncWithPrimaryCompany=True)
    company = acct.company("lead")
    contact = acct.contact("lead")
    acct.associate(C, contact, CO, company, (1,))
    return company, contact


def test_a_step_hook_sees_every_op_its_reactions_added(acct: Acct) -> None:
    company, contact = _company_with_primary_contact(acct)
    seen: list[tuple[int, list[int]]] = []

    def recorder(ctx: Ctx, step: Step) -> None:
        seen.append((step.op, list(step.ops)))

    with acct.unit() as ctx:
        ctx.step_hooks = (*ctx.step_hooks, recorder)
        records.update_many(ctx, CO, [ItemWrite(company, {"lifecyclestage": "customer"})], API)
        written_ops = list(ctx.ops)
    assert acct.stage(C, contact) == "customer"
    [(op, ops)] = seen
    # The company's step, then the step that moved its primary contact, in order.
    assert ops[0] == op and len(ops) == 2 and ops == written_ops
    history = acct.in_unit(lambda ctx: ctx.conn.exec_driver_sql(
        f"SELECT DISTINCT op_id FROM property_history WHERE account_id = {acct.id} "
        f"AND record_id = {contact} AND property = 'lifecyclestage'").scalars().all())
    assert ops[1] in history


def test_a_cascade_deeper_than_the_limit_stops_visibly_and_the_write_lands(acct: Acct) -> None:
    company, contact = _company_with_primary_contact(acct)
    with acct.unit() as ctx:
        ctx.cascade_limit = 1
        [result] = records.update_many(ctx, CO, [ItemWrite(company,
                                                           {"lifecyclestage": "customer"})], API)
    assert result.error is None
    assert acct.stage(CO, company) == "customer"
    # What would have reacted did not run, and the record it stopped at says so.
    assert acct.stage(C, contact) == "lead"
    stopped = [b for b in blocked_rows(acct, CO, company) if b.reason == CASCADE_STOPPED]
    assert [(b.property, b.attempted_value) for b in stopped] == [("lifecyclestage", "customer")]


def test_the_same_cascade_within_the_limit_runs_to_its_end(acct: Acct) -> None:
    company, contact = _company_with_primary_contact(acct)
    acct.set_stage(CO, company, "customer")
    assert acct.stage(C, contact) == "customer"
    assert not [b for b in blocked_rows(acct, CO, company) if b.reason == CASCADE_STOPPED]


def test_work_after_commit_runs_once_and_only_when_the_unit_commits(sc: Stagecoach,
                                                                   acct: Acct) -> None:
    calls: list[str] = []

    def fails(ctx: Ctx) -> None:
        ctx.after_commit(lambda: calls.append("failed"))
        raise ValueError("the use case fails")

    with pytest.raises(ValueError):
        sc.run(acct.id, fails, acct.tick())

    def succeeds(ctx: Ctx) -> None:
        ctx.after_commit(lambda: calls.append("committed"))

    sc.run(acct.id, succeeds, acct.tick())
    assert calls == ["committed"]


def _create(ctx: Ctx, email: str) -> int:
    [made] = records.create(ctx, C, [NewRecord({"email": email})], API)
    assert made.record_id is not None
    return made.record_id


def test_a_unit_that_lost_a_race_runs_again_whole_and_its_first_run_leaves_nothing(
        sc: Stagecoach, acct: Acct) -> None:
    runs: list[int] = []

    def once_conflicted(ctx: Ctx) -> int:
        runs.append(_create(ctx, f"run{len(runs)}@example.test"))
        if len(runs) == 1:
            raise uow.Conflicted()
        return runs[-1]

    kept = uow.run(sc.engine, acct.id, once_conflicted, acct.tick())
    assert len(runs) == 2 and kept == runs[1]
    with acct.ctx_readonly() as ctx:
        found = record_store.find_by(ctx.conn, acct.id, C, "email",
                                     ["run0@example.test", "run1@example.test"])
    assert set(found) == {"run1@example.test"}


def test_a_unit_that_keeps_losing_gives_up_after_its_attempts(sc: Stagecoach,
                                                            acct: Acct) -> None:
    runs: list[Any] = []

    def always(ctx: Ctx) -> None:
        runs.append(ctx.now)
        raise uow.Conflicted()

    with pytest.raises(uow.Conflicted):
        uow.run(sc.engine, acct.id, always, acct.tick())
    assert len(runs) == uow.ATTEMPTS


def test_a_failure_no_second_run_can_mend_is_raised_at_once(sc: Stagecoach,
                                                            acct: Acct) -> None:
    runs: list[int] = []

    def broken(ctx: Ctx) -> None:
        runs.append(1)
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        uow.run(sc.engine, acct.id, broken, acct.tick())
    assert runs == [1]


def test_an_error_inside_a_step_runs_no_hook_and_rolls_the_unit_back(acct: Acct) -> None:
    seen: list[int] = []
    with pytest.raises(RuntimeError), acct.unit() as ctx:
        ctx.step_hooks = (lambda c, s: seen.append(s.op),)
        with ctx.step() as step:
            outer = step.op
            _create(ctx, "rolled@example.test")
            raise RuntimeError("halfway")
    # The create's own step ended (its hooks ran); the step the error left did not.
    assert seen and outer not in seen
    with acct.ctx_readonly() as ctx:
        assert not record_store.find_by(ctx.conn, acct.id, C, "email", ["rolled@example.test"])


def test_every_unit_runs_the_hooks_in_their_fixed_order() -> None:
    from stagecoach.services import hooks
    from stagecoach.services.lifecycle import automation

    # Lifecycle reactions first: every later consumer reads what they changed too.
    assert hooks.STEP_HOOKS[0] is automation.settle_step


def test_an_error_inside_a_planner_setting_is_the_error_raised(sc: Stagecoach) -> None:
    """A deadlock inside planner_without must reach the retry as a deadlock: the RESET it
    used to run on an aborted transaction replaced the error with "transaction aborted"."""
    from sqlalchemy.exc import DBAPIError

    from stagecoach.store.core import db

    with pytest.raises(DBAPIError) as raised, sc.engine.begin() as conn, \
            db.planner_without(conn, "nestloop"):
        conn.exec_driver_sql("SELECT no_such_column FROM accounts")
    assert "no_such_column" in str(raised.value)
    assert "aborted" not in str(raised.value)


def test_a_retried_unit_is_logged_with_its_reason(sc: Stagecoach, caplog: Any) -> None:
    import logging

    from sqlalchemy.exc import OperationalError

    tries: list[int] = []

    def flaky(conn: Any) -> str:
        tries.append(1)
        if len(tries) == 1:
            raise OperationalError("UPDATE x", {}, Exception("database is locked"))
        return "done"

    with caplog.at_level(logging.INFO, logger="stagecoach.uow"):
        assert uow.run_conn(sc.engine, flaky) == "done"
    assert len(tries) == 2
    assert any("run again" in r.message and "locked" in r.message for r in caplog.records)
