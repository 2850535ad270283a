"""What `stagecoach verify` reports: one stored value that differs from the one rebuilt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stagecoach.domain.objects import ObjectType


@dataclass(frozen=True)
class Difference:
    account_id: int
    object_type: ObjectType
    record_id: int
    property: str
    stored: Any
    expected: Any

    def to_json(self) -> dict[str, Any]:
        return {"accountId": self.account_id, "objectType": self.object_type.plural,
                "id": str(self.record_id), "property": self.property,
                "stored": self.stored, "expected": self.expected}
