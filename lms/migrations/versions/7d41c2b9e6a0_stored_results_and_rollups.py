"""stored quiz results, gain pairs, enrolment status and report rollups

Revision ID: 7d41c2b9e6a0
Revises: a4f9cb22d351
Create Date: 2026-12-04 18:00:00

The results of each (quiz, trainee), the pre/post-test pairs, each enrolment's status and their sums per
(customs unit, course, month) are kept at write time (lms.reports.stored). This revision creates the tables
(the revision that adds the last stored tables fills them all from the raw records, as ``flask --app lms
reports rebuild`` does).
"""

from alembic import op
import sqlalchemy as sa

from lms.database import UTCDateTime

# revision identifiers, used by Alembic.
revision = "7d41c2b9e6a0"
down_revision = "a4f9cb22d351"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "quiz_result",
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("percent_e4", sa.BigInteger(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("last_at", UTCDateTime(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint("quiz_id", "user_id", name=op.f("pk_quiz_result")),
    )
    op.create_index("ix_quiz_result_user", "quiz_result", ["user_id", "course_id"])
    op.create_index("ix_quiz_result_unit_last", "quiz_result", ["unit_id", "last_at"])
    op.create_index("ix_quiz_result_last_at", "quiz_result", ["last_at"])
    op.create_table(
        "gain_pair",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pre_quiz_id", sa.Integer(), nullable=False),
        sa.Column("post_quiz_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("pre_e4", sa.BigInteger(), nullable=False),
        sa.Column("post_e4", sa.BigInteger(), nullable=False),
        sa.Column("g_e8", sa.BigInteger(), nullable=True),
        sa.Column("post_at", UTCDateTime(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "user_id", name=op.f("pk_gain_pair")),
    )
    op.create_index("ix_gain_pair_user", "gain_pair", ["user_id"])
    op.create_index("ix_gain_pair_post_at", "gain_pair", ["post_at"])
    op.create_table(
        "enrolment_stat",
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("enrolled_month", sa.String(length=7), nullable=False),
        sa.Column("completed_month", sa.String(length=7), nullable=True),
        sa.PrimaryKeyConstraint("enrollment_id", name=op.f("pk_enrolment_stat")),
    )
    op.create_index("ix_enrolment_stat_user", "enrolment_stat", ["user_id"])
    op.create_table(
        "report_rollup",
        sa.Column("metric", sa.String(length=12), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in ("n", "n2", "s1", "s2", "s3")],
        *[sa.Column(f"b{i}", sa.Integer(), nullable=False) for i in range(10)],
        sa.PrimaryKeyConstraint("metric", "unit_id", "course_id", "month", name=op.f("pk_report_rollup")),
    )
    # Filled by b5e3a9d0c7f1 (seat and feedback stats), which rebuilds every stored table with the code of
    # its time: the rebuild writes tables this revision does not have yet.


def downgrade():
    op.drop_table("report_rollup")
    op.drop_index("ix_enrolment_stat_user", table_name="enrolment_stat")
    op.drop_table("enrolment_stat")
    op.drop_index("ix_gain_pair_post_at", table_name="gain_pair")
    op.drop_index("ix_gain_pair_user", table_name="gain_pair")
    op.drop_table("gain_pair")
    op.drop_index("ix_quiz_result_last_at", table_name="quiz_result")
    op.drop_index("ix_quiz_result_unit_last", table_name="quiz_result")
    op.drop_index("ix_quiz_result_user", table_name="quiz_result")
    op.drop_table("quiz_result")
