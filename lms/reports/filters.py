"""The filters every report page shares: a period (preset or custom dates), a course and an expert.

They arrive as query parameters. Bad values raise :class:`InvalidInput` naming the field, so pages can
show the message next to the form (status 400) instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.courses.models import Course, CourseVersion
from lms.database import utcnow
from lms.errors import InvalidInput
from lms.experts.permissions import expert_clause
from lms.extensions import db

PRESETS = {
    "month": _l("This month"),
    "quarter": _l("This quarter"),
    "year": _l("This year"),
    "custom": _l("Custom dates"),
}
DEFAULT_PRESET = "year"
EARLIEST = date(2000, 1, 1)
MAX_SPAN_DAYS = 366 * 10
# The arguments that carry the filters from page to page (drill-down links, exports).
FILTER_ARGS = ("period", "start", "end", "course", "expert")


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def local_today() -> date:
    return utcnow().astimezone(local_zone()).date()


def latest_day(today: date) -> date:
    """The last day a period may reach: the end of next year (plans, scheduled sessions)."""
    return date(today.year + 1, 12, 31)


def local_midnight_utc(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in the local time zone."""
    return datetime.combine(day, time(0), tzinfo=local_zone()).astimezone(ZoneInfo("UTC"))


@dataclass
class Filters:
    preset: str
    start: date  # first local day
    end: date  # last local day, inclusive
    course_id: int | None = None
    expert_id: int | None = None
    args: dict = field(default_factory=dict)  # the query arguments that produced these filters

    @property
    def start_utc(self) -> datetime:
        return local_midnight_utc(self.start)

    @property
    def end_utc(self) -> datetime:
        """The exclusive upper bound: midnight after the last day."""
        return local_midnight_utc(self.end + timedelta(days=1))

    @property
    def label(self) -> str:
        return _("%(start)s – %(end)s", start=format_date(self.start), end=format_date(self.end))

    def months(self) -> list[date]:
        """The first day of every month the period touches."""
        out, day = [], self.start.replace(day=1)
        while day <= self.end:
            out.append(day)
            day = _next_month(day)
        return out


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def preset_range(preset: str, today: date) -> tuple[date, date]:
    if preset == "month":
        start = today.replace(day=1)
        return start, _next_month(start) - timedelta(days=1)
    if preset == "quarter":
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return start, _next_month(_next_month(_next_month(start))) - timedelta(days=1)
    return date(today.year, 1, 1), date(today.year, 12, 31)


def _parse_day(value: str | None, name: str, label) -> date:
    if not value:
        raise InvalidInput(_("Give both a start date and an end date for a custom period."), field=name)
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(_("Give the %(label)s as a date (YYYY-MM-DD).", label=label), field=name) from None


def _parse_id(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number <= 0:
        raise InvalidInput(_("Choose a value from the list."), field=name)
    return number


def course_choices() -> list[tuple[int, str]]:
    """Every published course that is not archived, by its published title (a draft that was never published
    has no trainees to report on, and its slug means nothing to a reader)."""
    rows = db.session.execute(
        sa.select(Course.id, CourseVersion.title)
        .join(CourseVersion, CourseVersion.id == Course.published_version_id)
        .where(Course.archived.is_(False))
    ).all()
    return sorted(((r.id, r.title) for r in rows), key=lambda item: item[1].lower())


def expert_choices(actor: User, selected: int | None = None) -> list[tuple[int, str]]:
    """The experts the actor oversees (lms.experts.permissions), and the one filtered by if it is another:
    an expert from elsewhere who taught the actor's trainees appears in the reports and can be chosen."""
    shown = sa.and_(expert_clause(actor), User.active.is_(True))
    if selected is not None:
        shown = sa.or_(shown, sa.and_(User.id == selected, User.role == "expert"))
    rows = db.session.execute(
        sa.select(User.id, User.display_name).where(shown).order_by(User.display_name, User.id)
    ).all()
    return [(r.id, r.display_name) for r in rows]


def parse_filters(args, actor: User, today: date | None = None) -> Filters:
    """Read the filters from query arguments, or raise :class:`InvalidInput` saying what is wrong."""
    today = today or local_today()
    preset = args.get("period") or DEFAULT_PRESET
    if preset not in PRESETS:
        raise InvalidInput(_("Unknown period."), field="period")
    if preset == "custom":
        start = _parse_day(args.get("start"), "start", _("start date"))
        end = _parse_day(args.get("end"), "end", _("end date"))
        last = latest_day(today)
        for name, day in (("start", start), ("end", end)):
            if not EARLIEST <= day <= last:
                raise InvalidInput(
                    _(
                        "Dates must lie between %(first)s and %(last)s.",
                        first=format_date(EARLIEST),
                        last=format_date(last),
                    ),
                    field=name,
                )
        if end < start:
            raise InvalidInput(_("The end date is before the start date."), field="end")
        if (end - start).days > MAX_SPAN_DAYS:
            raise InvalidInput(_("Choose a period of at most ten years."), field="end")
    else:
        start, end = preset_range(preset, today)
    course_id = _parse_id(args.get("course"), "course")
    if course_id is not None and course_id not in {cid for cid, _title in course_choices()}:
        raise InvalidInput(_("Choose a value from the list."), field="course")
    expert_id = _parse_id(args.get("expert"), "expert")
    if (
        expert_id is not None
        and db.session.execute(sa.select(User.id).where(User.id == expert_id, User.role == "expert")).first()
        is None
    ):
        raise InvalidInput(_("Choose a value from the list."), field="expert")
    kept = {k: args.get(k) for k in FILTER_ARGS if args.get(k)}
    if preset != "custom":
        kept.pop("start", None)
        kept.pop("end", None)
    return Filters(preset=preset, start=start, end=end, course_id=course_id, expert_id=expert_id, args=kept)
