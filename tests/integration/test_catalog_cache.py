"""A server process keeps each account's catalog between requests (store/catalog/catalog.py) and
checks one version stamp per unit of work: a change made by another process (here: another
engine on the same database) is seen by the very next unit of work."""

from __future__ import annotations

import re
from pathlib import Path

from stagecoach.domain.objects import ObjectType
from stagecoach.library import Stagecoach
from stagecoach.services.catalog import properties
from stagecoach.services.catalog.property_input import PropertySpec
from stagecoach.services.lifecycle import settings
from tests.helpers import Acct

SRC = Path(__file__).resolve().parents[2] / "src" / "stagecoach"
CATALOG_TABLES = ("property_defs", "pipelines", "pipeline_stages", "account_settings",
                  "lifecycle_stages")
# The only modules that write catalog tables; each write there bumps the catalog version.
WRITERS = {"store/auth/accounts.py", "store/lifecycle/settings.py",
           "store/catalog/property_defs.py", "store/catalog/pipeline_rows.py"}


def _other_process(sc: Stagecoach) -> Stagecoach:
    return Stagecoach(str(sc.engine.url.render_as_string(hide_password=False)), upgrade=False)


def test_a_settings_change_in_another_process_is_seen_by_the_next_unit(
        sc: Stagecoach, acct: Acct) -> None:
    other = _other_process(sc)
    try:
        with other.unit(acct.id) as ctx:
            assert ctx.catalog.settings.sync_with_primary_company is False
        with acct.unit() as ctx:
            settings.patch(ctx, {"syncWithPrimaryCompany": True})
        with other.unit(acct.id) as ctx:
            assert ctx.catalog.settings.sync_with_primary_company is True
    finally:
        other.close()


def test_a_new_property_in_another_process_is_seen_by_the_next_unit(
        sc: Stagecoach, acct: Acct) -> None:
    other = _other_process(sc)
    try:
        with other.unit(acct.id) as ctx:
            assert ctx.catalog.definition(ObjectType.CONTACT, "favourite_colour") is None
        with acct.unit() as ctx:
            properties.create(ctx, ObjectType.CONTACT, PropertySpec(
                name="favourite_colour", label="Favourite colour", type="string",
                field_type="text", group_name="contactinformation"))
        with other.unit(acct.id) as ctx:
            assert ctx.catalog.definition(ObjectType.CONTACT, "favourite_colour") is not None
    finally:
        other.close()


def test_a_rolled_back_change_leaves_the_catalog_as_it_was(sc: Stagecoach, acct: Acct) -> None:
    class Undo(Exception):
        pass

    try:
        with acct.unit() as ctx:
            settings.patch(ctx, {"syncWithPrimaryCompany": True})
            raise Undo
    except Undo:
        pass
    with acct.unit() as ctx:
        assert ctx.catalog.settings.sync_with_primary_company is False


def test_only_the_versioned_store_modules_write_catalog_tables() -> None:
    tables = "|".join(CATALOG_TABLES)
    write = re.compile(rf"\b({tables})\.(insert|delete|update)\(\)|\b(update|delete|insert)\("
                       rf"({tables})\b|\b(INSERT INTO|UPDATE|DELETE FROM)\s+\"?({tables})\b")
    offenders = [
        str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
        if "migrations" not in path.parts and str(path.relative_to(SRC)) not in WRITERS
        and write.search(path.read_text())
    ]
    assert offenders == []
