"""Rule 44 in-process: a merge keeps the furthest stage (source MERGE_OBJECTS) and both
histories. tests/e2e/test_merge.py drives the same through the SDK."""

from __future__ import annotations

import pytest

from stagecoach.domain.objects import ObjectType
from stagecoach.services.records import merge
from tests.helpers import CO, UI, Acct, C, stage_history


@pytest.mark.parametrize("ot", [C, CO], ids=["contacts", "companies"])
def test_a_merge_keeps_the_furthest_stage_and_both_histories(acct: Acct, ot: ObjectType
                                                             ) -> None:
    keep = acct.create(ot, {"lifecyclestage": "subscriber"})
    acct.set_stage(ot, keep, "lead")
    gone = acct.create(ot, {"lifecyclestage": "lead"})
    acct.set_stage(ot, gone, "opportunity")
    acct.in_unit(lambda ctx: merge.merge(ctx, ot, keep, gone))
    assert acct.stage(ot, keep) == "opportunity"
    kept = stage_history(acct, ot, keep)
    assert [(v.value, v.source_type) for v in kept] == [
        ("opportunity", "MERGE_OBJECTS"), ("lead", "API"), ("subscriber", "API")]
    assert [v.value for v in stage_history(acct, ot, gone)] == ["opportunity", "lead"]


def test_a_merge_into_the_furthest_record_writes_no_stage(acct: Acct) -> None:
    keep = acct.contact(stage="customer")
    gone = acct.contact(stage="lead")
    acct.set_stage(C, gone, "subscriber", UI)
    acct.in_unit(lambda ctx: merge.merge(ctx, C, keep, gone))
    assert acct.stage(C, keep) == "customer"
    assert [v.source_type for v in stage_history(acct, C, keep)] == ["API"]
