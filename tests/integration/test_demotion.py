from __future__ import annotations

import pytest

from stagecoach.domain import lifecycle_dates as ld
from stagecoach.domain.errors import NotFound, ValidationError
from stagecoach.services.lifecycle import demotion
from stagecoach.services.records import reads
from tests.helpers import API, CO, UI, Acct, C


def _demote(acct: Acct, ot, rid: int, stage: str, reason: str = "wrong qualification"):  # type: ignore[no-untyped-def]
    return acct.in_unit(lambda ctx: demotion.demote(ctx, ot, rid, stage, reason, UI))


def test_demotion_moves_backward_and_clears_later_became_dates(acct: Acct) -> None:
    cid = acct.contact(stage="lead")
    lead_at = acct.now
    acct.set_stage(C, cid, "customer")
    assert _demote(acct, C, cid, "lead") == "customer"
    values = acct.values(C, cid)
    assert values["lifecyclestage"] == "lead"
    assert values[ld.became_key("lead")] == lead_at
    assert ld.became_key("customer") not in values
    assert values[ld.entered_key("lead")] == acct.now
    assert values[ld.exited_key("customer")] == acct.now


def test_demotion_history_carries_reason_and_source_id(acct: Acct) -> None:
    cid = acct.contact(stage="opportunity")
    _demote(acct, C, cid, "subscriber", "entered by mistake")
    with acct.ctx_readonly() as ctx:
        from stagecoach.store.records import history
        v = history.for_records(ctx.conn, acct.id, C, [cid], ["lifecyclestage"])[0]
    assert (v.value, v.old_value, v.note) == ("subscriber", "opportunity", "entered by mistake")
    assert (v.source_type, v.source_id, v.user_id) == ("CRM_UI", "demotion", 1)
    with acct.ctx_readonly() as ctx:
        assert reads.history_of(ctx, C, [cid])[cid]["lifecyclestage"][0].source_id == "demotion"


@pytest.mark.parametrize("target", ["opportunity", "customer"])
def test_demotion_refuses_a_target_that_is_not_strictly_backward(acct: Acct, target: str
                                                                 ) -> None:
    cid = acct.contact(stage="opportunity")
    with pytest.raises(ValidationError) as err:
        _demote(acct, C, cid, target)
    assert err.value.code == "NOT_A_DEMOTION"
    assert acct.stage(C, cid) == "opportunity"


def test_demotion_of_a_record_without_stage_is_refused(acct: Acct) -> None:
    cid = acct.contact()
    with pytest.raises(ValidationError) as err:
        _demote(acct, C, cid, "lead")
    assert err.value.code == "NOT_A_DEMOTION"


def test_demotion_needs_a_reason(acct: Acct) -> None:
    cid = acct.company(stage="customer")
    with pytest.raises(ValidationError) as err:
        _demote(acct, CO, cid, "lead", "   ")
    assert err.value.code == "REASON_REQUIRED"
    assert acct.stage(CO, cid) == "customer"


def test_demotion_of_unknown_record_is_not_found(acct: Acct) -> None:
    with pytest.raises(NotFound):
        _demote(acct, C, 999_999, "lead")


def test_demotion_moves_a_record_out_of_the_last_stage(acct: Acct) -> None:
    cid = acct.contact(stage="other")
    acct.set_stage(C, cid, "customer", API)  # forward-only: blocked at the last stage
    assert acct.stage(C, cid) == "other"
    _demote(acct, C, cid, "customer")
    assert acct.stage(C, cid) == "customer"
