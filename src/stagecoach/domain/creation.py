"""The stage a new contact or company starts with (rules 18 and 29)."""

from __future__ import annotations

from stagecoach.domain.settings import AutomationSettings
from stagecoach.domain.sources import Source, SourceType
from stagecoach.domain.stages import StageSet

# A person creating a record in the web app (from an index page or another record's page).
_PEOPLE = frozenset({SourceType.CRM_UI, SourceType.CRM_UI_BULK_ACTION})
# An integration sync (e.g. Salesforce) brings its contacts in as Leads (rule 29), as if it
# had sent the value: it wins over the create setting like any value given at creation.
_SYNCS = frozenset({SourceType.INTEGRATION, SourceType.SALESFORCE})
SYNC_CONTACT_STAGE = "lead"


def initial_stage(
    given: str | None,
    source: Source,
    settings: AutomationSettings,
    stages: StageSet,
    source_default: str | None = None,
    *,
    contact: bool = False,
) -> tuple[str | None, Source]:
    """(stage, the source to record it under). `source_default` is the stage the caller
    says the source implies: a form's stage (rule 33), Lead for identify (29); a contact
    from an integration sync is a Lead without being told (29), while the account has
    that stage."""
    if given:
        return given, source
    if source_default:
        return source_default, source
    if contact and source.type in _SYNCS and SYNC_CONTACT_STAGE in stages:
        return SYNC_CONTACT_STAGE, source
    if settings.create_default.enabled:
        return settings.create_default.stage, Source.automation("create_default")
    if source.type in _PEOPLE and len(stages):
        return stages.first, source
    return None, source
