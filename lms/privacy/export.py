"""Everything the system holds about a person, as JSON and as a readable PDF (PIPL art. 45: a copy).

:func:`personal_data` gathers it in one structure; the JSON download is that structure, the PDF lays it out as
sections in the reader's language.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from lms.auth.models import User
from lms.extensions import db
from lms.i18n import format_when

FORMAT_VERSION = 1


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def _row(**values) -> dict:
    return {key: _plain(value) for key, value in values.items()}


def personal_data(user: User) -> dict:
    """The person's data, grouped as the privacy notice lists it. Times are UTC (ISO 8601)."""
    return {
        "format": FORMAT_VERSION,
        "profile": _profile(user),
        "privacy_notice_acceptances": _acceptances(user),
        "enrolments": _enrolments(user),
        "attempts": _attempts(user),
        "attendance": _attendance(user),
        "feedback": _feedback(user),
        "certificates": _certificates(user),
        "notifications": _notifications(user),
        "cultivation_nominations": _nominations(user),
        "deletion_requests": _deletion_requests(user),
        "record_accesses": _accesses(user),
    }


def _profile(user: User) -> dict:
    enterprise = user.enterprise
    return _row(
        id=user.id,
        login_name=user.login_name,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        position=user.position,
        expert_level=user.expert_level,
        enterprise=enterprise.name if enterprise is not None else None,
        enterprise_uscc=enterprise.uscc if enterprise is not None else None,
        customs_unit=user.unit.name if user.unit is not None else None,
        preferred_language=user.preferred_language,
        timezone=user.timezone,
        active=user.active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        left_enterprise_on=user.left_enterprise_on,
        pseudonymised_at=user.pseudonymised_at,
        two_factor_enabled=user.two_factor_enabled,
    )


def _acceptances(user: User) -> list[dict]:
    from lms.privacy.models import PrivacyAcceptance

    return [
        _row(version=a.version, language=a.language, accepted_at=a.accepted_at)
        for a in db.session.execute(
            sa.select(PrivacyAcceptance)
            .where(PrivacyAcceptance.user_id == user.id)
            .order_by(PrivacyAcceptance.id)
        ).scalars()
    ]


def _enrolments(user: User) -> list[dict]:
    from lms.courses.models import Enrollment

    return [
        _row(
            course=e.course.title,
            status=e.status,
            enrolled_at=e.enrolled_at,
            completed_at=e.completed_at,
            withdrawn_at=e.withdrawn_at,
            lessons_completed=sorted(p.lesson_slug for p in e.progress),
        )
        for e in db.session.execute(
            sa.select(Enrollment)
            .where(Enrollment.user_id == user.id)
            .order_by(Enrollment.enrolled_at, Enrollment.id)
        ).scalars()
    ]


def _attempts(user: User) -> list[dict]:
    from lms.quizzes.models import Attempt

    attempts = []
    for attempt in db.session.execute(
        sa.select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.started_at, Attempt.id)
    ).scalars():
        answers = _answers(attempt)
        attempts.append(
            _row(
                quiz=attempt.quiz.title,
                number=attempt.number,
                status=attempt.status,
                started_at=attempt.started_at,
                submitted_at=attempt.submitted_at,
                score=attempt.score,
                max_score=attempt.max_score,
                percent=attempt.percent,
                passed=attempt.passed,
            )
            | {"answers": answers}
        )
    return attempts


def _answers(attempt) -> list[dict]:
    from lms.quizzes.models import AttemptQuestion

    return [
        _row(
            slot=q.slot,
            question=q.question.name,
            stem=q.version.stem,
            response=q.response,
            mark=q.mark,
            max_mark=q.max_mark,
            marker_comment=q.feedback,
            answered_at=q.answered_at,
        )
        for q in db.session.execute(
            sa.select(AttemptQuestion)
            .where(AttemptQuestion.attempt_id == attempt.id)
            .order_by(AttemptQuestion.slot)
        ).scalars()
    ]


def _attendance(user: User) -> list[dict]:
    from lms.sessions.models import Registration

    registrations = (
        db.session.execute(
            sa.select(Registration)
            .where(Registration.user_id == user.id)
            .order_by(Registration.created_at, Registration.id)
        )
        .scalars()
        .all()
    )
    return [
        _row(
            session=r.session.title or r.session.course.title,
            starts_at=r.session.starts_at,
            ends_at=r.session.ends_at,
            registration=r.status,
            attendance=r.attendance,
            checked_in_at=r.checked_in_at,
        )
        for r in registrations
    ]


def _feedback(user: User) -> list[dict]:
    from lms.sessions.models import Registration, SessionFeedback

    return [
        _row(
            session=f.registration.session.title or f.registration.session.course.title,
            content=f.content,
            expert=f.expert,
            organisation=f.organisation,
            usefulness=f.usefulness,
            comment=f.comment,
            submitted_at=f.submitted_at,
        )
        for f in db.session.execute(
            sa.select(SessionFeedback)
            .join(Registration, Registration.id == SessionFeedback.registration_id)
            .where(Registration.user_id == user.id)
            .order_by(SessionFeedback.submitted_at)
        ).scalars()
    ]


def _certificates(user: User) -> list[dict]:
    from lms.evidence.models import Certificate

    return [
        _row(
            code=c.code,
            name_on_certificate=c.trainee_name,
            course=c.course_title,
            hours=c.hours,
            completed_at=c.completed_at,
            issued_at=c.issued_at,
            status=c.status,
            revoked_at=c.revoked_at,
            revoke_reason=c.revoke_reason,
        )
        for c in db.session.execute(
            sa.select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at)
        ).scalars()
    ]


def _notifications(user: User) -> list[dict]:
    from lms.notifications.models import Notification

    return [
        _row(title=n.shown_title(), body=n.shown_body(), created_at=n.created_at, read_at=n.read_at)
        for n in db.session.execute(
            sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.created_at)
        ).scalars()
    ]


def _nominations(user: User) -> list[dict]:
    from lms.cultivation.models import CaseNominee

    return [
        _row(case=n.case_id, enterprise=n.case.enterprise.name, position=n.position)
        for n in db.session.execute(
            sa.select(CaseNominee).where(CaseNominee.user_id == user.id).order_by(CaseNominee.id)
        ).scalars()
    ]


def _deletion_requests(user: User) -> list[dict]:
    from lms.privacy.models import DeletionRequest

    return [
        _row(
            status=d.status,
            reason=d.reason,
            requested_at=d.requested_at,
            decided_at=d.decided_at,
            decision_note=d.decision_note,
        )
        for d in db.session.execute(
            sa.select(DeletionRequest).where(DeletionRequest.user_id == user.id).order_by(DeletionRequest.id)
        ).scalars()
    ]


def _accesses(user: User) -> list[dict]:
    from lms.privacy.models import RecordAccess

    return [
        _row(at=a.at, by=a.actor.display_name if a.actor else None, role=a.actor_role, what=a.kind)
        for a in db.session.execute(
            sa.select(RecordAccess).where(RecordAccess.subject_id == user.id).order_by(RecordAccess.at)
        ).scalars()
    ]


# -- PDF ----------------------------------------------------------------------------------------------------


class _Writer:
    """Lines of text down A4 pages, a new page when one is full."""

    MARGIN = 56

    def __init__(self, title: str):
        from lms.evidence.pdf import register_fonts

        register_fonts()
        self.buffer = io.BytesIO()
        self.pdf = canvas.Canvas(self.buffer, pagesize=A4, pageCompression=1)
        self.pdf.setTitle(title)
        self.width, self.height = A4
        self.y = self.height - self.MARGIN

    def _need(self, space: float) -> None:
        if self.y - space < self.MARGIN:
            self.pdf.showPage()
            self.y = self.height - self.MARGIN

    def line(self, text: str, size: float = 10, bold: bool = False, indent: float = 0) -> None:
        from lms.evidence.pdf import draw_text, wrap_text

        for part in wrap_text(str(text), size, self.width - 2 * self.MARGIN - indent, bold):
            self._need(size * 1.5)
            draw_text(self.pdf, self.MARGIN + indent, self.y - size, part, size, bold)
            self.y -= size * 1.45

    def gap(self, space: float = 6) -> None:
        self.y -= space

    def finish(self) -> bytes:
        self.pdf.showPage()
        self.pdf.save()
        return self.buffer.getvalue()


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return format_when(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list | dict):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def section_titles() -> dict[str, str]:
    return {
        "profile": _("Profile"),
        "privacy_notice_acceptances": _("Privacy notice accepted"),
        "enrolments": _("Enrolments"),
        "attempts": _("Quiz attempts and answers"),
        "attendance": _("Sessions and attendance"),
        "feedback": _("Feedback you gave"),
        "certificates": _("Certificates"),
        "notifications": _("Notifications"),
        "cultivation_nominations": _("Cultivation nominations"),
        "deletion_requests": _("Deletion requests"),
        "record_accesses": _("Who opened your records"),
    }


def render_personal_data_pdf(data: dict, generated_at: datetime) -> bytes:
    title = _("Personal data held about %(name)s", name=data["profile"]["display_name"])
    out = _Writer(title)
    out.line(title, size=16, bold=True)
    out.line(_("Generated %(when)s. Times are in your time zone.", when=format_when(generated_at)), size=9)
    out.gap(10)
    for key, heading in section_titles().items():
        value = data.get(key)
        out.line(heading, size=13, bold=True)
        if isinstance(value, dict):
            for field, item in value.items():
                out.line(f"{field}: {_text(item)}", indent=8)
        elif not value:
            out.line(_("Nothing held."), indent=8)
        else:
            for number, item in enumerate(value, start=1):
                out.line(f"{number}.", bold=True, indent=4)
                for field, entry in item.items():
                    if field == "answers":
                        for answer in entry:
                            out.line(
                                " · ".join(f"{k}: {_text(v)}" for k, v in answer.items()), size=9, indent=20
                            )
                    else:
                        out.line(f"{field}: {_text(entry)}", indent=12)
        out.gap(8)
    return out.finish()
