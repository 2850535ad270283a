"""The version of an account's catalog (stages, settings, pipelines, property definitions),
so that a server process may keep the catalog between requests and still see at once a
change another process made.

Every statement that writes a catalog table lives in store/ (accounts.py, settings.py,
property_defs.py, pipeline_rows.py) and calls `changed` in the same transaction; a test
holds the list of those writers. The version is a row in `id_counters` (kind `catalog`), so
it commits or rolls back with the change itself. Each change sets a new random value rather
than adding one: a version that was rolled back (but maybe seen, and cached, by the unit
that wrote it) is never reused for another catalog.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, text

from stagecoach.domain.errors import NotFound
from stagecoach.store.core import driver

KIND = "catalog"


_BUMP = text(
    "INSERT INTO id_counters (account_id, kind, next_value) VALUES (:a, :k, :v) "
    "ON CONFLICT (account_id, kind) DO UPDATE SET next_value = :v")


def changed(conn: Connection, account_id: int) -> None:
    """Call in the transaction that changes the account's catalog."""
    conn.execute(_BUMP, {"a": account_id, "k": KIND, "v": 1 + secrets.randbits(62)})


# Every unit of work starts with it: run on the driver's cursor (store/core/driver.py).
_STAMP = driver.Sql(
    "SELECT accounts.created_at, id_counters.next_value FROM accounts "
    "LEFT OUTER JOIN id_counters ON id_counters.account_id = accounts.account_id "
    f"AND id_counters.kind = '{KIND}' WHERE accounts.account_id = ?")


def stamp(conn: Connection, account_id: int) -> tuple[int, int]:
    """(account created_at, catalog version): different whenever the catalog may be (an
    account deleted and created again under the same id has another created_at)."""
    row = driver.first(conn, _STAMP, (account_id,))
    if row is None:
        raise NotFound(f"Account {account_id} does not exist", code="ACCOUNT_NOT_FOUND")
    return int(row[0]), int(row[1] or 0)
