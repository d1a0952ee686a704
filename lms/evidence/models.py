"""The evidence ledger: append-only rows, each carrying the hash of the one before it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import UTCDateTime
from lms.extensions import db


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        sa.Index("ix_ledger_entry_subject", "subject_type", "subject_id"),
        sa.Index("ix_ledger_entry_kind_time", "kind", "created_at"),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Position in the chain. Unique, and so is prev_hash: two writers can never extend the same entry.
    seq: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject_type: Mapped[str] = mapped_column(sa.String(30))
    subject_id: Mapped[int] = mapped_column(sa.BigInteger)
    payload: Mapped[str] = mapped_column(sa.Text)  # canonical JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    prev_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    actor = relationship("User")

    @property
    def reference(self) -> str:
        """Short citation for documents: sequence number and the first hash characters."""
        return f"#{self.seq}·{self.hash[:12]}"


# Refuse UPDATE and DELETE on ledger rows in the database itself, whatever code or tool connects.
SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS ledger_entry_no_update BEFORE UPDATE ON ledger_entry "
    "BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS ledger_entry_no_delete BEFORE DELETE ON ledger_entry "
    "BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END",
]
POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION ledger_entry_refuse_change() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'ledger entries are append-only'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS ledger_entry_no_change ON ledger_entry",
    "CREATE TRIGGER ledger_entry_no_change BEFORE UPDATE OR DELETE ON ledger_entry "
    "FOR EACH ROW EXECUTE FUNCTION ledger_entry_refuse_change()",
]


def ledger_trigger_statements(dialect_name: str) -> list[str]:
    return POSTGRES_TRIGGERS if dialect_name == "postgresql" else SQLITE_TRIGGERS


@sa.event.listens_for(LedgerEntry.__table__, "after_create")
def _install_triggers(target, connection, **kw):
    for statement in ledger_trigger_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)
