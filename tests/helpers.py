"""A small vocabulary for tests: an account with a controllable clock."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.domain.writes import WriteOptions
from stagecoach.library import Stagecoach
from stagecoach.services.core import uow
from stagecoach.services.core.writes import ItemResult, ItemWrite
from stagecoach.services.lifecycle import settings
from stagecoach.services.records import associations, records
from stagecoach.services.records.associations import AssociationRequest
from stagecoach.services.records.records import NewRecord
from stagecoach.store.records import records as record_store

C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL
API = Source(SourceType.API, "test-app")
UI = Source(SourceType.CRM_UI, None, "web app", user_id=1)
T0 = 1_700_000_000_000  # 2023-11-14T22:13:20Z
_names = itertools.count(1)


@dataclass
class Acct:
    sc: Stagecoach
    id: int
    now: int = T0
    token: str = ""
    results: list[ItemResult] = field(default_factory=list)

    @classmethod
    def new(cls, sc: Stagecoach) -> Acct:
        made = sc.create_account(f"Test {next(_names)}", f"admin{next(_names)}@example.test",
                                 now=T0)
        return cls(sc, made.account_id, T0, made.token)

    def tick(self, ms: int = 60_000) -> int:
        self.now += ms
        return self.now

    def unit(self, now: int | None = None) -> Any:
        return self.sc.unit(self.id, now if now is not None else self.tick())

    def create(self, ot: ObjectType, props: Mapping[str, str | None] | None = None,
               source: Source = API, assoc: Sequence[tuple[ObjectType, int, tuple[int, ...]]] = (),
               source_stage: str | None = None) -> int:
        with self.unit() as ctx:
            res = records.create(ctx, ot, [NewRecord(props or {}, assoc, source_stage)], source)
        r = res[0]
        if r.error is not None:
            raise r.error
        assert r.record_id is not None
        return r.record_id

    def contact(self, stage: str | None = None, **props: str) -> int:
        if stage is not None:
            props["lifecyclestage"] = stage
        return self.create(C, props)

    def company(self, stage: str | None = None, **props: str) -> int:
        if stage is not None:
            props["lifecyclestage"] = stage
        return self.create(CO, props)

    def update(self, ot: ObjectType, rid: int, props: Mapping[str, str | None],
               source: Source = API, options: WriteOptions = WriteOptions()) -> ItemResult:
        with self.unit() as ctx:
            res = records.update_many(ctx, ot, [ItemWrite(rid, props)], source, options)
        if res[0].error is not None:
            raise res[0].error
        return res[0]

    def set_stage(self, ot: ObjectType, rid: int, stage: str, source: Source = API
                  ) -> ItemResult:
        return self.update(ot, rid, {"lifecyclestage": stage}, source)

    def associate(self, ft: ObjectType, fid: int, tt: ObjectType, tid: int,
                  types: tuple[int, ...] = ()) -> None:
        with self.unit() as ctx:
            associations.associate(ctx, [AssociationRequest(ft, fid, tt, tid, types)], API)

    def settings(self, **patch: Any) -> dict[str, Any]:
        with self.unit() as ctx:
            return settings.patch(ctx, patch)

    def values(self, ot: ObjectType, rid: int) -> dict[str, Any]:
        with self.sc.unit(self.id, self.now, readonly=True) as ctx:
            rows = record_store.load(ctx.conn, self.id, ot, [rid], include_archived=True)
        return rows[rid].values

    def stage(self, ot: ObjectType, rid: int) -> str | None:
        return self.values(ot, rid).get("lifecyclestage")

    def ctx_readonly(self) -> Any:
        return self.sc.unit(self.id, self.now, readonly=True)

    def token_with(self, *scopes: str, name: str = "limited") -> str:
        """A new token of this account holding only `scopes`."""
        from stagecoach.services.auth import accounts

        return uow.run_conn(self.sc.engine, lambda conn: accounts.create_token(
            conn, self.id, name, scopes, self.now))

    def in_unit(self, fn: Any) -> Any:
        with self.unit() as ctx:
            return fn(ctx)




def blocked_rows(acct: Acct, ot: ObjectType, rid: int) -> list[Any]:
    from stagecoach.store.records import blocked

    with acct.ctx_readonly() as ctx:
        return blocked.for_record(ctx.conn, acct.id, ot, rid)


def stage_history(acct: Acct, ot: ObjectType, rid: int) -> list[Any]:
    """lifecyclestage versions, newest first."""
    from stagecoach.services.records import reads

    with acct.ctx_readonly() as ctx:
        return reads.history_of(ctx, ot, [rid], ["lifecyclestage"]).get(rid, {}).get(
            "lifecyclestage", [])


def source(kind: SourceType, sid: str | None = None) -> Source:
    return Source(kind, sid)


def write_batch(acct: Acct, ot: ObjectType, items: Sequence[tuple[int, Mapping[str, str | None]]],
                src: Source = API) -> list[ItemResult]:
    with acct.unit() as ctx:
        return records.update_many(ctx, ot, [ItemWrite(rid, props) for rid, props in items], src)


def drain(sc: Stagecoach) -> int:
    """Run the background work that is due to its end, in this thread, as a worker would
    (`stagecoach worker --once`); how many work items ran."""
    from stagecoach.services.worker import handlers

    return handlers.worker(sc.engine, sc.clock).run_until_idle()


def bearer(acct: Acct) -> dict[str, str]:
    """The Authorization header of the account's token."""
    return {"Authorization": f"Bearer {acct.token}"}
