"""initial schema

Revision ID: b5d110c274e5
Revises: 
Create Date: 2026-11-27 05:05:49.598526

"""
from alembic import op
import sqlalchemy as sa

import lms.database
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'b5d110c274e5'
down_revision = None
branch_labels = None
depends_on = None


# Append-only and fixed-record triggers, as they stood when this revision was written.
TRIGGERS = {
    "sqlite": ["CREATE TRIGGER IF NOT EXISTS ledger_entry_no_update BEFORE UPDATE ON ledger_entry BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END", "CREATE TRIGGER IF NOT EXISTS ledger_entry_no_delete BEFORE DELETE ON ledger_entry BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END", "CREATE TRIGGER IF NOT EXISTS cultivation_case_event_no_update BEFORE UPDATE ON cultivation_case_event BEGIN SELECT RAISE(ABORT, 'the case audit trail is append-only'); END", "CREATE TRIGGER IF NOT EXISTS cultivation_case_event_no_delete BEFORE DELETE ON cultivation_case_event BEGIN SELECT RAISE(ABORT, 'the case audit trail is append-only'); END", "CREATE TRIGGER IF NOT EXISTS key_training_list_fixed BEFORE UPDATE ON key_training_list WHEN OLD.confirmed BEGIN SELECT RAISE(ABORT, 'a confirmed key training list is fixed'); END", "CREATE TRIGGER IF NOT EXISTS key_training_list_no_delete BEFORE DELETE ON key_training_list WHEN OLD.confirmed BEGIN SELECT RAISE(ABORT, 'a confirmed key training list is fixed'); END", "CREATE TRIGGER IF NOT EXISTS key_list_entry_fixed_insert BEFORE INSERT ON key_list_entry WHEN (SELECT confirmed FROM key_training_list WHERE id = NEW.list_id) BEGIN SELECT RAISE(ABORT, 'a confirmed key training list is fixed'); END", "CREATE TRIGGER IF NOT EXISTS key_list_entry_fixed_update BEFORE UPDATE ON key_list_entry WHEN (SELECT confirmed FROM key_training_list WHERE id = OLD.list_id) BEGIN SELECT RAISE(ABORT, 'a confirmed key training list is fixed'); END", "CREATE TRIGGER IF NOT EXISTS key_list_entry_fixed_delete BEFORE DELETE ON key_list_entry WHEN (SELECT confirmed FROM key_training_list WHERE id = OLD.list_id) BEGIN SELECT RAISE(ABORT, 'a confirmed key training list is fixed'); END"],
    "postgresql": ["CREATE OR REPLACE FUNCTION ledger_entry_refuse_change() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'ledger entries are append-only'; END; $$ LANGUAGE plpgsql", 'DROP TRIGGER IF EXISTS ledger_entry_no_change ON ledger_entry', 'CREATE TRIGGER ledger_entry_no_change BEFORE UPDATE OR DELETE ON ledger_entry FOR EACH ROW EXECUTE FUNCTION ledger_entry_refuse_change()', "CREATE OR REPLACE FUNCTION cultivation_case_event_refuse_change() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'the case audit trail is append-only'; END; $$ LANGUAGE plpgsql", 'DROP TRIGGER IF EXISTS cultivation_case_event_no_change ON cultivation_case_event', 'CREATE TRIGGER cultivation_case_event_no_change BEFORE UPDATE OR DELETE ON cultivation_case_event FOR EACH ROW EXECUTE FUNCTION cultivation_case_event_refuse_change()', "CREATE OR REPLACE FUNCTION key_training_list_refuse_change() RETURNS trigger AS $$ BEGIN IF OLD.confirmed THEN RAISE EXCEPTION 'a confirmed key training list is fixed'; END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql", 'DROP TRIGGER IF EXISTS key_training_list_fixed ON key_training_list', 'CREATE TRIGGER key_training_list_fixed BEFORE UPDATE OR DELETE ON key_training_list FOR EACH ROW EXECUTE FUNCTION key_training_list_refuse_change()', "CREATE OR REPLACE FUNCTION key_list_entry_refuse_change() RETURNS trigger AS $$ DECLARE target_list integer; BEGIN IF TG_OP = 'INSERT' THEN target_list := NEW.list_id; ELSE target_list := OLD.list_id; END IF; IF (SELECT confirmed FROM key_training_list WHERE id = target_list) THEN RAISE EXCEPTION 'a confirmed key training list is fixed'; END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql", 'DROP TRIGGER IF EXISTS key_list_entry_fixed ON key_list_entry', 'CREATE TRIGGER key_list_entry_fixed BEFORE INSERT OR UPDATE OR DELETE ON key_list_entry FOR EACH ROW EXECUTE FUNCTION key_list_entry_refuse_change()'],
}
DROP_TRIGGERS = {
    "sqlite": ['DROP TRIGGER IF EXISTS ledger_entry_no_update', 'DROP TRIGGER IF EXISTS ledger_entry_no_delete', 'DROP TRIGGER IF EXISTS cultivation_case_event_no_update', 'DROP TRIGGER IF EXISTS cultivation_case_event_no_delete', 'DROP TRIGGER IF EXISTS key_training_list_fixed', 'DROP TRIGGER IF EXISTS key_training_list_no_delete', 'DROP TRIGGER IF EXISTS key_list_entry_fixed_insert', 'DROP TRIGGER IF EXISTS key_list_entry_fixed_update', 'DROP TRIGGER IF EXISTS key_list_entry_fixed_delete'],
    "postgresql": ['DROP TRIGGER IF EXISTS ledger_entry_no_change ON ledger_entry', 'DROP FUNCTION IF EXISTS ledger_entry_refuse_change()', 'DROP TRIGGER IF EXISTS cultivation_case_event_no_change ON cultivation_case_event', 'DROP TRIGGER IF EXISTS key_training_list_fixed ON key_training_list', 'DROP TRIGGER IF EXISTS key_list_entry_fixed ON key_list_entry'],
}


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('customs_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('level', sa.Enum('gacc', 'regional', 'local', name='unit_level', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.CheckConstraint("(level = 'gacc') = (parent_id IS NULL)", name=op.f('ck_customs_unit_root_is_gacc')),
    sa.ForeignKeyConstraint(['parent_id'], ['customs_unit.id'], name=op.f('fk_customs_unit_parent_id_customs_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customs_unit')),
    sa.UniqueConstraint('code', name=op.f('uq_customs_unit_code'))
    )
    with op.batch_alter_table('customs_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customs_unit_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customs_unit_path'), ['path'], unique=False)

    op.create_table('xapi_cursor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stream', sa.String(length=30), nullable=False),
    sa.Column('position_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('position_row', sa.BigInteger(), nullable=False),
    sa.Column('position_index', sa.Integer(), nullable=False),
    sa.Column('last_statement_id', sa.String(length=36), nullable=False),
    sa.Column('sent', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('position_index >= 0', name=op.f('ck_xapi_cursor_position_index_positive')),
    sa.CheckConstraint('sent >= 0', name=op.f('ck_xapi_cursor_sent_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_cursor')),
    sa.UniqueConstraint('stream', name=op.f('uq_xapi_cursor_stream'))
    )
    op.create_table('enterprise',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('customs_code', sa.String(length=10), nullable=False),
    sa.Column('business_type', sa.Enum('importer_exporter', 'customs_broker', 'logistics', 'cross_border_ecommerce', 'other', name='business_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('is_production', sa.Boolean(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('is_key', sa.Boolean(), nullable=False),
    sa.Column('aeo_willing', sa.Boolean(), nullable=False),
    sa.Column('credit_score', sa.SmallInteger(), nullable=True),
    sa.Column('credit_regime', sa.Enum('decree_251', 'decree_282', name='credit_regime_current', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('credit_level', sa.Enum('advanced_certified', 'certified', 'registered', 'regular', 'discredited', 'seriously_discredited', name='credit_level_current', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('credit_since', sa.Date(), nullable=True),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('credit_score IS NULL OR (credit_score >= 0 AND credit_score <= 100)', name=op.f('ck_enterprise_credit_score_range')),
    sa.CheckConstraint('length(customs_code) = 10', name=op.f('ck_enterprise_customs_code_length')),
    sa.CheckConstraint('length(uscc) = 18', name=op.f('ck_enterprise_uscc_length')),
    sa.ForeignKeyConstraint(['unit_id'], ['customs_unit.id'], name=op.f('fk_enterprise_unit_id_customs_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise')),
    sa.UniqueConstraint('customs_code', name=op.f('uq_enterprise_customs_code')),
    sa.UniqueConstraint('uscc', name=op.f('uq_enterprise_uscc'))
    )
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_is_key'), ['is_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_enterprise_unit_level', ['unit_id', 'credit_level'], unique=False)

    op.create_table('venue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_venue_capacity_positive')),
    sa.ForeignKeyConstraint(['unit_id'], ['customs_unit.id'], name=op.f('fk_venue_unit_id_customs_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venue'))
    )
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_unit_id'), ['unit_id'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login_name', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('trainee', 'expert', 'officer', 'admin', name='user_role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Enum('legal_representative', 'senior_management', 'department_staff', 'other', name='trainee_position', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('expert_level', sa.Enum('national', 'regional', name='expert_level', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('preferred_language', sa.Enum('en', 'zh_CN', name='language', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', lms.database.UTCDateTime(), nullable=True),
    sa.Column('last_login_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('password_changed_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(role = 'expert') = (expert_level IS NOT NULL)", name=op.f('ck_user_expert_level_for_experts')),
    sa.CheckConstraint("(role = 'trainee' AND enterprise_id IS NOT NULL AND unit_id IS NULL) OR (role <> 'trainee' AND unit_id IS NOT NULL AND enterprise_id IS NULL)", name=op.f('ck_user_belongs_to_enterprise_or_unit')),
    sa.CheckConstraint('failed_logins >= 0', name=op.f('ck_user_failed_logins_positive')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_user_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['unit_id'], ['customs_unit.id'], name=op.f('fk_user_unit_id_customs_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email')),
    sa.UniqueConstraint('login_name', name=op.f('uq_user_login_name'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_role'), ['role'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_unit_id'), ['unit_id'], unique=False)

    op.create_table('calendar_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_calendar_token_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_token')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_token_token')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_token_user_id'))
    )
    op.create_table('course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('published_version_id', sa.Integer(), nullable=True),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_course_owner_id_user')),
    sa.ForeignKeyConstraint(['published_version_id'], ['course_version.id'], name='fk_course_published_version_id_course_version', use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course')),
    sa.UniqueConstraint('slug', name=op.f('uq_course_slug'))
    )
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.create_index('ix_course_catalog', ['archived', 'published_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_published_version_id'), ['published_version_id'], unique=False)

    op.create_table('credit_status_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('regime', sa.Enum('decree_251', 'decree_282', name='credit_regime', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('level', sa.Enum('advanced_certified', 'certified', 'registered', 'regular', 'discredited', 'seriously_discredited', name='credit_level', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(regime = 'decree_251' AND level IN ('advanced_certified', 'registered', 'discredited')) OR (regime = 'decree_282' AND level IN ('advanced_certified', 'certified', 'regular', 'discredited', 'seriously_discredited'))", name=op.f('ck_credit_status_record_level_exists_in_regime')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_credit_status_record_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_credit_status_record_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_status_record'))
    )
    with op.batch_alter_table('credit_status_record', schema=None) as batch_op:
        batch_op.create_index('ix_credit_status_record_enterprise_date', ['enterprise_id', 'decided_on'], unique=False)

    op.create_table('cultivation_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent_at', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_cultivation_reminder_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cultivation_reminder')),
    sa.UniqueConstraint('kind', 'subject', 'user_id', 'day', name=op.f('uq_cultivation_reminder_kind_subject_user_id_day'))
    )
    with op.batch_alter_table('cultivation_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cultivation_reminder_user_id'), ['user_id'], unique=False)

    op.create_table('expert_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('languages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('max_sessions_per_month', sa.Integer(), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('max_sessions_per_month > 0 AND max_sessions_per_month <= 100', name=op.f('ck_expert_profile_max_sessions_range')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_expert_profile_updated_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_expert_profile_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_profile')),
    sa.UniqueConstraint('user_id', name=op.f('uq_expert_profile_user_id'))
    )
    op.create_table('key_training_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('weights', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('position_values', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('confirmed_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(confirmed AND confirmed_at IS NOT NULL) OR (NOT confirmed AND confirmed_at IS NULL)', name=op.f('ck_key_training_list_confirmed_has_time')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'], name=op.f('fk_key_training_list_confirmed_by_id_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_key_training_list_created_by_id_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['customs_unit.id'], name=op.f('fk_key_training_list_unit_id_customs_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_training_list')),
    sa.UniqueConstraint('unit_id', 'period', name=op.f('uq_key_training_list_unit_id_period'))
    )
    with op.batch_alter_table('key_training_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_training_list_confirmed'), ['confirmed'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_training_list_unit_id'), ['unit_id'], unique=False)

    op.create_table('ledger_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject_type', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_ledger_entry_seq_positive')),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_ledger_entry_actor_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entry')),
    sa.UniqueConstraint('hash', name=op.f('uq_ledger_entry_hash')),
    sa.UniqueConstraint('prev_hash', name=op.f('uq_ledger_entry_prev_hash')),
    sa.UniqueConstraint('seq', name=op.f('uq_ledger_entry_seq'))
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_ledger_entry_kind_time', ['kind', 'created_at'], unique=False)
        batch_op.create_index('ix_ledger_entry_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('read_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('email_queued_at', lms.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('course_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'in_review', 'published', 'archived', name='course_version_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('overview', sa.Text(), nullable=False),
    sa.Column('language', sa.Enum('en', 'zh_CN', name='content_language', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('training_type', sa.Enum('compliance', 'aeo_certification', name='training_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('modes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('social_link', sa.String(length=500), nullable=False),
    sa.Column('audience_positions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('audience_business_types', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('topics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('require_lessons', sa.Boolean(), nullable=False),
    sa.Column('require_quizzes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('require_attendance', sa.Boolean(), nullable=False),
    sa.Column('quiz_specs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('source_hash', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.Enum('browser', 'files', name='course_version_origin', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('published_at', lms.database.UTCDateTime(), nullable=True),
    sa.CheckConstraint('hours >= 0', name=op.f('ck_course_version_hours_positive')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_course_version_author_id_user')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_version_course_id_course')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], name=op.f('fk_course_version_reviewed_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_version')),
    sa.UniqueConstraint('course_id', 'number', name=op.f('uq_course_version_course_id_number'))
    )
    with op.batch_alter_table('course_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_version_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_course_version_language', ['language'], unique=False)
        batch_op.create_index('ix_course_version_status_type', ['status', 'training_type'], unique=False)
        batch_op.create_index('uq_course_version_one_open', ['course_id'], unique=True, sqlite_where=sa.text("status IN ('draft', 'in_review')"), postgresql_where=sa.text("status IN ('draft', 'in_review')"))

    op.create_table('cultivation_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('training_type', sa.Enum('compliance', 'aeo_certification', name='cultivation_training_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('category', sa.Enum('interested_party', 'applicant', 'potential_applicant', 'aeo_rereview', name='cultivation_category', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('origin', sa.Enum('application', 'nomination', name='cultivation_origin', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('state', sa.Enum('submitted', 'screened', 'rejected', 'listed', 'in_training', 'suspended', 'completed', 'certification_applied', 'certified', 'not_certified', 'terminated', name='cultivation_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('state_changed_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('screened_by_id', sa.Integer(), nullable=True),
    sa.Column('eligibility', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('suspension_reason', sa.Enum('audit', 'simple_procedure', 'other', name='cultivation_suspension_reason', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('suspension_text', sa.Text(), nullable=False),
    sa.Column('suspended_on', sa.Date(), nullable=True),
    sa.Column('termination_reason', sa.Enum('general_procedure', 'suspected_crime', 'discredited', 'seriously_discredited', 'audit_no_conclusion', 'other', name='cultivation_termination_reason', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('termination_text', sa.Text(), nullable=False),
    sa.Column('terminated_on', sa.Date(), nullable=True),
    sa.Column('training_started_on', sa.Date(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('certification_applied_on', sa.Date(), nullable=True),
    sa.Column('outcome_level', sa.Enum('advanced_certified', 'certified', 'registered', 'regular', 'discredited', 'seriously_discredited', name='cultivation_outcome_level', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('outcome_regime', sa.String(length=20), nullable=True),
    sa.Column('outcome_decided_on', sa.Date(), nullable=True),
    sa.Column('outcome_reason', sa.Text(), nullable=False),
    sa.Column('key_list_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state <> 'certified' OR (outcome_level IN ('advanced_certified', 'certified') AND outcome_decided_on IS NOT NULL)", name=op.f('ck_cultivation_case_certified_has_level')),
    sa.CheckConstraint("state <> 'suspended' OR (suspension_reason IS NOT NULL AND suspended_on IS NOT NULL)", name=op.f('ck_cultivation_case_suspension_has_reason')),
    sa.CheckConstraint("state <> 'terminated' OR termination_reason IS NOT NULL", name=op.f('ck_cultivation_case_termination_has_reason')),
    sa.CheckConstraint("state NOT IN ('certified', 'not_certified', 'certification_applied') OR certification_applied_on IS NOT NULL", name=op.f('ck_cultivation_case_certification_has_application_date')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_cultivation_case_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['key_list_id'], ['key_training_list.id'], name=op.f('fk_cultivation_case_key_list_id_key_training_list')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], name=op.f('fk_cultivation_case_opened_by_id_user')),
    sa.ForeignKeyConstraint(['screened_by_id'], ['user.id'], name=op.f('fk_cultivation_case_screened_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cultivation_case'))
    )
    with op.batch_alter_table('cultivation_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cultivation_case_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_cultivation_case_enterprise_state', ['enterprise_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_cultivation_case_key_list_id'), ['key_list_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cultivation_case_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cultivation_case_opened_by_id'), ['opened_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cultivation_case_opened_on'), ['opened_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_cultivation_case_state'), ['state'], unique=False)
        batch_op.create_index('ix_cultivation_case_state_type', ['state', 'training_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_cultivation_case_suspended_on'), ['suspended_on'], unique=False)
        batch_op.create_index('uq_cultivation_case_open', ['enterprise_id', 'training_type'], unique=True, sqlite_where=sa.text("state IN ('submitted', 'screened', 'listed', 'in_training', 'suspended', 'completed', 'certification_applied')"), postgresql_where=sa.text("state IN ('submitted', 'screened', 'listed', 'in_training', 'suspended', 'completed', 'certification_applied')"))

    op.create_table('expert_involvement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('validation', 'audit', 'consulting', 'other', name='involvement_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_expert_involvement_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_expert_involvement_created_by_id_user')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_expert_involvement_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['profile_id'], ['expert_profile.id'], name=op.f('fk_expert_involvement_profile_id_expert_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_involvement'))
    )
    with op.batch_alter_table('expert_involvement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_involvement_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_expert_involvement_profile_dates', ['profile_id', 'starts_on'], unique=False)

    op.create_table('expert_specialty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['expert_profile.id'], name=op.f('fk_expert_specialty_profile_id_expert_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_specialty')),
    sa.UniqueConstraint('profile_id', 'topic', name=op.f('uq_expert_specialty_profile_id_topic'))
    )
    with op.batch_alter_table('expert_specialty', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_specialty_topic'), ['topic'], unique=False)

    op.create_table('expert_unavailable_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_expert_unavailable_period_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_expert_unavailable_period_created_by_id_user')),
    sa.ForeignKeyConstraint(['profile_id'], ['expert_profile.id'], name=op.f('fk_expert_unavailable_period_profile_id_expert_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_unavailable_period'))
    )
    with op.batch_alter_table('expert_unavailable_period', schema=None) as batch_op:
        batch_op.create_index('ix_expert_unavailable_period_profile_dates', ['profile_id', 'starts_on', 'ends_on'], unique=False)

    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('qtype', sa.String(length=40), nullable=False),
    sa.Column('default_mark', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('default_mark >= 0', name=op.f('ck_question_default_mark_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_question_course_id_course')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_question_created_by_id_user')),
    sa.ForeignKeyConstraint(['current_version_id'], ['question_version.id'], name='fk_question_current_version_id_question_version', use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question')),
    sa.UniqueConstraint('course_id', 'category', 'name', name=op.f('uq_question_course_id_category_name'))
    )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index('ix_question_course_category', ['course_id', 'category', 'archived'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_current_version_id'), ['current_version_id'], unique=False)

    op.create_table('quiz',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('purpose', sa.Enum('pre_test', 'post_test', 'practice', 'exam', name='quiz_purpose', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('use_draw', sa.Boolean(), nullable=False),
    sa.Column('draw_category', sa.String(length=200), nullable=False),
    sa.Column('draw_count', sa.Integer(), nullable=False),
    sa.Column('shuffle_questions', sa.Boolean(), nullable=False),
    sa.Column('shuffle_choices', sa.Boolean(), nullable=False),
    sa.Column('questions_per_page', sa.Integer(), nullable=False),
    sa.Column('time_limit_minutes', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('grading_method', sa.Enum('highest', 'last', 'first', 'average', name='quiz_grading_method', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('pass_mark', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('opens_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('closes_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('review_policy', sa.Enum('score_only', 'with_answers', 'after_close', name='quiz_review_policy', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('from_spec', sa.Boolean(), nullable=False),
    sa.Column('spec_hash', sa.String(length=64), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('draw_count >= 0', name=op.f('ck_quiz_draw_count_positive')),
    sa.CheckConstraint('max_attempts >= 0', name=op.f('ck_quiz_max_attempts_positive')),
    sa.CheckConstraint('opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at', name=op.f('ck_quiz_open_before_close')),
    sa.CheckConstraint('pass_mark >= 0 AND pass_mark <= 100', name=op.f('ck_quiz_pass_mark_percent')),
    sa.CheckConstraint('questions_per_page >= 1', name=op.f('ck_quiz_questions_per_page_positive')),
    sa.CheckConstraint('time_limit_minutes >= 0', name=op.f('ck_quiz_time_limit_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_quiz_course_id_course')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz')),
    sa.UniqueConstraint('course_id', 'key', name=op.f('uq_quiz_course_id_key'))
    )
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_course_id'), ['course_id'], unique=False)

    op.create_table('training_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('in_class', 'onsite', 'one_on_one', 'live_online', name='session_mode', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('ends_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('seats_taken', sa.Integer(), nullable=False),
    sa.Column('registration_opens_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('registration_closes_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('requires_approval', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'open', 'full', 'cancelled', 'completed', name='session_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('host_enterprise_id', sa.Integer(), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('meeting_url', sa.String(length=500), nullable=False),
    sa.Column('series_key', sa.String(length=36), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('cancelled_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_training_session_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_training_session_ends_after_start')),
    sa.CheckConstraint('seats_taken >= 0 AND seats_taken <= capacity', name=op.f('ck_training_session_seats_within_capacity')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_training_session_course_id_course')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_training_session_created_by_id_user')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_training_session_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['host_enterprise_id'], ['enterprise.id'], name=op.f('fk_training_session_host_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['unit_id'], ['customs_unit.id'], name=op.f('fk_training_session_unit_id_customs_unit')),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_training_session_venue_id_venue')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_session'))
    )
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.create_index('ix_training_session_course_start', ['course_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_host_enterprise_id'), ['host_enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_series_key'), ['series_key'], unique=False)
        batch_op.create_index('ix_training_session_starts_at', ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_status'), ['status'], unique=False)
        batch_op.create_index('ix_training_session_unit_start', ['unit_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_venue_id'), ['venue_id'], unique=False)

    op.create_table('attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('in_progress', 'submitted', 'needs_marking', 'graded', name='attempt_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('started_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('deadline', lms.database.UTCDateTime(), nullable=True),
    sa.Column('last_saved_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('submitted_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('closed_by', sa.Enum('trainee', 'deadline', name='attempt_closed_by', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('graded_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('score', sa.Numeric(precision=10, scale=4), nullable=True),
    sa.Column('max_score', sa.Numeric(precision=10, scale=4), nullable=True),
    sa.Column('percent', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.CheckConstraint("(status = 'in_progress') = (submitted_at IS NULL)", name=op.f('ck_attempt_submitted_when_closed')),
    sa.CheckConstraint("status <> 'graded' OR (score IS NOT NULL AND percent IS NOT NULL AND passed IS NOT NULL AND graded_at IS NOT NULL)", name=op.f('ck_attempt_graded_has_result')),
    sa.CheckConstraint('deadline IS NULL OR deadline > started_at', name=op.f('ck_attempt_deadline_after_start')),
    sa.CheckConstraint('max_score IS NULL OR max_score >= 0', name=op.f('ck_attempt_max_score_positive')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_attempt_number_positive')),
    sa.CheckConstraint('percent IS NULL OR (percent >= 0 AND percent <= 100)', name=op.f('ck_attempt_percent_range')),
    sa.CheckConstraint('score IS NULL OR (score >= 0 AND max_score IS NOT NULL AND score <= max_score)', name=op.f('ck_attempt_score_within_max')),
    sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], name=op.f('fk_attempt_quiz_id_quiz')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_attempt_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt')),
    sa.UniqueConstraint('quiz_id', 'user_id', 'number', name=op.f('uq_attempt_quiz_id_user_id_number'))
    )
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.create_index('ix_attempt_quiz_status', ['quiz_id', 'status'], unique=False)
        batch_op.create_index('ix_attempt_status_deadline', ['status', 'deadline'], unique=False)
        batch_op.create_index('ix_attempt_status_submitted', ['status', 'submitted_at'], unique=False)
        batch_op.create_index('ix_attempt_user_status', ['user_id', 'status'], unique=False)
        batch_op.create_index('uq_attempt_one_in_progress', ['quiz_id', 'user_id'], unique=True, sqlite_where=sa.text("status = 'in_progress'"), postgresql_where=sa.text("status = 'in_progress'"))

    op.create_table('coaching_action_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('done_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(done AND done_at IS NOT NULL) OR (NOT done AND done_at IS NULL)', name=op.f('ck_coaching_action_item_done_at_when_done')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_coaching_action_item_created_by_id_user')),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_coaching_action_item_owner_id_user')),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_coaching_action_item_session_id_training_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_action_item'))
    )
    with op.batch_alter_table('coaching_action_item', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_action_item_owner_done', ['owner_id', 'done'], unique=False)
        batch_op.create_index('ix_coaching_action_item_session_done', ['session_id', 'done'], unique=False)

    op.create_table('coaching_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_coaching_record_session_id_training_session')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_coaching_record_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_record')),
    sa.UniqueConstraint('session_id', name=op.f('uq_coaching_record_session_id'))
    )
    op.create_table('course_module',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_course_module_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_module')),
    sa.UniqueConstraint('version_id', 'position', name=op.f('uq_course_module_version_id_position'))
    )
    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_module_version_id'), ['version_id'], unique=False)

    op.create_table('course_prerequisite',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_prerequisite_course_id_course')),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_course_prerequisite_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'course_id', name=op.f('pk_course_prerequisite'))
    )
    op.create_table('course_version_facet',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('facet', sa.Enum('mode', 'topic', 'tag', name='course_facet', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('value', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_course_version_facet_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'facet', 'value', name=op.f('pk_course_version_facet'))
    )
    with op.batch_alter_table('course_version_facet', schema=None) as batch_op:
        batch_op.create_index('ix_course_version_facet_value', ['facet', 'value'], unique=False)

    op.create_table('cultivation_bar_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('failed_certification', 'failed_rereview', 'gave_up_aeo', 'withdrew_application', 'downgraded_from_aeo', 'upgraded_from_discredited', name='cultivation_bar_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('source', sa.Enum('certification', 'credit_history', 'manual', name='cultivation_bar_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('credit_record_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cultivation_case.id'], name=op.f('fk_cultivation_bar_event_case_id_cultivation_case')),
    sa.ForeignKeyConstraint(['credit_record_id'], ['credit_status_record.id'], name=op.f('fk_cultivation_bar_event_credit_record_id_credit_status_record')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_cultivation_bar_event_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_cultivation_bar_event_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cultivation_bar_event')),
    sa.UniqueConstraint('case_id', 'kind', name=op.f('uq_cultivation_bar_event_case_id_kind')),
    sa.UniqueConstraint('credit_record_id', 'kind', name=op.f('uq_cultivation_bar_event_credit_record_id_kind'))
    )
    with op.batch_alter_table('cultivation_bar_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cultivation_bar_event_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_cultivation_bar_event_enterprise_date', ['enterprise_id', 'occurred_on'], unique=False)

    op.create_table('cultivation_case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('transition', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.Enum('submitted', 'screened', 'rejected', 'listed', 'in_training', 'suspended', 'completed', 'certification_applied', 'certified', 'not_certified', 'terminated', name='cultivation_event_from', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('to_state', sa.Enum('submitted', 'screened', 'rejected', 'listed', 'in_training', 'suspended', 'completed', 'certification_applied', 'certified', 'not_certified', 'terminated', name='cultivation_event_to', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=True),
    sa.Column('reason_text', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_cultivation_case_event_actor_id_user')),
    sa.ForeignKeyConstraint(['case_id'], ['cultivation_case.id'], name=op.f('fk_cultivation_case_event_case_id_cultivation_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cultivation_case_event'))
    )
    with op.batch_alter_table('cultivation_case_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cultivation_case_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cultivation_case_event_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_cultivation_case_event_case_time', ['case_id', 'occurred_at'], unique=False)

    op.create_table('cultivation_nominee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Enum('legal_representative', 'senior_management', 'department_staff', 'other', name='cultivation_nominee_position', native_enum=False, create_constraint=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cultivation_case.id'], name=op.f('fk_cultivation_nominee_case_id_cultivation_case')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_cultivation_nominee_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cultivation_nominee')),
    sa.UniqueConstraint('case_id', 'user_id', name=op.f('uq_cultivation_nominee_case_id_user_id'))
    )
    with op.batch_alter_table('cultivation_nominee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cultivation_nominee_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cultivation_nominee_user_id'), ['user_id'], unique=False)

    op.create_table('cultivation_plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('course', 'session', name='cultivation_plan_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(kind = 'course' AND course_id IS NOT NULL AND session_id IS NULL) OR (kind = 'session' AND session_id IS NOT NULL AND course_id IS NULL)", name=op.f('ck_cultivation_plan_item_course_or_session')),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_cultivation_plan_item_added_by_id_user')),
    sa.ForeignKeyConstraint(['case_id'], ['cultivation_case.id'], name=op.f('fk_cultivation_plan_item_case_id_cultivation_case')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_cultivation_plan_item_course_id_course')),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_cultivation_plan_item_session_id_training_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cultivation_plan_item')),
    sa.UniqueConstraint('case_id', 'course_id', name=op.f('uq_cultivation_plan_item_case_id_course_id')),
    sa.UniqueConstraint('case_id', 'session_id', name=op.f('uq_cultivation_plan_item_case_id_session_id'))
    )
    with op.batch_alter_table('cultivation_plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cultivation_plan_item_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cultivation_plan_item_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_cultivation_plan_item_due', ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_cultivation_plan_item_session_id'), ['session_id'], unique=False)

    op.create_table('enrollment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'completed', 'withdrawn', name='enrollment_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('enrolled_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('enrolled_by_id', sa.Integer(), nullable=True),
    sa.Column('completed_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('completed_version_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', lms.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['completed_version_id'], ['course_version.id'], name=op.f('fk_enrollment_completed_version_id_course_version')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_enrollment_course_id_course')),
    sa.ForeignKeyConstraint(['enrolled_by_id'], ['user.id'], name=op.f('fk_enrollment_enrolled_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_enrollment_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment')),
    sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_enrollment_user_id_course_id'))
    )
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollment_completed_at'), ['completed_at'], unique=False)
        batch_op.create_index('ix_enrollment_course_status', ['course_id', 'status'], unique=False)
        batch_op.create_index('ix_enrollment_enrolled_at', ['enrolled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollment_user_id'), ['user_id'], unique=False)

    op.create_table('key_list_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('score_rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('breakdown', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('included', sa.Boolean(), nullable=False),
    sa.Column('adjustment_note', sa.Text(), nullable=False),
    sa.CheckConstraint('position >= 1', name=op.f('ck_key_list_entry_position_positive')),
    sa.ForeignKeyConstraint(['case_id'], ['cultivation_case.id'], name=op.f('fk_key_list_entry_case_id_cultivation_case')),
    sa.ForeignKeyConstraint(['list_id'], ['key_training_list.id'], name=op.f('fk_key_list_entry_list_id_key_training_list')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_list_entry')),
    sa.UniqueConstraint('list_id', 'case_id', name=op.f('uq_key_list_entry_list_id_case_id')),
    sa.UniqueConstraint('list_id', 'position', name=op.f('uq_key_list_entry_list_id_position'))
    )
    with op.batch_alter_table('key_list_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_list_entry_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_list_entry_list_id'), ['list_id'], unique=False)

    op.create_table('question_tag',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_tag_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'tag', name=op.f('pk_question_tag'))
    )
    with op.batch_alter_table('question_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_tag_tag'), ['tag'], unique=False)

    op.create_table('question_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('qtype', sa.String(length=40), nullable=False),
    sa.Column('stem', sa.Text(), nullable=False),
    sa.Column('stem_format', sa.Enum('markdown', 'moodle', 'html', 'plain', name='stem_format', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('general_feedback', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('number >= 1', name=op.f('ck_question_version_number_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_question_version_created_by_id_user')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_version_question_id_question')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_version')),
    sa.UniqueConstraint('question_id', 'number', name=op.f('uq_question_version_question_id_number'))
    )
    with op.batch_alter_table('question_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_version_question_id'), ['question_id'], unique=False)

    op.create_table('quiz_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_quiz_slot_question_id_question')),
    sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], name=op.f('fk_quiz_slot_quiz_id_quiz'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_slot')),
    sa.UniqueConstraint('quiz_id', 'position', name=op.f('uq_quiz_slot_quiz_id_position')),
    sa.UniqueConstraint('quiz_id', 'question_id', name=op.f('uq_quiz_slot_quiz_id_question_id'))
    )
    with op.batch_alter_table('quiz_slot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_slot_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_slot_quiz_id'), ['quiz_id'], unique=False)

    op.create_table('registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'waitlisted', 'cancelled', 'rejected', name='registration_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('cancelled_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('attendance', sa.Enum('present', 'late', 'absent', 'excused', name='attendance', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('attendance_marked_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('attendance_marked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_in_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('waitlisted_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['attendance_marked_by_id'], ['user.id'], name=op.f('fk_registration_attendance_marked_by_id_user')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_registration_decided_by_id_user')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user.id'], name=op.f('fk_registration_registered_by_id_user')),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_registration_session_id_training_session')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_registration_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_registration_session_id_user_id'))
    )
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index('ix_registration_session_status', ['session_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_user_id'), ['user_id'], unique=False)

    op.create_table('session_expert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('lead', 'assistant', name='session_expert_role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user.id'], name=op.f('fk_session_expert_assigned_by_id_user')),
    sa.ForeignKeyConstraint(['expert_id'], ['user.id'], name=op.f('fk_session_expert_expert_id_user')),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_session_expert_session_id_training_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_expert')),
    sa.UniqueConstraint('session_id', 'expert_id', name=op.f('uq_session_expert_session_id_expert_id'))
    )
    with op.batch_alter_table('session_expert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_expert_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_expert_session_id'), ['session_id'], unique=False)
        batch_op.create_index('uq_session_expert_one_lead', ['session_id'], unique=True, sqlite_where=sa.text("role = 'lead'"), postgresql_where=sa.text("role = 'lead'"))

    op.create_table('attempt_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('max_mark', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('choice_order', sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('response', sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('answered_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('fraction', sa.Numeric(precision=8, scale=7), nullable=True),
    sa.Column('mark', sa.Numeric(precision=10, scale=4), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', lms.database.UTCDateTime(), nullable=True),
    sa.CheckConstraint('fraction IS NULL OR (fraction >= 0 AND fraction <= 1)', name=op.f('ck_attempt_question_fraction_range')),
    sa.CheckConstraint('mark IS NULL OR (mark >= 0 AND mark <= max_mark)', name=op.f('ck_attempt_question_mark_within_max')),
    sa.CheckConstraint('max_mark >= 0', name=op.f('ck_attempt_question_max_mark_positive')),
    sa.CheckConstraint('slot >= 1', name=op.f('ck_attempt_question_slot_positive')),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_attempt_question_attempt_id_attempt')),
    sa.ForeignKeyConstraint(['marked_by_id'], ['user.id'], name=op.f('fk_attempt_question_marked_by_id_user')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_attempt_question_question_id_question')),
    sa.ForeignKeyConstraint(['question_version_id'], ['question_version.id'], name=op.f('fk_attempt_question_question_version_id_question_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_question')),
    sa.UniqueConstraint('attempt_id', 'question_id', name=op.f('uq_attempt_question_attempt_id_question_id')),
    sa.UniqueConstraint('attempt_id', 'slot', name=op.f('uq_attempt_question_attempt_id_slot'))
    )
    with op.batch_alter_table('attempt_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_question_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_question_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_question_question_version_id'), ['question_version_id'], unique=False)

    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=True),
    sa.Column('trainee_name', sa.String(length=120), nullable=False),
    sa.Column('enterprise_name_en', sa.String(length=200), nullable=False),
    sa.Column('enterprise_name_zh', sa.String(length=200), nullable=False),
    sa.Column('course_title', sa.String(length=200), nullable=False),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('completed_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('experts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('issued_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('(revoked_at IS NULL AND revoked_by_id IS NULL AND revoke_reason IS NULL) OR (revoked_at IS NOT NULL AND revoke_reason IS NOT NULL)', name=op.f('ck_certificate_revocation_complete')),
    sa.CheckConstraint('hours >= 0', name=op.f('ck_certificate_hours_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_certificate_course_id_course')),
    sa.ForeignKeyConstraint(['course_version_id'], ['course_version.id'], name=op.f('fk_certificate_course_version_id_course_version')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_certificate_enrollment_id_enrollment')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_certificate_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_certificate_revoked_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_certificate_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code')),
    sa.UniqueConstraint('user_id', 'course_version_id', name=op.f('uq_certificate_user_id_course_version_id'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index('ix_certificate_course_issued', ['course_id', 'issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_course_version_id'), ['course_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_enrollment_id'), ['enrollment_id'], unique=False)
        batch_op.create_index('ix_certificate_enterprise_issued', ['enterprise_id', 'issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_revoked_at'), ['revoked_at'], unique=False)
        batch_op.create_index('ix_certificate_user_issued', ['user_id', 'issued_at'], unique=False)

    op.create_table('lesson',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['course_module.id'], name=op.f('fk_lesson_module_id_course_module'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['course_version.id'], name=op.f('fk_lesson_version_id_course_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson')),
    sa.UniqueConstraint('version_id', 'position', name=op.f('uq_lesson_version_id_position')),
    sa.UniqueConstraint('version_id', 'slug', name=op.f('uq_lesson_version_id_slug'))
    )
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lesson_version_id'), ['version_id'], unique=False)

    op.create_table('lesson_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('lesson_slug', sa.String(length=120), nullable=False),
    sa.Column('completed_at', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_lesson_progress_enrollment_id_enrollment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_progress')),
    sa.UniqueConstraint('enrollment_id', 'lesson_slug', name=op.f('uq_lesson_progress_enrollment_id_lesson_slug'))
    )
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_progress_enrollment_id'), ['enrollment_id'], unique=False)

    op.create_table('session_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.SmallInteger(), nullable=False),
    sa.Column('expert', sa.SmallInteger(), nullable=False),
    sa.Column('organisation', sa.SmallInteger(), nullable=False),
    sa.Column('usefulness', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('submitted_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('content BETWEEN 1 AND 5', name=op.f('ck_session_feedback_content_score_range')),
    sa.CheckConstraint('expert BETWEEN 1 AND 5', name=op.f('ck_session_feedback_expert_score_range')),
    sa.CheckConstraint('organisation BETWEEN 1 AND 5', name=op.f('ck_session_feedback_organisation_score_range')),
    sa.CheckConstraint('usefulness BETWEEN 1 AND 5', name=op.f('ck_session_feedback_usefulness_score_range')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_session_feedback_registration_id_registration')),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_session_feedback_session_id_training_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_feedback')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_session_feedback_registration_id'))
    )
    with op.batch_alter_table('session_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_feedback_session_id'), ['session_id'], unique=False)

    op.create_table('lesson_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('mimetype', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_lesson_attachment_lesson_id_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_lesson_attachment_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_lesson_attachment_stored_name'))
    )
    with op.batch_alter_table('lesson_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_attachment_lesson_id'), ['lesson_id'], unique=False)

    # Foreign keys of tables that refer to each other: SQLite created them inline, others add them now.
    if op.get_bind().dialect.name != 'sqlite':
        op.create_foreign_key('fk_course_published_version_id_course_version', 'course', 'course_version', ['published_version_id'], ['id'])
        op.create_foreign_key('fk_question_current_version_id_question_version', 'question', 'question_version', ['current_version_id'], ['id'])
    # ### end Alembic commands ###
    for statement in TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade():
    for statement in DROP_TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_course_published_version_id_course_version', 'course', type_='foreignkey')
        op.drop_constraint('fk_question_current_version_id_question_version', 'question', type_='foreignkey')
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('lesson_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_attachment_lesson_id'))

    op.drop_table('lesson_attachment')
    with op.batch_alter_table('session_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_feedback_session_id'))

    op.drop_table('session_feedback')
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_progress_enrollment_id'))

    op.drop_table('lesson_progress')
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_version_id'))
        batch_op.drop_index(batch_op.f('ix_lesson_module_id'))

    op.drop_table('lesson')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('ix_certificate_user_issued')
        batch_op.drop_index(batch_op.f('ix_certificate_revoked_at'))
        batch_op.drop_index('ix_certificate_enterprise_issued')
        batch_op.drop_index(batch_op.f('ix_certificate_enrollment_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_course_version_id'))
        batch_op.drop_index('ix_certificate_course_issued')

    op.drop_table('certificate')
    with op.batch_alter_table('attempt_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_question_question_version_id'))
        batch_op.drop_index(batch_op.f('ix_attempt_question_question_id'))
        batch_op.drop_index(batch_op.f('ix_attempt_question_attempt_id'))

    op.drop_table('attempt_question')
    with op.batch_alter_table('session_expert', schema=None) as batch_op:
        batch_op.drop_index('uq_session_expert_one_lead', sqlite_where=sa.text("role = 'lead'"), postgresql_where=sa.text("role = 'lead'"))
        batch_op.drop_index(batch_op.f('ix_session_expert_session_id'))
        batch_op.drop_index(batch_op.f('ix_session_expert_expert_id'))

    op.drop_table('session_expert')
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_user_id'))
        batch_op.drop_index('ix_registration_session_status')

    op.drop_table('registration')
    with op.batch_alter_table('quiz_slot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_slot_quiz_id'))
        batch_op.drop_index(batch_op.f('ix_quiz_slot_question_id'))

    op.drop_table('quiz_slot')
    with op.batch_alter_table('question_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_version_question_id'))

    op.drop_table('question_version')
    with op.batch_alter_table('question_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_tag_tag'))

    op.drop_table('question_tag')
    with op.batch_alter_table('key_list_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_list_entry_list_id'))
        batch_op.drop_index(batch_op.f('ix_key_list_entry_case_id'))

    op.drop_table('key_list_entry')
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollment_user_id'))
        batch_op.drop_index('ix_enrollment_enrolled_at')
        batch_op.drop_index('ix_enrollment_course_status')
        batch_op.drop_index(batch_op.f('ix_enrollment_completed_at'))

    op.drop_table('enrollment')
    with op.batch_alter_table('cultivation_plan_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cultivation_plan_item_session_id'))
        batch_op.drop_index('ix_cultivation_plan_item_due')
        batch_op.drop_index(batch_op.f('ix_cultivation_plan_item_course_id'))
        batch_op.drop_index(batch_op.f('ix_cultivation_plan_item_case_id'))

    op.drop_table('cultivation_plan_item')
    with op.batch_alter_table('cultivation_nominee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cultivation_nominee_user_id'))
        batch_op.drop_index(batch_op.f('ix_cultivation_nominee_case_id'))

    op.drop_table('cultivation_nominee')
    with op.batch_alter_table('cultivation_case_event', schema=None) as batch_op:
        batch_op.drop_index('ix_cultivation_case_event_case_time')
        batch_op.drop_index(batch_op.f('ix_cultivation_case_event_case_id'))
        batch_op.drop_index(batch_op.f('ix_cultivation_case_event_actor_id'))

    op.drop_table('cultivation_case_event')
    with op.batch_alter_table('cultivation_bar_event', schema=None) as batch_op:
        batch_op.drop_index('ix_cultivation_bar_event_enterprise_date')
        batch_op.drop_index(batch_op.f('ix_cultivation_bar_event_case_id'))

    op.drop_table('cultivation_bar_event')
    with op.batch_alter_table('course_version_facet', schema=None) as batch_op:
        batch_op.drop_index('ix_course_version_facet_value')

    op.drop_table('course_version_facet')
    op.drop_table('course_prerequisite')
    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_module_version_id'))

    op.drop_table('course_module')
    op.drop_table('coaching_record')
    with op.batch_alter_table('coaching_action_item', schema=None) as batch_op:
        batch_op.drop_index('ix_coaching_action_item_session_done')
        batch_op.drop_index('ix_coaching_action_item_owner_done')

    op.drop_table('coaching_action_item')
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_index('uq_attempt_one_in_progress', sqlite_where=sa.text("status = 'in_progress'"), postgresql_where=sa.text("status = 'in_progress'"))
        batch_op.drop_index('ix_attempt_user_status')
        batch_op.drop_index('ix_attempt_status_submitted')
        batch_op.drop_index('ix_attempt_status_deadline')
        batch_op.drop_index('ix_attempt_quiz_status')

    op.drop_table('attempt')
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_session_venue_id'))
        batch_op.drop_index('ix_training_session_unit_start')
        batch_op.drop_index(batch_op.f('ix_training_session_status'))
        batch_op.drop_index('ix_training_session_starts_at')
        batch_op.drop_index(batch_op.f('ix_training_session_series_key'))
        batch_op.drop_index(batch_op.f('ix_training_session_host_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_training_session_enterprise_id'))
        batch_op.drop_index('ix_training_session_course_start')

    op.drop_table('training_session')
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_course_id'))

    op.drop_table('quiz')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_current_version_id'))
        batch_op.drop_index(batch_op.f('ix_question_course_id'))
        batch_op.drop_index('ix_question_course_category')

    op.drop_table('question')
    with op.batch_alter_table('expert_unavailable_period', schema=None) as batch_op:
        batch_op.drop_index('ix_expert_unavailable_period_profile_dates')

    op.drop_table('expert_unavailable_period')
    with op.batch_alter_table('expert_specialty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_specialty_topic'))

    op.drop_table('expert_specialty')
    with op.batch_alter_table('expert_involvement', schema=None) as batch_op:
        batch_op.drop_index('ix_expert_involvement_profile_dates')
        batch_op.drop_index(batch_op.f('ix_expert_involvement_enterprise_id'))

    op.drop_table('expert_involvement')
    with op.batch_alter_table('cultivation_case', schema=None) as batch_op:
        batch_op.drop_index('uq_cultivation_case_open', sqlite_where=sa.text("state IN ('submitted', 'screened', 'listed', 'in_training', 'suspended', 'completed', 'certification_applied')"), postgresql_where=sa.text("state IN ('submitted', 'screened', 'listed', 'in_training', 'suspended', 'completed', 'certification_applied')"))
        batch_op.drop_index(batch_op.f('ix_cultivation_case_suspended_on'))
        batch_op.drop_index('ix_cultivation_case_state_type')
        batch_op.drop_index(batch_op.f('ix_cultivation_case_state'))
        batch_op.drop_index(batch_op.f('ix_cultivation_case_opened_on'))
        batch_op.drop_index(batch_op.f('ix_cultivation_case_opened_by_id'))
        batch_op.drop_index(batch_op.f('ix_cultivation_case_opened_at'))
        batch_op.drop_index(batch_op.f('ix_cultivation_case_key_list_id'))
        batch_op.drop_index('ix_cultivation_case_enterprise_state')
        batch_op.drop_index(batch_op.f('ix_cultivation_case_enterprise_id'))

    op.drop_table('cultivation_case')
    with op.batch_alter_table('course_version', schema=None) as batch_op:
        batch_op.drop_index('uq_course_version_one_open', sqlite_where=sa.text("status IN ('draft', 'in_review')"), postgresql_where=sa.text("status IN ('draft', 'in_review')"))
        batch_op.drop_index('ix_course_version_status_type')
        batch_op.drop_index('ix_course_version_language')
        batch_op.drop_index(batch_op.f('ix_course_version_course_id'))

    op.drop_table('course_version')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_unread')

    op.drop_table('notification')
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entry_subject')
        batch_op.drop_index('ix_ledger_entry_kind_time')
        batch_op.drop_index(batch_op.f('ix_ledger_entry_actor_id'))

    op.drop_table('ledger_entry')
    with op.batch_alter_table('key_training_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_training_list_unit_id'))
        batch_op.drop_index(batch_op.f('ix_key_training_list_confirmed'))

    op.drop_table('key_training_list')
    op.drop_table('expert_profile')
    with op.batch_alter_table('cultivation_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cultivation_reminder_user_id'))

    op.drop_table('cultivation_reminder')
    with op.batch_alter_table('credit_status_record', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_status_record_enterprise_date')

    op.drop_table('credit_status_record')
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_published_version_id'))
        batch_op.drop_index(batch_op.f('ix_course_owner_id'))
        batch_op.drop_index('ix_course_catalog')

    op.drop_table('course')
    op.drop_table('calendar_token')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_unit_id'))
        batch_op.drop_index(batch_op.f('ix_user_role'))
        batch_op.drop_index(batch_op.f('ix_user_enterprise_id'))

    op.drop_table('user')
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_venue_unit_id'))

    op.drop_table('venue')
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_index('ix_enterprise_unit_level')
        batch_op.drop_index(batch_op.f('ix_enterprise_unit_id'))
        batch_op.drop_index(batch_op.f('ix_enterprise_is_key'))

    op.drop_table('enterprise')
    op.drop_table('xapi_cursor')
    with op.batch_alter_table('customs_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customs_unit_path'))
        batch_op.drop_index(batch_op.f('ix_customs_unit_parent_id'))

    op.drop_table('customs_unit')
    # ### end Alembic commands ###
