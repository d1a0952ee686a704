"""Whether an expert may take a session and how well they fit it.

``evaluate_expert_for_session`` is the single place where the hard assignment rules are checked and the
suggestion score is computed: ``assign_expert`` refuses what it finds ineligible, and the suggestion page
ranks what it finds eligible. The facts it needs for a session are loaded for many experts at once
(``load_session_facts``), so a list of candidates costs a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from lms.auth.models import User
from lms.config import setting
from lms.courses.models import Course, CourseVersion
from lms.experts.models import (
    CONFLICTING_KINDS,
    DEFAULT_MAX_SESSIONS_PER_MONTH,
    ExpertProfile,
    Involvement,
    UnavailablePeriod,
    topic_label,
)
from lms.extensions import db
from lms.i18n import join_list
from lms.org.models import CustomsUnit, Enterprise
from lms.sessions.models import Registration, SessionExpert, SessionFeedback, TrainingSession

# Hard rules, in the order they are reported.
RULES = {
    "not_an_expert": _l("Active expert account"),
    "already_assigned": _l("Not yet on this session"),
    "overlap": _l("No overlapping session (travel buffer included)"),
    "region": _l("Within the expert's region"),
    "monthly_maximum": _l("Monthly maximum of sessions"),
    "unavailable": _l("Available on the session date"),
    "conflict_of_interest": _l("No conflict of interest"),
    # Checked by assign_expert on the session and the acting officer, not per expert.
    "jurisdiction": _l("Session in the officer's jurisdiction"),
    "session_closed": _l("Session still ahead and not cancelled"),
    "lead_taken": _l("One lead expert per session"),
}

# Suggestion score: points per component, out of 100 in total.
SCORE_WEIGHTS = {"specialty": 40, "region": 20, "load": 20, "rating": 20}
SCORE_COMPONENTS = {
    "specialty": _l("Specialty match"),
    "region": _l("Same region"),
    "load": _l("Load this month"),
    "rating": _l("Feedback rating"),
}


@dataclass
class Reason:
    rule: str
    message: str

    @property
    def label(self) -> str:
        return str(RULES.get(self.rule, self.rule))


@dataclass
class ScorePart:
    points: float
    weight: int
    detail: str


@dataclass
class Evaluation:
    expert: User
    eligible: bool
    reasons: list[Reason]
    score: float
    breakdown: dict[str, ScorePart]
    load: int = 0
    profile: ExpertProfile | None = None

    @property
    def rules(self) -> list[str]:
        return [r.rule for r in self.reasons]


@dataclass
class SessionFacts:
    """Everything the rules and the score need about one session and a set of experts."""

    session: TrainingSession
    start_day: date
    end_day: date
    month_start: datetime
    month_end: datetime
    buffer: timedelta
    course_topics: list[str]
    session_region: CustomsUnit | None
    enterprises: dict[int, Enterprise]
    profiles: dict[int, ExpertProfile] = field(default_factory=dict)
    busy: dict[int, list[TrainingSession]] = field(default_factory=dict)
    month_load: dict[int, int] = field(default_factory=dict)
    assigned: dict[int, str] = field(default_factory=dict)
    unavailable: dict[int, list[UnavailablePeriod]] = field(default_factory=dict)
    conflicts: dict[int, list[Involvement]] = field(default_factory=dict)
    ratings: dict[int, tuple[float, int]] = field(default_factory=dict)
    # Strong references to the units loaded for region(): the identity map alone would let them go.
    units: list[CustomsUnit] = field(default_factory=list)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def travel_buffer() -> timedelta:
    """Minutes kept free between two sessions of one expert (LMS_EXPERT_TRAVEL_BUFFER_MINUTES)."""
    return timedelta(minutes=setting("EXPERT_TRAVEL_BUFFER_MINUTES"))


def local_day_span(starts_at: datetime, ends_at: datetime) -> tuple[date, date]:
    """The local calendar days a session covers (a session ending at midnight does not touch the next day)."""
    zone = local_zone()
    first = starts_at.astimezone(zone).date()
    last = (ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    return first, max(first, last)


def local_month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """UTC bounds [start, end) of the local calendar month that contains ``moment``."""
    zone = local_zone()
    local = moment.astimezone(zone)
    start = datetime.combine(local.date().replace(day=1), time(0), tzinfo=zone)
    following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start.astimezone(ZoneInfo("UTC")), following.astimezone(ZoneInfo("UTC"))


def course_topics(course: Course | None) -> list[str]:
    """Topics of the course's published version (the standard modules); its tags when it names none."""
    version: CourseVersion | None = course.published_version if course is not None else None
    if version is None:
        return []
    return list(version.topics or []) or list(version.tags or [])


def session_enterprise_ids_stmt(session: TrainingSession) -> sa.Select:
    """Enterprises trained by a session: the coached or host enterprise, and every confirmed trainee's."""
    confirmed = (
        sa.select(User.enterprise_id)
        .join(Registration, Registration.user_id == User.id)
        .where(
            Registration.session_id == session.id,
            Registration.status == "confirmed",
            User.enterprise_id.is_not(None),
        )
    )
    direct = [
        i
        for i in (
            session.enterprise_id if session.mode == "one_on_one" else None,
            session.host_enterprise_id if session.mode == "onsite" else None,
        )
        if i
    ]
    return sa.select(Enterprise).where(sa.or_(Enterprise.id.in_(direct), Enterprise.id.in_(confirmed)))


def load_session_facts(session: TrainingSession, experts: list[User]) -> SessionFacts:
    """Load what the rules need for ``session`` and ``experts`` in a fixed number of queries."""
    ids = [e.id for e in experts]
    buffer = travel_buffer()
    start_day, end_day = local_day_span(session.starts_at, session.ends_at)
    month_start, month_end = local_month_bounds(session.starts_at)
    known = _units_on_paths(session, experts)
    session_unit = db.session.get(CustomsUnit, session.unit_id)

    course = db.session.execute(
        sa.select(Course).where(Course.id == session.course_id).options(joinedload(Course.published_version))
    ).scalar_one_or_none()

    facts = SessionFacts(
        session=session,
        start_day=start_day,
        end_day=end_day,
        month_start=month_start,
        month_end=month_end,
        buffer=buffer,
        course_topics=course_topics(course),
        session_region=session_unit.region() if session_unit is not None else None,
        enterprises={e.id: e for e in db.session.execute(session_enterprise_ids_stmt(session)).scalars()},
        units=known,
    )
    if not ids:
        return facts
    _load_profiles(facts, ids)
    others = sa.and_(TrainingSession.id != session.id, TrainingSession.status != "cancelled")
    _load_busy(facts, ids, others)
    _load_month_load(facts, ids, others)
    _load_assigned(facts, ids)
    _load_unavailable(facts, ids)
    if facts.enterprises:
        _load_conflicts(facts, ids)
    _load_ratings(facts, ids)
    return facts


def _units_on_paths(session: TrainingSession, experts: list[User]) -> list[CustomsUnit]:
    """Units on the paths of the session's and the experts' units, so region() walks the identity map."""
    unit_ids: set[int] = set()
    for unit_id in [session.unit_id, *(e.unit_id for e in experts)]:
        if unit_id is not None:
            unit_ids.add(unit_id)
    known = list(db.session.execute(sa.select(CustomsUnit).where(CustomsUnit.id.in_(unit_ids))).scalars())
    ancestor_ids = {int(p) for u in known for p in u.path.strip("/").split("/") if p} - unit_ids
    if ancestor_ids:
        known += (
            db.session.execute(sa.select(CustomsUnit).where(CustomsUnit.id.in_(ancestor_ids))).scalars().all()
        )
    return known


def _load_profiles(facts: SessionFacts, ids: list[int]) -> None:
    for profile in db.session.execute(
        sa.select(ExpertProfile)
        .where(ExpertProfile.user_id.in_(ids))
        .options(selectinload(ExpertProfile.specialties))
    ).scalars():
        facts.profiles[profile.user_id] = profile


def _load_busy(facts: SessionFacts, ids: list[int], others) -> None:
    """The experts' other sessions that overlap this one, travel buffer included."""
    session, buffer = facts.session, facts.buffer
    busy_rows = db.session.execute(
        sa.select(SessionExpert.expert_id, TrainingSession)
        .join(TrainingSession, TrainingSession.id == SessionExpert.session_id)
        .where(
            SessionExpert.expert_id.in_(ids),
            others,
            TrainingSession.starts_at < session.ends_at + buffer,
            TrainingSession.ends_at > session.starts_at - buffer,
        )
        .options(joinedload(TrainingSession.course).joinedload(Course.published_version))
        .order_by(TrainingSession.starts_at)
    ).all()
    for expert_id, other in busy_rows:
        facts.busy.setdefault(expert_id, []).append(other)


def _load_month_load(facts: SessionFacts, ids: list[int], others) -> None:
    facts.month_load = dict(
        db.session.execute(
            sa.select(SessionExpert.expert_id, sa.func.count(sa.distinct(TrainingSession.id)))
            .join(TrainingSession, TrainingSession.id == SessionExpert.session_id)
            .where(
                SessionExpert.expert_id.in_(ids),
                others,
                TrainingSession.starts_at >= facts.month_start,
                TrainingSession.starts_at < facts.month_end,
            )
            .group_by(SessionExpert.expert_id)
        ).all()
    )


def _load_assigned(facts: SessionFacts, ids: list[int]) -> None:
    facts.assigned = dict(
        db.session.execute(
            sa.select(SessionExpert.expert_id, SessionExpert.role).where(
                SessionExpert.session_id == facts.session.id, SessionExpert.expert_id.in_(ids)
            )
        ).all()
    )


def _load_unavailable(facts: SessionFacts, ids: list[int]) -> None:
    for user_id, period in db.session.execute(
        sa.select(ExpertProfile.user_id, UnavailablePeriod)
        .join(ExpertProfile, ExpertProfile.id == UnavailablePeriod.profile_id)
        .where(
            ExpertProfile.user_id.in_(ids),
            UnavailablePeriod.starts_on <= facts.end_day,
            UnavailablePeriod.ends_on >= facts.start_day,
        )
        .order_by(UnavailablePeriod.starts_on)
    ).all():
        facts.unavailable.setdefault(user_id, []).append(period)


def _load_conflicts(facts: SessionFacts, ids: list[int]) -> None:
    for user_id, involvement in db.session.execute(
        sa.select(ExpertProfile.user_id, Involvement)
        .join(ExpertProfile, ExpertProfile.id == Involvement.profile_id)
        .where(
            ExpertProfile.user_id.in_(ids),
            Involvement.kind.in_(CONFLICTING_KINDS),
            Involvement.enterprise_id.in_(list(facts.enterprises)),
            Involvement.starts_on <= facts.end_day,
            sa.or_(Involvement.ends_on.is_(None), Involvement.ends_on >= facts.start_day),
        )
        .order_by(Involvement.starts_on)
    ).all():
        facts.conflicts.setdefault(user_id, []).append(involvement)


def _load_ratings(facts: SessionFacts, ids: list[int]) -> None:
    facts.ratings = {
        expert_id: (float(average), count)
        for expert_id, average, count in db.session.execute(
            sa.select(
                SessionExpert.expert_id,
                sa.func.avg(SessionFeedback.expert),
                sa.func.count(SessionFeedback.id),
            )
            .join(SessionFeedback, SessionFeedback.session_id == SessionExpert.session_id)
            .join(TrainingSession, TrainingSession.id == SessionExpert.session_id)
            .where(SessionExpert.expert_id.in_(ids), TrainingSession.status != "cancelled")
            .group_by(SessionExpert.expert_id)
        ).all()
        if count
    }


def session_label(session: TrainingSession) -> str:
    return session.title or (session.course.title if session.course is not None else "") or f"#{session.id}"


def _region_of(expert: User) -> CustomsUnit | None:
    return expert.unit.region() if expert.unit is not None else None


def _inside(unit: CustomsUnit | None, region: CustomsUnit | None) -> bool:
    return unit is not None and region is not None and unit.path.startswith(region.path)


def evaluate_expert_for_session(
    expert: User, session: TrainingSession, facts: SessionFacts | None = None
) -> Evaluation:
    """Check every hard rule for ``expert`` on ``session`` and score the fit.

    ``facts`` (from ``load_session_facts``) may cover many experts; without it, the facts for this one
    expert are loaded now.
    """
    if facts is None:
        facts = load_session_facts(session, [expert])
    profile = facts.profiles.get(expert.id)
    maximum = profile.max_sessions_per_month if profile is not None else DEFAULT_MAX_SESSIONS_PER_MONTH
    load = facts.month_load.get(expert.id, 0)
    reasons: list[Reason] = []

    if expert.role != "expert" or not expert.active:
        reasons.append(
            Reason("not_an_expert", _("%(name)s is not an active expert.", name=expert.display_name))
        )
    if expert.id in facts.assigned:
        reasons.append(Reason("already_assigned", _("Already assigned to this session.")))
    reasons += _overlap_reasons(facts.busy.get(expert.id, []), facts)
    region = _region_of(expert)
    session_unit = db.session.get(CustomsUnit, session.unit_id)
    if expert.expert_level != "national" and not _inside(session_unit, region):
        reasons.append(_region_reason(region))
    if load + 1 > maximum:
        reasons.append(
            Reason(
                "monthly_maximum",
                _(
                    "Already has %(count)d sessions that month; the maximum is %(maximum)d per month.",
                    count=load,
                    maximum=maximum,
                ),
            )
        )
    reasons += _unavailable_reasons(facts.unavailable.get(expert.id, []))
    reasons += _conflict_reasons(facts.conflicts.get(expert.id, []), facts)

    breakdown = _score(expert, profile, facts, region, session_unit, load, maximum)
    score = round(sum(part.points for part in breakdown.values()), 1)
    return Evaluation(
        expert=expert,
        eligible=not reasons,
        reasons=reasons,
        score=score,
        breakdown=breakdown,
        load=load,
        profile=profile,
    )


def _overlap_reasons(busy: list[TrainingSession], facts: SessionFacts) -> list[Reason]:
    if not busy:
        return []
    other = busy[0]
    return [
        Reason(
            "overlap",
            _(
                "Teaches “%(title)s” from %(start)s to %(end)s, which overlaps this session or is "
                "less than %(minutes)d minutes from it.",
                title=session_label(other),
                start=format_datetime(other.starts_at, "short"),
                end=format_datetime(other.ends_at, "short"),
                minutes=int(facts.buffer.total_seconds() // 60),
            ),
        )
    ]


def _region_reason(region: CustomsUnit | None) -> Reason:
    if region is None:
        return Reason("region", _("A regional expert without a regional customs may not teach here."))
    return Reason(
        "region",
        _(
            "A regional expert of %(region)s may only teach sessions organised in that region.",
            region=region.name,
        ),
    )


def _unavailable_reasons(periods: list[UnavailablePeriod]) -> list[Reason]:
    return [
        Reason(
            "unavailable",
            _(
                "Unavailable from %(start)s to %(end)s: %(reason)s",
                start=format_date(period.starts_on),
                end=format_date(period.ends_on),
                reason=period.reason or "—",
            ),
        )
        for period in periods[:1]
    ]


def _conflict_reasons(involvements: list[Involvement], facts: SessionFacts) -> list[Reason]:
    reasons = []
    for involvement in involvements[:1]:
        enterprise = facts.enterprises.get(involvement.enterprise_id)
        reasons.append(
            Reason(
                "conflict_of_interest",
                _(
                    "Declared %(kind)s of %(enterprise)s since %(start)s; that enterprise takes part in "
                    "this session.",
                    kind=involvement.kind_label.lower(),
                    enterprise=enterprise.name if enterprise else "",
                    start=format_date(involvement.starts_on),
                ),
            )
        )
    return reasons


def _score(expert, profile, facts: SessionFacts, region, session_unit, load: int, maximum: int) -> dict:
    weights = SCORE_WEIGHTS
    topics = facts.course_topics
    own = {t.lower() for t in (profile.topics if profile is not None else [])}
    matched = [t for t in topics if t.lower() in own]
    if topics:
        specialty = ScorePart(
            round(weights["specialty"] * len(matched) / len(topics), 1),
            weights["specialty"],
            _(
                "%(matched)d of %(total)d course topics: %(topics)s",
                matched=len(matched),
                total=len(topics),
                topics=join_list(topic_label(t) for t in matched) or "—",
            ),
        )
    else:
        specialty = ScorePart(0.0, weights["specialty"], _("The course lists no topics."))

    same_region = (
        region is not None and facts.session_region is not None and region.id == facts.session_region.id
    )
    region_part = ScorePart(
        float(weights["region"]) if same_region else 0.0,
        weights["region"],
        _("Same region") if same_region else _("Other region"),
    )

    free = max(0.0, 1 - load / maximum) if maximum else 0.0
    load_part = ScorePart(
        round(weights["load"] * free, 1),
        weights["load"],
        _("%(count)d of %(maximum)d sessions that month", count=load, maximum=maximum),
    )

    average, count = facts.ratings.get(expert.id, (None, 0))
    if count:
        rating = ScorePart(
            round(weights["rating"] * (average - 1) / 4, 1),
            weights["rating"],
            _("%(average).1f / 5 from %(count)d answers", average=average, count=count),
        )
    else:  # no answers yet: neither rewarded nor punished
        rating = ScorePart(weights["rating"] / 2, weights["rating"], _("No feedback yet"))
    return {"specialty": specialty, "region": region_part, "load": load_part, "rating": rating}


def evaluate_experts(session: TrainingSession, experts: list[User]) -> list[Evaluation]:
    facts = load_session_facts(session, experts)
    return [evaluate_expert_for_session(expert, session, facts) for expert in experts]


def rank(evaluations: list[Evaluation]) -> tuple[list[Evaluation], list[Evaluation]]:
    """Eligible experts best first (score, then lighter load, then name); excluded experts by name."""
    eligible = sorted(
        (e for e in evaluations if e.eligible),
        key=lambda e: (-e.score, e.load, e.expert.display_name, e.expert.id),
    )
    excluded = sorted(
        (e for e in evaluations if not e.eligible), key=lambda e: (e.expert.display_name, e.expert.id)
    )
    return eligible, excluded
