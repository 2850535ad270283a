"""Search compiled to SQL (store/records/search.py): the same answers on SQLite and PostgreSQL,
type-aware over hot columns, metadata columns and the JSON document."""

from __future__ import annotations

from typing import Any

import pytest

from stagecoach.domain import search as rules
from stagecoach.domain.errors import ValidationError
from stagecoach.store.catalog import property_defs
from stagecoach.store.records import search as store
from tests.helpers import CO, T0, Acct, C, D


def _custom(acct: Acct, ot: Any, name: str, ptype: str) -> None:
    with acct.unit() as ctx:
        property_defs.insert(ctx.conn, acct.id, ot, dict(
            name=name, label=name, type=ptype, field_type="text", group_name="custom",
            description="", options=[], builtin=False, created_at=T0, updated_at=T0))


def _ids(acct: Acct, ot: Any, body: dict[str, Any]) -> list[int]:
    with acct.ctx_readonly() as ctx:
        req = rules.parse(body, ot, ctx.catalog.require_definition)
        rows, total = store.search(ctx.conn, ctx.catalog, ot, req)
    assert total >= len(rows)
    return [r.id for r in rows]


def _where(name: str, op: str, **kw: Any) -> dict[str, Any]:
    return {"filterGroups": [{"filters": [{"propertyName": name, "operator": op, **kw}]}],
            "limit": 200}


def test_custom_number_and_datetime_properties_compare_as_numbers(acct: Acct) -> None:
    _custom(acct, C, "score", "number")
    _custom(acct, C, "last_seen", "datetime")
    a = acct.create(C, {"score": "9.5", "last_seen": "2024-01-02T00:00:00Z"})
    b = acct.create(C, {"score": "10", "last_seen": "1704067200000"})  # 2024-01-01
    c = acct.create(C, {"score": "100"})
    assert _ids(acct, C, _where("score", "GT", value="9.75")) == [b, c]
    assert _ids(acct, C, _where("score", "LT", value="10")) == [a]
    assert _ids(acct, C, _where("score", "BETWEEN", value="9.5", highValue="10")) == [a, b]
    assert _ids(acct, C, _where("last_seen", "GTE", value="2024-01-01T12:00:00.000Z")) == [a]
    assert _ids(acct, C, _where("last_seen", "LT", value="1704100000000")) == [b]
    assert _ids(acct, C, _where("last_seen", "NOT_HAS_PROPERTY")) == [c]
    assert _ids(acct, C, {"sorts": ["-score"]}) == [c, b, a]


def test_deal_amount_with_fractions_and_virtual_won_flag(acct: Acct) -> None:
    small = acct.create(D, {"dealname": "s", "amount": "99.5"})
    big = acct.create(D, {"dealname": "b", "amount": "100", "dealstage": "closedwon"})
    assert _ids(acct, D, _where("amount", "LT", value="100")) == [small]
    assert _ids(acct, D, _where("amount", "GTE", value="99.75")) == [big]
    assert _ids(acct, D, _where("hs_is_closed_won", "EQ", value="true")) == [big]
    assert _ids(acct, D, _where("hs_deal_stage_probability", "GT", value="0.5")) == [big]
    assert _ids(acct, D, _where("dealstage", "IN", values=["closedwon", "closedlost"])) == [big]


def test_metadata_columns_createdate_and_object_id(acct: Acct) -> None:
    first = acct.create(C, {})
    t_second = acct.now + 60_000
    second = acct.create(C, {})
    assert _ids(acct, C, _where("createdate", "GTE", value=str(t_second))) == [second]
    assert _ids(acct, C, _where("hs_object_id", "IN", values=[str(first)])) == [first]
    assert _ids(acct, C, {"sorts": [{"propertyName": "createdate",
                                     "direction": "DESCENDING"}]}) == [second, first]


def test_tokens_split_on_punctuation_and_wildcards(acct: Acct) -> None:
    x = acct.create(C, {"email": "Jane.Doe@Big-Corp.test", "firstname": "Jane"})
    y = acct.create(C, {"email": "john@corp.test", "firstname": "John"})
    assert _ids(acct, C, _where("email", "CONTAINS_TOKEN", value="big-corp.test")) == [x]
    assert _ids(acct, C, _where("email", "CONTAINS_TOKEN", value="corp")) == [x, y]
    assert _ids(acct, C, _where("email", "CONTAINS_TOKEN", value="jo*")) == [y]
    assert _ids(acct, C, _where("firstname", "CONTAINS_TOKEN", value="JANE")) == [x]
    assert _ids(acct, C, _where("firstname", "NOT_CONTAINS_TOKEN", value="jane")) == [y]
    assert _ids(acct, C, _where("firstname", "CONTAINS_TOKEN", value="100%")) == []
    assert _ids(acct, C, {"query": "jan do"}) == [x]


def test_enumerations_match_exactly_and_strings_ignore_case(acct: Acct) -> None:
    lead = acct.create(C, {"lifecyclestage": "lead", "city": "Oslo"})
    bergen = acct.create(C, {"lifecyclestage": "customer", "city": "Bergen"})
    zed = acct.create(C, {"city": "Zed"})
    assert _ids(acct, C, _where("lifecyclestage", "EQ", value="lead")) == [lead]
    assert _ids(acct, C, _where("lifecyclestage", "EQ", value="LEAD")) == []
    assert _ids(acct, C, _where("city", "EQ", value="OSLO")) == [lead]
    assert _ids(acct, C, _where("city", "LT", value="C")) == [bergen]
    assert _ids(acct, C, {"sorts": ["-city"]}) == [zed, lead, bergen]


def test_archived_records_and_other_accounts_never_match(acct: Acct) -> None:
    from stagecoach.services.records import records

    gone = acct.create(CO, {"name": "Gone"})
    kept = acct.create(CO, {"name": "Kept"})
    acct.in_unit(lambda ctx: records.archive(ctx, CO, [gone]))
    other = Acct.new(acct.sc)
    other.create(CO, {"name": "Kept"})
    assert _ids(acct, CO, _where("name", "HAS_PROPERTY")) == [kept]


def test_unknown_property_and_bad_value_are_validation_errors(acct: Acct) -> None:
    with pytest.raises(ValidationError):
        _ids(acct, C, _where("nope", "EQ", value="x"))
    with pytest.raises(ValidationError):
        _ids(acct, C, _where("createdate", "GT", value="soon"))
    with pytest.raises(ValidationError):
        _ids(acct, C, {"filterGroups": [{"filters": [
            {"propertyName": "firstname", "operator": "EQ", "value": "1"}] * 6}] * 4})
    with pytest.raises(ValidationError):
        _ids(acct, C, {"sorts": ["nope"]})
