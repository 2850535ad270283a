"""The change feed's events (automation spec rules 49-52): their types and their wire form.

An event is made in the transaction of its change, from the row that change wrote (a
history version, an association change, a list membership change, a form submission, a
new record), and read back in `seq` order by consumers that act later (webhooks, timers)
and by `GET /lifecycle/v1/events`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.objects import ObjectType

# Events are kept this many days unless the installation says otherwise (rule 52).
DEFAULT_RETENTION_DAYS = 30
MAX_PAGE = 1000
DEFAULT_PAGE = 100


class EventType(StrEnum):
    CREATION = "object.creation"
    PROPERTY_CHANGE = "object.propertyChange"
    DELETION = "object.deletion"
    RESTORE = "object.restore"
    MERGE = "object.merge"
    ASSOCIATION_CHANGE = "object.associationChange"
    LIST_MEMBERSHIP_CHANGE = "list.membershipChange"
    FORM_SUBMISSION = "form.submission"


# Archiving and restoring are versions of this property in history (services/records); the
# feed reports them as deletion, restore or merge events, not as a property change.
ARCHIVED_PROPERTY = "hs_archived"


@dataclass(frozen=True)
class Event:
    seq: int
    event_type: EventType
    object_type: ObjectType
    object_id: int
    occurred_at: int
    property: str | None
    value: str | None
    old_value: str | None
    source_type: str | None
    source_id: str | None
    cause_kind: str | None
    cause_id: int | None
    ref_id: int | None
    detail: Mapping[str, Any] | None


def to_wire(e: Event) -> dict[str, Any]:
    """An event as `GET /lifecycle/v1/events` answers it: ids as strings, times in epoch
    milliseconds, and only the fields its type has."""
    out: dict[str, Any] = {
        "seq": str(e.seq),
        "eventType": e.event_type.value,
        "objectTypeId": e.object_type.type_id,
        "objectId": str(e.object_id),
        "occurredAt": e.occurred_at,
        "changeSource": e.source_type,
    }
    if e.source_id is not None:
        out["sourceId"] = e.source_id
    match e.event_type:
        case EventType.PROPERTY_CHANGE:
            out["propertyName"] = e.property
            out["propertyValue"] = e.value
            out["previousValue"] = e.old_value
            if e.cause_kind is not None:
                out["cause"] = {"kind": e.cause_kind, "id": str(e.cause_id)}
        case EventType.MERGE:
            out["primaryObjectId"] = e.value
            out["mergedObjectIds"] = [str(e.object_id)]
        case EventType.ASSOCIATION_CHANGE | EventType.LIST_MEMBERSHIP_CHANGE \
                | EventType.FORM_SUBMISSION:
            out.update(e.detail or {})
        case EventType.CREATION | EventType.DELETION | EventType.RESTORE:
            pass
    return out


def parse_types(raw: list[str]) -> frozenset[EventType] | None:
    """`types=` (repeated or comma-separated) to event types; None when not given. An
    unknown type is an error, never ignored."""
    names = [t.strip() for item in raw for t in item.split(",") if t.strip()]
    if not names:
        return None
    known = {t.value: t for t in EventType}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationError(
            f"Unknown event type: {unknown[0]}; known types: {', '.join(sorted(known))}",
            code="INVALID_EVENT_TYPE")
    return frozenset(known[n] for n in names)
