"""The context of one unit of work: its connection, the account's catalog and the time."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection

from stagecoach.domain.catalog import Catalog
from stagecoach.store.catalog.catalog import current_catalog, load_catalog
from stagecoach.store.core import ids


@dataclass
class Ctx:
    conn: Connection
    catalog: Catalog
    now: int
    ops: list[int] = field(default_factory=list)
    # Automation reactions run so far in this unit (services/lifecycle/automation.py): a use case
    # that knows what it wrote knows it is still so when none ran since.
    reactions: int = 0

    @classmethod
    def load(cls, conn: Connection, account_id: int, now: int) -> Ctx:
        return cls(conn, current_catalog(conn, account_id), now)

    @property
    def account_id(self) -> int:
        return self.catalog.account_id

    def new_op(self) -> int:
        # From the transaction's pool of ids (store/core/ids.py): one write takes several steps
        # (the write, the calculated counts, the reactions), not a statement each.
        op = ids.take_one(self.conn, self.account_id, "op")
        self.ops.append(op)
        return op

    def at_least(self, ms: int) -> None:
        """Move this unit's clock up to `ms`. A unit that waited for another writer's lock
        dates its changes no earlier than that writer's, so history stays in commit order
        (versions are ordered by time, then id)."""
        if ms > self.now:
            self.now = ms

    def reload_catalog(self) -> None:
        self.catalog = load_catalog(self.conn, self.account_id)
