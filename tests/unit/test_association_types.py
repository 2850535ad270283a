"""HubSpot's association type ids, named once (domain/associations.py)."""

from __future__ import annotations

import pytest

from stagecoach.domain import associations as atypes
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.objects import ObjectType

C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL


@pytest.mark.parametrize(("name", "type_id", "from_type", "to_type", "primary"), [
    ("CONTACT_TO_COMPANY", 279, C, CO, False),
    ("CONTACT_TO_PRIMARY_COMPANY", 1, C, CO, True),
    ("COMPANY_TO_CONTACT", 280, CO, C, False),
    ("PRIMARY_COMPANY_TO_CONTACT", 2, CO, C, True),
    ("DEAL_TO_CONTACT", 3, D, C, False),
    ("CONTACT_TO_DEAL", 4, C, D, False),
    ("DEAL_TO_COMPANY", 341, D, CO, False),
    ("DEAL_TO_PRIMARY_COMPANY", 5, D, CO, True),
    ("COMPANY_TO_DEAL", 342, CO, D, False),
    ("PRIMARY_COMPANY_TO_DEAL", 6, CO, D, True),
])
def test_each_named_type_is_hubspots_id_in_its_direction(
        name: str, type_id: int, from_type: ObjectType, to_type: ObjectType,
        primary: bool) -> None:
    t = atypes.BY_ID[getattr(atypes, name)]
    assert (t.id, t.from_type, t.to_type, t.primary) == (type_id, from_type, to_type, primary)
    assert atypes.BY_ID[t.inverse_id].inverse_id == t.id
    assert (t.id in atypes.PRIMARY_TYPE_IDS) is primary


@pytest.mark.parametrize(("from_type", "to_type", "type_id"), [
    (C, CO, atypes.CONTACT_TO_PRIMARY_COMPANY),
    (CO, C, atypes.PRIMARY_COMPANY_TO_CONTACT),
    (D, CO, atypes.DEAL_TO_PRIMARY_COMPANY),
    (CO, D, atypes.PRIMARY_COMPANY_TO_DEAL),
])
def test_the_primary_type_between_two_object_types(
        from_type: ObjectType, to_type: ObjectType, type_id: int) -> None:
    assert atypes.primary_type(from_type, to_type).id == type_id


def test_deals_and_contacts_have_no_primary_type() -> None:
    with pytest.raises(ValidationError):
        atypes.primary_type(D, C)


def test_only_a_contacts_and_a_deals_primary_company_are_single() -> None:
    assert atypes.SINGLE_PRIMARY_TYPE_IDS == (atypes.CONTACT_TO_PRIMARY_COMPANY,
                                              atypes.DEAL_TO_PRIMARY_COMPANY)
