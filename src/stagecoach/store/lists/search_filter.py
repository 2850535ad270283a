"""The search filter on list membership (automation spec rule 58, a decision):
`{"propertyName": "hs_list_memberships", "operator": "EQ", "value": LIST_ID}` matches the
members of a live list; NEQ, IN, NOT_IN, HAS_PROPERTY (in some list) and NOT_HAS_PROPERTY
follow. Compiled for store/records/filters.py, which hands such a filter here."""

from __future__ import annotations

from sqlalchemy import and_, exists, literal, not_, select
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.filters import Filter, Operator
from stagecoach.domain.lists.model import MEMBERSHIP
from stagecoach.domain.values import is_decimal
from stagecoach.store.schema import list_memberships, lists, records

R = records.c
_POSITIVE = {Operator.EQ, Operator.IN, Operator.HAS_PROPERTY}
_SUPPORTED = _POSITIVE | {Operator.NEQ, Operator.NOT_IN, Operator.NOT_HAS_PROPERTY}


def _list_id(raw: str) -> int:
    text = raw.strip()
    if not is_decimal(text) or len(text) > 18:
        raise ValidationError(f"{MEMBERSHIP} takes a list id, not {raw[:40]!r}",
                              code="INVALID_FILTER_VALUE", propertyName=MEMBERSHIP)
    return int(text)


def membership_predicate(f: Filter) -> ColumnElement[bool]:
    if f.operator not in _SUPPORTED:
        raise ValidationError(
            f"Operator {f.operator} does not apply to {MEMBERSHIP}; supported: "
            + ", ".join(sorted(_SUPPORTED)), code="INVALID_FILTER_OPERATOR",
            propertyName=MEMBERSHIP)
    m, lst = list_memberships.alias(), lists.alias()
    where = [m.c.account_id == R.account_id, m.c.record_id == R.id,
             lst.c.account_id == m.c.account_id, lst.c.id == m.c.list_id,
             lst.c.object_type == R.object_type, lst.c.archived.is_(False)]
    if f.operator in (Operator.EQ, Operator.NEQ):
        where.append(m.c.list_id == _list_id(f.value or ""))
    elif f.operator in (Operator.IN, Operator.NOT_IN):
        where.append(m.c.list_id.in_([_list_id(v) for v in f.values]))
    inside = exists(select(literal(1)).select_from(m.join(lst, and_(
        lst.c.account_id == m.c.account_id, lst.c.id == m.c.list_id))).where(*where))
    return inside if f.operator in _POSITIVE else not_(inside)
