"""page_version: the counters kept trainee pages are checked against

One row per trainee whose own records changed (``owner_id`` = the user's id) and one for everyone
(``owner_id`` = 0), raised in the same transaction as the change (lms.core.page_cache). Starts empty: a
missing row reads as 0, and no page is kept across the migration (pages are kept in the workers' memory).

Revision ID: c8f2d4a6e1b3
Revises: b5e3a9d0c7f1
Create Date: 2026-12-05 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c8f2d4a6e1b3"
down_revision = "b5e3a9d0c7f1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "page_version",
        sa.Column("owner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", name=op.f("pk_page_version")),
    )


def downgrade():
    op.drop_table("page_version")
