"""The evidence dossier of an enterprise: one PDF for its certification file.

It holds the headline figures of the period (the same as the report page and its exports) and, for the
enterprise's trainees, every record behind them: course completions, attendance, graded quiz attempts,
learning gains, certificates, and the cultivation case decisions. Each record cites its ledger entry
(``LedgerEntry.reference``: sequence number and hash prefix), so a reader can check it with
``flask --app lms evidence verify`` or on the ledger page. Chinese text uses reportlab's built-in CID font
(the same as the certificates), so no font file is needed.
"""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

import sqlalchemy as sa
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.auth.models import User
from lms.courses.models import Enrollment
from lms.cultivation.models import CaseEvent, CultivationCase
from lms.database import utcnow
from lms.evidence.models import Certificate, LedgerEntry
from lms.evidence.pdf import CJK_FONT, font_for, register_fonts
from lms.experts.appraisal import taught_clause
from lms.extensions import db
from lms.quizzes.models import Attempt, Quiz
from lms.reports import metrics
from lms.reports.tables import FIGURE_COLUMNS, FUNNEL_COLUMNS, Report, course_titles, figure_values
from lms.sessions.models import Registration, TrainingSession

INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5b6b7c")
HEAD_BG = colors.HexColor("#eef2f6")
LINE = colors.HexColor("#d8dee6")
NO_ENTRY = "—"


def ledger_references(subjects: dict[str, list[int]]) -> dict[tuple[str, int], str]:
    """{(subject_type, subject_id): reference of the subject's latest ledger entry}, one query."""
    clauses = [
        sa.and_(LedgerEntry.subject_type == kind, LedgerEntry.subject_id.in_(sorted(set(ids))))
        for kind, ids in subjects.items()
        if ids
    ]
    if not clauses:
        return {}
    out = {}
    for entry in db.session.execute(
        sa.select(LedgerEntry).where(sa.or_(*clauses)).order_by(LedgerEntry.seq)
    ).scalars():
        out[(entry.subject_type, entry.subject_id)] = entry.reference
    return out


def _q(value, places: str = "0.01") -> str:
    if value is None:
        return NO_ENTRY
    return str(Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def _result_attempts(method: str, attempts: list[Attempt]) -> list[Attempt]:
    """The attempts a result under ``method`` is taken from (all of them for an average)."""
    if not attempts:
        return []
    ordered = sorted(attempts, key=lambda a: a.number)
    if method == "first":
        return [ordered[0]]
    if method == "highest":
        best = max(a.percent for a in ordered)
        return [next(a for a in ordered if a.percent == best)]
    if method == "average":
        return ordered
    return [ordered[-1]]


def _spaces(text: str) -> str:
    """Plain spaces for the no-break spaces dates and times are formatted with (the fonts lack them); in text
    set in the CJK font, its own middle dot for the Latin one it has no glyph for."""
    text = text.replace("\u202f", " ").replace("\u00a0", " ")
    return text.replace("\u00b7", "\u30fb") if font_for(text) == CJK_FONT else text


class _Styles:
    def __init__(self):
        self.cache = {}

    def get(self, text: str, size: float = 8.5, bold: bool = False, colour=INK) -> ParagraphStyle:
        font = font_for(text, bold)
        key = (font, size, bold, colour)
        if key not in self.cache:
            self.cache[key] = ParagraphStyle(
                f"s{len(self.cache)}",
                fontName=font,
                fontSize=size,
                leading=size * 1.3,
                textColor=colour,
                wordWrap="CJK" if font == CJK_FONT else None,
            )
        return self.cache[key]

    def para(self, text, size: float = 8.5, bold: bool = False, colour=INK) -> Paragraph:
        text = _spaces("" if text is None else str(text))
        return Paragraph(escape(text), self.get(text, size, bold, colour))


def _table(styles: _Styles, header: list[str], rows: list[list], widths: list[float]) -> Table:
    data = [[styles.para(h, 8, bold=True) for h in header]]
    data += [[styles.para(cell) for cell in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def dossier_records(report: Report) -> dict:
    """Every record the dossier lists, with its ledger reference (a fixed number of queries)."""
    enterprise, filters = report.enterprise, report.filters
    start, end = filters.start_utc, filters.end_utc
    trainees = _trainees(enterprise)
    names = {t.id: t.display_name for t in trainees}
    trainee_ids = list(names)
    completions = _completions(trainee_ids, start, end) if trainee_ids else []
    attendance = _attendance(report, trainee_ids, start, end) if trainee_ids else []
    attempts = _attempts(trainee_ids, start, end) if trainee_ids else []
    pairs, gain_attempts = _gains(report, end)
    certificates = _certificates(enterprise, start, end)
    events = _case_events(enterprise, start, end)
    refs = ledger_references(
        {
            "enrollment": [e.id for e in completions],
            "registration": [r.id for r, _s in attendance],
            "attempt": [a.id for a, _q2 in attempts]
            + [a.id for items in gain_attempts.values() for a in items],
            "certificate": [c.id for c in certificates],
            "case_event": [e.id for e, _c in events],
        }
    )
    titles = course_titles(
        {e.course_id for e in completions}
        | {s.course_id for _r, s in attendance}
        | {q.course_id for _a, q in attempts}
        | {p.course_id for p in pairs}
    )

    def ref(kind: str, subject_id: int) -> str:
        return refs.get((kind, subject_id), NO_ENTRY)

    return {
        "trainees": trainees,
        "completions": [
            [
                names.get(e.user_id, ""),
                titles.get(e.course_id, ""),
                format_date(e.completed_at),
                ref("enrollment", e.id),
            ]
            for e in completions
        ],
        "attendance": [
            [
                names.get(r.user_id, ""),
                s.title or titles.get(s.course_id, ""),
                format_datetime(s.starts_at, "short"),
                r.attendance_label or _("Not marked"),
                ref("registration", r.id),
            ]
            for r, s in attendance
        ],
        "attempts": [
            [
                names.get(a.user_id, ""),
                f"{q.title} ({q.purpose_label})",
                str(a.number),
                format_date(a.submitted_at),
                _q(a.percent),
                _("Yes") if a.passed else _("No"),
                ref("attempt", a.id),
            ]
            for a, q in attempts
        ],
        "gains": _gain_rows(pairs, gain_attempts, names, titles, ref),
        "certificates": [
            [
                c.trainee_name,
                c.course_title,
                c.code,
                format_date(c.issued_at),
                c.status_label,
                ref("certificate", c.id),
            ]
            for c in certificates
        ],
        "events": [
            [c.reference, e.to_label, format_date(e.effective_on), ref("case_event", e.id)] for e, c in events
        ],
    }


def _trainees(enterprise) -> list[User]:
    return list(
        db.session.execute(
            sa.select(User)
            .where(User.enterprise_id == enterprise.id, User.role == "trainee")
            .order_by(User.display_name, User.id)
        ).scalars()
    )


def _completions(trainee_ids: list[int], start, end) -> list[Enrollment]:
    return list(
        db.session.execute(
            sa.select(Enrollment)
            .where(
                Enrollment.user_id.in_(trainee_ids),
                Enrollment.status == "completed",
                Enrollment.completed_at >= start,
                Enrollment.completed_at < end,
            )
            .order_by(Enrollment.completed_at, Enrollment.id)
        ).scalars()
    )


def _attendance(report: Report, trainee_ids: list[int], start, end) -> list:
    return list(
        db.session.execute(
            sa.select(Registration, TrainingSession)
            .join(TrainingSession, TrainingSession.id == Registration.session_id)
            .where(
                Registration.user_id.in_(trainee_ids),
                Registration.status == "confirmed",
                taught_clause(report.scope.now),
                TrainingSession.starts_at >= start,
                TrainingSession.starts_at < end,
            )
            .order_by(TrainingSession.starts_at, Registration.id)
        ).all()
    )


def _attempts(trainee_ids: list[int], start, end) -> list:
    return list(
        db.session.execute(
            sa.select(Attempt, Quiz)
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(
                Attempt.user_id.in_(trainee_ids),
                Attempt.status == "graded",
                Quiz.purpose.in_(("pre_test", "post_test", "exam")),
                Attempt.submitted_at >= start,
                Attempt.submitted_at < end,
            )
            .order_by(Attempt.submitted_at, Attempt.id)
        ).all()
    )


def _gains(report: Report, end) -> tuple[list, dict]:
    """The pre/post pairs of the scope and, per (quiz, trainee), the attempts their results come from."""
    pairs = db.session.execute(metrics.gain_pairs_select(report.scope)).all()
    gain_quiz_ids = {p.pre_quiz_id for p in pairs} | {p.post_quiz_id for p in pairs}
    behind = defaultdict(list)  # (quiz, user) -> graded attempts before the end of the period
    methods = {}
    if pairs:
        for attempt, quiz in db.session.execute(
            sa.select(Attempt, Quiz)
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(
                Attempt.quiz_id.in_(gain_quiz_ids),
                Attempt.user_id.in_({p.user_id for p in pairs}),
                Attempt.status == "graded",
                Attempt.submitted_at < end,
            )
        ).all():
            behind[(attempt.quiz_id, attempt.user_id)].append(attempt)
            methods[quiz.id] = quiz.grading_method
    gain_attempts = {
        key: _result_attempts(methods.get(key[0], "last"), items) for key, items in behind.items()
    }
    return pairs, gain_attempts


def _certificates(enterprise, start, end) -> list[Certificate]:
    return list(
        db.session.execute(
            sa.select(Certificate)
            .where(
                Certificate.enterprise_id == enterprise.id,
                Certificate.issued_at >= start,
                Certificate.issued_at < end,
            )
            .order_by(Certificate.issued_at, Certificate.id)
        ).scalars()
    )


def _case_events(enterprise, start, end) -> list:
    return list(
        db.session.execute(
            sa.select(CaseEvent, CultivationCase)
            .join(CultivationCase, CultivationCase.id == CaseEvent.case_id)
            .where(
                CultivationCase.enterprise_id == enterprise.id,
                CaseEvent.occurred_at >= start,
                CaseEvent.occurred_at < end,
            )
            .order_by(CaseEvent.occurred_at, CaseEvent.id)
        ).all()
    )


def _gain_rows(pairs, gain_attempts: dict, names: dict, titles: dict, ref) -> list[list]:
    return [
        [
            names.get(p.user_id, ""),
            titles.get(p.course_id, ""),
            _q(p.pre),
            _q(p.post),
            _q(p.g, "0.001") if p.g is not None else NO_ENTRY,
            " ".join(ref("attempt", a.id) for a in gain_attempts.get((p.pre_quiz_id, p.user_id), [])),
            " ".join(ref("attempt", a.id) for a in gain_attempts.get((p.post_quiz_id, p.user_id), [])),
        ]
        for p in sorted(pairs, key=lambda p: (names.get(p.user_id, ""), p.course_id))
    ]


def render_dossier(report: Report) -> bytes:
    register_fonts()
    enterprise, filters = report.enterprise, report.filters
    records = dossier_records(report)
    styles = _Styles()
    buffer = io.BytesIO()
    title = _("Training evidence dossier")
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{title} · {enterprise.name}",
        author=_("AEO Training Center"),
        creator="AEO Training Center LMS",
    )
    width = A4[0] - 32 * mm
    story = [
        styles.para(_("AEO Training Center"), 10, colour=MUTED),
        styles.para(title, 18, bold=True),
        Spacer(1, 4),
        styles.para(enterprise.name_zh, 13, bold=True),
        styles.para(enterprise.name_en, 11),
        Spacer(1, 6),
    ]
    facts = [
        [_("Unified social credit code"), enterprise.uscc],
        [_("Customs registration code"), enterprise.customs_code],
        [_("Supervising customs"), enterprise.unit.name],
        [_("Credit status"), enterprise.credit_level_label or _("Not rated")],
        [_("Period"), filters.label],
        [_("Trainees"), str(len(records["trainees"]))],
        [_("Prepared on"), format_datetime(utcnow(), "medium")],
    ]
    story.append(_plain_table(styles, facts, [width * 0.35, width * 0.65]))
    story.append(Spacer(1, 4))
    story.append(
        styles.para(
            _(
                "Every record below cites its entry in the evidence ledger (sequence number · "
                "first characters of its hash); the ledger can be checked with the evidence "
                "verification."
            ),
            8,
            colour=MUTED,
        )
    )

    def section(heading: str, header: list[str], rows: list[list], widths: list[float]):
        story.append(Spacer(1, 10))
        story.append(styles.para(heading, 12, bold=True))
        story.append(Spacer(1, 4))
        if rows:
            story.append(_table(styles, header, rows, [width * w for w in widths]))
        else:
            story.append(styles.para(_("None in this period."), 8.5, colour=MUTED))

    for heading, header, rows, widths in _sections(report, records):
        section(heading, header, rows, widths)

    footer = f"{title} · {enterprise.name} · {filters.label}"

    def on_page(canvas, document):
        canvas.saveState()
        canvas.setFillColor(MUTED)
        text = _spaces(f"{footer} · {document.page}")
        canvas.setFont(font_for(text), 7.5)
        canvas.drawString(16 * mm, 10 * mm, text)
        canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def _sections(report: Report, records: dict) -> list[tuple]:
    """The dossier's tables in order: heading, column headings, rows, column widths (shares of the page)."""
    values = figure_values(report.total())
    summary = [
        [str(label), NO_ENTRY if values[key] is None else str(values[key])]
        for key, label, _get in FIGURE_COLUMNS
    ]
    funnel = report.funnel_total()
    summary += [
        [_("Cultivation cases: %(stage)s", stage=label), str(funnel.count(stage))]
        for stage, label in FUNNEL_COLUMNS
    ]
    ledger = _("Ledger entry")
    return [
        (_("Headline figures"), [_("Figure"), _("Value")], summary, [0.6, 0.4]),
        (
            _("Course completions"),
            [_("Trainee"), _("Course"), _("Completed on"), ledger],
            records["completions"],
            [0.25, 0.4, 0.15, 0.2],
        ),
        (
            _("Attendance"),
            [_("Trainee"), _("Session"), _("Starts"), _("Attendance"), ledger],
            records["attendance"],
            [0.22, 0.33, 0.15, 0.1, 0.2],
        ),
        (
            _("Graded quiz attempts"),
            [_("Trainee"), _("Quiz"), _("Attempt"), _("Submitted"), _("Score (%)"), _("Passed"), ledger],
            records["attempts"],
            [0.18, 0.26, 0.09, 0.12, 0.09, 0.08, 0.18],
        ),
        (
            _("Learning gains"),
            [
                _("Trainee"),
                _("Course"),
                _("Pre-test (%)"),
                _("Post-test (%)"),
                _("Normalised gain"),
                _("Pre-test entries"),
                _("Post-test entries"),
            ],
            records["gains"],
            [0.16, 0.22, 0.1, 0.1, 0.1, 0.16, 0.16],
        ),
        (
            _("Certificates"),
            [_("Trainee"), _("Course"), _("Code"), _("Issued"), _("Status"), ledger],
            records["certificates"],
            [0.18, 0.27, 0.13, 0.12, 0.1, 0.2],
        ),
        (
            _("Cultivation case decisions"),
            [_("Case"), _("Decision"), _("Effective"), ledger],
            records["events"],
            [0.15, 0.45, 0.2, 0.2],
        ),
    ]


def _plain_table(styles: _Styles, rows: list[list[str]], widths: list[float]) -> Table:
    table = Table([[styles.para(a, 9, colour=MUTED), styles.para(b, 9)] for a, b in rows], colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table
