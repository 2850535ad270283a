"""Regenerate migrations/versions/0001_initial_schema.py from store/schema.py.

Only while Stagecoach is unreleased: once a release exists, schema changes get migrations of
their own. Run: .venv/bin/python tools/regen_initial_migration.py
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from alembic import command

from stagecoach.store.core.db import make_engine
from stagecoach.store.migrate import MIGRATIONS, config

TARGET = MIGRATIONS / "versions" / "0001_initial_schema.py"
SEQUENCES = '''
# Id sequences on PostgreSQL (SQLite allocates from id_counters).
_SEQUENCES = {kinds}
'''
PG_UP = '''    if op.get_bind().dialect.name == "postgresql":
        for kind in _SEQUENCES:
            op.execute(f"CREATE SEQUENCE IF NOT EXISTS stagecoach_{kind}_seq")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for kind in _SEQUENCES:
            op.execute(f"DROP SEQUENCE IF EXISTS stagecoach_{kind}_seq")'''


def main() -> None:
    from stagecoach.store.schema import SEQUENCE_KINDS

    TARGET.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as d:
        engine = make_engine(f"sqlite:///{d}/gen.db")
        cfg = config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
    text = TARGET.read_text()
    text = text.replace("astext_type=Text()", "astext_type=sa.Text()")
    text = text.replace("ARRAY(BigInteger())", "ARRAY(sa.BigInteger())")
    text = re.sub(r"\nCreate Date: .*\n", "\n", text)
    text = re.sub(r" *# ### (commands auto generated|end Alembic).*\n", "", text)
    text = text.replace("depends_on = None\n",
                        "depends_on = None\n" + SEQUENCES.format(kinds=repr(SEQUENCE_KINDS)), 1)
    text = text.replace("def downgrade() -> None:", PG_UP, 1)
    Path(TARGET).write_text(text)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
