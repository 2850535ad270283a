"""The joins automation rules read (domain/automation.py), written once for both their
uses: reacting to a step (store/lifecycle/reactions.py) and applying settings to existing
records (store/lifecycle/backfill.py).

`links` is `associations` or `association_history`: a step's changes are read from the
history, the current state from the associations, through the same conditions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, exists, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.domain import associations as atypes
from stagecoach.domain.objects import ObjectType
from stagecoach.store.schema import associations, records

A = associations.c
C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL


def live(rec: Any, ot: ObjectType, account_id: Any, record_id: Any) -> ColumnElement[bool]:
    """`rec` is the live (not archived) record of type `ot` with this id."""
    return and_(rec.c.account_id == account_id, rec.c.object_type == int(ot),
                rec.c.id == record_id, rec.c.archived.is_(False))


def deal_link(links: Any, ot: ObjectType) -> list[ColumnElement[bool]]:
    """`links` rows from a deal to a record of type `ot` (deal rules read the unlabelled
    type, which every labelled one comes with)."""
    return [links.from_type == int(D), links.to_type == int(ot),
            links.type_id == atypes.unlabelled(D, ot).id]


def company_link(links: Any, type_id: int) -> list[ColumnElement[bool]]:
    """`links` rows from a contact to a company, of the type the sync follows
    (FollowPrimaryCompany.link_type_id: the primary one, or any)."""
    return [links.from_type == int(C), links.to_type == int(CO), links.type_id == type_id]


def still_linked(history: Any, link: Sequence[ColumnElement[bool]], account_id: Any
                 ) -> ColumnElement[bool]:
    """The association a history row added (`link`: its conditions, on `associations`) is
    still there: one added and removed in the same step moves nobody."""
    return exists(select(A.type_id).where(A.account_id == account_id, *link,
                                          A.from_id == history.from_id,
                                          A.to_id == history.to_id))


@dataclass(frozen=True)
class Via:
    """`links` joined to the record on its other side: the from clause, the conditions on
    `links`, and that record's alias."""

    from_: Any
    conds: list[ColumnElement[bool]]
    other: Any


def via_deal(links: Table, ot: ObjectType, stage_ids: Any) -> Via:
    """`links` rows from a live deal at one of `stage_ids` to a record of type `ot`."""
    deal = aliased(records, name="deal")
    L = links.c
    return Via(links.join(deal, and_(live(deal, D, L.account_id, L.from_id),
                                     deal.c.dealstage.in_(stage_ids))),
               deal_link(L, ot), deal)


def via_company(links: Table, type_id: int) -> Via:
    """`links` rows from a contact to a company (`company_link`), live and with a stage."""
    company = aliased(records, name="company")
    L = links.c
    return Via(links.join(company, and_(live(company, CO, L.account_id, L.to_id),
                                        company.c.lifecyclestage.is_not(None))),
               company_link(L, type_id), company)
