"""course language variants

Revision ID: a4f9cb22d351
Revises: f4c2a9d81b37
Create Date: 2026-12-04 17:37:12.270931

Language variants of one course: the content of a course version, its lessons and its questions in another
language, each row beside the one it translates (the course, its enrolments, quizzes, attempts and
certificates stay one). Existing courses get their variants from the next ``content load``.

Names and titles written in Chinese get their English form beside them: people (``user.name_en``), venue
addresses and session titles and descriptions (shown on English pages when set).
"""
from alembic import op
import sqlalchemy as sa

from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'a4f9cb22d351'
down_revision = "f4c2a9d81b37"
branch_labels = None
depends_on = None


BILINGUAL = (
    ("user", "name_en", sa.String(length=120)),
    ("venue", "address_en", sa.String(length=300)),
    ("training_session", "title_en", sa.String(length=200)),
    ("training_session", "description_en", sa.Text()),
)


def upgrade():
    for table, column, kind in BILINGUAL:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, kind, nullable=False, server_default=""))
    op.create_table('course_version_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.Enum('en', 'zh_CN', name='content_language', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('overview', sa.Text(), nullable=False),
    sa.Column('overview_html', sa.Text(), nullable=True),
    sa.Column('quiz_titles', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_course_version_text_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_version_text')),
    sa.UniqueConstraint('version_id', 'locale', name=op.f('uq_course_version_text_version_id_locale'))
    )
    with op.batch_alter_table('course_version_text', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_version_text_version_id'), ['version_id'], unique=False)

    op.create_table('question_version_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('qtype', sa.String(length=40), nullable=False),
    sa.Column('stem', sa.Text(), nullable=False),
    sa.Column('stem_format', sa.Enum('markdown', 'moodle', 'html', 'plain', name='stem_format', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('general_feedback', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['question_version_id'], ['question_version.id'], name=op.f('fk_question_version_text_question_version_id_question_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_version_text')),
    sa.UniqueConstraint('question_version_id', 'locale', name=op.f('uq_question_version_text_question_version_id_locale'))
    )
    with op.batch_alter_table('question_version_text', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_version_text_question_version_id'), ['question_version_id'], unique=False)

    op.create_table('lesson_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.Enum('en', 'zh_CN', name='content_language', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('module', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_lesson_text_lesson_id_lesson'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_text')),
    sa.UniqueConstraint('lesson_id', 'locale', name=op.f('uq_lesson_text_lesson_id_locale'))
    )
    with op.batch_alter_table('lesson_text', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_text_lesson_id'), ['lesson_id'], unique=False)



def downgrade():
    for table, column, _kind in reversed(BILINGUAL):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
    with op.batch_alter_table('lesson_text', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_text_lesson_id'))

    op.drop_table('lesson_text')
    with op.batch_alter_table('question_version_text', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_version_text_question_version_id'))

    op.drop_table('question_version_text')
    with op.batch_alter_table('course_version_text', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_version_text_version_id'))

    op.drop_table('course_version_text')
