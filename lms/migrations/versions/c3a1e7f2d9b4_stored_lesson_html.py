"""lesson and overview HTML stored at publication

Revision ID: c3a1e7f2d9b4
Revises: 52a3a5530e5c
Create Date: 2026-12-04 14:45:00

Published versions no longer change, so their Markdown is rendered once (at publication, or by
``flask --app lms content render``) instead of on every page view. This revision adds the two columns and
renders the versions that are already out of draft; drafts render on demand until they are published.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c3a1e7f2d9b4'
down_revision = '52a3a5530e5c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overview_html', sa.Text(), nullable=True))
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))
    _render_published(op.get_bind())


def _render_published(connection) -> None:
    from lms.content.markdown import render_markdown

    versions = sa.table('course_version', sa.column('id'), sa.column('status'), sa.column('overview'),
                        sa.column('overview_html'))
    lessons = sa.table('lesson', sa.column('id'), sa.column('version_id'), sa.column('body'),
                       sa.column('body_html'))
    rows = connection.execute(
        sa.select(versions.c.id, versions.c.overview).where(versions.c.status != 'draft')).all()
    for version_id, overview in rows:
        connection.execute(versions.update().where(versions.c.id == version_id)
                           .values(overview_html=str(render_markdown(overview, below=1))))
    published = sa.select(versions.c.id).where(versions.c.status != 'draft')
    for lesson_id, body in connection.execute(
            sa.select(lessons.c.id, lessons.c.body).where(lessons.c.version_id.in_(published))).all():
        connection.execute(lessons.update().where(lessons.c.id == lesson_id)
                           .values(body_html=str(render_markdown(body, below=1))))


def downgrade():
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.drop_column('body_html')
    with op.batch_alter_table('course_version', schema=None) as batch_op:
        batch_op.drop_column('overview_html')
