"""Rules 28-29: tracking events make Subscribers (email click) and Leads (identify)."""

from __future__ import annotations

from stagecoach.services.inbound import tracking
from stagecoach.services.inbound.tracking import TrackingEvent
from stagecoach.services.records import reads
from tests.helpers import Acct, C


def track(acct: Acct, event: TrackingEvent, email: str, **props: str) -> int:
    return int(acct.in_unit(lambda ctx: tracking.record(ctx, event, email, props)).contact_id)


def test_identify_creates_a_lead_when_the_contact_does_not_exist(acct: Acct) -> None:
    cid = track(acct, TrackingEvent.IDENTIFY, "New@Visitor.test", firstname="Nia")
    assert acct.stage(C, cid) == "lead"
    assert acct.values(C, cid)["email"] == "new@visitor.test"
    assert acct.values(C, cid)["firstname"] == "Nia"


def test_email_click_makes_a_subscriber(acct: Acct) -> None:
    cid = track(acct, TrackingEvent.EMAIL_CLICK, "click@example.test")
    assert acct.stage(C, cid) == "subscriber"


def test_identify_moves_an_existing_subscriber_forward_to_lead(acct: Acct) -> None:
    cid = acct.contact(email="sub@example.test", stage="subscriber")
    assert track(acct, TrackingEvent.IDENTIFY, "SUB@example.test") == cid
    assert acct.stage(C, cid) == "lead"


def test_email_click_never_moves_a_lead_back(acct: Acct) -> None:
    cid = acct.contact(email="lead@example.test", stage="lead")
    track(acct, TrackingEvent.EMAIL_CLICK, "lead@example.test")
    assert acct.stage(C, cid) == "lead"


def test_tracking_writes_carry_the_analytics_source(acct: Acct) -> None:
    cid = track(acct, TrackingEvent.IDENTIFY, "src@example.test")
    with acct.ctx_readonly() as ctx:
        hist = reads.history_of(ctx, C, [cid])[cid]
    assert hist["lifecyclestage"][0].source_type == "ANALYTICS"
