"""Search as SQL over the records table, the same on SQLite and PostgreSQL.

Each filter compiles to a predicate on the property's home: a hot column (email, domain,
lifecyclestage, pipeline, dealstage), a metadata column (createdate, last modified,
hs_object_id) or the JSON `props`. Numbers, dates and datetimes compare as numbers (they
are stored as JSON numbers, dates as epoch ms); strings compare case-insensitively;
enumeration values exactly. `CONTAINS_TOKEN` matches whole words, `*` being a wildcard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    Text,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain import normalize
from stagecoach.domain.catalog import Catalog
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import COLUMN_PROPERTIES, PropertyDef
from stagecoach.domain.search import Filter, SearchRequest, Sort
from stagecoach.domain.values import PropertyType, iso_to_ms, parse_number, to_stored
from stagecoach.store.db import is_postgres
from stagecoach.store.jsonsql import JsonSql
from stagecoach.store.records import RecordRow, account_scope, row_to_record
from stagecoach.store.schema import records

R = records.c
_META = {"createdate": R.created_at, "lastmodifieddate": R.updated_at,
         "hs_lastmodifieddate": R.updated_at, "hs_object_id": R.id}
_NUMERIC = (PropertyType.NUMBER, PropertyType.DATE, PropertyType.DATETIME)
# Characters that separate tokens; the text and the searched value are cut the same way.
_DELIMITERS = " .@,-_/:;!?()\"'+&\t\n"
# The main text properties the free-text `query` looks in, as HubSpot's default search.
QUERY_PROPERTIES = {
    ObjectType.CONTACT: ("firstname", "lastname", "email", "phone", "company"),
    ObjectType.COMPANY: ("name", "domain", "website", "phone"),
    ObjectType.DEAL: ("dealname",),
}


@dataclass(frozen=True)
class _Prop:
    expr: ColumnElement[Any]
    definition: PropertyDef

    @property
    def numeric(self) -> bool:
        return self.definition.type in _NUMERIC

    @property
    def folds_case(self) -> bool:
        # Emails and domains are stored lowercase already (and indexed as such).
        return (self.definition.type is PropertyType.STRING
                and self.definition.name not in ("email", "domain"))


class Compiler:
    def __init__(self, conn: Connection, catalog: Catalog, object_type: ObjectType):
        self.pg = is_postgres(conn)
        self.json = JsonSql(conn)
        self.catalog = catalog
        self.ot = object_type

    # -- where a property lives ---------------------------------------------------------

    def prop(self, name: str) -> _Prop:
        p = self.catalog.require_definition(self.ot, name)
        if name in _META:
            return _Prop(_META[name], p)
        if name in COLUMN_PROPERTIES:
            return _Prop(R[name], p)
        virtual = self._deal_virtual(name)
        if virtual is not None:
            return _Prop(virtual, p)
        if p.type in _NUMERIC:
            return _Prop(self.json.numeric(R.props, name), p)
        return _Prop(self.json.text(R.props, name), p)

    def _deal_virtual(self, name: str) -> ColumnElement[Any] | None:
        """Deal properties computed from the deal stage, searchable like stored ones."""
        if self.ot is not ObjectType.DEAL or name not in (
                "hs_is_closed_won", "hs_is_closed", "hs_deal_stage_probability"):
            return None
        stages = [s for p in self.catalog.pipelines for s in p.stages]
        if not stages:
            return literal(None)
        if name == "hs_deal_stage_probability":
            return case(*[(R.dealstage == s.id, literal(s.probability)) for s in stages],
                        else_=None)
        won = name == "hs_is_closed_won"
        return case(*[(R.dealstage == s.id,
                       literal("true" if (s.is_won if won else s.is_closed) else "false"))
                      for s in stages], else_=None)

    # -- values --------------------------------------------------------------------------

    def value(self, prop: _Prop, raw: str) -> Any:
        p = prop.definition
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
        if prop.folds_case or p.type is PropertyType.BOOL:
            return raw.lower()
        return raw

    def _text(self, prop: _Prop) -> ColumnElement[Any]:
        e = func.lower(prop.expr) if prop.folds_case else prop.expr
        return e.collate("C") if self.pg else e

    # -- predicates ----------------------------------------------------------------------

    def predicate(self, f: Filter) -> ColumnElement[bool]:
        prop = self.prop(f.property)
        col = prop.expr if prop.numeric else self._text(prop)
        op = f.operator
        if op == "HAS_PROPERTY":
            return prop.expr.is_not(None)
        if op == "NOT_HAS_PROPERTY":
            return prop.expr.is_(None)
        if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            match = self.tokens(prop.expr).like(token_pattern(f.value or "", prefix=False),
                                                escape="\\")
            return match if op == "CONTAINS_TOKEN" else or_(prop.expr.is_(None), not_(match))
        if op in ("IN", "NOT_IN"):
            values = [self.value(prop, v) for v in f.values]
            inside = col.in_(values)
            return inside if op == "IN" else or_(prop.expr.is_(None), not_(inside))
        if op == "BETWEEN":
            return and_(col >= self.value(prop, f.value or ""),
                        col <= self.value(prop, f.high or ""))
        v = self.value(prop, f.value or "")
        if op == "NEQ":
            # Decision: a record without a value is "not equal" too.
            return or_(prop.expr.is_(None), col != v)
        compare: dict[str, ColumnElement[bool]] = {
            "EQ": col == v, "LT": col < v, "LTE": col <= v, "GT": col > v, "GTE": col >= v}
        return compare[op]

    def tokens(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        e: ColumnElement[Any] = func.lower(cast(expr, Text))
        for ch in _DELIMITERS:
            if ch != " ":
                e = func.replace(e, ch, " ")
        return literal(" ").op("||")(e).op("||")(literal(" "))

    def where(self, req: SearchRequest) -> ColumnElement[bool]:
        clauses: list[ColumnElement[bool]] = []
        if req.groups:
            clauses.append(or_(*[and_(*[self.predicate(f) for f in g]) for g in req.groups]))
        if req.query:
            names = [n for n in QUERY_PROPERTIES[self.ot]
                     if self.catalog.definition(self.ot, n) is not None]
            for word in req.query.split()[:20]:
                pattern = token_pattern(word, prefix=True)
                clauses.append(or_(*[self.tokens(self.prop(n).expr).like(pattern, escape="\\")
                                     for n in names]) if names else false())
        return and_(true(), *clauses)

    def order(self, sorts: Sequence[Sort]) -> list[ColumnElement[Any]]:
        out: list[ColumnElement[Any]] = []
        for s in sorts:
            prop = self.prop(s.property)
            e = prop.expr if prop.numeric else self._text(prop)
            out.append((e.desc() if s.descending else e.asc()).nulls_last())
        out.append(R.id.asc())
        return out


def token_pattern(value: str, *, prefix: bool) -> str:
    """A LIKE pattern matching `value` as whole words of the token text; `*` is a wildcard
    and `prefix` makes the last word match any word starting with it."""
    v = value.lower().replace("\\", "\\\\").replace("%", "\\%")
    for ch in _DELIMITERS:
        v = v.replace(ch, " ")
    v = " ".join(v.split()).replace("*", "%")
    return "% " + v + ("%" if prefix else "") + " %"


def _base(account_id: int, object_type: ObjectType) -> Select[Any]:
    return select(records).where(account_scope(account_id, object_type),
                                 R.archived.is_(False))


def search(conn: Connection, catalog: Catalog, object_type: ObjectType, req: SearchRequest
           ) -> tuple[list[RecordRow], int]:
    """One page of matches and the total: two statements whatever the filters."""
    c = Compiler(conn, catalog, object_type)
    where = c.where(req)
    order = c.order(req.sorts)
    total = conn.execute(
        select(func.count()).select_from(records)
        .where(account_scope(catalog.account_id, object_type), R.archived.is_(False), where)
    ).scalar_one()
    if req.limit == 0:
        return [], int(total)
    rows = conn.execute(_base(catalog.account_id, object_type).where(where).order_by(*order)
                        .limit(req.limit).offset(req.offset))
    return [row_to_record(r) for r in rows], int(total)


def page_after(conn: Connection, account_id: int, object_type: ObjectType, after: int,
               limit: int, archived: bool) -> tuple[list[RecordRow], bool]:
    """A page of the list endpoint in id order (keyset: `after` is the last id seen)."""
    rows = conn.execute(
        select(records).where(account_scope(account_id, object_type),
                              R.archived.is_(archived), R.id > after)
        .order_by(R.id).limit(limit + 1)
    ).all()
    return [row_to_record(r) for r in rows[:limit]], len(rows) > limit
