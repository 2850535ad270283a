"""filterGroups (domain/filters.py) compiled to SQL over `records`, the same on SQLite and
PostgreSQL. One compiler serves the search endpoint and report segments.

Each filter becomes a predicate on the property's home: a hot column (email, domain,
lifecyclestage, pipeline, dealstage), a metadata column (createdate, last modified,
hs_object_id) or the JSON `props`. Numbers, dates and datetimes compare as numbers (stored
as JSON numbers, dates as epoch ms; a filter value may be ISO or epoch ms). Meanings chosen
where HubSpot's documentation is loose: strings compare case-insensitively, enumerations
exactly; the negative operators (NEQ, NOT_IN, NOT_CONTAINS_TOKEN) also match records with
no value; CONTAINS_TOKEN matches whole words (the text is cut at spaces and punctuation),
`*` being a wildcard.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, Text, and_, case, cast, func, literal, not_, or_, true, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain import normalize
from stagecoach.domain.catalog import Catalog
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.filters import Filter, FilterGroup, Operator
from stagecoach.domain.lists.model import MEMBERSHIP
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import COLUMN_PROPERTIES, PropertyDef
from stagecoach.domain.values import PropertyType, iso_to_ms, parse_number, to_stored
from stagecoach.store.core.jsonsql import JsonSql
from stagecoach.store.lists.search_filter import membership_predicate
from stagecoach.store.schema import records

R = records.c
_META = {"createdate": R.created_at, "lastmodifieddate": R.updated_at,
         "hs_lastmodifieddate": R.updated_at, "hs_object_id": R.id}
_NUMERIC = (PropertyType.NUMBER, PropertyType.DATE, PropertyType.DATETIME)
_DEAL_VIRTUAL = ("hs_is_closed_won", "hs_is_closed", "hs_deal_stage_probability")
# Characters that separate tokens; the text and the searched value are cut the same way.
DELIMITERS = " .@,-_/:;!?()\"'+&\t\n"


def _numeric(p: PropertyDef) -> bool:
    return p.type in _NUMERIC


def _folds_case(p: PropertyDef) -> bool:
    # Emails and domains are stored lowercase already (and indexed as such).
    return p.type is PropertyType.STRING and p.name not in ("email", "domain")


def token_pattern(value: str, *, prefix: bool) -> str:
    """A LIKE pattern matching `value` as whole words of the token text; `*` is a wildcard
    and `prefix` makes the last word match any word starting with it."""
    v = value.lower().replace("\\", "\\\\").replace("%", "\\%")
    for ch in DELIMITERS:
        v = v.replace(ch, " ")
    v = " ".join(v.split()).replace("*", "%")
    return "% " + v + ("%" if prefix else "") + " %"


class Compiler:
    """Compiles filters of one object type. With the account's catalog, the deal
    properties computed from the deal stage are searchable too."""

    def __init__(self, pg: bool, catalog: Catalog | None = None):
        self.pg = pg
        self.json = JsonSql.for_dialect(pg)
        self.catalog = catalog

    def value_expr(self, p: PropertyDef) -> ColumnElement[Any]:
        """The stored value of a property of a `records` row, typed for comparison."""
        if p.name in _META:
            return _META[p.name]
        if p.name in COLUMN_PROPERTIES:
            return R[p.name]
        virtual = self._deal_virtual(p)
        if virtual is not None:
            return virtual
        if _numeric(p):
            # Float keeps fractions (amounts) and is exact for epoch ms (below 2**53).
            return (cast(self.json.text(R.props, p.name), Float) if self.pg
                    else self.json.num(R.props, p.name))
        return self.json.text(R.props, p.name)

    def _deal_virtual(self, p: PropertyDef) -> ColumnElement[Any] | None:
        if (self.catalog is None or p.object_type is not ObjectType.DEAL
                or p.name not in _DEAL_VIRTUAL):
            return None
        stages = [s for pl in self.catalog.pipelines for s in pl.stages]
        if not stages:
            return literal(None)
        if p.name == "hs_deal_stage_probability":
            return case(*[(R.dealstage == s.id, literal(s.probability)) for s in stages],
                        else_=None)
        won = p.name == "hs_is_closed_won"
        return case(*[(R.dealstage == s.id,
                       literal("true" if (s.is_won if won else s.is_closed) else "false"))
                      for s in stages], else_=None)

    def comparable(self, p: PropertyDef) -> ColumnElement[Any]:
        """The value as compared and sorted: strings folded, one collation everywhere."""
        e = self.value_expr(p)
        if _numeric(p):
            return e
        e = func.lower(e) if _folds_case(p) else e
        # JSON-typed text (an enumeration) has no `collate` operator in SQLAlchemy's eyes;
        # coercing to Text changes nothing in the SQL.
        return type_coerce(e, Text).collate("C") if self.pg else e

    def value(self, p: PropertyDef, raw: str) -> Any:
        """A filter value in the form the property is stored and compared in."""
        try:
            if p.type is PropertyType.NUMBER:
                return parse_number(raw)
            if p.type is PropertyType.DATETIME:
                return iso_to_ms(raw)
            if p.type is PropertyType.DATE:
                return to_stored(p.name, p.type, raw)
        except (ValueError, OverflowError, OSError, ValidationError):
            raise ValidationError(
                f"{raw[:80]!r} is not a valid {p.type.value} value for {p.name}",
                code="INVALID_FILTER_VALUE", propertyName=p.name) from None
        if p.name == "email":
            return raw.strip().lower()
        if p.name == "domain":
            try:
                return normalize.domain(raw)
            except ValidationError:
                return raw.strip().lower()
        if _folds_case(p) or p.type is PropertyType.BOOL:
            return raw.lower()
        return raw

    def tokens(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        e: ColumnElement[Any] = func.lower(cast(expr, Text))
        for ch in DELIMITERS:
            if ch != " ":
                e = func.replace(e, ch, " ")
        return literal(" ").op("||")(e).op("||")(literal(" "))

    def predicate(self, f: Filter) -> ColumnElement[bool]:
        p, op = f.prop, f.operator
        if p.name == MEMBERSHIP:
            return membership_predicate(f)
        raw = self.value_expr(p)
        col = self.comparable(p)
        if op is Operator.HAS_PROPERTY:
            return raw.is_not(None)
        if op is Operator.NOT_HAS_PROPERTY:
            return raw.is_(None)
        if op in (Operator.CONTAINS_TOKEN, Operator.NOT_CONTAINS_TOKEN):
            match = self.tokens(raw).like(token_pattern(f.value or "", prefix=False),
                                          escape="\\")
            return match if op is Operator.CONTAINS_TOKEN else or_(raw.is_(None), not_(match))
        if op in (Operator.IN, Operator.NOT_IN):
            inside = col.in_([self.value(p, v) for v in f.values])
            return inside if op is Operator.IN else or_(raw.is_(None), not_(inside))
        v = self.value(p, f.value or "")
        if op is Operator.BETWEEN:
            return and_(col >= v, col <= self.value(p, f.high_value or ""))
        if op is Operator.NEQ:
            return or_(raw.is_(None), col != v)
        compare: dict[Operator, ColumnElement[bool]] = {
            Operator.EQ: col == v, Operator.LT: col < v, Operator.LTE: col <= v,
            Operator.GT: col > v, Operator.GTE: col >= v}
        return compare[op]

    def groups(self, groups: Sequence[FilterGroup]) -> ColumnElement[bool]:
        if not groups:
            return true()
        return or_(*(and_(*(self.predicate(f) for f in g.filters)) for g in groups))


def property_value(prop: PropertyDef, pg: bool) -> ColumnElement[Any]:
    """The stored value of a property of a `records` row, typed for comparison."""
    return Compiler(pg).value_expr(prop)


def compile_groups(groups: Sequence[FilterGroup], pg: bool,
                   catalog: Catalog | None = None) -> ColumnElement[bool]:
    return Compiler(pg, catalog).groups(groups)
