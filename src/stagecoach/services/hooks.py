"""The in-transaction hooks of every unit of work, in the order they run.

Step hooks run when a step ends (`with ctx.step()`), on the step and every op its
reactions added to it; unit hooks run once, just before the unit commits. This is the one
place a concern that must follow every change plugs in, instead of being added to each
use case: wave 2's active lists and workflow triggers go after the lifecycle reactions
(they read what the reactions changed too), the change feed last (it records everything
the step did, list memberships included).
"""

from __future__ import annotations

from collections.abc import Sequence

from stagecoach.services.core.context import StepHook, UnitHook
from stagecoach.services.feed import record as feed
from stagecoach.services.lifecycle import automation
from stagecoach.services.lists import maintain as lists

STEP_HOOKS: Sequence[StepHook] = (automation.settle_step, lists.maintain_step)
BEFORE_COMMIT: Sequence[UnitHook] = (feed.record_unit,)
