"""Appraisal of experts: sessions taught, hours, attendance and feedback per expert and period.

One aggregate query builds the whole table: per session, registrations and feedback are summed in
sub-queries first (so that joining both does not multiply rows), then summed per expert.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from lms.auth.models import EXPERT_LEVELS, User
from lms.auth.scopes import unit_clause
from lms.core.spreadsheet import formula_safe
from lms.database import utcnow
from lms.errors import InvalidInput
from lms.experts.eligibility import local_zone
from lms.experts.permissions import expert_clause
from lms.extensions import db
from lms.org.models import CustomsUnit, localized
from lms.sessions.models import Registration, SessionExpert, SessionFeedback, TrainingSession

PERIOD_KINDS = {"month": _l("Month"), "quarter": _l("Quarter"), "year": _l("Year"), "range": _l("Date range")}
FEEDBACK_DIMENSIONS = ("content", "expert", "organisation", "usefulness")
ATTENDED = ("present", "late")
MAX_RANGE_DAYS = 366 * 5


@dataclass
class Period:
    kind: str
    start: date  # first day, local
    end: date  # last day, local (inclusive)

    @property
    def label(self) -> str:
        return _("%(start)s – %(end)s", start=format_date(self.start), end=format_date(self.end))

    def bounds(self) -> tuple[datetime, datetime]:
        """UTC [start, end) of the local days of the period."""
        zone = local_zone()
        utc = ZoneInfo("UTC")
        return (
            datetime.combine(self.start, time(0), tzinfo=zone).astimezone(utc),
            datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone).astimezone(utc),
        )


FIELD_LABELS = {
    "year": _l("Year"),
    "quarter": _l("Quarter"),
    "month": _l("Month"),
    "start": _l("From"),
    "end": _l("Until"),
}


def _int(value, name: str, low: int, high: int) -> int:
    label = str(FIELD_LABELS[name])
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("%(name)s must be a number.", name=label), field=name) from None
    if not low <= number <= high:
        raise InvalidInput(_("%(name)s is out of range.", name=label), field=name)
    return number


def _date(value, name: str) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise InvalidInput(
            _("Give the date “%(name)s” as YYYY-MM-DD.", name=str(FIELD_LABELS[name])), field=name
        ) from None


def parse_period(args, today: date | None = None) -> Period:
    """Read ?period=month|quarter|year|range with year, month, quarter, start and end; default: this year."""
    today = today or utcnow().astimezone(local_zone()).date()
    kind = args.get("period") or "year"
    if kind not in PERIOD_KINDS:
        raise InvalidInput(_("Unknown period."), field="period")
    if kind == "range":
        start, end = _date(args.get("start"), "start"), _date(args.get("end"), "end")
        if end < start:
            raise InvalidInput(_("The end date is before the start date."), field="end")
        if (end - start).days > MAX_RANGE_DAYS:
            raise InvalidInput(_("Choose a range of at most five years."), field="end")
        return Period(kind, start, end)
    year = _int(args.get("year") or today.year, "year", 2000, 2100)
    if kind == "year":
        return Period(kind, date(year, 1, 1), date(year, 12, 31))
    if kind == "quarter":
        quarter = _int(args.get("quarter") or (today.month - 1) // 3 + 1, "quarter", 1, 4)
        start = date(year, 3 * quarter - 2, 1)
    else:
        month = _int(args.get("month") or today.month, "month", 1, 12)
        start = date(year, month, 1)
    months = 3 if kind == "quarter" else 1
    following = date(start.year + (start.month + months - 1) // 12, (start.month + months - 1) % 12 + 1, 1)
    return Period(kind, start, following - timedelta(days=1))


def session_hours_expr():
    """Hours between a session's start and end, in the dialect in use."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", TrainingSession.ends_at - TrainingSession.starts_at) / 3600.0
    return (sa.func.julianday(TrainingSession.ends_at) - sa.func.julianday(TrainingSession.starts_at)) * 24.0


def taught_clause(now: datetime | None = None) -> sa.ColumnElement[bool]:
    """A session counts as taught once completed, or once over without being cancelled."""
    return sa.and_(
        TrainingSession.status != "cancelled",
        sa.or_(TrainingSession.status == "completed", TrainingSession.ends_at <= (now or utcnow())),
    )


def _session_filter(actor: User, period: Period) -> sa.ColumnElement[bool]:
    start, end = period.bounds()
    return sa.and_(
        taught_clause(),
        TrainingSession.starts_at >= start,
        TrainingSession.starts_at < end,
        unit_clause(actor, TrainingSession.unit_id),
    )


def appraisal_stmt(
    actor: User, period: Period, *, expert_id: int | None = None, level: str | None = None
) -> sa.Select:
    registrations = (
        sa.select(
            Registration.session_id.label("session_id"),
            sa.func.count().label("confirmed"),
            sa.func.sum(sa.case((Registration.attendance.in_(ATTENDED), 1), else_=0)).label("attended"),
        )
        .where(Registration.status == "confirmed")
        .group_by(Registration.session_id)
        .subquery("reg")
    )
    feedback = (
        sa.select(
            SessionFeedback.session_id.label("session_id"),
            sa.func.count().label("responses"),
            sa.func.sum(SessionFeedback.expert).label("expert_sum"),
            sa.func.sum(sum(getattr(SessionFeedback, d) for d in FEEDBACK_DIMENSIONS)).label("all_sum"),
        )
        .group_by(SessionFeedback.session_id)
        .subquery("fb")
    )
    per_expert = (
        sa.select(
            SessionExpert.expert_id.label("expert_id"),
            sa.func.count(TrainingSession.id).label("sessions"),
            sa.func.sum(session_hours_expr()).label("hours"),
            sa.func.coalesce(sa.func.sum(registrations.c.confirmed), 0).label("confirmed"),
            sa.func.coalesce(sa.func.sum(registrations.c.attended), 0).label("attended"),
            sa.func.coalesce(sa.func.sum(feedback.c.responses), 0).label("responses"),
            sa.func.sum(feedback.c.expert_sum).label("expert_sum"),
            sa.func.sum(feedback.c.all_sum).label("all_sum"),
        )
        .join(TrainingSession, TrainingSession.id == SessionExpert.session_id)
        .outerjoin(registrations, registrations.c.session_id == TrainingSession.id)
        .outerjoin(feedback, feedback.c.session_id == TrainingSession.id)
        .where(_session_filter(actor, period))
        .group_by(SessionExpert.expert_id)
        .subquery("per_expert")
    )
    stmt = (
        sa.select(
            User.id,
            User.display_name,
            User.expert_level,
            CustomsUnit.name_en,
            CustomsUnit.name_zh,
            per_expert.c.sessions,
            per_expert.c.hours,
            per_expert.c.confirmed,
            per_expert.c.attended,
            per_expert.c.responses,
            per_expert.c.expert_sum,
            per_expert.c.all_sum,
        )
        .outerjoin(per_expert, per_expert.c.expert_id == User.id)
        .outerjoin(CustomsUnit, CustomsUnit.id == User.unit_id)
        # Experts the actor oversees, and anyone who taught in the actor's jurisdiction in the period.
        .where(User.role == "expert", sa.or_(expert_clause(actor), per_expert.c.expert_id.is_not(None)))
        .order_by(User.display_name, User.id)
    )
    if expert_id is not None:
        stmt = stmt.where(User.id == expert_id)
    if level in EXPERT_LEVELS:
        stmt = stmt.where(User.expert_level == level)
    return stmt


@dataclass
class AppraisalRow:
    expert_id: int
    name: str
    level: str
    unit: str
    sessions: int
    hours: Decimal
    confirmed: int
    attended: int
    responses: int
    expert_average: Decimal | None
    overall_average: Decimal | None

    @property
    def attendance_rate(self) -> Decimal | None:
        """Share of confirmed seats that were present or late, in percent."""
        if not self.confirmed:
            return None
        return (Decimal(self.attended) * 100 / Decimal(self.confirmed)).quantize(Decimal("0.1"))

    @property
    def level_label(self) -> str:
        return str(EXPERT_LEVELS.get(self.level, "")) if self.level else ""


def _decimal(value, places: str = "0.01") -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal(places))


def appraisal_rows(
    actor: User, period: Period, *, expert_id: int | None = None, level: str | None = None
) -> list[AppraisalRow]:
    rows = []
    for (
        user_id,
        name,
        lvl,
        unit_en,
        unit_zh,
        sessions,
        hours,
        confirmed,
        attended,
        responses,
        expert_sum,
        all_sum,
    ) in db.session.execute(appraisal_stmt(actor, period, expert_id=expert_id, level=level)).all():
        responses = int(responses or 0)
        rows.append(
            AppraisalRow(
                expert_id=user_id,
                name=name,
                level=lvl or "",
                unit=localized(unit_en, unit_zh),
                sessions=int(sessions or 0),
                hours=_decimal(hours, "0.1"),
                confirmed=int(confirmed or 0),
                attended=int(attended or 0),
                responses=responses,
                expert_average=_decimal(Decimal(expert_sum) / responses) if responses else None,
                overall_average=_decimal(Decimal(all_sum) / (responses * len(FEEDBACK_DIMENSIONS)))
                if responses
                else None,
            )
        )
    return rows


def sessions_taught(actor: User, period: Period, expert_id: int) -> list[TrainingSession]:
    """The sessions counted for one expert (the detail under the figures)."""
    return list(
        db.session.execute(
            sa.select(TrainingSession)
            .join(SessionExpert, SessionExpert.session_id == TrainingSession.id)
            .where(SessionExpert.expert_id == expert_id, _session_filter(actor, period))
            .options(joinedload(TrainingSession.unit))
            .order_by(TrainingSession.starts_at)
        )
        .scalars()
        .unique()
    )


CSV_COLUMNS = (
    _l("Expert"),
    _l("Level"),
    _l("Home unit"),
    _l("Sessions taught"),
    _l("Hours"),
    _l("Confirmed registrations"),
    _l("Present or late"),
    _l("Attendance rate (%)"),
    _l("Feedback answers"),
    _l("Expert rating (1–5)"),
    _l("Overall rating (1–5)"),
)


def appraisal_csv(rows: list[AppraisalRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(c) for c in CSV_COLUMNS])
    for r in rows:
        writer.writerow(
            [
                formula_safe(r.name),
                r.level_label,
                formula_safe(r.unit),
                r.sessions,
                r.hours,
                r.confirmed,
                r.attended,
                "" if r.attendance_rate is None else r.attendance_rate,
                r.responses,
                "" if r.expert_average is None else r.expert_average,
                "" if r.overall_average is None else r.overall_average,
            ]
        )
    # A byte-order mark so that spreadsheet programs read the Chinese names as UTF-8.
    return "\ufeff" + out.getvalue()
