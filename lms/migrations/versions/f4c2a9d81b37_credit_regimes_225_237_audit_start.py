"""credit regimes of Decrees 225 and 237 (four categories) and the start of an audit behind a suspension

Credit status records, enterprises and certification outcomes accept the Decree 225 and Decree 237 regimes
and their levels (general certified, general credit). A case suspended for an audit records when the audit
started; existing suspensions count from their suspension date, as before.

Revision ID: f4c2a9d81b37
Revises: 450138c17d1a
Create Date: 2026-12-04 18:00:00

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4c2a9d81b37'
down_revision = "450138c17d1a"
branch_labels = None
depends_on = None

OLD_REGIMES = ('decree_251', 'decree_282')
NEW_REGIMES = ('decree_225', 'decree_237', 'decree_251', 'decree_282')
OLD_LEVELS = ('advanced_certified', 'certified', 'registered', 'regular', 'discredited', 'seriously_discredited')
NEW_LEVELS = ('advanced_certified', 'general_certified', 'certified', 'general_credit', 'registered', 'regular',
              'discredited', 'seriously_discredited')
OLD_REGIME_LEVELS = {
    'decree_251': ('advanced_certified', 'registered', 'discredited'),
    'decree_282': ('advanced_certified', 'certified', 'regular', 'discredited', 'seriously_discredited'),
}
NEW_REGIME_LEVELS = {
    'decree_225': ('advanced_certified', 'general_certified', 'general_credit', 'discredited'),
    'decree_237': ('advanced_certified', 'general_certified', 'general_credit', 'discredited'),
    **OLD_REGIME_LEVELS,
}


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _regime_levels(mapping):
    return " OR ".join(f"(regime = '{regime}' AND {_in('level', levels)})" for regime, levels in mapping.items())


def _checks(regimes, levels, regime_levels):
    """(table, constraint name, condition) of every CHECK that lists regimes or levels."""
    return [
        ('credit_status_record', 'ck_credit_status_record_credit_regime', _in('regime', regimes)),
        ('credit_status_record', 'ck_credit_status_record_credit_level', _in('level', levels)),
        ('credit_status_record', 'ck_credit_status_record_level_exists_in_regime', _regime_levels(regime_levels)),
        ('enterprise', 'ck_enterprise_credit_regime_current', _in('credit_regime', regimes)),
        ('enterprise', 'ck_enterprise_credit_level_current', _in('credit_level', levels)),
        ('cultivation_case', 'ck_cultivation_case_cultivation_outcome_level', _in('outcome_level', levels)),
    ]


def _sqlite_foreign_keys(on: bool) -> None:
    """Switch SQLite's foreign keys (a no-op inside a transaction, so the DDL so far is committed first:
    SQLite migrations are not transactional here anyway)."""
    raw = op.get_bind().connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


@contextmanager
def _rebuilding():
    """SQLite rebuilds each table (batch mode); their rows are referenced from other tables, so the foreign
    keys are switched off around the rebuild, and checked afterwards (ids are copied unchanged)."""
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        _sqlite_foreign_keys(False)
    yield
    if sqlite:
        broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').fetchall()
        if broken:
            raise RuntimeError(f'foreign keys broken by the rebuild: {broken[:5]}')
        _sqlite_foreign_keys(True)


def _replace_checks(checks):
    tables = {}
    for table, name, condition in checks:
        tables.setdefault(table, []).append((name, condition))
    for table, items in tables.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, condition in items:
                batch_op.drop_constraint(op.f(name), type_='check')
                batch_op.create_check_constraint(op.f(name), sa.text(condition))


def upgrade():
    with _rebuilding():
        with op.batch_alter_table('cultivation_case', schema=None) as batch_op:
            batch_op.add_column(sa.Column('audit_started_on', sa.Date(), nullable=True))
        _replace_checks(_checks(NEW_REGIMES, NEW_LEVELS, NEW_REGIME_LEVELS))


def downgrade():
    with _rebuilding():
        _replace_checks(_checks(OLD_REGIMES, OLD_LEVELS, OLD_REGIME_LEVELS))
        with op.batch_alter_table('cultivation_case', schema=None) as batch_op:
            batch_op.drop_column('audit_started_on')
