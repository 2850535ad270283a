"""The web app's index-page queries: stage chip counts, text search, sort and paging.

A page costs two statements whatever the table size: one GROUP BY for the chip counts
(which also gives the total, so no separate COUNT), and one page of rows. Sorting on
created/modified dates, email and domain walks the indexes of store/schema.py; the stage
sorts by the account's stage order, not alphabetically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, String, case, func, literal, or_, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.stages import StageSet
from stagecoach.domain.values import is_decimal
from stagecoach.store.core.jsonsql import JsonSql
from stagecoach.store.records.records import RecordRow, account_scope, row_to_record
from stagecoach.store.schema import records

R = records.c
NO_STAGE = ""  # the chip and filter value of records without a lifecycle stage
MAX_PER_PAGE = 200
SEARCH_SCAN_CAP = 5000

# Properties searched by the text box, per object type (hot columns are lowercase already).
SEARCHED: dict[ObjectType, tuple[str, ...]] = {
    ObjectType.CONTACT: ("email", "firstname", "lastname"),
    ObjectType.COMPANY: ("name", "domain"),
    ObjectType.DEAL: ("dealname",),
}
_META_COLUMNS = {"createdate": R.created_at, "lastmodifieddate": R.updated_at,
                 "hs_lastmodifieddate": R.updated_at, "hs_object_id": R.id}
_HOT = {"email": R.email, "domain": R.domain, "pipeline": R.pipeline,
        "dealstage": R.dealstage}


@dataclass(frozen=True)
class ListQuery:
    object_type: ObjectType
    stages: tuple[str, ...] = ()  # empty: every stage; NO_STAGE selects records without one
    text: str = ""
    lead_status: str | None = None
    sort: str = "-createdate"  # a property name, "-" first for descending
    numeric_sort: bool = False  # the sort property holds numbers (custom number properties)
    page: int = 1
    per_page: int = 25


@dataclass
class ListPage:
    rows: list[RecordRow]
    total: int  # records matching every filter
    stage_counts: dict[str, int] = field(default_factory=dict)  # the stage filter left out

    @property
    def unfiltered_total(self) -> int:
        return sum(self.stage_counts.values())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _value(js: JsonSql, name: str) -> ColumnElement[Any]:
    if name in _META_COLUMNS:
        return _META_COLUMNS[name]
    if name in _HOT:
        return _HOT[name]
    if name == "lifecyclestage":
        return R.lifecyclestage
    return _text(js, name)


def _text(js: JsonSql, name: str) -> ColumnElement[Any]:
    return type_coerce(js.text(R.props, name), String)


def _base_filters(js: JsonSql, account_id: int, q: ListQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [account_scope(account_id, q.object_type),
                                        R.archived.is_(False)]
    text = q.text.strip()
    if text:
        pattern = f"%{_escape_like(text.lower())}%"
        # SQLite's LIKE already ignores ASCII case; lower() on both sides would double the
        # cost of the scan. PostgreSQL needs ILIKE.
        terms: dict[str, ColumnElement[bool]] = {
            name: (_value(js, name).ilike(pattern, escape="\\") if js.pg
                   else _value(js, name).like(pattern, escape="\\"))
            for name in SEARCHED[q.object_type]
        }
        if is_decimal(text) and len(text) < 19:
            terms["hs_object_id"] = R.id == int(text)
        prefilter = _raw_json_prefilter(js, pattern, text)
        if prefilter is not None:
            in_columns = [t for name, t in terms.items() if name in _HOT or name in _META_COLUMNS]
            where.append(or_(*in_columns, prefilter))
        where.append(or_(*terms.values()))
    if q.lead_status:
        prefilter = _raw_json_prefilter(js, f"%{_escape_like(q.lead_status)}%", q.lead_status)
        if prefilter is not None:
            where.append(prefilter)
        where.append(_text(js, "hs_lead_status") == q.lead_status)
    return where


def _raw_json_prefilter(js: JsonSql, pattern: str, text: str) -> ColumnElement[bool] | None:
    """On SQLite, a cheap necessary condition tested before the JSON extraction: a value
    that contains printable ASCII `text` leaves that text verbatim in the stored JSON
    (only quotes, backslashes and control characters are escaped). It cuts a search over
    300,000 contacts by about half."""
    if js.pg or not text.isascii() or not text.isprintable() or '"' in text or "\\" in text:
        return None
    return type_coerce(R.props, String).like(pattern, escape="\\")


def _stage_filter(stages: Sequence[str]) -> ColumnElement[bool]:
    named = [s for s in stages if s != NO_STAGE]
    terms: list[ColumnElement[bool]] = []
    if named:
        terms.append(R.lifecyclestage.in_(named))
    if NO_STAGE in stages:
        terms.append(R.lifecyclestage.is_(None))
    return or_(*terms)


def _order(js: JsonSql, q: ListQuery, stage_set: StageSet) -> list[ColumnElement[Any]]:
    desc = q.sort.startswith("-")
    name = q.sort.lstrip("-")
    key: ColumnElement[Any]
    if name == "lifecyclestage":
        key = case({v: i for i, v in enumerate(stage_set.values)},
                   value=R.lifecyclestage, else_=literal(-1))
    elif name == "name" and q.object_type is ObjectType.CONTACT:
        key = func.lower(func.coalesce(_text(js, "firstname"), "")
                         + " " + func.coalesce(_text(js, "lastname"), ""))
    elif q.numeric_sort and name not in _META_COLUMNS:
        key = js.num(R.props, name)
    elif name in _META_COLUMNS or name in _HOT:
        key = _value(js, name)
    else:
        key = func.lower(_value(js, name))
    if name in _META_COLUMNS:
        # Never null: a plain ORDER BY lets PostgreSQL walk ix_records_list_created.
        return [key.desc(), R.id.desc()] if desc else [key.asc(), R.id.asc()]
    if desc:
        return [key.desc().nulls_last(), R.id.desc()]
    return [key.asc().nulls_last(), R.id.asc()]


def stage_counts(conn: Connection, account_id: int, q: ListQuery) -> dict[str, int]:
    """Records per stage (NO_STAGE for none) under every filter but the stage one."""
    js = JsonSql(conn)
    rows = conn.execute(
        select(R.lifecyclestage, func.count())
        .where(*_base_filters(js, account_id, q))
        .group_by(R.lifecyclestage)
    )
    return {(r[0] if r[0] is not None else NO_STAGE): int(r[1]) for r in rows}


def _search_matches(conn: Connection, js: JsonSql, account_id: int, q: ListQuery
                    ) -> list[tuple[int, str]] | None:
    """(id, stage) of every record the text search matches, or None when more than
    SEARCH_SCAN_CAP do. A substring search cannot use an index, so the table is scanned
    once here and the page is then read by primary key, instead of scanning twice."""
    rows = conn.execute(select(R.id, R.lifecyclestage)
                        .where(*_base_filters(js, account_id, q))
                        .limit(SEARCH_SCAN_CAP + 1)).all()
    if len(rows) > SEARCH_SCAN_CAP:
        return None
    return [(r[0], r[1] if r[1] is not None else NO_STAGE) for r in rows]


def list_page(conn: Connection, account_id: int, q: ListQuery, stage_set: StageSet) -> ListPage:
    js = JsonSql(conn)
    per_page = max(1, min(q.per_page, MAX_PER_PAGE))
    page = max(1, q.page)
    matches = _search_matches(conn, js, account_id, q) if q.text.strip() else None
    if matches is not None:
        counts: dict[str, int] = {}
        for _, stage in matches:
            counts[stage] = counts.get(stage, 0) + 1
        ids = [rid for rid, stage in matches if not q.stages or stage in q.stages]
        stmt = select(records).where(account_scope(account_id, q.object_type),
                                     R.id.in_(ids))
        total = len(ids)
    else:
        counts = stage_counts(conn, account_id, q)
        total = (sum(n for s, n in counts.items() if s in q.stages) if q.stages
                 else sum(counts.values()))
        stmt = select(records).where(*_base_filters(js, account_id, q))
        if q.stages:
            stmt = stmt.where(_stage_filter(q.stages))
    stmt = stmt.order_by(*_order(js, q, stage_set)).limit(per_page).offset((page - 1) * per_page)
    return ListPage([row_to_record(r) for r in conn.execute(stmt)], total, counts)
