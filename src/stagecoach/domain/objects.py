"""The CRM object types and the names the wire uses for them."""

from __future__ import annotations

from enum import IntEnum

from stagecoach.domain.errors import NotFound


class ObjectType(IntEnum):
    CONTACT = 1
    COMPANY = 2
    DEAL = 3

    @property
    def plural(self) -> str:
        return _PLURAL[self]

    @property
    def singular(self) -> str:
        return _PLURAL[self][:-1] if self is not ObjectType.COMPANY else "company"

    @property
    def type_id(self) -> str:
        return f"0-{int(self)}"

    @property
    def has_lifecycle(self) -> bool:
        return self is not ObjectType.DEAL

    @classmethod
    def parse(cls, name: str) -> ObjectType:
        found = _BY_NAME.get(name.strip().lower())
        if found is None:
            raise NotFound(f"Unknown object type: {name}", code="UNKNOWN_OBJECT_TYPE")
        return found


_PLURAL = {
    ObjectType.CONTACT: "contacts",
    ObjectType.COMPANY: "companies",
    ObjectType.DEAL: "deals",
}
_BY_NAME = {
    alias: ot
    for ot in ObjectType
    for alias in (ot.plural, ot.singular, ot.type_id)
}
