"""What the web app needs from the database to trust a session cookie: the account's
signing secret and the signed-in user, read together in one query."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, and_, select, update

from stagecoach.store.schema import accounts, users


@dataclass(frozen=True)
class WebUser:
    account_id: int
    account_name: str
    user_id: int
    email: str
    name: str
    role: str


def account_secret(conn: Connection, account_id: int) -> str | None:
    """The account's web secret, made on first use (accounts predating the column, or made
    by a code path that does not know about the web app). None for an unknown account."""
    a = accounts.c
    found = conn.execute(select(a.web_secret, a.account_id)
                         .where(a.account_id == account_id)).first()
    if found is None:
        return None
    if found.web_secret:
        return str(found.web_secret)
    # Two processes may race here; the WHERE keeps the first writer's secret.
    conn.execute(update(accounts).where(a.account_id == account_id, a.web_secret.is_(None))
                 .values(web_secret=secrets.token_hex(32)))
    return str(conn.execute(select(a.web_secret).where(a.account_id == account_id)).scalar())


def user_with_secret(conn: Connection, account_id: int, user_id: int
                     ) -> tuple[WebUser, str | None] | None:
    a, u = accounts.c, users.c
    row = conn.execute(
        select(a.name.label("account_name"), a.web_secret, u.id, u.email, u.name, u.role)
        .select_from(accounts.join(users, and_(u.account_id == a.account_id)))
        .where(a.account_id == account_id, u.id == user_id)
    ).first()
    if row is None:
        return None
    return (WebUser(account_id, row.account_name, row.id, row.email, row.name, row.role),
            row.web_secret)


def account_names(conn: Connection, account_ids: list[int]) -> dict[int, str]:
    a = accounts.c
    rows = conn.execute(select(a.account_id, a.name).where(a.account_id.in_(account_ids)))
    return {r.account_id: r.name for r in rows}
