"""Search through the SDK: every operator, sorts, paging by offset, total, free text."""

from __future__ import annotations

from typing import Any

import pytest
from hubspot.crm.companies import PublicObjectSearchRequest as CompanySearch
from hubspot.crm.contacts import PublicObjectSearchRequest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.sdk


def _seed_companies(server: Server) -> dict[str, str]:
    ids = {}
    with server.http() as http:
        for name, domain, employees, industry in (
                ("Alpha Widgets", "alpha.test", "10", "Retail"),
                ("Beta Gadgets", "beta.test", "250", "Software"),
                ("Gamma", "gamma.test", "1200", None),
                ("Delta Widgets Co", "delta.test", None, "software")):
            props = {"name": name, "domain": domain}
            if employees:
                props["numberofemployees"] = employees
            if industry:
                props["industry"] = industry
            ids[name] = http.post("/crm/v3/objects/companies",
                                  json={"properties": props}).json()["id"]
    return ids


def _names(server: Server, filters: list[dict[str, Any]], **kw: Any) -> list[str]:
    res = server.sdk().crm.companies.search_api.do_search(CompanySearch(
        filter_groups=[{"filters": filters}] if filters else [], properties=["name"],
        sorts=kw.pop("sorts", ["name"]), limit=kw.pop("limit", 100), **kw))
    return [r.properties["name"] for r in res.results]


@pytest.mark.parametrize(("flt", "expected"), [
    ({"operator": "EQ", "value": "250"}, ["Beta Gadgets"]),
    ({"operator": "NEQ", "value": "250"}, ["Alpha Widgets", "Delta Widgets Co", "Gamma"]),
    ({"operator": "LT", "value": "250"}, ["Alpha Widgets"]),
    ({"operator": "LTE", "value": "250"}, ["Alpha Widgets", "Beta Gadgets"]),
    # numbers compare as numbers, not text ("1200" > "250")
    ({"operator": "GT", "value": "250"}, ["Gamma"]),
    ({"operator": "GTE", "value": "250"}, ["Beta Gadgets", "Gamma"]),
    ({"operator": "BETWEEN", "value": "11", "highValue": "1200"}, ["Beta Gadgets", "Gamma"]),
    ({"operator": "IN", "values": ["10", "1200"]}, ["Alpha Widgets", "Gamma"]),
    ({"operator": "NOT_IN", "values": ["10", "1200"]}, ["Beta Gadgets", "Delta Widgets Co"]),
    ({"operator": "HAS_PROPERTY"}, ["Alpha Widgets", "Beta Gadgets", "Gamma"]),
    ({"operator": "NOT_HAS_PROPERTY"}, ["Delta Widgets Co"]),
])
def test_number_operators(server: Server, flt: dict[str, Any], expected: list[str]) -> None:
    _seed_companies(server)
    assert _names(server, [{"propertyName": "numberofemployees", **flt}]) == expected


@pytest.mark.parametrize(("flt", "expected"), [
    ({"propertyName": "name", "operator": "CONTAINS_TOKEN", "value": "widgets"},
     ["Alpha Widgets", "Delta Widgets Co"]),
    ({"propertyName": "name", "operator": "CONTAINS_TOKEN", "value": "gad*"},
     ["Beta Gadgets"]),
    ({"propertyName": "name", "operator": "CONTAINS_TOKEN", "value": "*ets"},
     ["Alpha Widgets", "Beta Gadgets", "Delta Widgets Co"]),
    ({"propertyName": "name", "operator": "CONTAINS_TOKEN", "value": "widget"}, []),
    ({"propertyName": "name", "operator": "NOT_CONTAINS_TOKEN", "value": "widgets"},
     ["Beta Gadgets", "Gamma"]),
    ({"propertyName": "name", "operator": "EQ", "value": "gamma"}, ["Gamma"]),
    ({"propertyName": "industry", "operator": "EQ", "value": "SOFTWARE"},
     ["Beta Gadgets", "Delta Widgets Co"]),
    ({"propertyName": "domain", "operator": "EQ", "value": "https://www.beta.test"},
     ["Beta Gadgets"]),
    ({"propertyName": "domain", "operator": "IN", "values": ["alpha.test", "gamma.test"]},
     ["Alpha Widgets", "Gamma"]),
])
def test_text_operators(server: Server, flt: dict[str, Any], expected: list[str]) -> None:
    _seed_companies(server)
    assert _names(server, [flt]) == expected


def test_groups_are_ored_and_filters_anded(server: Server) -> None:
    _seed_companies(server)
    res = server.sdk().crm.companies.search_api.do_search(CompanySearch(filter_groups=[
        {"filters": [{"propertyName": "industry", "operator": "EQ", "value": "software"},
                     {"propertyName": "numberofemployees", "operator": "GT", "value": "100"}]},
        {"filters": [{"propertyName": "name", "operator": "EQ", "value": "Gamma"}]},
    ], properties=["name"], sorts=["name"]))
    assert [r.properties["name"] for r in res.results] == ["Beta Gadgets", "Gamma"]


def test_sorts_as_strings_and_objects_and_offset_paging_with_total(server: Server) -> None:
    _seed_companies(server)
    assert _names(server, [], sorts=["-numberofemployees"]) == [
        "Gamma", "Beta Gadgets", "Alpha Widgets", "Delta Widgets Co"]
    assert _names(server, [], sorts=[{"propertyName": "name", "direction": "DESCENDING"}]) == [
        "Gamma", "Delta Widgets Co", "Beta Gadgets", "Alpha Widgets"]
    first = server.sdk().crm.companies.search_api.do_search(CompanySearch(
        sorts=["name"], limit=3, properties=["name"]))
    assert first.total == 4 and len(first.results) == 3
    assert first.paging.next.after == "3"
    second = server.sdk().crm.companies.search_api.do_search(CompanySearch(
        sorts=["name"], limit=3, after=first.paging.next.after, properties=["name"]))
    assert [r.properties["name"] for r in second.results] == ["Gamma"]
    assert second.paging is None


def test_datetime_filters_accept_iso_and_epoch_ms(server: Server) -> None:
    with server.http() as http:
        for name, close in (("early", "2024-01-01T00:00:00.000Z"),
                            ("late", "2024-06-01T00:00:00.000Z")):
            http.post("/crm/v3/objects/deals", json={"properties": {
                "dealname": name, "closedate": close}})
        for value in ("2024-03-01T00:00:00Z", "1709251200000"):
            r = http.post("/crm/v3/objects/deals/search", json={
                "filterGroups": [{"filters": [
                    {"propertyName": "closedate", "operator": "GT", "value": value}]}],
                "properties": ["dealname"]})
            assert [x["properties"]["dealname"] for x in r.json()["results"]] == ["late"]
        r = http.post("/crm/v3/objects/deals/search", json={"filterGroups": [{"filters": [
            {"propertyName": "hs_is_closed_won", "operator": "EQ", "value": "false"}]}]})
        assert r.json()["total"] == 2


def test_query_searches_main_text_properties_and_sees_writes_at_once(server: Server) -> None:
    with server.http() as http:
        http.post("/crm/v3/objects/contacts", json={"properties": {
            "firstname": "Grace", "lastname": "Hopper", "email": "grace@navy.test"}})
        http.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "Alan"}})
    res = server.sdk().crm.contacts.search_api.do_search(PublicObjectSearchRequest(
        query="hop", properties=["firstname"]))
    assert [r.properties["firstname"] for r in res.results] == ["Grace"]
    res = server.sdk().crm.contacts.search_api.do_search(PublicObjectSearchRequest(
        filter_groups=[{"filters": [{"propertyName": "email", "operator": "EQ",
                                     "value": "GRACE@navy.test"}]}]))
    assert res.total == 1 and res.results[0].properties["email"] == "grace@navy.test"


def test_search_limits_and_bad_input_are_400(server: Server) -> None:
    flt = {"propertyName": "firstname", "operator": "EQ", "value": "x"}
    with server.http() as http:
        for body in (
            {"filterGroups": [{"filters": [flt]}] * 6},
            {"filterGroups": [{"filters": [flt] * 7}]},
            {"filterGroups": [{"filters": [flt] * 6}] * 4},
            {"limit": 201},
            {"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "LIKE",
                                            "value": "x"}]}]},
            {"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ",
                                            "value": "x"}]}]},
            {"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "IN"}]}]},
            {"filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "GT",
                                            "value": "yesterday"}]}]},
        ):
            r = http.post("/crm/v3/objects/contacts/search", json=body)
            assert r.status_code == 400, (body, r.text)
            assert r.json()["category"] == "VALIDATION_ERROR"
