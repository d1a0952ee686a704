"""seat and feedback stats, a fourth rollup sum; every stored table filled from the raw records

Attendance and satisfaction figures read rollups too: each confirmed seat at a session not cancelled and each
feedback response is kept in ``seat_stat`` / ``feedback_stat`` at write time (lms.reports.stored), and summed
per (customs unit, course, month) in ``report_rollup`` (metrics ``attendance`` and ``satisfaction``; the fourth
rating needs a fourth sum, ``s4``). Then every stored table is rebuilt from the raw records, as ``flask --app
lms reports rebuild`` does (the fill of 7d41c2b9e6a0 moved here).

Revision ID: b5e3a9d0c7f1
Revises: 24939e779618
Create Date: 2026-12-05 00:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b5e3a9d0c7f1"
down_revision = "24939e779618"
branch_labels = None
depends_on = None

_COMMON = ("user_id", "session_id", "course_id")


def upgrade():
    op.create_table(
        "seat_stat",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in _COMMON],
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("registration_id", name=op.f("pk_seat_stat")),
    )
    op.create_index("ix_seat_stat_user", "seat_stat", ["user_id"])
    op.create_index("ix_seat_stat_session", "seat_stat", ["session_id"])
    op.create_table(
        "feedback_stat",
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in _COMMON],
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        *[
            sa.Column(name, sa.SmallInteger(), nullable=False)
            for name in ("content", "expert", "organisation", "usefulness")
        ],
        sa.PrimaryKeyConstraint("feedback_id", name=op.f("pk_feedback_stat")),
    )
    op.create_index("ix_feedback_stat_user", "feedback_stat", ["user_id"])
    op.create_index("ix_feedback_stat_session", "feedback_stat", ["session_id"])
    with op.batch_alter_table("report_rollup") as batch_op:
        batch_op.add_column(sa.Column("s4", sa.BigInteger(), nullable=False, server_default="0"))
    with op.batch_alter_table("report_rollup") as batch_op:
        batch_op.alter_column("s4", server_default=None, existing_type=sa.BigInteger(), existing_nullable=False)
    _fill()


def _fill() -> None:
    from sqlalchemy.orm import Session

    from lms.reports.stored import rebuild

    session = Session(bind=op.get_bind())  # inside the migration's transaction
    rebuild(session)
    session.flush()


def downgrade():
    op.execute("DELETE FROM report_rollup WHERE metric IN ('attendance', 'satisfaction')")
    with op.batch_alter_table("report_rollup") as batch_op:
        batch_op.drop_column("s4")
    op.drop_index("ix_feedback_stat_session", table_name="feedback_stat")
    op.drop_index("ix_feedback_stat_user", table_name="feedback_stat")
    op.drop_table("feedback_stat")
    op.drop_index("ix_seat_stat_session", table_name="seat_stat")
    op.drop_index("ix_seat_stat_user", table_name="seat_stat")
    op.drop_table("seat_stat")
