"""Writing a unit's events, set-based, as the last thing before it commits.

The per-account `seq` grows in commit order (rule 50). On PostgreSQL a number taken early
can commit late, so numbers are not taken from a sequence: the unit first takes the
account's row of `event_counters` (an upsert, which locks it until the commit), numbers its
events from the value it finds there, and writes the new high-water mark. A second unit
writing events for the account waits on that row until the first commits, then reads the
first's mark: a block of numbers is never visible before every block below it, so a
reader polling with the last `seq` it saw never misses or repeats an event. The lock is
held only from this hook to the commit, after every other write of the unit. On SQLite
writers are serialized anyway.

Whatever the unit's size, this is four statements: the counter, the new records' events,
every other event in one INSERT ... SELECT from the rows the unit's ops wrote, the mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection

from stagecoach.domain.feed import ARCHIVED_PROPERTY, EventType
from stagecoach.domain.objects import ObjectType
from stagecoach.store.core import driver
from stagecoach.store.core.bulk import insert_many
from stagecoach.store.core.db import is_postgres
from stagecoach.store.schema import events


@dataclass(frozen=True)
class Created:
    object_type: ObjectType
    record_id: int
    op_id: int
    at: int
    source_type: str | None
    source_id: str | None


_TAKE = driver.Sql(
    "INSERT INTO event_counters (account_id, last_seq) VALUES (?, 0) "
    "ON CONFLICT (account_id) DO UPDATE SET last_seq = event_counters.last_seq "
    "RETURNING last_seq")
_MARK = driver.Sql(
    "UPDATE event_counters SET last_seq = "
    "(SELECT coalesce(max(seq), 0) FROM events WHERE account_id = ?) WHERE account_id = ?")


def record(conn: Connection, account_id: int, ops: Sequence[int],
           created: Sequence[Created]) -> int | None:
    """Write the events of everything the unit's `ops` wrote and of the records it
    created, numbered after every event committed before. Returns the seq they follow (0:
    the account's first events; None: the unit wrote nothing)."""
    if not ops:
        return None
    base = int(driver.first(conn, _TAKE, (account_id,))[0])
    insert_many(conn, events, [
        {"account_id": account_id, "seq": base + i, "event_type": EventType.CREATION.value,
         "object_type": int(c.object_type), "object_id": c.record_id, "occurred_at": c.at,
         "op_id": c.op_id, "source_type": c.source_type, "source_id": c.source_id}
        for i, c in enumerate(created, start=1)
    ])
    ordered = sorted(set(ops))
    driver.execute(conn, _from_rows(len(ordered), is_postgres(conn)),
                   (account_id, base + len(created), *([account_id, *ordered] * 4)))
    driver.execute(conn, _MARK, (account_id, account_id))
    return base


def _json(pg: bool, *pairs: str) -> str:
    return f"{'jsonb_build_object' if pg else 'json_object'}({', '.join(pairs)})"


@lru_cache(maxsize=64)
def _from_rows(n: int, pg: bool) -> driver.Sql:
    """One INSERT ... SELECT of the events of the rows `n` ops wrote, numbered after the
    first `?` in op order (within an op: versions, associations, lists, submissions)."""
    in_ops = f"op_id IN ({driver.marks(n)})"
    as_text = "TEXT"
    merged_into = ("(SELECT r.merged_into FROM records r WHERE r.account_id = h.account_id "
                   "AND r.object_type = h.object_type AND r.id = h.record_id)")
    archived = f"h.property = '{ARCHIVED_PROPERTY}'"
    history = (
        "SELECT 1 AS rnk, "
        f"CASE WHEN NOT ({archived}) THEN '{EventType.PROPERTY_CHANGE}' "
        f"WHEN h.value = 'false' THEN '{EventType.RESTORE}' "
        f"WHEN {merged_into} IS NOT NULL THEN '{EventType.MERGE}' "
        f"ELSE '{EventType.DELETION}' END AS event_type, "
        "h.object_type, h.record_id AS object_id, h.ts AS occurred_at, h.op_id, "
        f"CASE WHEN {archived} THEN NULL ELSE h.property END AS property, "
        f"CASE WHEN NOT ({archived}) THEN h.value "
        f"WHEN h.value = 'true' THEN CAST({merged_into} AS {as_text}) END AS value, "
        f"CASE WHEN {archived} THEN NULL ELSE h.old_value END AS old_value, "
        "h.source_type, h.source_id, h.cause_kind, h.cause_id, h.id AS ref_id, "
        "NULL AS detail "
        f"FROM property_history h WHERE h.account_id = ? AND h.{in_ops}")
    to_type = "'0-' || CAST(a.to_type AS TEXT)"
    # A JSON boolean: SQLite's json_object would write 0/1 for a comparison.
    removed = ("a.action <> 'add'" if pg
               else "json(CASE WHEN a.action = 'add' THEN 'false' ELSE 'true' END)")
    associations = (
        f"SELECT 2, '{EventType.ASSOCIATION_CHANGE}', a.from_type, a.from_id, a.ts, a.op_id, "
        "NULL, NULL, NULL, a.source_type, a.source_id, NULL, NULL, a.id, "
        + _json(pg, "'toObjectTypeId'", to_type, "'toObjectId'", "CAST(a.to_id AS TEXT)",
                "'associationTypeId'", "a.type_id",
                "'associationRemoved'", removed)
        + f" FROM association_history a WHERE a.account_id = ? AND a.{in_ops}")
    memberships = (
        f"SELECT 3, '{EventType.LIST_MEMBERSHIP_CHANGE}', m.object_type, m.record_id, m.at, "
        "m.op_id, NULL, NULL, NULL, m.source_type, m.source_id, NULL, NULL, m.list_id, "
        + _json(pg, "'listId'", "CAST(m.list_id AS TEXT)", "'action'",
                "CASE WHEN m.joined THEN 'ADDED' ELSE 'REMOVED' END")
        + f" FROM list_membership_log m WHERE m.account_id = ? AND m.{in_ops}")
    submissions = (
        f"SELECT 4, '{EventType.FORM_SUBMISSION}', {int(ObjectType.CONTACT)}, f.contact_id, "
        "f.submitted_at, f.op_id, NULL, NULL, NULL, 'FORM', f.form_id, NULL, NULL, f.id, "
        + _json(pg, "'formId'", "f.form_id", "'submissionId'", "CAST(f.id AS TEXT)")
        + f" FROM form_submissions f WHERE f.account_id = ? AND f.{in_ops} "
        "AND f.contact_id IS NOT NULL")
    return driver.Sql(
        "INSERT INTO events (account_id, seq, event_type, object_type, object_id, "
        "occurred_at, op_id, property, value, old_value, source_type, source_id, "
        "cause_kind, cause_id, ref_id, detail) "
        "SELECT ?, ? + row_number() OVER (ORDER BY e.op_id, e.rnk, e.ref_id), "
        "e.event_type, e.object_type, e.object_id, e.occurred_at, e.op_id, e.property, "
        "e.value, e.old_value, e.source_type, e.source_id, e.cause_kind, e.cause_id, "
        "e.ref_id, e.detail FROM ("
        f"{history} UNION ALL {associations} UNION ALL {memberships} UNION ALL "
        f"{submissions}) e")
