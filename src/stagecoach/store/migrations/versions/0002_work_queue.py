"""work queue and worker heartbeats

Revision ID: 0002
Revises: 0001

Background work moves from threads started by the server to one queue in the database
(store/worker/work_items.py). The imports and settings jobs that an older server left
unfinished (it resumed them when it started) are enqueued here, due at once, so the first
worker to run finishes them.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('work_items',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('ref_id', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('scheduled_for', sa.BigInteger(), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('leased_by', sa.String(length=120), nullable=True),
    sa.Column('leased_until', sa.BigInteger(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.Column('finished_at', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_work_items_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'kind', 'ref_id', name=op.f('pk_work_items'))
    )
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.create_index('ix_work_items_due', ['state', 'scheduled_for'], unique=False)

    op.create_table('worker_heartbeats',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('worker_id', sa.String(length=120), nullable=False),
    sa.Column('started_at', sa.BigInteger(), nullable=False),
    sa.Column('beat_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('account_id', 'worker_id', name=op.f('pk_worker_heartbeats'))
    )
    # Unfinished work of an older server: due at once (scheduled_for 0).
    op.execute(
        "INSERT INTO work_items (account_id, kind, ref_id, state, scheduled_for, attempts, "
        "created_at, updated_at) "
        "SELECT account_id, 'import', id, 'PENDING', 0, 0, updated_at, updated_at "
        "FROM imports WHERE state IN ('STARTED', 'PROCESSING')")
    op.execute(
        "INSERT INTO work_items (account_id, kind, ref_id, state, scheduled_for, attempts, "
        "created_at, updated_at) "
        "SELECT account_id, 'apply_settings', id, 'PENDING', 0, 0, updated_at, updated_at "
        "FROM jobs WHERE kind = 'apply_settings' AND state = 'RUNNING'")


def downgrade() -> None:
    op.drop_table('worker_heartbeats')
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_index('ix_work_items_due')

    op.drop_table('work_items')
