"""Property: after any sequence of writes — creates, forward-only and backward moves,
clears, demotions, merges, several at one instant — the stored stays (the pre-aggregate
reports read) are exactly what the history gives, by the one-record rule
(domain/stays.py) and by its set form (store/lifecycle/stays.derived); and so are the stage paths
funnels read (domain/stage_paths.py), stored and in their set form."""

from __future__ import annotations

from itertools import groupby

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from stagecoach.domain import stage_paths as pd
from stagecoach.domain import stays as sd
from stagecoach.domain.errors import DomainError
from stagecoach.domain.objects import ObjectType
from stagecoach.library import Stagecoach
from stagecoach.services.core.writes import ItemWrite
from stagecoach.services.lifecycle import demotion
from stagecoach.services.records import merge, records
from stagecoach.services.records.records import NewRecord
from stagecoach.store.core.db import is_postgres
from stagecoach.store.lifecycle import stage_codes, stage_paths, stays
from stagecoach.store.schema import property_history
from tests.helpers import API, UI, Acct, C
from tests.integration.test_reports_property import SOURCES, STAGES

stage = st.sampled_from(STAGES)
step = st.one_of(
    st.tuples(st.just("create"), st.one_of(st.none(), stage)),
    st.tuples(st.sampled_from(sorted(SOURCES)), st.integers(0, 5), stage),
    st.tuples(st.just("batch"), st.integers(0, 5), stage, stage),
    st.tuples(st.just("clear"), st.integers(0, 5)),
    st.tuples(st.just("demote"), st.integers(0, 5), stage),
    st.tuples(st.just("merge"), st.integers(0, 5), st.integers(0, 5)),
)
history = st.lists(st.tuples(step, st.sampled_from([0, 0, 1, 3_600_000])), min_size=1,
                   max_size=25)


def _apply(acct: Acct, steps) -> None:  # type: ignore[no-untyped-def]
    ids: list[int] = []
    for (kind, *args), dt in steps:
        acct.now += dt
        with acct.sc.unit(acct.id, acct.now) as ctx:
            if kind == "create":
                props = {"lifecyclestage": args[0]} if args[0] else {}
                ids.append(records.create(ctx, C, [NewRecord(props)], API)[0].record_id)
                continue
            if not ids:
                continue
            rid = ids[args[0] % len(ids)]
            try:
                if kind == "clear":
                    records.update_many(ctx, C, [ItemWrite(rid, {"lifecyclestage": ""})], UI)
                elif kind == "batch":  # one record twice in one batch: two rounds, one op
                    records.update_many(ctx, C, [ItemWrite(rid, {"lifecyclestage": args[1]}),
                                                 ItemWrite(rid, {"lifecyclestage": args[2]})],
                                        UI)
                elif kind == "demote":
                    demotion.demote(ctx, C, rid, args[1], "test", UI)
                elif kind == "merge":
                    other = ids[args[1] % len(ids)]
                    if other != rid:
                        merge.merge(ctx, C, rid, other)
                else:
                    records.update_many(ctx, C, [ItemWrite(rid, {"lifecyclestage": args[1]})],
                                        SOURCES[kind])
            except DomainError:
                pass  # refused (e.g. merging an archived record): nothing was written


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=history)
def test_stored_stays_are_what_history_gives(sc: Stagecoach, steps) -> None:  # type: ignore[no-untyped-def]
    acct = Acct.new(sc)
    _apply(acct, steps)
    h = property_history.c
    with acct.ctx_readonly() as ctx:
        versions = [sd.StageVersion(r.record_id, r.id, r.value, r.ts) for r in ctx.conn.execute(
            select(h.record_id, h.id, h.value, h.ts).where(
                h.account_id == acct.id, h.object_type == int(C),
                h.property == "lifecyclestage"))]
        stored = stays.for_records(ctx.conn, acct.id, ObjectType.CONTACT, 0, 2**62)
        set_form = sorted(
            (sd.Stay(r.record_id, r.id, r.stage, r.entered_at, r.entered_day, r.exited_at,
                     r.duration_ms, r.prev_same_at)
             for r in ctx.conn.execute(stays.derived(acct.id, ObjectType.CONTACT))),
            key=lambda s: (s.record_id, s.entered_at, s.id))
        codes = stage_codes.load(ctx.conn, acct.id)
        paths = stage_paths.for_records(ctx.conn, acct.id, ObjectType.CONTACT, 0, 2**62)
        set_paths = {r.record_id: (r.path, stage_paths.times_text(r.times))
                     for r in ctx.conn.execute(stage_paths.derived(
                         acct.id, ObjectType.CONTACT, is_postgres(ctx.conn)))}
    expected = sd.from_versions(versions)
    assert stored == expected
    assert set_form == expected
    assert_paths_match(paths, expected, codes)
    assert_paths_match(set_paths, expected, codes)


def assert_paths_match(paths: dict[int, tuple[str, str]], expected: list[sd.Stay],
                       codes: dict[str, str]) -> None:
    want = {rid: list(g) for rid, g in groupby(expected, key=lambda s: s.record_id)}
    assert set(paths) == set(want)
    for rid, record_stays in want.items():
        assert pd.matches(*paths[rid], record_stays, codes), (rid, paths[rid], record_stays)
