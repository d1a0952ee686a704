"""Enterprise cultivation cases, their audit trail, one-year bars, key training lists and training plans.

A case follows the procedure customs runs for one enterprise and training type: application (or nomination)
→ screening → key training list → training (with suspension) → completion → certification application →
outcome. Every change of state is a :class:`CaseEvent` row that is never updated or deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import POSITIONS
from lms.database import JSONType, UTCDateTime, enum_column, utcnow
from lms.extensions import db
from lms.org.models import CREDIT_LEVELS

TRAINING_TYPES = {
    "compliance": _l("Compliance training"),
    "aeo_certification": _l("AEO certification training"),
}
# Who the training is for (seed: compliance training for interested parties; AEO certification training for
# applicants, potential applicants and AEOs to be re-reviewed).
CATEGORIES = {
    "interested_party": _l("Interested party"),
    "applicant": _l("AEO applicant"),
    "potential_applicant": _l("Potential AEO applicant"),
    "aeo_rereview": _l("AEO due for re-review"),
}
CATEGORIES_BY_TYPE = {
    "compliance": ("interested_party",),
    "aeo_certification": ("applicant", "potential_applicant", "aeo_rereview"),
}
ORIGINS = {"application": _l("Applied for by the enterprise"), "nomination": _l("Nominated by customs")}

CASE_STATES = {
    "submitted": _l("Submitted"),
    "screened": _l("Screened"),
    "rejected": _l("Rejected"),
    "listed": _l("On the key training list"),
    "in_training": _l("In training"),
    "suspended": _l("Suspended"),
    "completed": _l("Training completed"),
    "certification_applied": _l("Certification applied for"),
    "certified": _l("Certified"),
    "not_certified": _l("Not certified"),
    "terminated": _l("Terminated"),
}
OPEN_STATES = (
    "submitted",
    "screened",
    "listed",
    "in_training",
    "suspended",
    "completed",
    "certification_applied",
)
CLOSED_STATES = tuple(s for s in CASE_STATES if s not in OPEN_STATES)

SUSPENSION_REASONS = {
    "audit": _l("The enterprise is being audited"),
    "simple_procedure": _l("Filed for investigation under the simple or summary procedure"),
    "other": _l("Other circumstances"),
}
TERMINATION_REASONS = {
    "general_procedure": _l("Filed for investigation under the general procedure"),
    "suspected_crime": _l("Filed for investigation for a suspected crime"),
    "discredited": _l("The enterprise became discredited"),
    "seriously_discredited": _l("The enterprise became seriously discredited"),
    "audit_no_conclusion": _l("No audit conclusion within the set number of months"),
    "other": _l("Other circumstances"),
}

BAR_KINDS = {
    "failed_certification": _l("Failed AEO certification"),
    "failed_rereview": _l("Failed AEO re-review"),
    "gave_up_aeo": _l("Gave up AEO status"),
    "withdrew_application": _l("Withdrew a certification application"),
    "downgraded_from_aeo": _l("Downgraded from AEO"),
    "upgraded_from_discredited": _l("Upgraded out of discredited"),
}
BAR_SOURCES = {
    "certification": _l("Certification outcome"),
    "credit_history": _l("Credit history"),
    "manual": _l("Recorded by customs"),
}
PLAN_ITEM_KINDS = {"course": _l("Course"), "session": _l("Training session")}
ADJUSTMENT_ACTIONS = {
    "included": _l("included"),
    "excluded": _l("excluded"),
    "moved_up": _l("moved up"),
    "moved_down": _l("moved down"),
}


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove a row that is kept for the record."""


class CultivationCase(db.Model):
    __tablename__ = "cultivation_case"
    __table_args__ = (
        # One open case per enterprise and training type; closed cases stay as history.
        sa.Index(
            "uq_cultivation_case_open",
            "enterprise_id",
            "training_type",
            unique=True,
            sqlite_where=sa.text(f"state IN ({_in(OPEN_STATES)})"),
            postgresql_where=sa.text(f"state IN ({_in(OPEN_STATES)})"),
        ),
        sa.Index("ix_cultivation_case_state_type", "state", "training_type"),
        sa.Index("ix_cultivation_case_enterprise_state", "enterprise_id", "state"),
        sa.CheckConstraint(
            "state <> 'suspended' OR (suspension_reason IS NOT NULL AND suspended_on IS NOT NULL)",
            name="suspension_has_reason",
        ),
        sa.CheckConstraint(
            "state <> 'terminated' OR termination_reason IS NOT NULL", name="termination_has_reason"
        ),
        sa.CheckConstraint(
            "state <> 'certified' OR (outcome_level IN ('advanced_certified', 'certified')"
            " AND outcome_decided_on IS NOT NULL)",
            name="certified_has_level",
        ),
        sa.CheckConstraint(
            "state NOT IN ('certified', 'not_certified', 'certification_applied')"
            " OR certification_applied_on IS NOT NULL",
            name="certification_has_application_date",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    training_type: Mapped[str] = mapped_column(enum_column(*TRAINING_TYPES, name="cultivation_training_type"))
    category: Mapped[str] = mapped_column(enum_column(*CATEGORIES, name="cultivation_category"))
    origin: Mapped[str] = mapped_column(enum_column(*ORIGINS, name="cultivation_origin"))
    state: Mapped[str] = mapped_column(
        enum_column(*CASE_STATES, name="cultivation_state"), default="submitted", index=True
    )
    statement: Mapped[str] = mapped_column(sa.Text, default="")
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The date the application or nomination counts from (decisions cannot precede it).
    opened_on: Mapped[date] = mapped_column(sa.Date, index=True)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Screening decision: date, officer and the eligibility checks as they were evaluated.
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    screened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    eligibility: Mapped[dict | None] = mapped_column(JSONType)

    suspension_reason: Mapped[str | None] = mapped_column(
        enum_column(*SUSPENSION_REASONS, name="cultivation_suspension_reason")
    )
    suspension_text: Mapped[str] = mapped_column(sa.Text, default="")
    suspended_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    # When the audit behind an "audit" suspension started (the limit counts from it); None: the suspension.
    audit_started_on: Mapped[date | None] = mapped_column(sa.Date)

    termination_reason: Mapped[str | None] = mapped_column(
        enum_column(*TERMINATION_REASONS, name="cultivation_termination_reason")
    )
    termination_text: Mapped[str] = mapped_column(sa.Text, default="")
    terminated_on: Mapped[date | None] = mapped_column(sa.Date)

    training_started_on: Mapped[date | None] = mapped_column(sa.Date)
    completed_on: Mapped[date | None] = mapped_column(sa.Date)
    certification_applied_on: Mapped[date | None] = mapped_column(sa.Date)
    outcome_level: Mapped[str | None] = mapped_column(
        enum_column(*CREDIT_LEVELS, name="cultivation_outcome_level")
    )
    outcome_regime: Mapped[str | None] = mapped_column(sa.String(20))
    outcome_decided_on: Mapped[date | None] = mapped_column(sa.Date)
    outcome_reason: Mapped[str] = mapped_column(sa.Text, default="")
    key_list_id: Mapped[int | None] = mapped_column(sa.ForeignKey("key_training_list.id"), index=True)

    enterprise = relationship("Enterprise")
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    screened_by = relationship("User", foreign_keys=[screened_by_id])
    key_list: Mapped[KeyTrainingList | None] = relationship(foreign_keys=[key_list_id])
    nominees: Mapped[list[CaseNominee]] = relationship(back_populates="case", order_by="CaseNominee.id")
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")
    plan_items: Mapped[list[PlanItem]] = relationship(back_populates="case", order_by="PlanItem.id")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def other_nominees(self) -> list[CaseNominee]:
        """Nominees in none of the positions the seed gives priority to (flagged on lists and plans)."""
        return [n for n in self.nominees if n.position == "other"]

    @property
    def state_label(self) -> str:
        return str(CASE_STATES[self.state])

    @property
    def training_type_label(self) -> str:
        return str(TRAINING_TYPES[self.training_type])

    @property
    def category_label(self) -> str:
        return str(CATEGORIES[self.category])

    @property
    def origin_label(self) -> str:
        return str(ORIGINS[self.origin])

    @property
    def suspension_reason_label(self) -> str:
        return str(SUSPENSION_REASONS[self.suspension_reason]) if self.suspension_reason else ""

    @property
    def audit_counted_from(self) -> date | None:
        """The day the audit-without-conclusion limit counts from: the audit's start, else the suspension."""
        if self.suspension_reason != "audit":
            return None
        return self.audit_started_on or self.suspended_on

    @property
    def termination_reason_label(self) -> str:
        return str(TERMINATION_REASONS[self.termination_reason]) if self.termination_reason else ""

    @property
    def outcome_level_label(self) -> str:
        return str(CREDIT_LEVELS[self.outcome_level]) if self.outcome_level else ""

    @property
    def reference(self) -> str:
        return f"C-{self.id:05d}"

    def __repr__(self) -> str:
        return f"<CultivationCase {self.id} {self.state}>"


class CaseNominee(db.Model):
    """A trainee of the case's enterprise named for training, with the position they held when named."""

    __tablename__ = "cultivation_nominee"
    __table_args__ = (sa.UniqueConstraint("case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cultivation_case.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    position: Mapped[str] = mapped_column(enum_column(*POSITIONS, name="cultivation_nominee_position"))

    case: Mapped[CultivationCase] = relationship(back_populates="nominees")
    user = relationship("User")

    @property
    def position_label(self) -> str:
        return str(POSITIONS[self.position])

    @property
    def outside_priority(self) -> bool:
        """Position "other": not a legal representative, senior manager or relevant department staff."""
        return self.position == "other"


class CaseEvent(db.Model):
    """One transition of a case: who, when, from which state to which, why. Append-only."""

    __tablename__ = "cultivation_case_event"
    __table_args__ = (sa.Index("ix_cultivation_case_event_case_time", "case_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cultivation_case.id"), index=True)
    transition: Mapped[str] = mapped_column(sa.String(30))
    from_state: Mapped[str | None] = mapped_column(enum_column(*CASE_STATES, name="cultivation_event_from"))
    to_state: Mapped[str] = mapped_column(enum_column(*CASE_STATES, name="cultivation_event_to"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The date the decision takes effect (decision date, suspension date...), which may precede occurred_at.
    effective_on: Mapped[date] = mapped_column(sa.Date)
    reason_code: Mapped[str | None] = mapped_column(sa.String(40))
    reason_text: Mapped[str] = mapped_column(sa.Text, default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    details: Mapped[dict] = mapped_column(JSONType, default=dict)

    case: Mapped[CultivationCase] = relationship(back_populates="events")
    actor = relationship("User")

    @property
    def from_label(self) -> str:
        return str(CASE_STATES[self.from_state]) if self.from_state else ""

    @property
    def to_label(self) -> str:
        return str(CASE_STATES[self.to_state])

    @property
    def reason_label(self) -> str:
        """The coded reason in words (suspension or termination ground, level granted)."""
        labels = {"suspend": SUSPENSION_REASONS, "terminate": TERMINATION_REASONS, "certify": CREDIT_LEVELS}
        table = labels.get(self.transition, {})
        return str(table[self.reason_code]) if self.reason_code in table else ""


class BarEvent(db.Model):
    """A dated event that starts a one-year bar on certification for the enterprise. Never edited."""

    __tablename__ = "cultivation_bar_event"
    __table_args__ = (
        sa.Index("ix_cultivation_bar_event_enterprise_date", "enterprise_id", "occurred_on"),
        # One bar per credit decision and kind, one per case outcome and kind: syncing is idempotent.
        sa.UniqueConstraint("credit_record_id", "kind"),
        sa.UniqueConstraint("case_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"))
    kind: Mapped[str] = mapped_column(enum_column(*BAR_KINDS, name="cultivation_bar_kind"))
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    source: Mapped[str] = mapped_column(enum_column(*BAR_SOURCES, name="cultivation_bar_source"))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cultivation_case.id"), index=True)
    credit_record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_status_record.id"))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enterprise = relationship("Enterprise")
    recorded_by = relationship("User")

    @property
    def kind_label(self) -> str:
        return str(BAR_KINDS[self.kind])

    @property
    def source_label(self) -> str:
        return str(BAR_SOURCES[self.source])


class KeyTrainingList(db.Model):
    """The ranked key training list of one customs unit for one period. Fixed once confirmed."""

    __tablename__ = "key_training_list"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "period"),
        sa.CheckConstraint(
            "(confirmed AND confirmed_at IS NOT NULL) OR (NOT confirmed AND confirmed_at IS NULL)",
            name="confirmed_has_time",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("customs_unit.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(10))
    weights: Mapped[dict] = mapped_column(JSONType, default=dict)
    position_values: Mapped[dict] = mapped_column(JSONType, default=dict)
    confirmed: Mapped[bool] = mapped_column(default=False, index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("CustomsUnit")
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    entries: Mapped[list[KeyListEntry]] = relationship(
        back_populates="key_list", order_by="KeyListEntry.position"
    )


class KeyListEntry(db.Model):
    __tablename__ = "key_list_entry"
    __table_args__ = (
        sa.UniqueConstraint("list_id", "case_id"),
        sa.UniqueConstraint("list_id", "position"),
        sa.CheckConstraint("position >= 1", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(sa.ForeignKey("key_training_list.id"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cultivation_case.id"), index=True)
    position: Mapped[int] = mapped_column()
    score_rank: Mapped[int] = mapped_column()  # the place the score alone gave it
    score: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    breakdown: Mapped[dict] = mapped_column(JSONType, default=dict)
    included: Mapped[bool] = mapped_column(default=True)
    # Free text written before adjustments were kept as data; new adjustments go to ``adjustments``.
    adjustment_note: Mapped[str] = mapped_column(sa.Text, default="")
    # [{"on": "2026-03-02", "by": "Wang Li", "action": "excluded", "reason": "..."}], oldest first
    adjustments: Mapped[list] = mapped_column(JSONType, default=list)

    key_list: Mapped[KeyTrainingList] = relationship(back_populates="entries")

    def adjustment_lines(self) -> list[str]:
        """The adjustment history in the reader's language (old free-text notes as written)."""
        from flask_babel import gettext as _

        from lms.i18n import format_day

        lines = [line for line in (self.adjustment_note or "").splitlines() if line.strip()]
        for item in self.adjustments or []:
            action = ADJUSTMENT_ACTIONS.get(item.get("action"), item.get("action", ""))
            lines.append(
                _(
                    "%(day)s, %(name)s: %(action)s. Reason: %(reason)s",
                    day=format_day(date.fromisoformat(item["on"])),
                    name=item.get("by", ""),
                    action=action,
                    reason=item.get("reason", ""),
                )
            )
        return lines

    case: Mapped[CultivationCase] = relationship()


class PlanItem(db.Model):
    """A course or session every nominee of the case must complete (or attend)."""

    __tablename__ = "cultivation_plan_item"
    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'course' AND course_id IS NOT NULL AND session_id IS NULL)"
            " OR (kind = 'session' AND session_id IS NOT NULL AND course_id IS NULL)",
            name="course_or_session",
        ),
        sa.UniqueConstraint("case_id", "course_id"),
        sa.UniqueConstraint("case_id", "session_id"),
        sa.Index("ix_cultivation_plan_item_due", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cultivation_case.id"), index=True)
    kind: Mapped[str] = mapped_column(enum_column(*PLAN_ITEM_KINDS, name="cultivation_plan_kind"))
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_session.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[CultivationCase] = relationship(back_populates="plan_items")
    course = relationship("Course")
    session = relationship("TrainingSession")

    @property
    def kind_label(self) -> str:
        return str(PLAN_ITEM_KINDS[self.kind])


class Reminder(db.Model):
    """A reminder already sent today: the reminder command sends each one at most once a day."""

    __tablename__ = "cultivation_reminder"
    __table_args__ = (sa.UniqueConstraint("kind", "subject", "user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(80))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    day: Mapped[date] = mapped_column(sa.Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# -- rows kept for the record -------------------------------------------------------------------------------


def _refuse_change(mapper, connection, target):
    raise AppendOnlyError(f"{type(target).__name__} rows are kept for the record and cannot be changed")


for _model in (CaseEvent, BarEvent):
    sa.event.listen(_model, "before_update", _refuse_change)
    sa.event.listen(_model, "before_delete", _refuse_change)


# The same rules in the database itself, whatever code or tool connects: the audit trail is append-only,
# and a confirmed key training list (with its entries) no longer changes. Keyed by the table they guard.
SQLITE_TRIGGERS = {
    "cultivation_case_event": [
        "CREATE TRIGGER IF NOT EXISTS cultivation_case_event_no_update "
        "BEFORE UPDATE ON cultivation_case_event "
        "BEGIN SELECT RAISE(ABORT, 'the case audit trail is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS cultivation_case_event_no_delete "
        "BEFORE DELETE ON cultivation_case_event "
        "BEGIN SELECT RAISE(ABORT, 'the case audit trail is append-only'); END",
    ],
    "key_training_list": [
        "CREATE TRIGGER IF NOT EXISTS key_training_list_fixed BEFORE UPDATE ON key_training_list "
        "WHEN OLD.confirmed BEGIN SELECT RAISE(ABORT, 'a confirmed key training list is fixed'); END",
        "CREATE TRIGGER IF NOT EXISTS key_training_list_no_delete BEFORE DELETE ON key_training_list "
        "WHEN OLD.confirmed BEGIN SELECT RAISE(ABORT, 'a confirmed key training list is fixed'); END",
    ],
    "key_list_entry": [
        "CREATE TRIGGER IF NOT EXISTS key_list_entry_fixed_insert BEFORE INSERT ON key_list_entry "
        "WHEN (SELECT confirmed FROM key_training_list WHERE id = NEW.list_id) "
        "BEGIN SELECT RAISE(ABORT, 'a confirmed key training list is fixed'); END",
        "CREATE TRIGGER IF NOT EXISTS key_list_entry_fixed_update BEFORE UPDATE ON key_list_entry "
        "WHEN (SELECT confirmed FROM key_training_list WHERE id = OLD.list_id) "
        "BEGIN SELECT RAISE(ABORT, 'a confirmed key training list is fixed'); END",
        "CREATE TRIGGER IF NOT EXISTS key_list_entry_fixed_delete BEFORE DELETE ON key_list_entry "
        "WHEN (SELECT confirmed FROM key_training_list WHERE id = OLD.list_id) "
        "BEGIN SELECT RAISE(ABORT, 'a confirmed key training list is fixed'); END",
    ],
}
POSTGRES_TRIGGERS = {
    "cultivation_case_event": [
        "CREATE OR REPLACE FUNCTION cultivation_case_event_refuse_change() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'the case audit trail is append-only'; END; $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS cultivation_case_event_no_change ON cultivation_case_event",
        "CREATE TRIGGER cultivation_case_event_no_change BEFORE UPDATE OR DELETE ON cultivation_case_event "
        "FOR EACH ROW EXECUTE FUNCTION cultivation_case_event_refuse_change()",
    ],
    "key_training_list": [
        "CREATE OR REPLACE FUNCTION key_training_list_refuse_change() RETURNS trigger AS $$ "
        "BEGIN IF OLD.confirmed THEN RAISE EXCEPTION 'a confirmed key training list is fixed'; END IF; "
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS key_training_list_fixed ON key_training_list",
        "CREATE TRIGGER key_training_list_fixed BEFORE UPDATE OR DELETE ON key_training_list "
        "FOR EACH ROW EXECUTE FUNCTION key_training_list_refuse_change()",
    ],
    "key_list_entry": [
        "CREATE OR REPLACE FUNCTION key_list_entry_refuse_change() RETURNS trigger AS $$ "
        "DECLARE target_list integer; BEGIN "
        "IF TG_OP = 'INSERT' THEN target_list := NEW.list_id; ELSE target_list := OLD.list_id; END IF; "
        "IF (SELECT confirmed FROM key_training_list WHERE id = target_list) THEN "
        "RAISE EXCEPTION 'a confirmed key training list is fixed'; END IF; "
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS key_list_entry_fixed ON key_list_entry",
        "CREATE TRIGGER key_list_entry_fixed BEFORE INSERT OR UPDATE OR DELETE ON key_list_entry "
        "FOR EACH ROW EXECUTE FUNCTION key_list_entry_refuse_change()",
    ],
}


def cultivation_trigger_statements(dialect_name: str, table: str | None = None) -> list[str]:
    """The statements that install the triggers above, for one table or all (also for migrations)."""
    triggers = POSTGRES_TRIGGERS if dialect_name == "postgresql" else SQLITE_TRIGGERS
    if table is not None:
        return list(triggers[table])
    return [statement for statements in triggers.values() for statement in statements]


def _install_triggers(target, connection, **kw):
    for statement in cultivation_trigger_statements(connection.dialect.name, target.name):
        connection.exec_driver_sql(statement)


for _table in (CaseEvent.__table__, KeyTrainingList.__table__, KeyListEntry.__table__):
    sa.event.listen(_table, "after_create", _install_triggers)
