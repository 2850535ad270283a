"""initial schema

Revision ID: 0001
Revises: 
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# Id sequences on PostgreSQL (SQLite allocates from id_counters).
_SEQUENCES = ('record', 'history', 'association_history', 'blocked', 'op', 'job', 'token', 'user', 'stage', 'pipeline', 'stage_order', 'saved_view', 'form_submission', 'import')


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('web_secret', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_accounts'))
    )
    op.create_table('property_history',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('property', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('ts', sa.BigInteger(), nullable=False),
    sa.Column('source_type', sa.String(length=40), nullable=False),
    sa.Column('source_id', sa.String(length=200), nullable=True),
    sa.Column('source_label', sa.String(length=200), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('op_id', sa.BigInteger(), nullable=False),
    sa.Column('cause_kind', sa.String(length=20), nullable=True),
    sa.Column('cause_id', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('account_id', 'id', name=op.f('pk_property_history'))
    )
    with op.batch_alter_table('property_history', schema=None) as batch_op:
        batch_op.create_index('ix_history_op', ['account_id', 'op_id'], unique=False)
        batch_op.create_index('ix_history_property_record', ['account_id', 'object_type', 'property', 'record_id', 'ts', 'id', 'value'], unique=False)
        batch_op.create_index('ix_history_property_ts', ['account_id', 'object_type', 'property', 'ts'], unique=False)
        batch_op.create_index('ix_history_property_value', ['account_id', 'object_type', 'property', 'value', 'record_id', 'ts'], unique=False)
        batch_op.create_index('ix_history_record', ['account_id', 'object_type', 'record_id', 'property', 'ts'], unique=False)

    op.create_table('stage_paths',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('last_at', sa.BigInteger(), nullable=False),
    sa.Column('times', sa.Text().with_variant(postgresql.ARRAY(sa.BigInteger()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('account_id', 'object_type', 'record_id', name=op.f('pk_stage_paths')),
    sqlite_with_rowid=False
    )
    op.create_table('stage_stays',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('stage', sa.String(length=64), nullable=False),
    sa.Column('entered_at', sa.BigInteger(), nullable=False),
    sa.Column('entered_day', sa.Integer(), nullable=False),
    sa.Column('prev_same_at', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('account_id', 'id', name=op.f('pk_stage_stays'))
    )
    with op.batch_alter_table('stage_stays', schema=None) as batch_op:
        batch_op.create_index('ix_stage_stays_entry', ['account_id', 'object_type', 'stage', 'entered_day', 'entered_at', 'prev_same_at', 'record_id'], unique=False)
        batch_op.create_index('ix_stage_stays_record', ['account_id', 'object_type', 'record_id', 'stage', 'entered_at', 'prev_same_at'], unique=False)

    op.create_table('stay_exits',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('stay_id', sa.BigInteger(), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('stage', sa.String(length=64), nullable=False),
    sa.Column('entered_at', sa.BigInteger(), nullable=False),
    sa.Column('exited_at', sa.BigInteger(), nullable=False),
    sa.Column('duration_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('account_id', 'stay_id', name=op.f('pk_stay_exits'))
    )
    with op.batch_alter_table('stay_exits', schema=None) as batch_op:
        batch_op.create_index('ix_stay_exits_duration', ['account_id', 'object_type', 'stage', 'duration_ms', 'entered_at', 'exited_at', 'record_id'], unique=False)

    op.create_table('account_settings',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_account_settings_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_account_settings'))
    )
    op.create_table('api_tokens',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('revoked_at', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_api_tokens_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'id', name=op.f('pk_api_tokens'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_api_tokens_hash', ['account_id', 'token_hash'], unique=True)

    op.create_table('association_history',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('op_id', sa.BigInteger(), nullable=False),
    sa.Column('from_type', sa.SmallInteger(), nullable=False),
    sa.Column('from_id', sa.BigInteger(), nullable=False),
    sa.Column('to_type', sa.SmallInteger(), nullable=False),
    sa.Column('to_id', sa.BigInteger(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('ts', sa.BigInteger(), nullable=False),
    sa.Column('source_type', sa.String(length=40), nullable=False),
    sa.Column('source_id', sa.String(length=200), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_association_history_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'id', name=op.f('pk_association_history'))
    )
    with op.batch_alter_table('association_history', schema=None) as batch_op:
        batch_op.create_index('ix_association_history_from', ['account_id', 'from_type', 'from_id'], unique=False)
        batch_op.create_index('ix_association_history_op', ['account_id', 'op_id'], unique=False)

    op.create_table('forms',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('contact_stage', sa.String(length=64), nullable=True),
    sa.Column('company_stage', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_forms_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'id', name=op.f('pk_forms'))
    )
    op.create_table('id_counters',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('next_value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_id_counters_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'kind', name=op.f('pk_id_counters'))
    )
    op.create_table('idempotency_keys',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_idempotency_keys_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'key', name=op.f('pk_idempotency_keys'))
    )
    op.create_table('imports',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('file_path', sa.Text(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_size', sa.BigInteger(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('mapping', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('total_rows', sa.BigInteger(), nullable=True),
    sa.Column('next_row', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('created_count', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('updated_count', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('unchanged_count', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('error_count', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('failure', sa.Text(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.Column('finished_at', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_imports_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'id', name=op.f('pk_imports'))
    )
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.create_index('ix_imports_state', ['account_id', 'state'], unique=False)

    op.create_table('jobs',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('processed', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('total', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_jobs_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_state', ['account_id', 'state'], unique=False)

    op.create_table('lifecycle_stages',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_lifecycle_stages_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'value', name=op.f('pk_lifecycle_stages'))
    )
    op.create_table('pipelines',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('display_order', sa.Integer(), nullable=False),
    sa.Column('archived', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_pipelines_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'id', name=op.f('pk_pipelines'))
    )
    op.create_table('property_defs',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('field_type', sa.String(length=40), nullable=False),
    sa.Column('group_name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('display_order', sa.Integer(), server_default='-1', nullable=False),
    sa.Column('hidden', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('form_field', sa.Boolean(), server_default=sa.text('(true)'), nullable=False),
    sa.Column('archived', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('archived_at', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_property_defs_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'object_type', 'name', name=op.f('pk_property_defs'))
    )
    op.create_table('rate_limit_windows',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('token_id', sa.BigInteger(), nullable=False),
    sa.Column('window_start', sa.BigInteger(), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_rate_limit_windows_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'token_id', 'window_start', name=op.f('pk_rate_limit_windows'))
    )
    op.create_table('records',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.Column('archived', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('archived_at', sa.BigInteger(), nullable=True),
    sa.Column('merged_into', sa.BigInteger(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('domain', sa.String(length=253), nullable=True),
    sa.Column('lifecyclestage', sa.String(length=64), nullable=True),
    sa.Column('stage_entered_at', sa.BigInteger(), nullable=True),
    sa.Column('pipeline', sa.String(length=64), nullable=True),
    sa.Column('dealstage', sa.String(length=64), nullable=True),
    sa.Column('props', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_records_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'object_type', 'id', name=op.f('pk_records'))
    )
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index('ix_records_archived', ['account_id', 'object_type', 'id'], unique=False, sqlite_where=sa.text('archived = 1'), postgresql_where=sa.text('archived'))
        batch_op.create_index('ix_records_dealstage', ['account_id', 'object_type', 'pipeline', 'dealstage'], unique=False)
        batch_op.create_index('ix_records_domain', ['account_id', 'object_type', 'domain'], unique=False)
        batch_op.create_index('ix_records_list_created', ['account_id', 'object_type', 'archived', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_records_list_stage', ['account_id', 'object_type', 'archived', 'lifecyclestage', 'stage_entered_at'], unique=False)
        batch_op.create_index('ix_records_updated', ['account_id', 'object_type', 'updated_at'], unique=False)
        batch_op.create_index('ux_records_contact_email', ['account_id', 'email'], unique=True, sqlite_where=sa.text('object_type = 1 AND archived = 0 AND email IS NOT NULL'), postgresql_where=sa.text('object_type = 1 AND NOT archived AND email IS NOT NULL'))

    op.create_table('saved_views',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('owner_user_id', sa.BigInteger(), nullable=True),
    sa.Column('stages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('query', sa.String(length=200), server_default='', nullable=False),
    sa.Column('lead_status', sa.String(length=64), nullable=True),
    sa.Column('columns', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('sort', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_saved_views_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'id', name=op.f('pk_saved_views'))
    )
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.create_index('ix_saved_views_type', ['account_id', 'object_type'], unique=False)

    op.create_table('stage_codes',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('stage', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=4), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_stage_codes_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'stage', name=op.f('pk_stage_codes'))
    )
    with op.batch_alter_table('stage_codes', schema=None) as batch_op:
        batch_op.create_index('ix_stage_codes_code', ['account_id', 'code'], unique=True)

    op.create_table('stage_moves',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('op_id', sa.BigInteger(), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=True),
    sa.Column('forward_only', sa.Boolean(), nullable=False),
    sa.Column('source_type', sa.String(length=40), nullable=False),
    sa.Column('source_id', sa.String(length=200), nullable=True),
    sa.Column('source_label', sa.String(length=200), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('cause_kind', sa.String(length=20), nullable=True),
    sa.Column('cause_id', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_stage_moves_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'op_id', 'object_type', 'record_id', name=op.f('pk_stage_moves'))
    )
    op.create_table('stage_orders',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('ts', sa.BigInteger(), nullable=False),
    sa.Column('stages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_stage_orders_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'version', name=op.f('pk_stage_orders'))
    )
    op.create_table('users',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_users_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'id', name=op.f('pk_users'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_email', ['account_id', 'email'], unique=True)

    op.create_table('associations',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('from_type', sa.SmallInteger(), nullable=False),
    sa.Column('from_id', sa.BigInteger(), nullable=False),
    sa.Column('to_type', sa.SmallInteger(), nullable=False),
    sa.Column('to_id', sa.BigInteger(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id', 'from_type', 'from_id'], ['records.account_id', 'records.object_type', 'records.id'], name=op.f('fk_associations_account_id_from_type_from_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['account_id', 'to_type', 'to_id'], ['records.account_id', 'records.object_type', 'records.id'], name=op.f('fk_associations_account_id_to_type_to_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'from_type', 'from_id', 'to_type', 'to_id', 'type_id', name=op.f('pk_associations'))
    )
    with op.batch_alter_table('associations', schema=None) as batch_op:
        batch_op.create_index('ix_associations_to', ['account_id', 'to_type', 'to_id', 'type_id'], unique=False)
        batch_op.create_index('ux_associations_single_primary', ['account_id', 'from_type', 'from_id', 'type_id'], unique=True, sqlite_where=sa.text('type_id IN (1, 5)'), postgresql_where=sa.text('type_id IN (1, 5)'))

    op.create_table('blocked_writes',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('property', sa.String(length=100), nullable=False),
    sa.Column('attempted_value', sa.Text(), nullable=True),
    sa.Column('kept_value', sa.Text(), nullable=True),
    sa.Column('source_type', sa.String(length=40), nullable=False),
    sa.Column('source_id', sa.String(length=200), nullable=True),
    sa.Column('source_label', sa.String(length=200), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('ts', sa.BigInteger(), nullable=False),
    sa.Column('op_id', sa.BigInteger(), nullable=False),
    sa.Column('cause_kind', sa.String(length=20), nullable=True),
    sa.Column('cause_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['account_id', 'object_type', 'record_id'], ['records.account_id', 'records.object_type', 'records.id'], name=op.f('fk_blocked_writes_account_id_object_type_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'id', name=op.f('pk_blocked_writes'))
    )
    with op.batch_alter_table('blocked_writes', schema=None) as batch_op:
        batch_op.create_index('ix_blocked_writes_record', ['account_id', 'object_type', 'record_id'], unique=False)

    op.create_table('form_submissions',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('form_id', sa.String(length=36), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('submitted_at', sa.BigInteger(), nullable=False),
    sa.Column('page_uri', sa.Text(), nullable=True),
    sa.Column('page_name', sa.Text(), nullable=True),
    sa.Column('values', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('contact_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['account_id', 'form_id'], ['forms.account_id', 'forms.id'], name=op.f('fk_form_submissions_account_id_form_id_forms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'form_id', 'id', name=op.f('pk_form_submissions'))
    )
    op.create_table('import_errors',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('import_id', sa.BigInteger(), nullable=False),
    sa.Column('row_number', sa.BigInteger(), nullable=False),
    sa.Column('column_name', sa.Text(), nullable=True),
    sa.Column('error_type', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('invalid_value', sa.Text(), nullable=True),
    sa.Column('raw_row', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id', 'import_id'], ['imports.account_id', 'imports.id'], name=op.f('fk_import_errors_account_id_import_id_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'import_id', 'row_number', name=op.f('pk_import_errors'))
    )
    op.create_table('pipeline_stages',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('pipeline_id', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('display_order', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('is_closed', sa.Boolean(), nullable=False),
    sa.Column('archived', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id', 'pipeline_id'], ['pipelines.account_id', 'pipelines.id'], name=op.f('fk_pipeline_stages_account_id_pipeline_id_pipelines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'id', name=op.f('pk_pipeline_stages'))
    )


    if op.get_bind().dialect.name == "postgresql":
        for kind in _SEQUENCES:
            op.execute(f"CREATE SEQUENCE IF NOT EXISTS stagecoach_{kind}_seq")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for kind in _SEQUENCES:
            op.execute(f"DROP SEQUENCE IF EXISTS stagecoach_{kind}_seq")
    op.drop_table('pipeline_stages')
    op.drop_table('import_errors')
    op.drop_table('form_submissions')
    with op.batch_alter_table('blocked_writes', schema=None) as batch_op:
        batch_op.drop_index('ix_blocked_writes_record')

    op.drop_table('blocked_writes')
    with op.batch_alter_table('associations', schema=None) as batch_op:
        batch_op.drop_index('ux_associations_single_primary', sqlite_where=sa.text('type_id IN (1, 5)'), postgresql_where=sa.text('type_id IN (1, 5)'))
        batch_op.drop_index('ix_associations_to')

    op.drop_table('associations')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_email')

    op.drop_table('users')
    op.drop_table('stage_orders')
    op.drop_table('stage_moves')
    with op.batch_alter_table('stage_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_codes_code')

    op.drop_table('stage_codes')
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_views_type')

    op.drop_table('saved_views')
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index('ux_records_contact_email', sqlite_where=sa.text('object_type = 1 AND archived = 0 AND email IS NOT NULL'), postgresql_where=sa.text('object_type = 1 AND NOT archived AND email IS NOT NULL'))
        batch_op.drop_index('ix_records_updated')
        batch_op.drop_index('ix_records_list_stage')
        batch_op.drop_index('ix_records_list_created')
        batch_op.drop_index('ix_records_domain')
        batch_op.drop_index('ix_records_dealstage')
        batch_op.drop_index('ix_records_archived', sqlite_where=sa.text('archived = 1'), postgresql_where=sa.text('archived'))

    op.drop_table('records')
    op.drop_table('rate_limit_windows')
    op.drop_table('property_defs')
    op.drop_table('pipelines')
    op.drop_table('lifecycle_stages')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_state')

    op.drop_table('jobs')
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.drop_index('ix_imports_state')

    op.drop_table('imports')
    op.drop_table('idempotency_keys')
    op.drop_table('id_counters')
    op.drop_table('forms')
    with op.batch_alter_table('association_history', schema=None) as batch_op:
        batch_op.drop_index('ix_association_history_op')
        batch_op.drop_index('ix_association_history_from')

    op.drop_table('association_history')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_api_tokens_hash')

    op.drop_table('api_tokens')
    op.drop_table('account_settings')
    with op.batch_alter_table('stay_exits', schema=None) as batch_op:
        batch_op.drop_index('ix_stay_exits_duration')

    op.drop_table('stay_exits')
    with op.batch_alter_table('stage_stays', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_stays_record')
        batch_op.drop_index('ix_stage_stays_entry')

    op.drop_table('stage_stays')
    op.drop_table('stage_paths')
    with op.batch_alter_table('property_history', schema=None) as batch_op:
        batch_op.drop_index('ix_history_record')
        batch_op.drop_index('ix_history_property_value')
        batch_op.drop_index('ix_history_property_ts')
        batch_op.drop_index('ix_history_property_record')
        batch_op.drop_index('ix_history_op')

    op.drop_table('property_history')
    op.drop_table('accounts')
