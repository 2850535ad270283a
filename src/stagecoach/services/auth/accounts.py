"""Accounts, API tokens (stored only as hashes) and web users (argon2 passwords)."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection

from stagecoach.domain.errors import NotFound, ValidationError
from stagecoach.domain.values import is_decimal
from stagecoach.store.auth import accounts as store

ALL_SCOPES: tuple[str, ...] = (
    "crm.objects.contacts.read", "crm.objects.contacts.write",
    "crm.objects.companies.read", "crm.objects.companies.write",
    "crm.objects.deals.read", "crm.objects.deals.write",
    "crm.schemas.contacts.read", "crm.schemas.contacts.write",
    "crm.schemas.companies.read", "crm.schemas.companies.write",
    "crm.schemas.deals.read", "crm.schemas.deals.write",
    "lifecycle.settings", "lifecycle.demote", "lifecycle.migrate", "crm.import", "forms",
    "crm.lists.read", "crm.lists.write", "events.read", "webhooks", "automation",
)
ROLES = ("admin", "member")
_INTEGRATION_NAME = re.compile(r"[a-z0-9_-]{1,100}")
# What a web user's role withholds. Demotion (rule 7) needs its own permission: web users have
# no per-user grants, only a role, so only admins hold it, as only tokens given the scope do.
_MEMBER_WITHOUT = frozenset({"lifecycle.settings", "lifecycle.demote",
                             "crm.schemas.contacts.write", "crm.schemas.companies.write",
                             "crm.schemas.deals.write"})
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    """Who is calling: an account, and a token or a web user, with scopes."""

    account_id: int
    scopes: frozenset[str]
    token_id: int | None = None
    user_id: int | None = None
    role: str | None = None
    # The integration a token was made for (rule 76): its writes carry it as their source.
    integration: str | None = None

    def has(self, scope: str) -> bool:
        return scope in self.scopes


def role_scopes(role: str) -> frozenset[str]:
    """The permissions of a web user with this role."""
    scopes = frozenset(ALL_SCOPES)
    return scopes if role == "admin" else scopes - _MEMBER_WITHOUT


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(conn: Connection, account_id: int, name: str, scopes: Sequence[str],
                 now: int, *, integration: str | None = None,
                 expires_at: int | None = None) -> str:
    unknown = set(scopes) - set(ALL_SCOPES)
    if unknown:
        raise ValidationError(f"Unknown scopes: {', '.join(sorted(unknown))}",
                              code="UNKNOWN_SCOPE")
    if integration is not None:
        integration = integration.strip().lower()
        if not _INTEGRATION_NAME.fullmatch(integration):
            raise ValidationError("An integration's name is 1 to 100 letters, digits, '-' "
                                  "or '_'", code="INVALID_INTEGRATION")
    if expires_at is not None and expires_at <= now:
        raise ValidationError("A token expires in the future", code="INVALID_EXPIRY")
    # The account id is part of the token so a lookup never has to search every account.
    token = f"sc-{account_id}-{secrets.token_urlsafe(32)}"
    store.insert_token(conn, account_id, name, hash_token(token), scopes, now,
                       integration=integration, expires_at=expires_at)
    return token


def authenticate_token(conn: Connection, token: str, now: int) -> Principal | None:
    parts = token.split("-", 2)
    if len(parts) != 3 or parts[0] != "sc" or not is_decimal(parts[1]) or len(token) > 200:
        return None
    account_id = int(parts[1])
    found = store.find_token(conn, account_id, hash_token(token), now)
    if found is None:
        return None
    return Principal(account_id, frozenset(found.scopes), token_id=found.id,
                     integration=found.integration)


def live_token_scopes(conn: Connection, account_id: int, token_id: int, now: int
                      ) -> list[str] | None:
    """A token's scopes by id while it is neither revoked nor expired (None once it is)."""
    return store.live_token_scopes(conn, account_id, token_id, now)


def tokens(conn: Connection, account_id: int) -> list[store.TokenRow]:
    return store.tokens(conn, account_id)


def revoke_token(conn: Connection, account_id: int, token_id: int, now: int) -> None:
    if not store.revoke_token(conn, account_id, token_id, now):
        raise NotFound(f"There is no live token {token_id}", code="TOKEN_NOT_FOUND")


def token_used(conn: Connection, account_id: int, token_id: int, now: int) -> None:
    store.token_used(conn, account_id, token_id, now)


def only_account(conn: Connection) -> int:
    """The account of a single-account database; an error naming the choice otherwise."""
    ids = store.account_ids(conn, limit=2)
    if len(ids) != 1:
        raise ValidationError(
            "Name the account with --account-id" if ids else "There is no account yet: "
            "run 'stagecoach init' first", code="ACCOUNT_REQUIRED")
    return ids[0]


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValidationError("A password has at least 8 characters", code="WEAK_PASSWORD")
    return _hasher.hash(password)


def create_user(conn: Connection, account_id: int, email: str, password: str, role: str,
                now: int, name: str = "") -> int:
    if role not in ROLES:
        raise ValidationError(f"Role is one of {', '.join(ROLES)}", code="INVALID_ROLE")
    return store.insert_user(conn, account_id, email.strip().lower(), name,
                             hash_password(password), role, now)


def authenticate_user(conn: Connection, email: str, password: str,
                      account_id: int | None = None) -> Principal | None:
    for row in store.users_by_email(conn, email.strip().lower()):
        if account_id is not None and row.account_id != account_id:
            continue
        try:
            _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            continue
        return Principal(row.account_id, role_scopes(row.role), user_id=row.id,
                         role=row.role)
    return None


@dataclass(frozen=True)
class NewAccount:
    account_id: int
    token: str
    admin_email: str
    admin_password: str


def create_account(conn: Connection, name: str, admin_email: str, now: int,
                   admin_password: str | None = None) -> NewAccount:
    account_id = store.create_account(conn, name, now)
    password = admin_password or secrets.token_urlsafe(12)
    create_user(conn, account_id, admin_email, password, "admin", now, name="Admin")
    token = create_token(conn, account_id, "default", ALL_SCOPES, now)
    return NewAccount(account_id, token, admin_email.strip().lower(), password)
