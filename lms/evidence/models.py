"""The evidence ledger (append-only rows, each carrying the hash of the one before it) and certificates."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import JSONType, UTCDateTime, utcnow
from lms.extensions import db
from lms.org.models import localized


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
SQLITE_DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS ledger_entry_no_update",
    "DROP TRIGGER IF EXISTS ledger_entry_no_delete",
]
POSTGRES_DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS ledger_entry_no_change ON ledger_entry",
    "DROP FUNCTION IF EXISTS ledger_entry_refuse_change()",
]


def ledger_trigger_statements(dialect_name: str) -> list[str]:
    return POSTGRES_TRIGGERS if dialect_name == "postgresql" else SQLITE_TRIGGERS


def install_ledger_triggers(connection) -> None:
    """Create the append-only triggers on ``connection`` (a migration calls this with ``op.get_bind()``)."""
    for statement in ledger_trigger_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def drop_ledger_triggers(connection) -> None:
    """Remove the triggers (a migration's downgrade)."""
    statements = POSTGRES_DROP_TRIGGERS if connection.dialect.name == "postgresql" else SQLITE_DROP_TRIGGERS
    for statement in statements:
        connection.exec_driver_sql(statement)


@sa.event.listens_for(LedgerEntry.__table__, "after_create")
def _install_triggers(target, connection, **kw):
    install_ledger_triggers(connection)


CERTIFICATE_STATUSES = {"valid": _l("Valid"), "revoked": _l("Revoked")}


class Certificate(db.Model):
    """A completion certificate: one per trainee and course version.

    The names printed on it are kept as issued, so the document and its ledger entry stay true when a
    person, an enterprise or a course is renamed later.
    """

    __tablename__ = "certificate"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_version_id"),
        sa.CheckConstraint(
            "(revoked_at IS NULL AND revoked_by_id IS NULL AND revoke_reason IS NULL)"
            " OR (revoked_at IS NOT NULL AND revoke_reason IS NOT NULL)",
            name="revocation_complete",
        ),
        sa.CheckConstraint("hours >= 0", name="hours_positive"),
        sa.Index("ix_certificate_enterprise_issued", "enterprise_id", "issued_at"),
        sa.Index("ix_certificate_user_issued", "user_id", "issued_at"),
        sa.Index("ix_certificate_course_issued", "course_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Printed on the document and in its QR code; looked up by the public verification page.
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"))
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_version.id"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enrollment.id"), index=True)
    trainee_name: Mapped[str] = mapped_column(sa.String(120))
    enterprise_name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    enterprise_name_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    course_title: Mapped[str] = mapped_column(sa.String(200))
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # [{"id": user id, "name": display name}]: the course owner, then the leads of the sessions attended
    experts: Mapped[list] = mapped_column(JSONType, default=list)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    revoke_reason: Mapped[str | None] = mapped_column(sa.Text)

    user = relationship("User", foreign_keys=[user_id])
    enterprise = relationship("Enterprise")
    course = relationship("Course")
    course_version = relationship("CourseVersion")
    enrollment = relationship("Enrollment")
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    @property
    def shown_course_title(self) -> str:
        """The course title in the reader's language: the completed version's variant when it has one (the
        title recorded at issue is the course's own language)."""
        from lms.courses.models import reader_locale

        version = self.course_version
        if version is not None and reader_locale() != version.language:
            text = version.text_for(reader_locale())
            if text is not None:
                return text.title
        return self.course_title

    @property
    def shown_trainee_name(self) -> str:
        """The trainee's name in the reader's language when the recorded name is one of the person's two forms
        (a name changed since keeps the recorded one)."""
        user = self.user
        if user is not None and user.name_en and self.trainee_name in (user.own_name, user.name_en):
            return user.display_name
        return self.trainee_name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def status(self) -> str:
        return "revoked" if self.is_revoked else "valid"

    @property
    def status_label(self) -> str:
        return str(CERTIFICATE_STATUSES[self.status])

    @property
    def enterprise_name(self) -> str:
        return localized(self.enterprise_name_en, self.enterprise_name_zh)

    @property
    def expert_names(self) -> list[str]:
        return [expert["name"] for expert in self.experts or []]

    @property
    def shown_expert_names(self) -> list[str]:
        """The experts' names in the reader's language (the recorded name being one of their forms)."""
        from lms.auth.models import User

        ids = [expert.get("id") for expert in self.experts or [] if expert.get("id")]
        people = (
            {user.id: user for user in db.session.execute(sa.select(User).where(User.id.in_(ids))).scalars()}
            if ids
            else {}
        )
        names = []
        for expert in self.experts or []:
            user = people.get(expert.get("id"))
            if user is not None and user.name_en and expert["name"] in (user.own_name, user.name_en):
                names.append(user.display_name)
            else:
                names.append(expert["name"])
        return names

    def __repr__(self) -> str:
        return f"<Certificate {self.code}>"
