"""HubSpot's association type ids (api spec section 5), one per direction."""

from __future__ import annotations

from dataclasses import dataclass

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.objects import ObjectType

C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL


@dataclass(frozen=True)
class AssociationType:
    id: int
    from_type: ObjectType
    to_type: ObjectType
    label: str | None  # None is the unlabelled type
    inverse_id: int
    primary: bool = False


_TYPES = (
    AssociationType(279, C, CO, None, 280),
    AssociationType(1, C, CO, "Primary", 2, primary=True),
    AssociationType(280, CO, C, None, 279),
    AssociationType(2, CO, C, "Primary", 1, primary=True),
    AssociationType(3, D, C, None, 4),
    AssociationType(4, C, D, None, 3),
    AssociationType(341, D, CO, None, 342),
    AssociationType(5, D, CO, "Primary", 6, primary=True),
    AssociationType(342, CO, D, None, 341),
    AssociationType(6, CO, D, "Primary", 5, primary=True),
)
BY_ID = {t.id: t for t in _TYPES}

# Primary types whose "from" side holds at most one of them: a contact's primary company
# and a deal's primary company. (A company may be primary for many contacts.)
SINGLE_PRIMARY_TYPE_IDS = (1, 5)


def unlabelled(from_type: ObjectType, to_type: ObjectType) -> AssociationType:
    for t in _TYPES:
        if t.from_type is from_type and t.to_type is to_type and t.label is None:
            return t
    raise ValidationError(
        f"{from_type.plural} cannot be associated with {to_type.plural}",
        code="INVALID_ASSOCIATION",
    )


def types_between(from_type: ObjectType, to_type: ObjectType) -> list[AssociationType]:
    return [t for t in _TYPES if t.from_type is from_type and t.to_type is to_type]


def resolve(type_id: int, from_type: ObjectType, to_type: ObjectType) -> AssociationType:
    t = BY_ID.get(type_id)
    if t is None or t.from_type is not from_type or t.to_type is not to_type:
        raise ValidationError(
            f"Association type {type_id} does not go from {from_type.plural} "
            f"to {to_type.plural}",
            code="INVALID_ASSOCIATION_TYPE",
            associationTypeId=type_id,
        )
    return t
