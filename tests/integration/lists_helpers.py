"""A small vocabulary for the lists tests: filter branches and membership reads."""

from __future__ import annotations

from typing import Any

from stagecoach.domain.objects import ObjectType
from stagecoach.services.lists import definitions
from stagecoach.store.lists import reads
from tests.helpers import Acct


def prop(name: str, operation_type: str, operator: str, **operands: Any) -> dict[str, Any]:
    return {"filterType": "PROPERTY", "property": name,
            "operation": {"operationType": operation_type, "operator": operator,
                          **operands}}


def in_list(list_id: int, negated: bool = False) -> dict[str, Any]:
    return {"filterType": "IN_LIST", "listId": str(list_id),
            "operator": "NOT_IN_LIST" if negated else "IN_LIST"}


def branch(*groups: list[dict[str, Any]]) -> dict[str, Any]:
    """The root OR of one AND branch per group of filters."""
    return {"filterBranchType": "OR", "filterBranchOperator": "OR", "filters": [],
            "filterBranches": [{"filterBranchType": "AND", "filterBranchOperator": "AND",
                                "filters": g, "filterBranches": []} for g in groups]}


def stage_is(*stages: str) -> dict[str, Any]:
    return branch([prop("lifecyclestage", "ENUMERATION", "IS_ANY_OF", values=list(stages))])


def make_list(acct: Acct, name: str, filters: dict[str, Any] | None = None,
              ot: ObjectType = ObjectType.CONTACT, kind: str | None = None) -> int:
    kind = kind or ("DYNAMIC" if filters is not None else "MANUAL")
    with acct.unit() as ctx:
        return definitions.create(ctx, name, ot.type_id, kind, filters).row.id


def members(acct: Acct, list_id: int) -> set[int]:
    with acct.ctx_readonly() as ctx:
        found, _ = reads.by_record_id(ctx.conn, acct.id, list_id, after=None, before=None,
                                      limit=100_000)
    return {m.record_id for m in found}


def log_rows(acct: Acct, list_id: int) -> list[tuple[int, int, bool]]:
    """(op, record, joined) of every membership change of the list, in order."""
    from sqlalchemy import select

    from stagecoach.store.schema import list_membership_log as g

    with acct.ctx_readonly() as ctx:
        rows = ctx.conn.execute(select(g.c.op_id, g.c.record_id, g.c.joined).where(
            g.c.account_id == acct.id, g.c.list_id == list_id).order_by(g.c.op_id,
                                                                         g.c.record_id))
        return [(int(r[0]), int(r[1]), bool(r[2])) for r in rows]
