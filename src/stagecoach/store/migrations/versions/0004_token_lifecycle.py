"""token lifecycle: integrations, expiry, last use

Revision ID: 0004
Revises: 0003

API tokens may belong to an integration (its writes carry it as their source), may
expire, and remember when they were last used, so an admin can tell which are idle and
revoke them.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('integration', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('integration')
