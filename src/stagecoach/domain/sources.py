"""Who or what made a write (lifecycle spec section 1)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SourceType(StrEnum):
    CRM_UI = "CRM_UI"
    CRM_UI_BULK_ACTION = "CRM_UI_BULK_ACTION"
    API = "API"
    IMPORT = "IMPORT"
    FORM = "FORM"
    WORKFLOWS = "WORKFLOWS"
    INTEGRATION = "INTEGRATION"
    SALESFORCE = "SALESFORCE"
    ANALYTICS = "ANALYTICS"
    MERGE_OBJECTS = "MERGE_OBJECTS"
    CALCULATED = "CALCULATED"
    LIFECYCLE_AUTOMATION = "LIFECYCLE_AUTOMATION"
    MIGRATION = "MIGRATION"


@dataclass(frozen=True)
class Source:
    type: SourceType
    id: str | None = None
    label: str | None = None
    user_id: int | None = None

    @classmethod
    def automation(cls, rule: str) -> Source:
        return cls(SourceType.LIFECYCLE_AUTOMATION, rule, _RULE_LABELS.get(rule, rule))


_RULE_LABELS = {
    "create_default": "setting 'when a contact or company is created'",
    "deal_created": "setting 'when a deal is created'",
    "deal_won": "setting 'when a deal is won'",
    "company_sync": "setting 'sync lifecycle stages with the primary company'",
    "pipeline_stage_rule": "pipeline stage rule",
    "stage_deleted": "stage deleted with a replacement",
    "apply_to_existing": "setting applied to existing records",
}
