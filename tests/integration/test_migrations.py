"""The Alembic migrations, on SQLite and PostgreSQL: they build exactly the schema that
store/schema.py declares, and upgrading a database that an older server left with
unfinished imports and settings jobs queues that work for the worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine

from stagecoach.domain import imports as import_rules
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.settings import AutomationSettings
from stagecoach.library import Stagecoach
from stagecoach.services.core import uow
from stagecoach.services.importing import imports
from stagecoach.services.lifecycle import backfill
from stagecoach.store import migrate
from stagecoach.store.auth import accounts
from stagecoach.store.catalog.catalog import current_catalog
from stagecoach.store.core import db
from stagecoach.store.importing import imports as import_store
from stagecoach.store.schema import metadata
from stagecoach.store.worker import jobs, work_items
from tests.conftest import pg_database_url
from tests.helpers import T0, drain


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = (f"sqlite:///{tmp_path}/migrations.db" if request.param == "sqlite"
           else pg_database_url("migrations"))
    made = db.make_engine(url)
    yield made
    made.dispose()


def _upgrade_to(engine: Engine, revision: str) -> None:
    cfg = migrate.config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_the_migrations_build_exactly_the_declared_schema(engine: Engine) -> None:
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_upgrading_queues_the_unfinished_work_an_older_server_left(engine: Engine,
                                                                   tmp_path: Path) -> None:
    _upgrade_to(engine, "0001")
    csv = tmp_path / "old.csv"
    csv.write_text("email\nold@example.test\n", encoding="utf-8")

    def older_server(conn: Connection) -> tuple[int, int, int, int]:
        """What an older server wrote: no work items (it resumed its work at start)."""
        aid = accounts.create_account(conn, "Old", T0)
        mapping = import_rules.build_mapping(current_catalog(conn, aid), ObjectType.CONTACT,
                                             ["email"], None, None)
        made = [import_store.create(
            conn, aid, name=name, object_type=ObjectType.CONTACT, file_path=str(csv),
            file_name=csv.name, file_size=csv.stat().st_size,
            mapping=import_rules.mapping_to_json(mapping), options={"header": ["email"]},
            created_by=None, now=T0) for name in ("unfinished", "done")]
        import_store.finish(conn, aid, made[1], import_store.State.DONE, T0)
        job = jobs.create(conn, aid, backfill.KIND, {
            "keys": ["createDefault"], "settings": AutomationSettings().to_json()}, 0, None,
            T0)
        return aid, made[0], made[1], job

    aid, unfinished, done, job = uow.run_conn(engine, older_server)
    migrate.upgrade(engine)
    queued = uow.run_conn(engine, lambda conn: {
        (kind, ref): work_items.get(conn, aid, kind, ref)
        for kind, ref in ((imports.KIND, unfinished), (imports.KIND, done),
                          (backfill.KIND, job))}, readonly=True)
    assert queued[(imports.KIND, done)] is None
    for key in ((imports.KIND, unfinished), (backfill.KIND, job)):
        item = queued[key]
        assert item is not None and (item.state, item.scheduled_for) == ("PENDING", 0)
    # The first worker to run finishes the import.
    sc = Stagecoach(engine=engine, upgrade=False)
    drain(sc)
    with sc.unit(aid, readonly=True) as ctx:
        assert imports.get(ctx, unfinished).state is import_store.State.DONE
        assert backfill.get(ctx, job)["state"] == "DONE"
