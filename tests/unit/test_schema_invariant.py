"""Every table is keyed by account first, so the schema can be distributed by account."""

from __future__ import annotations

from stagecoach.store.schema import metadata


def test_every_primary_key_begins_with_account_id() -> None:
    for table in metadata.sorted_tables:
        first = list(table.primary_key.columns)[0].name
        assert first == "account_id", f"{table.name} primary key begins with {first}"


def test_every_foreign_key_includes_account_id() -> None:
    for table in metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            local = [c.name for c in fk.columns]
            remote = [e.column.name for e in fk.elements]
            assert "account_id" in local, f"{table.name}: {fk.name} lacks account_id"
            assert local.index("account_id") == remote.index("account_id"), (
                f"{table.name}: {fk.name} does not join account_id to account_id")


def test_every_unique_index_includes_account_id() -> None:
    for table in metadata.sorted_tables:
        for index in table.indexes:
            if index.unique:
                assert "account_id" in [c.name for c in index.columns], (
                    f"{table.name}: unique index {index.name} lacks account_id")
