"""Report parameters, conversions, percentile ranks and time buckets (pure domain)."""

from __future__ import annotations

from fractions import Fraction
from math import ceil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stagecoach.domain.catalog import Catalog
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.filters import Operator
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.report_results import FunnelResult, to_csv
from stagecoach.domain.reports import (
    MEDIAN,
    P90,
    FunnelMode,
    Interval,
    LengthBucket,
    RankSeek,
    ReportKind,
    bucket_start,
    bucket_starts,
    funnel_steps,
    nearest_rank,
    parse_params,
    reached_counts,
    seek_rank,
)
from stagecoach.domain.settings import AutomationSettings
from stagecoach.domain.stages import StageSet
from stagecoach.domain.values import iso_to_ms, ms_to_iso

CATALOG = Catalog(1, StageSet.default(), AutomationSettings(), ())


def parse(kind: ReportKind = ReportKind.FUNNEL, **raw: object):
    return parse_params(kind, raw, CATALOG)


def test_defaults_are_contacts_every_stage_in_order_ordered_mode_all_time():
    p = parse()
    assert p.object_type is ObjectType.CONTACT
    assert p.stages == StageSet.default().values
    assert p.mode is FunnelMode.ORDERED
    assert (p.start, p.end, p.as_of, p.breakdown, p.filter_groups) == (
        None, None, None, None, ())
    assert parse(ReportKind.STAGE_CHANGES).interval is Interval.WEEK


def test_query_string_forms_mean_the_same_as_json_forms():
    from_json = parse(stages=["lead", "customer"], mode="ANY", objectType="companies",
                      filterGroups=[{"filters": [{"propertyName": "city", "operator": "eq",
                                                  "value": "Oslo"}]}],
                      **{"from": "2024-01-01T00:00:00Z"})
    from_query = parse(stages="lead, customer", mode="any", objectType="0-2",
                       filterGroups='[{"filters":[{"propertyName":"city","operator":"EQ",'
                                    '"value":"Oslo"}]}]', **{"from": "2024-01-01T00:00:00.000Z"})
    assert from_json == from_query
    assert from_json.start == iso_to_ms("2024-01-01T00:00:00Z")
    assert from_json.filter_groups[0].filters[0].operator is Operator.EQ


@pytest.mark.parametrize("raw,code", [
    ({"stages": "lead,unknown"}, "INVALID_OPTION"),
    ({"stages": ""}, None),
    ({"mode": "all"}, "INVALID_OPTION"),
    ({"objectType": "deals"}, "INVALID_OPTION"),
    ({"objectType": "tickets"}, "INVALID_OPTION"),
    ({"asOf": "not a date"}, "INVALID_DATETIME"),
    ({"from": "2024-02-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"}, "INVALID_RANGE"),
    ({"breakdown": "firstname"}, "INVALID_BREAKDOWN"),
    ({"breakdown": "nope"}, "PROPERTY_DOESNT_EXIST"),
    ({"filterGroups": "{"}, "INVALID_FILTER"),
    ({"filterGroups": [{"filters": [{"propertyName": "city", "operator": "IN"}]}]},
     "INVALID_FILTER"),
    ({"filterGroups": [{"filters": [{"propertyName": "city", "operator": "HAS_PROPERTY"}]}]
      * 6}, "TOO_MANY_FILTERS"),
    ({"interval": "week"}, "UNKNOWN_PARAMETER"),
])
def test_bad_parameters_are_named_validation_errors(raw, code):
    if raw == {"stages": ""}:
        assert parse(**raw).stages == StageSet.default().values  # empty = the default
        return
    with pytest.raises(ValidationError) as err:
        parse(**raw)
    assert err.value.code == code


def test_conversions_of_a_funnel():
    steps = funnel_steps(["a", "b", "c", "d"], [10, 4, 0, 0])
    assert [s.next_step_conversion for s in steps] == [0.4, 0.0, None, None]
    assert [s.cumulative_conversion for s in steps] == [1.0, 0.4, 0.0, 0.0]
    empty = funnel_steps(["a", "b"], [0, 0])
    assert [(s.next_step_conversion, s.cumulative_conversion) for s in empty] == [
        (None, None), (None, None)]
    # `any` mode: a later stage may outnumber an earlier one.
    assert funnel_steps(["a", "b"], [2, 3])[0].next_step_conversion == 1.5


def test_reached_counts_each_record_up_to_its_furthest_step():
    assert reached_counts(4, {0: 1, 2: 2, 3: 1}) == [4, 3, 3, 1]
    assert reached_counts(2, {}) == [0, 0]


@given(st.integers(1, 10**9))
def test_nearest_rank_is_the_ceiling_of_p_times_n(n):
    for num, den in (MEDIAN, P90):
        assert nearest_rank(n, num, den) == ceil(Fraction(num, den) * n)
        assert 1 <= nearest_rank(n, num, den) <= n


def test_buckets_are_utc_days_monday_weeks_and_calendar_months():
    t = iso_to_ms("2024-02-29T23:59:59.999Z")  # a Thursday
    assert ms_to_iso(bucket_start(t, Interval.DAY)) == "2024-02-29T00:00:00.000Z"
    assert ms_to_iso(bucket_start(t, Interval.WEEK)) == "2024-02-26T00:00:00.000Z"
    assert ms_to_iso(bucket_start(t, Interval.MONTH)) == "2024-02-01T00:00:00.000Z"
    months = bucket_starts(iso_to_ms("2023-11-15T00:00:00Z"), iso_to_ms("2024-02-01T00:00:00Z"),
                           Interval.MONTH)
    assert [ms_to_iso(m)[:10] for m in months] == ["2023-11-01", "2023-12-01", "2024-01-01",
                                                  "2024-02-01"]


@given(st.integers(0, 4_000_000_000_000))
def test_a_week_bucket_starts_on_the_monday_at_or_before(ms):
    from datetime import UTC, datetime

    start = bucket_start(ms, Interval.WEEK)
    d = datetime.fromtimestamp(start / 1000, tz=UTC)
    assert d.weekday() == 0 and (d.hour, d.minute, d.second) == (0, 0, 0)
    assert 0 <= ms - start < 7 * 86_400_000


def test_funnel_csv_columns_and_nulls():
    result = FunnelResult(FunnelMode.ORDERED, ObjectType.CONTACT,
                          funnel_steps(["lead", "customer"], [4, 1]))
    assert to_csv(result.table()).splitlines() == [
        "stage,count,nextStepConversion,cumulativeConversion",
        "lead,4,0.25,1.0",
        "customer,1,,0.25",
    ]


def test_seek_rank_walks_only_the_bucket_holding_the_rank():
    buckets = [LengthBucket(2, 10, 20), LengthBucket(3, 30, 30), LengthBucket(4, 40, 70)]
    assert seek_rank(buckets, 1) == RankSeek(None, 10, 0)
    assert seek_rank(buckets, 2) == RankSeek(None, 10, 1)
    # A bucket of one length answers without a walk.
    assert seek_rank(buckets, 3) == seek_rank(buckets, 5) == RankSeek(30, 30, 0)
    assert seek_rank(buckets, 6) == RankSeek(None, 40, 0)
    assert seek_rank(buckets, 9) == RankSeek(None, 40, 3)
    with pytest.raises(ValueError):
        seek_rank(buckets, 10)


@given(st.lists(st.integers(0, 50), min_size=1, max_size=40), st.integers(1, 7), st.data())
def test_seek_rank_finds_the_length_at_every_rank(lengths: list[int], width: int,
                                                 data: st.DataObject):
    ordered = sorted(lengths)
    groups: dict[int, list[int]] = {}
    for v in ordered:
        groups.setdefault(v // width, []).append(v)
    buckets = [LengthBucket(len(g), g[0], g[-1]) for _, g in sorted(groups.items())]
    rank = data.draw(st.integers(1, len(ordered)))
    seek = seek_rank(buckets, rank)
    walked = [v for v in ordered if v >= seek.start][seek.offset]
    assert (seek.known if seek.known is not None else walked) == ordered[rank - 1]
