"""feed politeness and failure state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feed_errors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('permanent', sa.Boolean(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['feed_id'], ['feeds.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feed_errors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_errors_feed_id'), ['feed_id'], unique=False)

    with op.batch_alter_table('feeds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=10), server_default='config', nullable=False))
        batch_op.add_column(sa.Column('fetch_url', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('permanent_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('alerted', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('observed_gap_seconds', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('feeds', schema=None) as batch_op:
        batch_op.drop_column('observed_gap_seconds')
        batch_op.drop_column('alerted')
        batch_op.drop_column('failing_since')
        batch_op.drop_column('permanent_failures')
        batch_op.drop_column('fetch_url')
        batch_op.drop_column('source')

    with op.batch_alter_table('feed_errors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_errors_feed_id'))

    op.drop_table('feed_errors')
