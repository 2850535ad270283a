"""A list's filter branch (domain/lists) compiled to one SQL condition on a `records` row,
the same on SQLite and PostgreSQL.

Values are read and compared as search reads them (store/records/filters.py: hot columns,
metadata columns, typed JSON, case-folded strings, a deal's calculated close flags), so a
list and a search with the same meaning agree. Every property condition is guarded by
"has a value", which makes `includeObjectsWithNoValueSet` one OR and keeps the condition
free of NULLs (a NULL inside NOT would drop rows from both sides). History operators read
`property_history` (ix_history_record); IN_LIST reads `list_memberships`. Time points
indexed from now are resolved at `now`, the unit's time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, false, literal, not_, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain.catalog import Catalog
from stagecoach.domain.lists.model import (
    FilterBranch,
    InListFilter,
    Op,
    OperationType,
    PropertyFilter,
)
from stagecoach.domain.values import PropertyType
from stagecoach.store.records.filters import Compiler
from stagecoach.store.schema import list_memberships, property_history, records

R = records.c


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ListCompiler:
    def __init__(self, pg: bool, catalog: Catalog, now: int) -> None:
        self.values = Compiler(pg, catalog)
        self.now = now

    def branch(self, root: FilterBranch) -> ColumnElement[bool]:
        if not root.branches:
            return false()
        return or_(*(and_(true(), *(self.filter(f) for f in b.filters))
                     for b in root.branches))

    def filter(self, f: PropertyFilter | InListFilter) -> ColumnElement[bool]:
        if isinstance(f, InListFilter):
            m = list_memberships.alias()
            inside = exists(select(literal(1)).select_from(m).where(
                m.c.account_id == R.account_id, m.c.list_id == f.list_id,
                m.c.record_id == R.id))
            return not_(inside) if f.negated else inside
        raw = self.values.value_expr(f.prop)
        if f.operator in (Op.HAS_EVER_BEEN_ANY_OF, Op.HAS_NEVER_BEEN_ANY_OF):
            return self._history(f, raw)
        if f.operator is Op.IS_UNKNOWN:
            return raw.is_(None)
        matched = and_(raw.is_not(None), self._on_value(f))
        return or_(matched, raw.is_(None)) if f.include_no_value else matched

    def _history(self, f: PropertyFilter, raw: ColumnElement[Any]) -> ColumnElement[bool]:
        h = property_history.alias()
        ever = exists(select(literal(1)).select_from(h).where(
            h.c.account_id == R.account_id, h.c.object_type == R.object_type,
            h.c.record_id == R.id, h.c.property == f.prop.name,
            h.c.value.in_(list(f.values))))
        if f.operator is Op.HAS_EVER_BEEN_ANY_OF:
            return or_(ever, raw.is_(None)) if f.include_no_value else ever
        never = not_(ever)
        return never if f.include_no_value else and_(raw.is_not(None), never)

    def _on_value(self, f: PropertyFilter) -> ColumnElement[bool]:
        """The operator on a value that is set."""
        op, kind, p = f.operator, f.operation_type, f.prop
        v = self.values
        if op is Op.IS_KNOWN:
            return true()
        col = v.comparable(p)
        if kind is OperationType.BOOL:
            return v.value_expr(p) == f.values[0]
        if kind is OperationType.NUMBER:
            return _compare(op, col, f.number)
        if kind is OperationType.NUMBER_RANGED:
            inside = and_(col >= f.lower, col <= f.upper)
            return inside if op is Op.IS_BETWEEN else not_(inside)
        if kind is OperationType.TIME_POINT:
            assert f.time_point is not None
            # Dates are stored as midnight UTC of their day: they compare with the day.
            at = (f.time_point.day(self.now) if p.type is PropertyType.DATE
                  else f.time_point.at(self.now))
            return col < at if op is Op.IS_BEFORE else col > at
        wanted = [v.value(p, x) for x in f.values]
        if op is Op.IS_ANY_OF:
            return col.in_(wanted)
        if op is Op.IS_NONE_OF:
            return not_(col.in_(wanted))
        if op is Op.IS_EQUAL_TO:
            return col.in_(wanted)
        if op is Op.IS_NOT_EQUAL_TO:
            return not_(col.in_(wanted))
        patterns = [_pattern(op, str(x)) for x in wanted]
        if op is Op.DOES_NOT_CONTAIN:
            return and_(*(not_(col.like(pat, escape="\\")) for pat in
                          [_pattern(Op.CONTAINS, str(x)) for x in wanted]))
        return or_(*(col.like(pat, escape="\\") for pat in patterns))


def _pattern(op: Op, value: str) -> str:
    text = _like_escape(value)
    if op is Op.STARTS_WITH:
        return text + "%"
    if op is Op.ENDS_WITH:
        return "%" + text
    return "%" + text + "%"


def _compare(op: Op, col: ColumnElement[Any], value: float | None
             ) -> ColumnElement[bool]:
    if op is Op.IS_EQUAL_TO:
        return col == value
    if op is Op.IS_NOT_EQUAL_TO:
        return col != value
    if op is Op.IS_GREATER_THAN:
        return col > value
    if op is Op.IS_GREATER_THAN_OR_EQUAL_TO:
        return col >= value
    if op is Op.IS_LESS_THAN:
        return col < value
    return col <= value
