"""Tracking events (rules 28-29): a visit through a marketing email's link makes a
Subscriber; identifying a visitor by email makes a Lead. Both update the contact with that
email or create it, forward-only, with source ANALYTICS."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from stagecoach.domain.sources import Source, SourceType
from stagecoach.services.core.context import Ctx
from stagecoach.services.inbound import intake
from stagecoach.services.inbound.intake import Intake


class TrackingEvent(StrEnum):
    IDENTIFY = "identify"
    EMAIL_CLICK = "email-click"

    @property
    def stage(self) -> str:
        return "lead" if self is TrackingEvent.IDENTIFY else "subscriber"


def record(ctx: Ctx, event: TrackingEvent, email: str, properties: Mapping[str, str]
           ) -> Intake:
    stage = event.stage if event.stage in ctx.catalog.stages else ctx.catalog.stages.first
    return intake.upsert_contact(ctx, email, properties, stage,
                                 Source(SourceType.ANALYTICS, event.value,
                                        f"tracking event '{event.value}'"))
