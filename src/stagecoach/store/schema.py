"""Every table of Stagecoach.

Invariant (checked by a test): every primary key begins with `account_id`, and every
foreign key includes it, so the schema can be distributed by account (e.g. on Citus).
Times are epoch milliseconds (BigInteger); property values live in typed JSON.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Json = JSON().with_variant(JSONB(), "postgresql")


def _account() -> Column[int]:
    return Column("account_id", BigInteger, nullable=False)


def _to_account(table: str = "") -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["account_id"], ["accounts.account_id"], ondelete="CASCADE")


accounts = Table(
    "accounts",
    metadata,
    Column("account_id", BigInteger, nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # Signs the web app's session cookies and CSRF tokens. In the database so that every
    # server process shares it; per account so that rotating it signs out only that account.
    Column("web_secret", String(64)),
    PrimaryKeyConstraint("account_id"),
)

# Per-account id counters (SQLite); PostgreSQL uses sequences instead (see store/core/ids.py).
id_counters = Table(
    "id_counters",
    metadata,
    _account(),
    Column("kind", String(40), nullable=False),
    Column("next_value", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "kind"),
    _to_account(),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    _account(),
    Column("id", BigInteger, nullable=False),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger),
    # An integration's token (automation spec rule 76): its writes carry the integration
    # as their source. None: an ordinary API token.
    Column("integration", String(100)),
    Column("expires_at", BigInteger),
    # Written at most every few minutes per server process (api/auth.py), not per request.
    Column("last_used_at", BigInteger),
    PrimaryKeyConstraint("account_id", "id"),
    Index("ix_api_tokens_hash", "account_id", "token_hash", unique=True),
    _to_account(),
)

users = Table(
    "users",
    metadata,
    _account(),
    Column("id", BigInteger, nullable=False),
    Column("email", String(254), nullable=False),
    Column("name", String(200), nullable=False, server_default=""),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "id"),
    Index("ix_users_email", "account_id", "email", unique=True),
    _to_account(),
)

lifecycle_stages = Table(
    "lifecycle_stages",
    metadata,
    _account(),
    Column("value", String(64), nullable=False),
    Column("label", String(100), nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("account_id", "value"),
    _to_account(),
)

# Every version of the stage order, so history can be replayed with the order then in
# force (rule 38: reordering changes "forward" from then on, never the past).
stage_orders = Table(
    "stage_orders",
    metadata,
    _account(),
    Column("version", BigInteger, nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("stages", Json, nullable=False),
    PrimaryKeyConstraint("account_id", "version"),
    _to_account(),
)

property_defs = Table(
    "property_defs",
    metadata,
    _account(),
    Column("object_type", SmallInteger, nullable=False),
    Column("name", String(100), nullable=False),
    Column("label", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("field_type", String(40), nullable=False),
    Column("group_name", String(100), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("options", Json, nullable=False),
    Column("builtin", Boolean, nullable=False),
    # Wire attributes of HubSpot's property shape, kept as given.
    Column("display_order", Integer, nullable=False, server_default="-1"),
    Column("hidden", Boolean, nullable=False, server_default=text("false")),
    Column("form_field", Boolean, nullable=False, server_default=text("true")),
    # DELETE archives a custom property (HubSpot's recycling bin): values stay on records.
    Column("archived", Boolean, nullable=False, server_default=text("false")),
    Column("archived_at", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "object_type", "name"),
    _to_account(),
)

records = Table(
    "records",
    metadata,
    _account(),
    Column("object_type", SmallInteger, nullable=False),
    Column("id", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("archived", Boolean, nullable=False, server_default=text("false")),
    Column("archived_at", BigInteger),
    Column("merged_into", BigInteger),
    # The hot properties, in indexed columns; every other property is in `props`.
    Column("email", String(254)),
    Column("domain", String(253)),
    Column("lifecyclestage", String(64)),
    # When the record entered its current stage (its open stay's entry; NULL without a
    # stage): derived from history like the stays, so time-in-stage reads how long records
    # have been in a stage now from the stage index alone.
    Column("stage_entered_at", BigInteger),
    Column("pipeline", String(64)),
    Column("dealstage", String(64)),
    Column("props", Json, nullable=False),
    PrimaryKeyConstraint("account_id", "object_type", "id"),
    Index(
        "ux_records_contact_email",
        "account_id",
        "email",
        unique=True,
        sqlite_where=text("object_type = 1 AND archived = 0 AND email IS NOT NULL"),
        postgresql_where=text("object_type = 1 AND NOT archived AND email IS NOT NULL"),
    ),
    Index("ix_records_domain", "account_id", "object_type", "domain"),
    Index("ix_records_dealstage", "account_id", "object_type", "pipeline", "dealstage"),
    Index("ix_records_updated", "account_id", "object_type", "updated_at"),
    # The few archived records, which reports leave out without joining every record.
    Index("ix_records_archived", "account_id", "object_type", "id",
          sqlite_where=text("archived = 1"), postgresql_where=text("archived")),
    # The web app's index pages: chip counts read only this index (GROUP BY stage), and the
    # default newest-first page walks the second one without sorting. Time in stage reads
    # the first alone too: the records in a stage now, by how long they have been there.
    Index("ix_records_list_stage", "account_id", "object_type", "archived", "lifecyclestage",
          "stage_entered_at"),
    Index("ix_records_list_created", "account_id", "object_type", "archived", "created_at",
          "id"),
    _to_account(),
)

_record_fk = ["account_id", "object_type", "record_id"]
_record_pk = ["records.account_id", "records.object_type", "records.id"]

# The append-only property history: the truth from which current values and derived
# lifecycle dates can be rebuilt. `op_id` groups the versions one step of a use case wrote,
# which is how reactions find what changed; `cause_*` points at the change that caused an
# automated version (kind "property": a property_history id; "association": an
# association_history id).
property_history = Table(
    "property_history",
    metadata,
    _account(),
    Column("id", BigInteger, nullable=False),
    Column("object_type", SmallInteger, nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("property", String(100), nullable=False),
    Column("value", Text),
    Column("old_value", Text),
    Column("ts", BigInteger, nullable=False),
    Column("source_type", String(40), nullable=False),
    Column("source_id", String(200)),
    Column("source_label", String(200)),
    Column("user_id", BigInteger),
    Column("op_id", BigInteger, nullable=False),
    Column("cause_kind", String(20)),
    Column("cause_id", BigInteger),
    Column("note", Text),
    PrimaryKeyConstraint("account_id", "id"),
    # No foreign key to `records`, on purpose: versions are written only by the store, for
    # records the same transaction created or locked, and records are never deleted (they
    # are archived). A key would cost an index probe per version, the most numerous row we
    # write, and PostgreSQL plans that probe once per connection: planned while `records`
    # looked small, it scans the account for every version (20,000 versions: 38 s instead
    # of 0.09 s on a server whose statistics lag, as they do inside one long import).
    Index("ix_history_record", "account_id", "object_type", "record_id", "property", "ts"),
    Index("ix_history_op", "account_id", "op_id"),
    Index("ix_history_property_ts", "account_id", "object_type", "property", "ts"),
    # Reports (store/reporting/) read these indexes alone: entries into one stage record by
    # record (funnels, stage changes), and every version record by record in time order
    # (stays, for time in stage).
    Index("ix_history_property_value", "account_id", "object_type", "property", "value",
          "record_id", "ts"),
    Index("ix_history_property_record", "account_id", "object_type", "property", "record_id",
          "ts", "id", "value"),
)

# Stays in a lifecycle stage, kept beside the history they are derived from, for reports
# (store/reporting/reports.py): one row per entry into a stage (a non-empty `lifecyclestage`
# version, whose id it shares), ended by the record's next stage version. Written in the
# same statement batch as that history (store/lifecycle/stays.py); `stagecoach verify` rebuilds them
# from history. `prev_same_at` is the record's previous entry into the same stage, so a
# report can count "records that entered s in a range" without DISTINCT: the entries whose
# previous one is before the range. `entered_day` lets stage changes count by day in index
# order.
#
# Both tables are insert-only: a stay's end is a row of `stay_exits`, never an update of
# its entry. Updating the entry would rewrite a row and an entry in every one of its
# indexes once per moved record (on PostgreSQL an update of an indexed column is never
# HOT); appending an exit writes one row and two index entries, and the entries keep the
# columns their indexes hold immutable.
stage_stays = Table(
    "stage_stays",
    metadata,
    _account(),
    Column("id", BigInteger, nullable=False),
    Column("object_type", SmallInteger, nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("stage", String(64), nullable=False),
    Column("entered_at", BigInteger, nullable=False),
    Column("entered_day", Integer, nullable=False),  # UTC day number: entered_at // 1 day
    Column("prev_same_at", BigInteger),
    PrimaryKeyConstraint("account_id", "id"),
    # Derived from history, which has no foreign key to records either (see there).

    # A record's stays: ending the open one, the previous entry into a stage, per-record
    # funnels (which read this index alone).
    Index("ix_stage_stays_record", "account_id", "object_type", "record_id", "stage",
          "entered_at", "prev_same_at"),
    # Entries into a stage by day and time: funnels and stage changes read this index
    # alone, and count a day's entries as they walk it (no sort, no hash).
    Index("ix_stage_stays_entry", "account_id", "object_type", "stage", "entered_day",
          "entered_at", "prev_same_at", "record_id"),
    # (No index of first entries alone: funnels over all time read stage_paths, and the
    # others read the entry index, which holds prev_same_at.)
)

# The end of a stay (keyed by the stay's id): a stay with no row here is open. It repeats
# the stay's stage, record and entry so that time in stage reads this table alone.
stay_exits = Table(
    "stay_exits",
    metadata,
    _account(),
    Column("stay_id", BigInteger, nullable=False),
    Column("object_type", SmallInteger, nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("stage", String(64), nullable=False),
    Column("entered_at", BigInteger, nullable=False),
    Column("exited_at", BigInteger, nullable=False),
    Column("duration_ms", BigInteger, nullable=False),  # exited_at - entered_at
    PrimaryKeyConstraint("account_id", "stay_id"),
    # Completed stays of a stage by length: exact percentiles are read at their rank in
    # index order instead of sorting every stay.
    Index("ix_stay_exits_duration", "account_id", "object_type", "stage", "duration_ms",
          "entered_at", "exited_at", "record_id"),
)

# A one-character code per lifecycle stage value of an account, never reused (a deleted
# stage keeps its code: its stays remain in history). Assigned when a stage set is written
# (store/auth/accounts.write_stage_set), so a stage has a code before any record enters it.
stage_codes = Table(
    "stage_codes",
    metadata,
    _account(),
    Column("stage", String(64), nullable=False),
    Column("code", String(4), nullable=False),
    PrimaryKeyConstraint("account_id", "stage"),
    # Two stage sets written at once cannot hand one code to two stages.
    Index("ix_stage_codes_code", "account_id", "code", unique=True),
    _to_account(),
)

# Each record's entries into stages, as the string of their codes in entry order (entries
# at one instant as a tie group: see store/lifecycle/stage_paths.py), derived from stage_stays and
# kept beside them. Funnels match it (with `asOf` or a range, the slice of it its times
# select) with one pattern per step instead of reading every stay: "entered s1, then s2,
# then s3" is a subsequence test.
stage_paths = Table(
    "stage_paths",
    metadata,
    _account(),
    Column("object_type", SmallInteger, nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("path", Text, nullable=False),
    Column("last_at", BigInteger, nullable=False),  # the latest entry's time
    # The entry time of each character of the path (domain/stage_paths.py): funnels with
    # `asOf` or a range match the slice of the path those times select. PostgreSQL keeps
    # them as an array, which width_bucket searches; SQLite as fixed-width text blocks.
    Column("times", Text().with_variant(ARRAY(BigInteger), "postgresql"), nullable=False),
    PrimaryKeyConstraint("account_id", "object_type", "record_id"),
    # On SQLite the row lives in its key's b-tree: a breakdown's join from a record finds
    # its path in one seek, not two (key, then rowid).
    sqlite_with_rowid=False,
)

associations = Table(
    "associations",
    metadata,
    _account(),
    Column("from_type", SmallInteger, nullable=False),
    Column("from_id", BigInteger, nullable=False),
    Column("to_type", SmallInteger, nullable=False),
    Column("to_id", BigInteger, nullable=False),
    Column("type_id", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "from_type", "from_id", "to_type", "to_id", "type_id"),
    ForeignKeyConstraint(
        ["account_id", "from_type", "from_id"], _record_pk, ondelete="CASCADE"
    ),
    ForeignKeyConstraint(["account_id", "to_type", "to_id"], _record_pk, ondelete="CASCADE"),
    # At most one primary company per contact (type 1) and per deal (type 5).
    Index(
        "ux_associations_single_primary",
        "account_id",
        "from_type",
        "from_id",
        "type_id",
        unique=True,
        sqlite_where=text("type_id IN (1, 5)"),
        postgresql_where=text("type_id IN (1, 5)"),
    ),
    Index("ix_associations_to", "account_id", "to_type", "to_id", "type_id"),
)

association_history = Table(
    "association_history",
    metadata,
    _account(),
    Column("id", BigInteger, nullable=False),
    Column("op_id", BigInteger, nullable=False),
    Column("from_type", SmallInteger, nullable=False),
    Column("from_id", BigInteger, nullable=False),
    Column("to_type", SmallInteger, nullable=False),
    Column("to_id", BigInteger, nullable=False),
    Column("type_id", Integer, nullable=False),
    Column("action", String(10), nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("source_type", String(40), nullable=False),
    Column("source_id", String(200)),
    Column("user_id", BigInteger),
    PrimaryKeyConstraint("account_id", "id"),
    Index("ix_association_history_op", "account_id", "op_id"),
    Index("ix_association_history_from", "account_id", "from_type", "from_id"),
    _to_account(),
)

pipelines = Table(
    "pipelines",
    metadata,
    _account(),
    Column("id", String(64), nullable=False),
    Column("object_type", SmallInteger, nullable=False),
    Column("label", String(200), nullable=False),
    Column("display_order", Integer, nullable=False),
    Column("archived", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "id"),
    _to_account(),
)

pipeline_stages = Table(
    "pipeline_stages",
    metadata,
    _account(),
    Column("id", String(64), nullable=False),
    Column("pipeline_id", String(64), nullable=False),
    Column("label", String(200), nullable=False),
    Column("display_order", Integer, nullable=False),
    Column("probability", Float, nullable=False),
    Column("is_closed", Boolean, nullable=False),
    Column("archived", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "id"),
    ForeignKeyConstraint(
        ["account_id", "pipeline_id"],
        ["pipelines.account_id", "pipelines.id"],
        ondelete="CASCADE",
    ),
)

account_settings = Table(
    "account_settings",
    metadata,
    _account(),
    Column("settings", Json, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id"),
    _to_account(),
)

# Writes the forward-only policy refused (rule 6): never silent.
blocked_writes = Table(
    "blocked_writes",
    metadata,
    _account(),
    Column("id", BigInteger, nullable=False),
    Column("object_type", SmallInteger, nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("property", String(100), nullable=False),
    Column("attempted_value", Text),
    Column("kept_value", Text),
    Column("source_type", String(40), nullable=False),
    Column("source_id", String(200)),
    Column("source_label", String(200)),
    Column("user_id", BigInteger),
    Column("reason", String(40), nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("op_id", BigInteger, nullable=False),
    Column("cause_kind", String(20)),
    Column("cause_id", BigInteger),
    PrimaryKeyConstraint("account_id", "id"),
    ForeignKeyConstraint(_record_fk, _record_pk, ondelete="CASCADE"),
    Index("ix_blocked_writes_record", "account_id", "object_type", "record_id"),
)

# Scratch rows of one step of a use case: the stage moves to apply set-based.
stage_moves = Table(
    "stage_moves",
    metadata,
    _account(),
    Column("op_id", BigInteger, nullable=False),
    Column("object_type", SmallInteger, nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("target", String(64)),
    Column("forward_only", Boolean, nullable=False),
    Column("source_type", String(40), nullable=False),
    Column("source_id", String(200)),
    Column("source_label", String(200)),
    Column("user_id", BigInteger),
    Column("cause_kind", String(20)),
    Column("cause_id", BigInteger),
    Column("note", Text),
    PrimaryKeyConstraint("account_id", "op_id", "object_type", "record_id"),
    _to_account(),
)

jobs = Table(
    "jobs",
    metadata,
    _account(),
    Column("id", BigInteger, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("state", String(20), nullable=False),
    Column("processed", BigInteger, nullable=False, server_default="0"),
    Column("total", BigInteger, nullable=False, server_default="0"),
    Column("params", Json, nullable=False),
    Column("result", Json),
    Column("error", Text),
    Column("created_by", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "id"),
    Index("ix_jobs_state", "account_id", "state"),
    _to_account(),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    _account(),
    Column("key", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "key"),
    _to_account(),
)

# Per-token request counts of fixed 10-second windows (api spec section 9). Server
# processes lease blocks of permits from these rows (api/ratelimit.py), so a request
# costs a write only once per block, never a write lock per read.
rate_limit_windows = Table(
    "rate_limit_windows",
    metadata,
    _account(),
    Column("token_id", BigInteger, nullable=False),
    Column("window_start", BigInteger, nullable=False),
    Column("used", Integer, nullable=False),
    PrimaryKeyConstraint("account_id", "token_id", "window_start"),
    _to_account(),
)

# Saved views of the web app's index pages: a named filter, columns and sort, owned by one
# user (personal) or by nobody (shared with the account).
saved_views = Table(
    "saved_views",
    metadata,
    _account(),
    Column("id", BigInteger, nullable=False),
    Column("object_type", SmallInteger, nullable=False),
    Column("name", String(100), nullable=False),
    Column("owner_user_id", BigInteger),
    Column("stages", Json, nullable=False),
    Column("query", String(200), nullable=False, server_default=""),
    Column("lead_status", String(64)),
    Column("columns", Json, nullable=False),
    Column("sort", String(120), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "id"),
    Index("ix_saved_views_type", "account_id", "object_type"),
    _to_account(),
)

# Forms (lifecycle spec rule 33; api spec section 7). `id` is the form's guid.
forms = Table(
    "forms",
    metadata,
    _account(),
    Column("id", String(36), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("fields", Json, nullable=False),
    Column("contact_stage", String(64)),
    Column("company_stage", String(64)),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "id"),
    _to_account(),
)

form_submissions = Table(
    "form_submissions",
    metadata,
    _account(),
    Column("form_id", String(36), nullable=False),
    Column("id", BigInteger, nullable=False),
    Column("submitted_at", BigInteger, nullable=False),
    Column("page_uri", Text),
    Column("page_name", Text),
    Column("values", Json, nullable=False),
    Column("contact_id", BigInteger),
    # The step that stored it: the change feed finds a unit's submissions by its ops.
    Column("op_id", BigInteger),
    PrimaryKeyConstraint("account_id", "form_id", "id"),
    Index("ix_form_submissions_op", "account_id", "op_id"),
    ForeignKeyConstraint(["account_id", "form_id"], ["forms.account_id", "forms.id"],
                         ondelete="CASCADE"),
)

# Imports (rule 34): a job that reads its file in chunks and commits each chunk together
# with `next_row`, so a crash resumes exactly after the last committed chunk.
imports = Table(
    "imports",
    metadata,
    _account(),
    Column("id", BigInteger, nullable=False),
    Column("name", String(200), nullable=False),
    Column("object_type", SmallInteger, nullable=False),
    Column("state", String(20), nullable=False),
    Column("file_path", Text, nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("file_sha256", String(64)),
    Column("mapping", Json, nullable=False),
    Column("options", Json, nullable=False),
    # Data rows in the file (known once the file has been checked) and the number of data
    # rows already committed: the next run starts at row next_row + 1.
    Column("total_rows", BigInteger),
    Column("next_row", BigInteger, nullable=False, server_default="0"),
    Column("created_count", BigInteger, nullable=False, server_default="0"),
    Column("updated_count", BigInteger, nullable=False, server_default="0"),
    Column("unchanged_count", BigInteger, nullable=False, server_default="0"),
    Column("error_count", BigInteger, nullable=False, server_default="0"),
    Column("failure", Text),
    Column("created_by", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger),
    PrimaryKeyConstraint("account_id", "id"),
    Index("ix_imports_state", "account_id", "state"),
    _to_account(),
)

import_errors = Table(
    "import_errors",
    metadata,
    _account(),
    Column("import_id", BigInteger, nullable=False),
    Column("row_number", BigInteger, nullable=False),
    Column("column_name", Text),
    Column("error_type", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("invalid_value", Text),
    Column("raw_row", Json, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "import_id", "row_number"),
    ForeignKeyConstraint(["account_id", "import_id"], ["imports.account_id", "imports.id"],
                         ondelete="CASCADE"),
)

# The work queue of background work (automation spec rules 79-80; store/worker/work_items.py
# says why it is a table of its own). An item is the work to do on one row of another
# table (an import, a job, later a webhook delivery or a workflow timer): `kind` names the
# table, `ref_id` the row, so enqueueing the same work twice is one item. PENDING items are
# due at `scheduled_for`; a worker running one holds a lease (`leased_by` until
# `leased_until`) that it renews, so the item of a worker that died is due again when its
# lease runs out.
work_items = Table(
    "work_items",
    metadata,
    _account(),
    Column("kind", String(40), nullable=False),
    Column("ref_id", BigInteger, nullable=False),
    Column("state", String(20), nullable=False),
    Column("scheduled_for", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("leased_by", String(120)),
    Column("leased_until", BigInteger),
    Column("last_error", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger),
    PrimaryKeyConstraint("account_id", "kind", "ref_id"),
    # Workers claim across accounts, oldest due first.
    Index("ix_work_items_due", "state", "scheduled_for"),
    _to_account(),
)

# The last heartbeat of each worker process, for /health. Workers serve every account, so
# their rows sit under account_id 0, the installation, which no account has (accounts
# begin at 100001): the key still begins with account_id, and on a distributed database
# this small table lives whole on one node.
INSTALLATION = 0
worker_heartbeats = Table(
    "worker_heartbeats",
    metadata,
    _account(),
    Column("worker_id", String(120), nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("beat_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "worker_id"),
)

# The change feed (automation spec rules 49-53): every committed change as events, in the
# transaction that made it. `seq` is per account and grows in commit order: a unit takes
# its block of numbers from `event_counters` as the last thing before it commits, and the
# row lock it takes there is held to the commit, so a later block is never visible before
# an earlier one (store/feed/events.py). `ref_id` is the row the event was made from (a
# history version, an association change, a list, a form submission).
events = Table(
    "events",
    metadata,
    _account(),
    Column("seq", BigInteger, nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("object_type", SmallInteger, nullable=False),
    Column("object_id", BigInteger, nullable=False),
    Column("occurred_at", BigInteger, nullable=False),
    Column("op_id", BigInteger, nullable=False),
    Column("property", String(100)),
    Column("value", Text),
    Column("old_value", Text),
    Column("source_type", String(40)),
    Column("source_id", String(200)),
    Column("cause_kind", String(20)),
    Column("cause_id", BigInteger),
    Column("ref_id", BigInteger),
    Column("detail", Json),
    # No other index: the feed is read and purged in seq order (a second index would cost
    # a fifth more on every write of a cascade's events).
    PrimaryKeyConstraint("account_id", "seq"),
    _to_account(),
)

event_counters = Table(
    "event_counters",
    metadata,
    _account(),
    Column("last_seq", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id"),
    _to_account(),
)

# Lists (rules 54-59). DYNAMIC lists hold exactly the records their filters match, kept in
# the transaction of every change (services/lists/maintain.py); MANUAL and SNAPSHOT lists
# hold what was put in them. A deleted list is archived, so it can be restored.
lists = Table(
    "lists",
    metadata,
    _account(),
    Column("id", BigInteger, nullable=False),
    Column("object_type", SmallInteger, nullable=False),
    Column("name", String(200), nullable=False),
    Column("processing_type", String(20), nullable=False),
    Column("filter_branch", Json),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("filters_updated_at", BigInteger),
    Column("archived_at", BigInteger),
    PrimaryKeyConstraint("account_id", "id"),
    Index("ux_lists_name", "account_id", "object_type", "name", unique=True,
          sqlite_where=text("archived = 0"), postgresql_where=text("NOT archived")),
    _to_account(),
)

list_memberships = Table(
    "list_memberships",
    metadata,
    _account(),
    Column("list_id", BigInteger, nullable=False),
    Column("object_type", SmallInteger, nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("added_at", BigInteger, nullable=False),  # membershipTimestamp
    Column("first_added_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "list_id", "record_id"),
    Index("ix_list_memberships_record", "account_id", "object_type", "record_id", "list_id"),
    Index("ix_list_memberships_joined", "account_id", "list_id", "added_at", "record_id"),
    ForeignKeyConstraint(["account_id", "list_id"], ["lists.account_id", "lists.id"],
                         ondelete="CASCADE"),
)

# Every join and leave, by the op that caused it: the change feed's list events, a list's
# "first added" times after a record left and came back, and membership as of a past time.
list_membership_log = Table(
    "list_membership_log",
    metadata,
    _account(),
    Column("op_id", BigInteger, nullable=False),
    Column("list_id", BigInteger, nullable=False),
    Column("object_type", SmallInteger, nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("joined", Boolean, nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("source_type", String(40), nullable=False),
    Column("source_id", String(200)),
    PrimaryKeyConstraint("account_id", "op_id", "list_id", "record_id"),
    Index("ix_list_membership_log_list", "account_id", "list_id", "record_id", "at"),
)

# PostgreSQL sequences behind store/core/ids.py (SQLite uses id_counters).
SEQUENCE_KINDS = (
    "record", "history", "association_history", "blocked", "op", "job", "token", "user",
    "stage", "pipeline", "stage_order", "saved_view", "form_submission", "import",
    "list",
)
