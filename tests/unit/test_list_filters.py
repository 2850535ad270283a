"""Parsing and validating a list's filterBranch (automation spec rule 56): what is
accepted, its canonical form, and what is a 400 naming the unsupported part."""

from __future__ import annotations

from typing import Any

import pytest

from stagecoach.domain.catalog import Catalog
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.lists.model import InListFilter, PropertyFilter
from stagecoach.domain.lists.parse import parse_branch
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.settings import AutomationSettings
from stagecoach.domain.stages import StageSet

C = ObjectType.CONTACT
CATALOG = Catalog(1, StageSet.default(), AutomationSettings(), ())


def _branch(*filters: dict[str, Any]) -> dict[str, Any]:
    return {"filterBranchType": "OR", "filterBranchOperator": "OR", "filters": [],
            "filterBranches": [{"filterBranchType": "AND", "filterBranchOperator": "AND",
                                "filters": list(filters), "filterBranches": []}]}


def _prop(name: str, **operation: Any) -> dict[str, Any]:
    return {"filterType": "PROPERTY", "property": name, "operation": operation}


def _parse(*filters: dict[str, Any], ot: ObjectType = C) -> Any:
    return parse_branch(_branch(*filters), ot, CATALOG.require_definition)


ACCEPTED = [
    ("enumeration", _prop("lifecyclestage", operationType="ENUMERATION", operator="IS_ANY_OF",
                          values=["lead", "customer"])),
    ("none of", _prop("lifecyclestage", operationType="ENUMERATION", operator="IS_NONE_OF",
                      values=["lead"])),
    ("ever been", _prop("lifecyclestage", operationType="ENUMERATION",
                        operator="HAS_EVER_BEEN_ANY_OF", values=["opportunity"])),
    ("never been", _prop("lifecyclestage", operationType="ENUMERATION",
                         operator="HAS_NEVER_BEEN_ANY_OF", values=["opportunity"])),
    *[(f"string {op}", _prop("firstname", operationType="STRING", operator=op, value="Ada"))
      for op in ("IS_EQUAL_TO", "IS_NOT_EQUAL_TO", "CONTAINS", "DOES_NOT_CONTAIN",
                 "STARTS_WITH", "ENDS_WITH")],
    ("multistring", _prop("firstname", operationType="MULTISTRING", operator="CONTAINS",
                          values=["a", "b"])),
    *[(f"number {op}", _prop("num_associated_deals", operationType="NUMBER", operator=op,
                             value=3))
      for op in ("IS_EQUAL_TO", "IS_NOT_EQUAL_TO", "IS_GREATER_THAN",
                 "IS_GREATER_THAN_OR_EQUAL_TO", "IS_LESS_THAN", "IS_LESS_THAN_OR_EQUAL_TO")],
    ("number as string", _prop("num_associated_deals", operationType="NUMBER",
                               operator="IS_EQUAL_TO", value="2.5")),
    ("ranged numbers", _prop("num_associated_deals", operationType="NUMBER_RANGED",
                             operator="IS_BETWEEN", lowerBound=1, upperBound=5)),
    ("ranged strings", _prop("num_associated_deals", operationType="NUMBER_RANGED",
                             operator="IS_NOT_BETWEEN", lowerBound="1", upperBound="5.5")),
    ("time point date", _prop("createdate", operationType="TIME_POINT", operator="IS_AFTER",
                              timePoint={"timeType": "DATE", "zoneId": "US/Eastern",
                                         "year": 2024, "month": 2, "day": 29})),
    ("time point indexed", _prop("createdate", operationType="TIME_POINT",
                                 operator="IS_BEFORE", type="TIME_POINT",
                                 timePoint={"timeType": "INDEXED", "zoneId": "UTC",
                                            "indexReference": {"referenceType": "TODAY"},
                                            "offset": {"days": -30}})),
    ("known", _prop("email", operationType="ALL_PROPERTY", operator="IS_KNOWN")),
    ("unknown", _prop("email", operationType="ALL_PROPERTY", operator="IS_UNKNOWN")),
    ("in list", {"filterType": "IN_LIST", "listId": "12", "operator": "IN_LIST"}),
    ("not in list", {"filterType": "IN_LIST", "listId": 12, "operator": "NOT_IN_LIST"}),
]


@pytest.mark.parametrize("raw", [r for _, r in ACCEPTED], ids=[n for n, _ in ACCEPTED])
def test_every_supported_filter_parses_and_its_canonical_form_parses_to_itself(
        raw: dict[str, Any]) -> None:
    parsed = _parse(raw)
    again = parse_branch(parsed.to_wire(), C, CATALOG.require_definition)
    assert again == parsed
    out = parsed.to_wire()["filterBranches"][0]["filters"][0]
    if out["filterType"] == "PROPERTY":
        assert out["operation"]["includeObjectsWithNoValueSet"] is False


def test_the_sdk_round_trip_with_type_and_stringified_values_is_accepted() -> None:
    # What hubspot-api-client sends back after reading a list: `type` added to every
    # operation, booleans and numbers turned into strings by its models.
    parsed = _parse(
        _prop("hs_is_closed_won", operationType="BOOL", operator="IS_EQUAL_TO",
              value="True", type="TIME_RANGED", includeObjectsWithNoValueSet="False"),
        ot=ObjectType.DEAL)
    f = parsed.branches[0].filters[0]
    assert isinstance(f, PropertyFilter) and f.values == ("true",)
    assert f.to_wire()["operation"]["value"] is True


def test_in_list_filters_name_their_lists() -> None:
    parsed = _parse({"filterType": "IN_LIST", "listId": "7", "operator": "NOT_IN_LIST"})
    assert parsed.branches[0].filters == (InListFilter(7, True),)
    assert parsed.list_ids == {7}


REFUSED = [
    ("unknown filter type", {"filterType": "ASSOCIATION", "objectTypeId": "0-2",
                             "operator": "IN_LIST"}, "ASSOCIATION"),
    ("unknown operation type", _prop("firstname", operationType="TIME_RANGED",
                                     operator="IS_BETWEEN"), "TIME_RANGED"),
    ("unknown operator", _prop("firstname", operationType="STRING", operator="IS_LIKE",
                               value="x"), "IS_LIKE"),
    ("operator of another type", _prop("lifecyclestage", operationType="ENUMERATION",
                                       operator="CONTAINS", values=["x"]), "CONTAINS"),
    ("unknown property", _prop("no_such_thing", operationType="STRING",
                               operator="IS_EQUAL_TO", value="x"), "no_such_thing"),
    ("wrong property type", _prop("firstname", operationType="NUMBER",
                                  operator="IS_EQUAL_TO", value=1), "NUMBER"),
    ("unknown stage", _prop("lifecyclestage", operationType="ENUMERATION",
                            operator="IS_ANY_OF", values=["pirate"]), "pirate"),
    ("no values", _prop("lifecyclestage", operationType="ENUMERATION", operator="IS_ANY_OF",
                        values=[]), "values"),
    ("number not a number", _prop("num_associated_deals", operationType="NUMBER",
                                  operator="IS_EQUAL_TO", value="many"), "number"),
    ("unknown time reference", _prop("createdate", operationType="TIME_POINT",
                                     operator="IS_AFTER", timePoint={
                                         "timeType": "INDEXED",
                                         "indexReference": {"referenceType": "FISCAL"}}),
     "FISCAL"),
    ("unknown zone", _prop("createdate", operationType="TIME_POINT", operator="IS_AFTER",
                           timePoint={"timeType": "DATE", "zoneId": "Mars/Olympus",
                                      "year": 2024, "month": 1, "day": 1}), "Mars"),
    ("no such date", _prop("createdate", operationType="TIME_POINT", operator="IS_AFTER",
                           timePoint={"timeType": "DATE", "year": 2023, "month": 2,
                                      "day": 29}), "not a date"),
    ("bad list id", {"filterType": "IN_LIST", "listId": "x1", "operator": "IN_LIST"},
     "listId"),
    ("bad in list operator", {"filterType": "IN_LIST", "listId": "1", "operator": "IS"},
     "IS"),
]


@pytest.mark.parametrize(("raw", "named"), [(r, n) for _, r, n in REFUSED],
                         ids=[n for n, _, _ in REFUSED])
def test_an_unsupported_or_invalid_filter_is_a_validation_error_naming_it(
        raw: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError) as err:
        _parse(raw)
    assert named in err.value.message


@pytest.mark.parametrize("root", [
    {"filterBranchType": "AND", "filterBranches": []},
    {"filterBranchType": "OR", "filters": [_prop("email", operationType="ALL_PROPERTY",
                                                 operator="IS_KNOWN")]},
    {"filterBranchType": "OR", "filterBranches": [{"filterBranchType": "NOT_ALL",
                                                   "filters": []}]},
    {"filterBranchType": "OR", "filterBranches": [{"filterBranchType": "AND", "filters": [],
                                                   "filterBranches": [{}]}]},
    "OR",
])
def test_branch_shapes_other_than_or_of_ands_are_refused(root: Any) -> None:
    with pytest.raises(ValidationError):
        parse_branch(root, C, CATALOG.require_definition)
