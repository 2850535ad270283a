"""Search as SQL over the records table (api spec §4): the filters compiled by
store/records/filters.py, the free-text `query`, sorts, the page and the total."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, and_, false, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain.catalog import Catalog
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.search import SearchRequest, Sort
from stagecoach.store.core.db import is_postgres
from stagecoach.store.records.filters import Compiler, token_pattern
from stagecoach.store.records.records import RecordRow, account_scope, row_to_record
from stagecoach.store.schema import records

R = records.c
# The main text properties the free-text `query` looks in, as HubSpot's default search.
QUERY_PROPERTIES = {
    ObjectType.CONTACT: ("firstname", "lastname", "email", "phone", "company"),
    ObjectType.COMPANY: ("name", "domain", "website", "phone"),
    ObjectType.DEAL: ("dealname",),
}


def _where(c: Compiler, catalog: Catalog, ot: ObjectType, req: SearchRequest
           ) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = [c.groups(req.groups)] if req.groups else []
    if req.query:
        props = [p for n in QUERY_PROPERTIES[ot]
                 if (p := catalog.definition(ot, n)) is not None]
        for word in req.query.split()[:20]:
            pattern = token_pattern(word, prefix=True)
            clauses.append(or_(*[c.tokens(c.value_expr(p)).like(pattern, escape="\\")
                                 for p in props]) if props else false())
    return and_(true(), *clauses)


def _order(c: Compiler, catalog: Catalog, ot: ObjectType, sorts: Sequence[Sort]
           ) -> list[ColumnElement[Any]]:
    out: list[ColumnElement[Any]] = []
    for s in sorts:
        e = c.comparable(catalog.require_definition(ot, s.property))
        out.append((e.desc() if s.descending else e.asc()).nulls_last())
    out.append(R.id.asc())
    return out


def _base(account_id: int, object_type: ObjectType) -> Select[Any]:
    return select(records).where(account_scope(account_id, object_type),
                                 R.archived.is_(False))


def search(conn: Connection, catalog: Catalog, object_type: ObjectType, req: SearchRequest
           ) -> tuple[list[RecordRow], int]:
    """One page of matches and the total: two statements whatever the filters."""
    c = Compiler(is_postgres(conn), catalog)
    where = _where(c, catalog, object_type, req)
    order = _order(c, catalog, object_type, req.sorts)
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
               limit: int, archived: bool, as_of: int | None = None
               ) -> tuple[list[RecordRow], bool]:
    """A page of the list endpoint in id order (keyset: `after` is the last id seen); with
    `as_of`, of the records that existed then, archived or not as they were then."""
    state: ColumnElement[bool]
    if as_of is None:
        state = R.archived.is_(archived)
    else:
        # Never NULL (a NULL would drop the row from both answers).
        archived_then = (R.archived.is_(True) & R.archived_at.is_not(None)
                         & (R.archived_at <= as_of))
        state = (R.created_at <= as_of) & (archived_then if archived else ~archived_then)
    rows = conn.execute(
        select(records).where(account_scope(account_id, object_type), state, R.id > after)
        .order_by(R.id).limit(limit + 1)
    ).all()
    return [row_to_record(r) for r in rows[:limit]], len(rows) > limit
