"""filterGroups (domain/filters.py) compiled to one SQL condition over `records`.

Meanings chosen where HubSpot's documentation is loose: string comparisons (EQ, NEQ, IN,
NOT_IN, CONTAINS_TOKEN) ignore case; enumerations compare exactly; the negative operators
(NEQ, NOT_IN, NOT_CONTAINS_TOKEN) also match records that have no value; CONTAINS_TOKEN
matches the token anywhere in the value, `*` being a wildcard.

The search endpoint (branch api-objects) has its own compiler; the two should be unified.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, and_, cast, false, func, literal_column, not_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain.filters import Filter, FilterGroup, Operator
from stagecoach.domain.properties import COLUMN_PROPERTIES, PropertyDef
from stagecoach.domain.values import PropertyType, to_stored
from stagecoach.store.schema import records

R = records.c
_NAME_RE = re.compile(r"^[a-z0-9_]{1,100}$")
_NUMERIC = {PropertyType.NUMBER, PropertyType.DATE, PropertyType.DATETIME}
_META = {"createdate": R.created_at, "lastmodifieddate": R.updated_at,
         "hs_lastmodifieddate": R.updated_at, "hs_object_id": R.id}


def property_value(prop: PropertyDef, pg: bool) -> ColumnElement[Any]:
    """The stored value of a property of a `records` row, typed for comparison."""
    if prop.name in _META:
        return _META[prop.name]
    if prop.name in COLUMN_PROPERTIES:
        return R[prop.name]
    if not _NAME_RE.match(prop.name):
        raise ValueError(prop.name)
    if pg:
        # Inlined: drivers cannot type a bound key of ->>; the name is checked above.
        text = R.props.op("->>")(literal_column(f"'{prop.name}'"))
        return cast(text, Float) if prop.type in _NUMERIC else text
    return func.json_extract(R.props, f'$."{prop.name}"')


def compile_groups(groups: Sequence[FilterGroup], pg: bool) -> ColumnElement[bool]:
    if not groups:
        return true()
    return or_(*(and_(*(_compile(f, pg) for f in g.filters)) for g in groups))


def _stored(prop: PropertyDef, wire: str) -> Any:
    return to_stored(prop.name, prop.type, wire)


def _compile(f: Filter, pg: bool) -> Any:  # a boolean SQL expression
    p = f.prop
    col = property_value(p, pg)
    op = f.operator
    if op is Operator.HAS_PROPERTY:
        return col.is_not(None)
    if op is Operator.NOT_HAS_PROPERTY:
        return col.is_(None)
    fold = p.type is PropertyType.STRING
    lhs: ColumnElement[Any] = func.lower(col) if fold else col

    def v(wire: str) -> Any:
        stored = _stored(p, wire)
        return stored.lower() if fold and isinstance(stored, str) else stored

    if op in (Operator.CONTAINS_TOKEN, Operator.NOT_CONTAINS_TOKEN):
        assert f.value is not None
        token = f.value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = func.lower(col).like("%" + token.replace("*", "%") + "%", escape="\\")
        return like if op is Operator.CONTAINS_TOKEN else or_(col.is_(None), not_(like))
    if op in (Operator.IN, Operator.NOT_IN):
        vals = [v(x) for x in f.values]
        inside = lhs.in_(vals) if vals else false()
        return inside if op is Operator.IN else or_(col.is_(None), not_(inside))
    assert f.value is not None
    value = v(f.value)
    if op is Operator.EQ:
        return lhs == value
    if op is Operator.NEQ:
        return or_(col.is_(None), lhs != value)
    if op is Operator.LT:
        return lhs < value
    if op is Operator.LTE:
        return lhs <= value
    if op is Operator.GT:
        return lhs > value
    if op is Operator.GTE:
        return lhs >= value
    assert op is Operator.BETWEEN and f.high_value is not None
    return and_(lhs >= value, lhs <= v(f.high_value))
