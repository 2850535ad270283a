"""Rule 53 with active lists: the company -> N contacts cascade with the change feed and
two DYNAMIC contact lists (one the cascade moves every contact into, one it moves them out
of) beside the same cascade with neither (bench/feed.py does the timing).

    python -m bench lists [--sizes 10000,100000] [--databases sqlite,postgres]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench import feed
from stagecoach.library import Stagecoach
from stagecoach.services.lists import definitions


def _stage_is(stage: str) -> dict[str, Any]:
    return {"filterBranchType": "OR", "filterBranchOperator": "OR", "filters": [],
            "filterBranches": [{"filterBranchType": "AND", "filterBranchOperator": "AND",
                                "filterBranches": [], "filters": [{
                                    "filterType": "PROPERTY", "property": "lifecyclestage",
                                    "operation": {"operationType": "ENUMERATION",
                                                  "operator": "IS_ANY_OF",
                                                  "values": [stage]}}]}]}


def two_lists(sc: Stagecoach, account_id: int) -> None:
    with sc.unit(account_id) as ctx:
        definitions.create(ctx, "Customers", "0-1", "DYNAMIC", _stage_is("customer"))
        definitions.create(ctx, "Leads", "0-1", "DYNAMIC", _stage_is("lead"))


def main(argv: Sequence[str]) -> int:
    return feed.main(argv, two_lists)
