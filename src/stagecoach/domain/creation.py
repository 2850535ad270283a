"""The stage a new contact or company starts with (rule 18)."""

from __future__ import annotations

from stagecoach.domain.settings import AutomationSettings
from stagecoach.domain.sources import Source, SourceType
from stagecoach.domain.stages import StageSet

# A person creating a record in the web app (from an index page or another record's page).
_PEOPLE = frozenset({SourceType.CRM_UI, SourceType.CRM_UI_BULK_ACTION})


def initial_stage(
    given: str | None,
    source: Source,
    settings: AutomationSettings,
    stages: StageSet,
    source_default: str | None = None,
) -> tuple[str | None, Source]:
    """(stage, the source to record it under). `source_default` is the stage the source
    itself implies: a form's stage (rule 33), Lead for an integration or identify (29)."""
    if given:
        return given, source
    if source_default:
        return source_default, source
    if settings.create_default.enabled:
        return settings.create_default.stage, Source.automation("create_default")
    if source.type in _PEOPLE and len(stages):
        return stages.first, source
    return None, source
