"""Deal pipelines and what makes a deal won or lost (rule 22): stage data, never names."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PIPELINE_ID = "default"
DEFAULT_PIPELINE_LABEL = "Sales Pipeline"
DEFAULT_DEAL_STAGES: tuple[tuple[str, str, float, bool], ...] = (
    ("appointmentscheduled", "Appointment Scheduled", 0.2, False),
    ("qualifiedtobuy", "Qualified To Buy", 0.4, False),
    ("presentationscheduled", "Presentation Scheduled", 0.6, False),
    ("decisionmakerboughtin", "Decision Maker Bought-In", 0.8, False),
    ("contractsent", "Contract Sent", 0.9, False),
    ("closedwon", "Closed Won", 1.0, True),
    ("closedlost", "Closed Lost", 0.0, True),
)


@dataclass(frozen=True)
class DealStage:
    id: str
    pipeline_id: str
    label: str
    display_order: int
    probability: float
    is_closed: bool

    @property
    def is_won(self) -> bool:
        return self.is_closed and self.probability == 1.0

    @property
    def is_lost(self) -> bool:
        return self.is_closed and self.probability == 0.0

    @property
    def is_open(self) -> bool:
        return not self.is_closed


@dataclass(frozen=True)
class Pipeline:
    id: str
    label: str
    display_order: int
    stages: tuple[DealStage, ...]

    def stage(self, stage_id: str) -> DealStage | None:
        return next((s for s in self.stages if s.id == stage_id), None)
