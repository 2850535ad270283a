"""HubSpot's association type ids (api spec section 5), one per direction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

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


# The ids are HubSpot's (clients send them), so they are named here once and nowhere
# written as numbers.
CONTACT_TO_COMPANY: Final = 279
CONTACT_TO_PRIMARY_COMPANY: Final = 1
COMPANY_TO_CONTACT: Final = 280
PRIMARY_COMPANY_TO_CONTACT: Final = 2
DEAL_TO_CONTACT: Final = 3
CONTACT_TO_DEAL: Final = 4
DEAL_TO_COMPANY: Final = 341
DEAL_TO_PRIMARY_COMPANY: Final = 5
COMPANY_TO_DEAL: Final = 342
PRIMARY_COMPANY_TO_DEAL: Final = 6

_TYPES = (
    AssociationType(CONTACT_TO_COMPANY, C, CO, None, COMPANY_TO_CONTACT),
    AssociationType(CONTACT_TO_PRIMARY_COMPANY, C, CO, "Primary", PRIMARY_COMPANY_TO_CONTACT,
                    primary=True),
    AssociationType(COMPANY_TO_CONTACT, CO, C, None, CONTACT_TO_COMPANY),
    AssociationType(PRIMARY_COMPANY_TO_CONTACT, CO, C, "Primary", CONTACT_TO_PRIMARY_COMPANY,
                    primary=True),
    AssociationType(DEAL_TO_CONTACT, D, C, None, CONTACT_TO_DEAL),
    AssociationType(CONTACT_TO_DEAL, C, D, None, DEAL_TO_CONTACT),
    AssociationType(DEAL_TO_COMPANY, D, CO, None, COMPANY_TO_DEAL),
    AssociationType(DEAL_TO_PRIMARY_COMPANY, D, CO, "Primary", PRIMARY_COMPANY_TO_DEAL,
                    primary=True),
    AssociationType(COMPANY_TO_DEAL, CO, D, None, DEAL_TO_COMPANY),
    AssociationType(PRIMARY_COMPANY_TO_DEAL, CO, D, "Primary", DEAL_TO_PRIMARY_COMPANY,
                    primary=True),
)
BY_ID = {t.id: t for t in _TYPES}
PRIMARY_TYPE_IDS = frozenset(t.id for t in _TYPES if t.primary)

# Primary types whose "from" side holds at most one of them: a contact's primary company
# and a deal's primary company. (A company may be primary for many contacts.)
SINGLE_PRIMARY_TYPE_IDS = (CONTACT_TO_PRIMARY_COMPANY, DEAL_TO_PRIMARY_COMPANY)


def unlabelled(from_type: ObjectType, to_type: ObjectType) -> AssociationType:
    for t in _TYPES:
        if t.from_type is from_type and t.to_type is to_type and t.label is None:
            return t
    raise ValidationError(
        f"{from_type.plural} cannot be associated with {to_type.plural}",
        code="INVALID_ASSOCIATION",
    )


def primary_type(from_type: ObjectType, to_type: ObjectType) -> AssociationType:
    for t in _TYPES:
        if t.from_type is from_type and t.to_type is to_type and t.primary:
            return t
    raise ValidationError(
        f"{from_type.plural} have no primary {to_type.plural}",
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
