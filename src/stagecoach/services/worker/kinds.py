"""What a worker needs to know about a kind of work: how to run one item, what to record
when the item fails for good, and how it is retried."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from stagecoach.domain.work import RetryPolicy
from stagecoach.store.worker.work_items import WorkItem


@dataclass(frozen=True)
class Later:
    """A run that ended without finishing the work and without failing (someone else is
    advancing it): look at it again at `at` (epoch ms); the attempt is not counted."""

    at: int


# Runs the item's work to its end (returns None) or returns Later. Raising is a failed
# attempt, retried by the kind's policy; a DomainError (a rule refused) is not retried.
Run = Callable[[WorkItem], Later | None]
# Records on the work's own row that it failed for good, in the transaction that marks
# the item FAILED: (connection, item, error, now).
OnFailed = Callable[[Connection, WorkItem, str, int], None]


@dataclass(frozen=True)
class Kind:
    run: Run
    on_failed: OnFailed | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
