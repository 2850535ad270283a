"""Time in stage (rule 46) and stage changes over time (rule 47), known by construction."""

from __future__ import annotations

from stagecoach.domain.values import iso_to_ms
from stagecoach.services.records import records
from stagecoach.services.reporting import reports
from tests.helpers import UI, Acct, C

MIN = 60_000


def at(acct: Acct, iso: str) -> None:
    """The next write happens exactly at `iso` (each write advances the clock a minute)."""
    acct.now = iso_to_ms(iso) - MIN


def test_time_in_stage_uses_completed_stays_and_open_ones_separately(acct: Acct):
    a = acct.contact("lead")                      # a: lead 10 min, then MQL (open)
    acct.tick(9 * MIN)
    acct.set_stage(C, a, "marketingqualifiedlead")
    b = acct.contact("lead")                      # b: lead 30 min, then cleared
    acct.tick(29 * MIN)
    acct.update(C, b, {"lifecyclestage": ""}, UI)
    c = acct.contact("lead")                      # c: lead 20 min, MQL 5 min, lead again
    acct.tick(19 * MIN)
    acct.set_stage(C, c, "marketingqualifiedlead")
    acct.tick(4 * MIN)
    acct.set_stage(C, c, "lead", UI)
    c_back = acct.now
    acct.contact("lead")                          # d: lead, open
    d_at = acct.now
    acct.tick(100 * MIN)
    with acct.ctx_readonly() as ctx:
        res = reports.time_in_stage(ctx, {"stages": "lead,marketingqualifiedlead,customer"})
    lead, mql, customer = (s.as_json() for s in res.stages)
    assert lead["completedStays"] == 3
    assert lead["medianMs"] == 20 * MIN   # nearest rank: 2nd of [10, 20, 30]
    assert lead["p90Ms"] == 30 * MIN      # 3rd of 3
    assert lead["meanMs"] == 20 * MIN
    # Open lead stays: c (since c_back) and d (since d_at); median = the lower middle.
    assert lead["currentCount"] == 2
    assert lead["currentMedianAgeMs"] == acct.now - d_at
    assert acct.now - d_at < acct.now - c_back
    assert mql["completedStays"] == 1 and mql["medianMs"] == 5 * MIN
    assert mql["currentCount"] == 1
    assert customer == {"stage": "customer", "completedStays": 0, "medianMs": None,
                        "p90Ms": None, "meanMs": None, "currentCount": 0,
                        "currentMedianAgeMs": None}
    assert res.as_json()["objectType"] == "contacts"


def test_time_in_stage_as_of_closes_nothing_that_ended_later(acct: Acct):
    a = acct.contact("lead")
    acct.tick(9 * MIN)
    then = acct.now
    acct.set_stage(C, a, "customer")
    with acct.ctx_readonly() as ctx:
        past = reports.time_in_stage(ctx, {"stages": ["lead"], "asOf": then}).stages[0]
        now = reports.time_in_stage(ctx, {"stages": ["lead"]}).stages[0]
    assert (past.completed_stays, past.current_count, past.current_median_age_ms) == (
        0, 1, 9 * MIN)
    assert (now.completed_stays, now.median_ms, now.current_count) == (1, 10 * MIN, 0)


def test_time_in_stage_as_of_counts_records_archived_later_and_leaves_out_the_others(
        acct: Acct):
    a = acct.contact("lead")                  # leaves lead after asOf
    a_in = acct.now
    b = acct.contact("lead")                  # archived after asOf: in lead then
    b_in = acct.now
    d = acct.contact("lead")                  # archived before asOf: left out
    acct.tick(2 * MIN)
    acct.set_stage(C, d, "customer")          # a completed lead stay, of a record left out
    acct.in_unit(lambda ctx: records.archive(ctx, C, [d]))
    acct.tick(5 * MIN)
    then = acct.now
    acct.contact("lead")                      # created after asOf: left out
    acct.in_unit(lambda ctx: records.archive(ctx, C, [b]))
    acct.set_stage(C, a, "customer")
    with acct.ctx_readonly() as ctx:
        lead, customer = reports.time_in_stage(
            ctx, {"stages": ["lead", "customer"], "asOf": then}).stages
    # Open lead stays then: a (since a_in) and b (since b_in); the younger is the median.
    assert (lead.completed_stays, lead.current_count) == (0, 2)
    assert lead.current_median_age_ms == then - b_in < then - a_in
    assert lead.mean_ms is None
    assert (customer.completed_stays, customer.current_count) == (0, 0)


def test_time_in_stage_percentiles_use_nearest_rank(acct: Acct):
    for minutes in range(1, 11):  # stays of 1..10 minutes
        r = acct.contact("lead")
        acct.tick((minutes - 1) * MIN)
        acct.set_stage(C, r, "customer")
    with acct.ctx_readonly() as ctx:
        lead = reports.time_in_stage(ctx, {"stages": ["lead"]}).stages[0]
    assert (lead.median_ms, lead.p90_ms, lead.mean_ms) == (5 * MIN, 9 * MIN, 5.5 * MIN)



def test_time_in_stage_percentiles_are_exact_among_lengths_a_second_apart(acct: Acct):
    """Stays a second apart at a day's length share one length bucket on PostgreSQL (a few
    minutes wide there): the rank is walked inside it from the bucket's shortest stay."""
    day, sec = 86_400_000, 1000
    lengths = [MIN, 2 * MIN, *(day + k * sec for k in range(10))]
    for length in lengths:
        r = acct.contact("lead")
        acct.tick(length - MIN)  # the next write advances the clock one more minute
        acct.set_stage(C, r, "customer")
    expected = (day + 3 * sec, day + 8 * sec, sum(lengths) / len(lengths))  # ranks 6, 11
    everything = {"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}
    for raw in ({}, {"asOf": acct.now + 1}, everything):
        with acct.ctx_readonly() as ctx:
            lead = reports.time_in_stage(ctx, {"stages": ["lead"], **raw}).stages[0]
        assert lead.completed_stays == len(lengths)
        assert (lead.median_ms, lead.p90_ms, lead.mean_ms) == expected, raw


def build_changes(acct: Acct) -> None:
    at(acct, "2024-01-01T10:00:00Z")   # a Monday
    acct.contact("lead")
    at(acct, "2024-01-03T09:00:00Z")
    y = acct.contact("lead")
    at(acct, "2024-01-03T12:00:00Z")
    acct.set_stage(C, y, "marketingqualifiedlead")
    at(acct, "2024-01-10T08:00:00Z")
    acct.set_stage(C, y, "lead", UI)  # a re-entry counts again
    at(acct, "2024-02-15T08:00:00Z")
    acct.contact("marketingqualifiedlead")


def series(acct: Acct, **raw: object) -> dict[str, list[tuple[str, int]]]:
    raw.setdefault("stages", ["lead", "marketingqualifiedlead"])
    with acct.ctx_readonly() as ctx:
        res = reports.stage_changes(ctx, raw).as_json()
    return {s["stage"]: [(p["start"], p["count"]) for p in s["points"]] for s in res["series"]}


def test_stage_changes_per_day_include_empty_days(acct: Acct):
    build_changes(acct)
    got = series(acct, interval="day", **{"from": "2024-01-01T00:00:00Z",
                                          "to": "2024-01-04T23:59:59.999Z"})
    days = ["2024-01-01T00:00:00.000Z", "2024-01-02T00:00:00.000Z",
            "2024-01-03T00:00:00.000Z", "2024-01-04T00:00:00.000Z"]
    assert got["lead"] == list(zip(days, [1, 0, 1, 0], strict=True))
    assert got["marketingqualifiedlead"] == list(zip(days, [0, 0, 1, 0], strict=True))


def test_stage_changes_per_week_start_on_monday_and_count_re_entries(acct: Acct):
    build_changes(acct)
    got = series(acct, interval="week", **{"from": "2024-01-01T00:00:00Z",
                                           "to": "2024-01-14T00:00:00Z"})
    assert got["lead"] == [("2024-01-01T00:00:00.000Z", 2), ("2024-01-08T00:00:00.000Z", 1)]
    assert got["marketingqualifiedlead"] == [("2024-01-01T00:00:00.000Z", 1),
                                             ("2024-01-08T00:00:00.000Z", 0)]


def test_stage_changes_per_month(acct: Acct):
    build_changes(acct)
    got = series(acct, interval="month", **{"from": "2023-12-15T00:00:00Z",
                                            "to": "2024-02-20T00:00:00Z"})
    months = ["2023-12-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z",
              "2024-02-01T00:00:00.000Z"]
    assert got["lead"] == list(zip(months, [0, 3, 0], strict=True))
    assert got["marketingqualifiedlead"] == list(zip(months, [0, 1, 1], strict=True))


def test_stage_changes_as_of_ignore_later_entries(acct: Acct):
    build_changes(acct)
    got = series(acct, interval="month", asOf="2024-01-31T00:00:00Z",
                 **{"from": "2024-01-01T00:00:00Z"})
    assert got == {"lead": [("2024-01-01T00:00:00.000Z", 3)],
                   "marketingqualifiedlead": [("2024-01-01T00:00:00.000Z", 1)]}


def test_stage_changes_over_every_stage_leave_out_entries_into_deleted_stages(acct: Acct):
    from stagecoach.services.lifecycle import stages

    at(acct, "2024-01-02T10:00:00Z")
    gone = acct.contact("evangelist")
    acct.contact("lead", hs_lead_status="NEW")
    moved = acct.contact("evangelist", hs_lead_status="NEW")
    acct.update(C, gone, {"lifecyclestage": ""}, UI)  # its one entry: evangelist
    at(acct, "2024-01-03T10:00:00Z")
    # Deleting the stage moves the record still in it: an entry into customer.
    acct.in_unit(lambda ctx: stages.delete(ctx, "evangelist", replacement="customer"))
    assert acct.stage(C, moved) == "customer"

    def report(**raw: object) -> dict[str, object]:
        with acct.ctx_readonly() as ctx:
            every = [s.value for s in ctx.catalog.stages]
            out = reports.stage_changes(ctx, {"interval": "day", **raw}).as_json()
        assert [s["stage"] for s in out["series"]] == every  # every current stage, in order
        return out

    # Over all time (no stage filter in the database) and within a range (filtered).
    for raw in ({}, {"from": "2024-01-02T00:00:00Z", "to": "2024-01-03T23:59:59.999Z"}):
        got = {s["stage"]: [p["count"] for p in s["points"]]
               for s in report(**raw)["series"]}
        assert "evangelist" not in got
        assert got["lead"][:2] == [1, 0] and got["customer"][:2] == [0, 1]
        assert sum(sum(v) for v in got.values()) == 2
        # The cleared record entered nothing still reported: no "(no value)" group.
        by = report(breakdown="hs_lead_status", **raw)
        assert None not in [g["value"] for g in by["breakdown"]]
