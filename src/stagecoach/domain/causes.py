"""What caused an automated change (rule 42): the change it reacted to, or the job that
made it.

History versions, stage moves and blocked writes carry a cause as (kind, id) columns;
explain follows the chain back through the kinds that name a change, and stops at one
that does not (a job's own rule says everything).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CauseKind(StrEnum):
    PROPERTY = "property"        # the id is a property_history version
    ASSOCIATION = "association"  # the id is an association_history row
    JOB = "job"                  # the id is a settings job (rule 26)


@dataclass(frozen=True)
class Cause:
    kind: CauseKind
    id: int
