"""drop sentence fingerprints

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Exact sentence fingerprints were the first novelty judge's memory; the judge now keeps its
    # own index, rebuilt from the stored items at start-up.
    op.drop_table('known_sentences')


def downgrade() -> None:
    op.create_table(
        'known_sentences',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('origin', sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
