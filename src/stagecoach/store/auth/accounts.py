"""Accounts, their seed data, web users and API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, update

from stagecoach.domain.deals import DEFAULT_DEAL_STAGES, DEFAULT_PIPELINE_ID, DEFAULT_PIPELINE_LABEL
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.properties import DEFAULT_LEAD_STATUSES
from stagecoach.domain.settings import AutomationSettings
from stagecoach.domain.stages import StageSet
from stagecoach.store.catalog import catalog_version
from stagecoach.store.core import driver, ids
from stagecoach.store.lifecycle import stage_codes
from stagecoach.store.schema import (
    account_settings,
    accounts,
    api_tokens,
    lifecycle_stages,
    pipeline_stages,
    pipelines,
    property_defs,
    stage_orders,
    users,
)

FIRST_ACCOUNT_ID = 100_001


def create_account(conn: Connection, name: str, now: int) -> int:
    top = conn.execute(select(func.max(accounts.c.account_id))).scalar()
    account_id = max(FIRST_ACCOUNT_ID, int(top or 0) + 1)
    conn.execute(accounts.insert().values(account_id=account_id, name=name, created_at=now))
    _seed(conn, account_id, now)
    return account_id


def _seed(conn: Connection, account_id: int, now: int) -> None:
    stages = StageSet.default()
    write_stage_set(conn, account_id, stages, now)
    conn.execute(property_defs.insert(), [
        {"account_id": account_id, "object_type": int(ot), "name": "hs_lead_status",
         "label": "Lead Status", "type": "enumeration", "field_type": "select",
         "group_name": "sales_properties", "description": "", "builtin": True,
         "options": [{"value": v, "label": lbl, "displayOrder": i, "hidden": False}
                     for i, (v, lbl) in enumerate(DEFAULT_LEAD_STATUSES)],
         "created_at": now, "updated_at": now}
        for ot in (ObjectType.CONTACT, ObjectType.COMPANY)
    ])
    conn.execute(pipelines.insert().values(
        account_id=account_id, id=DEFAULT_PIPELINE_ID, object_type=int(ObjectType.DEAL),
        label=DEFAULT_PIPELINE_LABEL, display_order=0, archived=False, created_at=now,
        updated_at=now))
    conn.execute(pipeline_stages.insert(), [
        {"account_id": account_id, "id": sid, "pipeline_id": DEFAULT_PIPELINE_ID,
         "label": label, "display_order": i, "probability": prob, "is_closed": closed,
         "archived": False, "created_at": now, "updated_at": now}
        for i, (sid, label, prob, closed) in enumerate(DEFAULT_DEAL_STAGES)
    ])
    conn.execute(account_settings.insert().values(
        account_id=account_id, settings=AutomationSettings().to_json(), updated_at=now))


def write_stage_set(conn: Connection, account_id: int, stages: StageSet, now: int) -> None:
    """Replace the stage rows and record the new order as a version (rule 38)."""
    conn.execute(lifecycle_stages.delete().where(lifecycle_stages.c.account_id == account_id))
    conn.execute(lifecycle_stages.insert(), [
        {"account_id": account_id, "value": s.value, "label": s.label, "position": i}
        for i, s in enumerate(stages)
    ])
    stage_codes.ensure(conn, account_id, (s.value for s in stages))
    conn.execute(stage_orders.insert().values(
        account_id=account_id, version=ids.take_one(conn, account_id, "stage_order"), ts=now,
        stages=[[s.value, s.label] for s in stages]))
    catalog_version.changed(conn, account_id)


def account_ids(conn: Connection, limit: int = 100) -> list[int]:
    return list(conn.execute(
        select(accounts.c.account_id).order_by(accounts.c.account_id).limit(limit)).scalars())


def account_name(conn: Connection, account_id: int) -> str | None:
    return conn.execute(
        select(accounts.c.name).where(accounts.c.account_id == account_id)
    ).scalar()


def insert_token(conn: Connection, account_id: int, name: str, token_hash: str,
                 scopes: Sequence[str], now: int, *, integration: str | None = None,
                 expires_at: int | None = None) -> int:
    tid = ids.take_one(conn, account_id, "token")
    conn.execute(api_tokens.insert().values(
        account_id=account_id, id=tid, name=name, token_hash=token_hash,
        scopes=" ".join(sorted(set(scopes))), created_at=now, integration=integration,
        expires_at=expires_at))
    return tid


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    scopes: list[str]
    integration: str | None
    created_at: int
    expires_at: int | None
    last_used_at: int | None
    revoked_at: int | None


T = api_tokens.c


def _live(now: int) -> Any:
    return T.revoked_at.is_(None) & (T.expires_at.is_(None) | (T.expires_at > now))


def find_token(conn: Connection, account_id: int, token_hash: str, now: int
               ) -> TokenRow | None:
    row = conn.execute(select(api_tokens).where(
        T.account_id == account_id, T.token_hash == token_hash, _live(now))).first()
    return _token(row) if row else None


def tokens(conn: Connection, account_id: int) -> list[TokenRow]:
    return [_token(r) for r in conn.execute(
        select(api_tokens).where(T.account_id == account_id).order_by(T.id))]


def _token(r: Any) -> TokenRow:
    return TokenRow(r.id, r.name, r.scopes.split(), r.integration, r.created_at,
                    r.expires_at, r.last_used_at, r.revoked_at)


_LIVE_SCOPES = driver.Sql(
    "SELECT scopes FROM api_tokens WHERE account_id = ? AND id = ? AND revoked_at IS NULL "
    "AND (expires_at IS NULL OR expires_at > ?)")


def live_token_scopes(conn: Connection, account_id: int, token_id: int, now: int
                      ) -> list[str] | None:
    """The scopes of a token that is neither revoked nor expired (None: it is, or it is
    gone), by its id."""
    row = driver.first(conn, _LIVE_SCOPES, (account_id, token_id, now))
    return row[0].split() if row else None


def revoke_token(conn: Connection, account_id: int, token_id: int, now: int) -> bool:
    """Revoke a live token; False when there was none by that id."""
    return conn.execute(update(api_tokens).where(
        T.account_id == account_id, T.id == token_id, T.revoked_at.is_(None))
        .values(revoked_at=now)).rowcount > 0


def token_used(conn: Connection, account_id: int, token_id: int, now: int) -> None:
    conn.execute(update(api_tokens).where(T.account_id == account_id, T.id == token_id)
                 .values(last_used_at=now))


def insert_user(conn: Connection, account_id: int, email: str, name: str, password_hash: str,
                role: str, now: int) -> int:
    uid = ids.take_one(conn, account_id, "user")
    conn.execute(users.insert().values(
        account_id=account_id, id=uid, email=email, name=name, password_hash=password_hash,
        role=role, created_at=now))
    return uid


def users_by_email(conn: Connection, email: str) -> list:  # type: ignore[type-arg]
    """Web login looks an email up across accounts; the login page asks which account
    when one email belongs to several."""
    return list(conn.execute(select(users).where(users.c.email == email)))


def user(conn: Connection, account_id: int, user_id: int):  # type: ignore[no-untyped-def]
    return conn.execute(
        select(users).where(users.c.account_id == account_id, users.c.id == user_id)
    ).first()
