"""change feed and lists

Revision ID: 0003
Revises: 0002

The change feed (events, event_counters), lists (lists, list_memberships,
list_membership_log) and the op of each form submission. Tokens that held every scope of
wave 1 (the account's default token, `stagecoach init`'s) are given wave 2's read and write
scopes too, so an installation keeps doing everything it could.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), 'postgresql')
_WAVE1_ALL = (
    "crm.import crm.objects.companies.read crm.objects.companies.write "
    "crm.objects.contacts.read crm.objects.contacts.write crm.objects.deals.read "
    "crm.objects.deals.write crm.schemas.companies.read crm.schemas.companies.write "
    "crm.schemas.contacts.read crm.schemas.contacts.write crm.schemas.deals.read "
    "crm.schemas.deals.write forms lifecycle.demote lifecycle.migrate lifecycle.settings")
_WAVE2 = ("automation", "crm.lists.read", "crm.lists.write", "events.read", "webhooks")


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'],
                                   name=op.f(f'fk_{table}_account_id_accounts'),
                                   ondelete='CASCADE')


def upgrade() -> None:
    op.create_table('events',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('object_id', sa.BigInteger(), nullable=False),
    sa.Column('occurred_at', sa.BigInteger(), nullable=False),
    sa.Column('op_id', sa.BigInteger(), nullable=False),
    sa.Column('property', sa.String(length=100), nullable=True),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('source_type', sa.String(length=40), nullable=True),
    sa.Column('source_id', sa.String(length=200), nullable=True),
    sa.Column('cause_kind', sa.String(length=20), nullable=True),
    sa.Column('cause_id', sa.BigInteger(), nullable=True),
    sa.Column('ref_id', sa.BigInteger(), nullable=True),
    sa.Column('detail', _JSON, nullable=True),
    _account_fk('events'),
    sa.PrimaryKeyConstraint('account_id', 'seq', name=op.f('pk_events'))
    )
    op.create_table('event_counters',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    _account_fk('event_counters'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_event_counters'))
    )
    op.create_table('lists',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('processing_type', sa.String(length=20), nullable=False),
    sa.Column('filter_branch', _JSON, nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('archived', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.Column('filters_updated_at', sa.BigInteger(), nullable=True),
    sa.Column('archived_at', sa.BigInteger(), nullable=True),
    _account_fk('lists'),
    sa.PrimaryKeyConstraint('account_id', 'id', name=op.f('pk_lists'))
    )
    op.create_index('ux_lists_name', 'lists', ['account_id', 'object_type', 'name'],
                    unique=True, sqlite_where=sa.text('archived = 0'),
                    postgresql_where=sa.text('NOT archived'))
    op.create_table('list_memberships',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('list_id', sa.BigInteger(), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('added_at', sa.BigInteger(), nullable=False),
    sa.Column('first_added_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id', 'list_id'], ['lists.account_id', 'lists.id'],
                            name=op.f('fk_list_memberships_account_id_lists'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'list_id', 'record_id',
                            name=op.f('pk_list_memberships'))
    )
    op.create_index('ix_list_memberships_record', 'list_memberships',
                    ['account_id', 'object_type', 'record_id', 'list_id'])
    op.create_index('ix_list_memberships_joined', 'list_memberships',
                    ['account_id', 'list_id', 'added_at', 'record_id'])
    op.create_table('list_membership_log',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('op_id', sa.BigInteger(), nullable=False),
    sa.Column('list_id', sa.BigInteger(), nullable=False),
    sa.Column('object_type', sa.SmallInteger(), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('joined', sa.Boolean(), nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('source_type', sa.String(length=40), nullable=False),
    sa.Column('source_id', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('account_id', 'op_id', 'list_id', 'record_id',
                            name=op.f('pk_list_membership_log'))
    )
    op.create_index('ix_list_membership_log_list', 'list_membership_log',
                    ['account_id', 'list_id', 'record_id', 'at'])
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('op_id', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_form_submissions_op', ['account_id', 'op_id'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE SEQUENCE IF NOT EXISTS stagecoach_list_seq")
    tokens = sa.table('api_tokens', sa.column('scopes', sa.Text))
    op.execute(tokens.update().where(tokens.c.scopes == _WAVE1_ALL)
               .values(scopes=" ".join(sorted((*_WAVE1_ALL.split(), *_WAVE2)))))


def downgrade() -> None:
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_form_submissions_op')
        batch_op.drop_column('op_id')
    for table in ('list_membership_log', 'list_memberships', 'lists', 'event_counters',
                  'events'):
        op.drop_table(table)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP SEQUENCE IF EXISTS stagecoach_list_seq")
