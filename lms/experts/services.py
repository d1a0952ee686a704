"""Expert profiles, availability, declared involvements, and assigning experts to sessions.

Functions take the acting user explicitly, raise domain errors and never commit.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.auth.scopes import unit_in_scope
from lms.database import conflict_insert, utcnow
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.experts.eligibility import (
    Evaluation,
    Reason,
    evaluate_expert_for_session,
    local_day_span,
    session_enterprise_ids_stmt,
    session_label,
)
from lms.experts.links import session_url
from lms.experts.models import (
    CONFLICTING_KINDS,
    DEFAULT_MAX_SESSIONS_PER_MONTH,
    EXPERT_LANGUAGES,
    INVOLVEMENT_KINDS,
    STANDARD_MODULES,
    ExpertProfile,
    ExpertSpecialty,
    Involvement,
    UnavailablePeriod,
)
from lms.experts.permissions import STAFF, can_edit_expert
from lms.extensions import db
from lms.org.models import Enterprise
from lms.sessions.models import EXPERT_ROLES, SessionExpert, TrainingSession

__all__ = [
    "AssignmentRefused",
    "Evaluation",
    "add_unavailable_period",
    "assign_expert",
    "declare_involvement",
    "evaluate_expert_for_session",
    "find_enterprise",
    "get_or_create_profile",
    "profile_for_display",
    "remove_involvement",
    "remove_unavailable_period",
    "unassign_expert",
    "update_profile",
]

MAX_FREE_TOPICS = 12


class AssignmentRefused(RuleViolation):
    """An assignment broke one or more rules; ``code`` names the first, ``reasons`` lists them all."""

    def __init__(self, reasons: list[Reason]):
        super().__init__("; ".join(r.message for r in reasons), code=reasons[0].rule)
        self.reasons = reasons

    @property
    def rules(self) -> list[str]:
        return [r.rule for r in self.reasons]


# -- profiles ---------------------------------------------------------------------------------------------


def _require_expert(user: User) -> None:
    if user.role != "expert":
        raise InvalidInput(_("%(name)s is not an expert.", name=user.display_name))


def profile_for_display(expert: User) -> ExpertProfile:
    """The stored profile, or an unsaved one with the defaults (reading a page never writes)."""
    profile = db.session.execute(
        sa.select(ExpertProfile).where(ExpertProfile.user_id == expert.id)
    ).scalar_one_or_none()
    if profile is None:
        profile = ExpertProfile(
            user_id=expert.id,
            languages=["zh_CN"],
            max_sessions_per_month=DEFAULT_MAX_SESSIONS_PER_MONTH,
            bio="",
        )
    return profile


def get_or_create_profile(expert: User, *, lock: bool = False) -> ExpertProfile:
    """The expert's profile row, created on first use.

    ``lock`` takes a row lock on it until the transaction ends.
    """
    _require_expert(expert)
    stmt = sa.select(ExpertProfile).where(ExpertProfile.user_id == expert.id)
    if lock:
        stmt = stmt.with_for_update()
    profile = db.session.execute(stmt).scalar_one_or_none()
    if profile is not None:
        return profile
    # Two requests may create it at the same moment: insert-or-ignore, then read (and lock) the one row.
    now = utcnow()
    db.session.execute(
        conflict_insert(ExpertProfile, db.session.get_bind().dialect.name)
        .values(
            user_id=expert.id,
            languages=["zh_CN"],
            max_sessions_per_month=DEFAULT_MAX_SESSIONS_PER_MONTH,
            bio="",
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    return db.session.execute(stmt).scalar_one()


def update_profile(
    actor: User,
    expert: User,
    *,
    modules: list[str],
    free_topics: list[str],
    languages: list[str],
    max_sessions_per_month: int,
    bio: str = "",
) -> ExpertProfile:
    if not can_edit_expert(actor, expert):
        raise NotPermitted(_("You may not edit this expert's profile."))
    if not 1 <= int(max_sessions_per_month) <= 100:
        raise InvalidInput(
            _("The maximum must be between 1 and 100 sessions a month."), field="max_sessions_per_month"
        )
    unknown = [lang for lang in languages if lang not in EXPERT_LANGUAGES]
    if unknown or not languages:
        raise InvalidInput(_("Choose at least one teaching language."), field="languages")
    topics: list[str] = []
    for topic in modules:
        if topic not in STANDARD_MODULES:
            raise InvalidInput(_("Unknown module."), field="modules")
        topics.append(topic)
    for raw in free_topics:
        topic = " ".join(raw.split())[:80]
        if topic and topic.lower() not in {t.lower() for t in topics}:
            topics.append(topic)
    if len(topics) - len(modules) > MAX_FREE_TOPICS:
        raise InvalidInput(_("At most %(count)d further topics.", count=MAX_FREE_TOPICS), field="free_topics")

    profile = get_or_create_profile(expert)
    profile.languages = [lang for lang in EXPERT_LANGUAGES if lang in languages]
    profile.max_sessions_per_month = int(max_sessions_per_month)
    profile.bio = (bio or "").strip()
    profile.updated_by_id = actor.id
    existing = {s.topic: s for s in profile.specialties}
    for topic, specialty in existing.items():
        if topic not in topics:
            profile.specialties.remove(specialty)
    db.session.flush()
    for topic in topics:
        if topic not in existing:
            profile.specialties.append(ExpertSpecialty(topic=topic))
    db.session.flush()
    return profile


def _check_dates(starts_on: date | None, ends_on: date | None, *, end_required: bool) -> None:
    if starts_on is None:
        raise InvalidInput(_("Give a start date."), field="starts_on")
    if ends_on is None and end_required:
        raise InvalidInput(_("Give an end date."), field="ends_on")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(_("The end date is before the start date."), field="ends_on")


def _upcoming_assignments(
    expert: User, first_day: date, last_day: date | None, enterprise_id: int | None = None
):
    """The expert's sessions still ahead on those days (for the warning after declaring something)."""
    stmt = (
        sa.select(TrainingSession)
        .join(SessionExpert, SessionExpert.session_id == TrainingSession.id)
        .where(
            SessionExpert.expert_id == expert.id,
            TrainingSession.status != "cancelled",
            TrainingSession.ends_at > utcnow(),
        )
        .order_by(TrainingSession.starts_at)
    )
    affected = []
    for session in db.session.execute(stmt).scalars():
        first, last = local_day_span(session.starts_at, session.ends_at)
        if last < first_day or (last_day is not None and first > last_day):
            continue
        if enterprise_id is not None:
            ids = {e.id for e in db.session.execute(session_enterprise_ids_stmt(session)).scalars()}
            if enterprise_id not in ids:
                continue
        affected.append(session)
    return affected


def add_unavailable_period(
    actor: User, expert: User, *, starts_on: date, ends_on: date, reason: str = ""
) -> tuple[UnavailablePeriod, list[TrainingSession]]:
    """Record a period; returns it with the expert's upcoming sessions it now clashes with."""
    if not can_edit_expert(actor, expert):
        raise NotPermitted(_("You may not edit this expert's profile."))
    _check_dates(starts_on, ends_on, end_required=True)
    profile = get_or_create_profile(expert)
    period = UnavailablePeriod(
        profile=profile,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=(reason or "").strip()[:300],
        created_by_id=actor.id,
    )
    db.session.add(period)
    db.session.flush()
    return period, _upcoming_assignments(expert, starts_on, ends_on)


def remove_unavailable_period(actor: User, period: UnavailablePeriod) -> None:
    if not can_edit_expert(actor, period.profile.user):
        raise NotPermitted(_("You may not edit this expert's profile."))
    db.session.delete(period)
    db.session.flush()


def find_enterprise(code: str) -> Enterprise:
    """An enterprise by its unified social credit code or customs registration code."""
    value = (code or "").strip().upper()
    enterprise = None
    if value:
        enterprise = db.session.execute(
            sa.select(Enterprise).where(sa.or_(Enterprise.uscc == value, Enterprise.customs_code == value))
        ).scalar_one_or_none()
    if enterprise is None:
        raise InvalidInput(
            _("No enterprise has this unified social credit code or customs code."), field="enterprise_code"
        )
    return enterprise


def declare_involvement(
    actor: User,
    expert: User,
    *,
    kind: str,
    enterprise: Enterprise,
    starts_on: date,
    ends_on: date | None = None,
    note: str = "",
) -> tuple[Involvement, list[TrainingSession]]:
    """Declare an involvement; returns it with the upcoming sessions it now conflicts with."""
    if not can_edit_expert(actor, expert):
        raise NotPermitted(_("You may not edit this expert's profile."))
    if kind not in INVOLVEMENT_KINDS:
        raise InvalidInput(_("Unknown kind of involvement."), field="kind")
    _check_dates(starts_on, ends_on, end_required=False)
    profile = get_or_create_profile(expert)
    involvement = Involvement(
        profile=profile,
        kind=kind,
        enterprise_id=enterprise.id,
        starts_on=starts_on,
        ends_on=ends_on,
        note=(note or "").strip()[:500],
        created_by_id=actor.id,
    )
    db.session.add(involvement)
    db.session.flush()
    affected = (
        _upcoming_assignments(expert, starts_on, ends_on, enterprise.id) if kind in CONFLICTING_KINDS else []
    )
    return involvement, affected


def remove_involvement(actor: User, involvement: Involvement) -> None:
    if not can_edit_expert(actor, involvement.profile.user):
        raise NotPermitted(_("You may not edit this expert's profile."))
    db.session.delete(involvement)
    db.session.flush()


# -- assignment -------------------------------------------------------------------------------------------


def _session_refusals(actor: User, session: TrainingSession) -> list[Reason]:
    if actor.role not in STAFF:
        raise NotPermitted(_("Only customs officers assign experts."))
    reasons = []
    if not unit_in_scope(actor, session.unit_id):
        reasons.append(Reason("jurisdiction", _("The session is organised outside your jurisdiction.")))
    if session.status in ("cancelled", "completed") or session.ends_at <= utcnow():
        reasons.append(Reason("session_closed", _("The session is cancelled, completed or over.")))
    return reasons


def assign_expert(actor: User, session: TrainingSession, expert: User, role: str) -> SessionExpert:
    """Put ``expert`` on ``session`` as lead or assistant, or refuse with every broken rule.

    The expert's profile row is locked first, so two officers assigning the same expert at the same moment
    are checked one after the other (the second sees the first one's session).
    """
    if role not in EXPERT_ROLES:
        raise InvalidInput(_("Choose lead or assistant."), field="role")
    refusals = _session_refusals(actor, session)
    if refusals:
        raise AssignmentRefused(refusals)
    _require_expert(expert)
    get_or_create_profile(expert, lock=True)

    reasons: list[Reason] = []
    if role == "lead":
        lead = db.session.execute(
            sa.select(SessionExpert.expert_id).where(
                SessionExpert.session_id == session.id, SessionExpert.role == "lead"
            )
        ).scalar_one_or_none()
        if lead is not None and lead != expert.id:
            reasons.append(Reason("lead_taken", _("This session already has a lead expert.")))
    evaluation = evaluate_expert_for_session(expert, session)
    reasons += evaluation.reasons
    if reasons:
        raise AssignmentRefused(reasons)

    assignment = SessionExpert(
        session_id=session.id, expert_id=expert.id, role=role, assigned_by_id=actor.id, assigned_at=utcnow()
    )
    db.session.add(assignment)
    try:
        db.session.flush()
    except IntegrityError as error:  # a lead or the same expert added by someone else just now
        db.session.rollback()
        raise AssignmentRefused(
            [
                Reason(
                    "lead_taken" if role == "lead" else "already_assigned",
                    _("Someone else changed this session's experts; please try again."),
                )
            ]
        ) from error
    _notify(expert, session, assigned=True, role=role)
    return assignment


def unassign_expert(actor: User, assignment: SessionExpert) -> None:
    session = assignment.session
    refusals = _session_refusals(actor, session)
    if refusals:
        raise AssignmentRefused(refusals)
    expert = assignment.expert
    db.session.delete(assignment)
    db.session.flush()
    _notify(expert, session, assigned=False, role=assignment.role)


def _notify(expert: User, session: TrainingSession, *, assigned: bool, role: str) -> None:
    from lms.notifications.messages import Lowered
    from lms.notifications.services import notify

    params = {
        "session": session_label(session),
        "role": Lowered(EXPERT_ROLES[role]),
        "start": session.starts_at,
    }
    if assigned:
        notify(
            expert,
            "expert_assigned",
            _l("You are the %(role)s of “%(session)s”"),
            _l("Session starting %(start)s."),
            session_url(session) or "",
            **params,
        )
    else:
        notify(
            expert,
            "expert_unassigned",
            _l("You are no longer on “%(session)s”"),
            _l("Session starting %(start)s."),
            session_url(session) or "",
            **params,
        )
