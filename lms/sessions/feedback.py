"""Feedback: trainees' answers after attending and the summaries officers read."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.core.clock import now  # every rule here reads the one clock (also services.now for callers)
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.extensions import db
from lms.sessions.models import (
    FEEDBACK_QUESTIONS,
    Registration,
    SessionFeedback,
)
from lms.sessions.timing import ATTENDED

# -- feedback ----------------------------------------------------------------------------------------------


def feedback_given(registration: Registration) -> bool:
    return (
        db.session.execute(
            sa.select(SessionFeedback.id).where(SessionFeedback.registration_id == registration.id)
        ).first()
        is not None
    )


def check_feedback_allowed(actor, registration: Registration) -> None:
    if registration.user_id != actor.id:
        raise NotPermitted(_l("Only the trainee who attended gives feedback on their seat."))
    if registration.status != "confirmed" or registration.attendance not in ATTENDED:
        raise RuleViolation(_l("Feedback is asked of trainees who attended the session."))
    if now() < registration.session.ends_at:
        raise RuleViolation(_l("Feedback opens when the session has ended."))
    if feedback_given(registration):
        raise RuleViolation(_l("You have already given feedback on this session. Thank you."))


def submit_feedback(actor, registration: Registration, answers: dict, comment: str = "") -> SessionFeedback:
    check_feedback_allowed(actor, registration)
    scores = {}
    for question in FEEDBACK_QUESTIONS:
        value = answers.get(question)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidInput(_l("Rate each question from 1 to 5."), field=question)
        scores[question] = value
    feedback = SessionFeedback(
        registration_id=registration.id,
        session_id=registration.session_id,
        comment=(comment or "").strip()[:4000],
        submitted_at=now(),
        **scores,
    )
    db.session.add(feedback)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise RuleViolation(_l("You have already given feedback on this session. Thank you.")) from error
    return feedback


@dataclass
class FeedbackSummary:
    """Averages over a set of sessions. Never says who answered what."""

    count: int = 0
    averages: dict[str, float | None] = field(default_factory=dict)
    overall: float | None = None
    comments: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, float | None]]:
        return [(str(FEEDBACK_QUESTIONS[q]), self.averages.get(q)) for q in FEEDBACK_QUESTIONS]


def _summary_from_row(row, comments=None) -> FeedbackSummary:
    count = row.count or 0
    averages = {q: (round(float(getattr(row, q)), 2) if count else None) for q in FEEDBACK_QUESTIONS}
    overall = round(sum(averages.values()) / len(averages), 2) if count else None
    return FeedbackSummary(count=count, averages=averages, overall=overall, comments=comments or [])


def _feedback_columns():
    return [
        sa.func.count(SessionFeedback.id).label("count"),
        *[sa.func.avg(getattr(SessionFeedback, q)).label(q) for q in FEEDBACK_QUESTIONS],
    ]


def feedback_summary(session_ids, *, with_comments: bool = True) -> FeedbackSummary:
    """Aggregate feedback over ``session_ids`` (a list or a select of ids): count, averages per question,
    overall average, and the comments in an order that does not follow who wrote them."""
    row = db.session.execute(
        sa.select(*_feedback_columns()).where(SessionFeedback.session_id.in_(session_ids))
    ).one()
    comments = []
    if with_comments:
        comments = list(
            db.session.execute(
                sa.select(SessionFeedback.comment)
                .where(SessionFeedback.session_id.in_(session_ids), SessionFeedback.comment != "")
                .order_by(SessionFeedback.comment)
            ).scalars()
        )
    return _summary_from_row(row, comments)


def feedback_by_session(session_ids) -> dict[int, FeedbackSummary]:
    """One aggregate per session (no comments), in one query."""
    rows = db.session.execute(
        sa.select(SessionFeedback.session_id, *_feedback_columns())
        .where(SessionFeedback.session_id.in_(session_ids))
        .group_by(SessionFeedback.session_id)
    ).all()
    return {row.session_id: _summary_from_row(row) for row in rows}


@dataclass
class AttendanceSummary:
    confirmed: int = 0
    present: int = 0
    late: int = 0
    absent: int = 0
    excused: int = 0
    unmarked: int = 0

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def marked(self) -> int:
        return self.present + self.late + self.absent + self.excused

    @property
    def rate(self) -> float | None:
        """Attended seats among the seats whose attendance was marked."""
        return round(self.attended / self.marked, 4) if self.marked else None


def attendance_summary(session_ids) -> AttendanceSummary:
    """Counts of confirmed seats by attendance over ``session_ids`` (a list or a select of ids)."""
    rows = db.session.execute(
        sa.select(Registration.attendance, sa.func.count())
        .where(Registration.session_id.in_(session_ids), Registration.status == "confirmed")
        .group_by(Registration.attendance)
    ).all()
    summary = AttendanceSummary()
    for value, count in rows:
        summary.confirmed += count
        setattr(summary, value or "unmarked", getattr(summary, value or "unmarked") + count)
    return summary


def attendance_rate(session_ids) -> float | None:
    """Share (0–1) of marked seats that attended (present or late); None when nothing is marked."""
    return attendance_summary(session_ids).rate
