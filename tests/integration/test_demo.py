"""The demo account behind `make run`: realistic, consistent with its own history."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from stagecoach import demo
from stagecoach.library import Stagecoach
from stagecoach.services.integrity.verify import verify
from stagecoach.store.schema import property_history, records
from tests.conftest import pg_database_url

R, H = records.c, property_history.c


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def built(request: pytest.FixtureRequest, tmp_root: str
          ) -> Iterator[tuple[Stagecoach, int]]:
    # A database of its own: the demo's login is the same in every build.
    url = (f"sqlite:///{tmp_root}/demo.db" if request.param == "sqlite"
           else pg_database_url("demo"))
    sc = Stagecoach(url)
    made = demo.build(sc, demo.DemoSize(contacts=200, companies=20, days=40),
                      now=1_760_000_000_000)
    yield sc, made.account_id
    sc.close()


def test_demo_history_rebuilds_every_stored_lifecycle_property(
        built: tuple[Stagecoach, int]) -> None:
    sc, account_id = built
    assert list(verify(sc.engine, [account_id])) == []


def test_demo_spreads_contacts_over_the_funnel_with_history_from_several_sources(
        built: tuple[Stagecoach, int]) -> None:
    sc, account_id = built
    with sc.engine.connect() as conn:
        stages = dict(conn.execute(
            select(R.lifecyclestage, func.count()).where(
                R.account_id == account_id, R.object_type == 1).group_by(R.lifecyclestage)
        ).all())
        sources = set(conn.execute(select(H.source_type).distinct().where(
            H.account_id == account_id, H.property == "lifecyclestage")).scalars())
    assert sum(stages.values()) >= 150
    assert {"subscriber", "lead", "opportunity", "customer"} <= set(stages)
    assert {"LIFECYCLE_AUTOMATION", "CRM_UI"} <= sources


def test_demo_deals_are_named_after_their_buyer_and_plan(
        built: tuple[Stagecoach, int]) -> None:
    sc, account_id = built
    with sc.engine.connect() as conn:
        names = conn.execute(select(R.props["dealname"].as_string()).where(
            R.account_id == account_id, R.object_type == 3)).scalars().all()
    assert names
    assert all(" – " in n and n.split(" – ")[0].strip() for n in names)
    assert all(n.split(" – ")[1].endswith(("plan", "package", "agreement")) for n in names)
