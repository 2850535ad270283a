"""Rows of `property_defs`: custom properties, and built-ins whose definition the account
edited (lead status options). Archived rows stay, out of the catalog, as HubSpot's
recycling bin does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, select, update

from stagecoach.domain.objects import ObjectType
from stagecoach.store.catalog import catalog_version
from stagecoach.store.schema import accounts, property_defs

P = property_defs.c


def rows(conn: Connection, account_id: int, object_type: ObjectType,
         names: Sequence[str] | None = None) -> dict[str, Row[Any]]:
    """Every stored row of the type, archived ones included, by name."""
    q = select(property_defs).where(P.account_id == account_id,
                                    P.object_type == int(object_type))
    if names is not None:
        q = q.where(P.name.in_(list(names)))
    return {r.name: r for r in conn.execute(q)}


def insert(conn: Connection, account_id: int, object_type: ObjectType,
           values: Mapping[str, Any]) -> None:
    conn.execute(property_defs.insert().values(
        account_id=account_id, object_type=int(object_type), **values))
    catalog_version.changed(conn, account_id)


def change(conn: Connection, account_id: int, object_type: ObjectType, name: str,
           values: Mapping[str, Any]) -> None:
    conn.execute(update(property_defs).where(
        P.account_id == account_id, P.object_type == int(object_type), P.name == name,
    ).values(**values))
    catalog_version.changed(conn, account_id)


def account_created_at(conn: Connection, account_id: int) -> int:
    """Built-in definitions exist since the account does."""
    return int(conn.execute(select(accounts.c.created_at)
                            .where(accounts.c.account_id == account_id)).scalar_one())
