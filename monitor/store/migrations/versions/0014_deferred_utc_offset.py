"""a deferred entry keeps the UTC offset its date was stated in (its relative dates count from that day)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deferred_pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('utc_offset', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deferred_pages', schema=None) as batch_op:
        batch_op.drop_column('utc_offset')
