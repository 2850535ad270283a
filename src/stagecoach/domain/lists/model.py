"""A list's filter branch (automation spec rule 56), parsed: the types the parser produces,
the store compiles to SQL, and the wire renders back in canonical form.

The root ORs its AND branches; an AND branch ANDs its filters. A filter is a property
operation or membership of another list. Every operation keeps
`includeObjectsWithNoValueSet`: a record with no value for the property matches when it is
true and never otherwise (the operator itself only judges values that are set).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from stagecoach.domain.lists.time_points import TimePoint
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import PropertyDef
from stagecoach.domain.values import PropertyType

# A pseudo-property: a step that changed list memberships "changed" it, and a list with an
# IN_LIST filter "reads" it (services/lists/maintain.py skips steps by what they changed).
MEMBERSHIP = "hs_list_memberships"
# Archiving and restoring a record write this property's history (services/records).
ARCHIVED = "hs_archived"


class ProcessingType(StrEnum):
    DYNAMIC = "DYNAMIC"
    MANUAL = "MANUAL"
    SNAPSHOT = "SNAPSHOT"


class OperationType(StrEnum):
    ENUMERATION = "ENUMERATION"
    STRING = "STRING"
    MULTISTRING = "MULTISTRING"
    NUMBER = "NUMBER"
    NUMBER_RANGED = "NUMBER_RANGED"
    BOOL = "BOOL"
    TIME_POINT = "TIME_POINT"
    ALL_PROPERTY = "ALL_PROPERTY"


class Op(StrEnum):
    IS_ANY_OF = "IS_ANY_OF"
    IS_NONE_OF = "IS_NONE_OF"
    HAS_EVER_BEEN_ANY_OF = "HAS_EVER_BEEN_ANY_OF"
    HAS_NEVER_BEEN_ANY_OF = "HAS_NEVER_BEEN_ANY_OF"
    IS_EQUAL_TO = "IS_EQUAL_TO"
    IS_NOT_EQUAL_TO = "IS_NOT_EQUAL_TO"
    CONTAINS = "CONTAINS"
    DOES_NOT_CONTAIN = "DOES_NOT_CONTAIN"
    STARTS_WITH = "STARTS_WITH"
    ENDS_WITH = "ENDS_WITH"
    IS_GREATER_THAN = "IS_GREATER_THAN"
    IS_GREATER_THAN_OR_EQUAL_TO = "IS_GREATER_THAN_OR_EQUAL_TO"
    IS_LESS_THAN = "IS_LESS_THAN"
    IS_LESS_THAN_OR_EQUAL_TO = "IS_LESS_THAN_OR_EQUAL_TO"
    IS_BETWEEN = "IS_BETWEEN"
    IS_NOT_BETWEEN = "IS_NOT_BETWEEN"
    IS_BEFORE = "IS_BEFORE"
    IS_AFTER = "IS_AFTER"
    IS_KNOWN = "IS_KNOWN"
    IS_UNKNOWN = "IS_UNKNOWN"


_STRING_OPS = (Op.IS_EQUAL_TO, Op.IS_NOT_EQUAL_TO, Op.CONTAINS, Op.DOES_NOT_CONTAIN,
               Op.STARTS_WITH, Op.ENDS_WITH)
OPERATORS: Mapping[OperationType, tuple[Op, ...]] = {
    OperationType.ENUMERATION: (Op.IS_ANY_OF, Op.IS_NONE_OF, Op.HAS_EVER_BEEN_ANY_OF,
                                Op.HAS_NEVER_BEEN_ANY_OF),
    OperationType.STRING: _STRING_OPS,
    OperationType.MULTISTRING: _STRING_OPS,
    OperationType.NUMBER: (Op.IS_EQUAL_TO, Op.IS_NOT_EQUAL_TO, Op.IS_GREATER_THAN,
                           Op.IS_GREATER_THAN_OR_EQUAL_TO, Op.IS_LESS_THAN,
                           Op.IS_LESS_THAN_OR_EQUAL_TO),
    OperationType.NUMBER_RANGED: (Op.IS_BETWEEN, Op.IS_NOT_BETWEEN),
    OperationType.BOOL: (Op.IS_EQUAL_TO,),
    OperationType.TIME_POINT: (Op.IS_BEFORE, Op.IS_AFTER),
    OperationType.ALL_PROPERTY: (Op.IS_KNOWN, Op.IS_UNKNOWN),
}
# Operators that read the property's history rather than its value.
HISTORY_OPS = frozenset({Op.HAS_EVER_BEEN_ANY_OF, Op.HAS_NEVER_BEEN_ANY_OF})


@dataclass(frozen=True)
class PropertyFilter:
    prop: PropertyDef
    operation_type: OperationType
    operator: Op
    # Enumeration and string values as given; a NUMBER or BOOL value is the one entry.
    values: tuple[str, ...] = ()
    number: int | float | None = None
    lower: int | float | None = None
    upper: int | float | None = None
    time_point: TimePoint | None = None
    include_no_value: bool = False

    def to_wire(self) -> dict[str, Any]:
        op: dict[str, Any] = {"operationType": self.operation_type.value,
                              "operator": self.operator.value}
        t = self.operation_type
        if t in (OperationType.ENUMERATION, OperationType.MULTISTRING):
            op["values"] = list(self.values)
        elif t is OperationType.STRING:
            op["value"] = self.values[0]
        elif t is OperationType.NUMBER:
            op["value"] = self.number
        elif t is OperationType.BOOL:
            op["value"] = self.values[0] == "true"
        elif t is OperationType.NUMBER_RANGED:
            op["lowerBound"], op["upperBound"] = self.lower, self.upper
        elif t is OperationType.TIME_POINT and self.time_point is not None:
            # HubSpot's own shape: the SDK reads `type` to pick the operation's class.
            op["type"] = "TIME_POINT"
            op["timePoint"] = self.time_point.to_wire()
        op["includeObjectsWithNoValueSet"] = self.include_no_value
        return {"filterType": "PROPERTY", "property": self.prop.name, "operation": op}


@dataclass(frozen=True)
class InListFilter:
    list_id: int
    negated: bool = False

    def to_wire(self) -> dict[str, Any]:
        return {"filterType": "IN_LIST", "listId": str(self.list_id),
                "operator": "NOT_IN_LIST" if self.negated else "IN_LIST"}


Filter = PropertyFilter | InListFilter


@dataclass(frozen=True)
class AndBranch:
    filters: tuple[Filter, ...]

    def to_wire(self) -> dict[str, Any]:
        return {"filterBranchType": "AND", "filterBranchOperator": "AND",
                "filters": [f.to_wire() for f in self.filters], "filterBranches": []}


@dataclass(frozen=True)
class FilterBranch:
    """The root: records matching any AND branch (none: no record matches)."""

    branches: tuple[AndBranch, ...]

    def filters(self) -> list[Filter]:
        return [f for b in self.branches for f in b.filters]

    def to_wire(self) -> dict[str, Any]:
        return {"filterBranchType": "OR", "filterBranchOperator": "OR", "filters": [],
                "filterBranches": [b.to_wire() for b in self.branches]}

    @property
    def list_ids(self) -> frozenset[int]:
        return frozenset(f.list_id for f in self.filters() if isinstance(f, InListFilter))

    @property
    def time_relative(self) -> bool:
        """Whether membership can change with time alone (an INDEXED time point)."""
        return any(isinstance(f, PropertyFilter) and f.time_point is not None
                   and f.time_point.indexed for f in self.filters())

    @property
    def properties_read(self) -> frozenset[str]:
        """What a change must touch to alter membership: the properties named (a deal's
        calculated close flags follow its stage), archiving, and other lists' members."""
        out = {ARCHIVED}
        for f in self.filters():
            if isinstance(f, InListFilter):
                out.add(MEMBERSHIP)
            else:
                out.add(f.prop.name)
                if f.prop.name in ("hs_is_closed_won", "hs_is_closed",
                                   "hs_deal_stage_probability"):
                    out.update(("dealstage", "pipeline"))
        return frozenset(out)


def named_list_ids(stored: Mapping[str, Any] | None) -> frozenset[int]:
    """The lists a stored (canonical) filter branch names, read without the catalog."""
    if not stored:
        return frozenset()
    return frozenset(
        int(f["listId"])
        for b in stored.get("filterBranches") or () for f in b.get("filters") or ()
        if f.get("filterType") == "IN_LIST" and str(f.get("listId", "")).isdigit())


def membership_property(object_type: ObjectType) -> PropertyDef:
    """`hs_list_memberships` as the search syntax names it (rule 58): not a stored
    property, a filter on the lists a record is in."""
    return PropertyDef(MEMBERSHIP, "List memberships", PropertyType.ENUMERATION, object_type,
                       calculated=True)
