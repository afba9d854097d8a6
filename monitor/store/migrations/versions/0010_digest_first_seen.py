"""a digest remembers when the service first ran with it, and holds only items fetched since

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('digest_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('digest_state', schema=None) as batch_op:
        batch_op.drop_column('first_seen_at')
