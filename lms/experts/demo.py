"""Demo expert profiles, an unavailable period, declared involvements, an assistant, and an upcoming coaching
session still without an expert, whose suggestion list shows one expert excluded for a conflict of interest.

Idempotent: profiles are kept once created; periods, involvements and the session are recognised by their
natural keys. Runs after the sessions demo.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from lms.auth.models import User
from lms.courses.models import Course
from lms.database import utcnow
from lms.errors import DomainError
from lms.experts.eligibility import local_zone
from lms.experts.models import ExpertProfile, ExpertSpecialty, Involvement, UnavailablePeriod
from lms.experts.services import assign_expert, get_or_create_profile
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise
from lms.sessions.models import SessionExpert, TrainingSession

ALL_MODULES = ["internal_control", "financial_status", "compliance", "trade_security"]

# login: topics, languages, maximum sessions a month, about
PROFILES = {
    "expert.national": (
        ALL_MODULES + ["Mutual recognition (MRA)"],
        ["zh_CN", "en"],
        10,
        "Member of the national AEO expert team; leads validations of advanced certified "
        "enterprises and teaches the general standard in all four modules.",
    ),
    "expert.shenzhen": (
        ["trade_security", "internal_control", "Cross-border e-commerce"],
        ["zh_CN", "en"],
        6,
        "Regional AEO expert of Shenzhen Customs; supply chain security and internal control "
        "of logistics and e-commerce enterprises.",
    ),
    "expert.shanghai": (
        ["financial_status", "compliance"],
        ["zh_CN"],
        6,
        "Regional AEO expert of Shanghai Customs; financial indicators and compliance records.",
    ),
}

# login, first and last day (offsets from today), reason
UNAVAILABLE = [("expert.national", 9, 11, "Validation mission with an MRA partner customs administration")]

# login, kind, enterprise name (start), first day offset, last day offset (None: in progress), note
INVOLVEMENTS = [
    (
        "expert.shenzhen",
        "audit",
        "Qianhai Smart Supply Chain",
        -20,
        40,
        "Customs audit of the bonded logistics operations",
    ),
    (
        "expert.shenzhen",
        "validation",
        "Nanshan Medical Devices",
        -5,
        None,
        "On-site validation for the certification application",
    ),
    (
        "expert.shanghai",
        "consulting",
        "Zhangjiang Biotech",
        -60,
        -30,
        "Talk at an industry association event",
    ),
]

# An upcoming session without an expert: the suggestion list ranks the national expert and excludes the
# Shenzhen expert, who is validating the enterprise.
OPEN_SESSION = {
    "title": "One-on-one coaching: Nanshan Medical Devices",
    "course": "certification-procedure",
    "unit": "5302",
    "organiser": "officer.shenzhen",
    "enterprise": "Nanshan Medical Devices",
    "offset": 16,
    "start": time(14, 0),
    "end": time(16, 0),
}

# session title, expert, role, acting officer: checked assignments through the rules
ASSISTANTS = [
    ("Certification procedure seminar in Shanghai", "expert.national", "assistant", "officer.shanghai")
]


def _local(day, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=local_zone()).astimezone(UTC)


def _users() -> dict[str, User]:
    return {
        u.login_name: u
        for u in db.session.execute(
            sa.select(User).where(
                User.login_name.in_(list(PROFILES) + ["officer.shenzhen", "officer.shanghai", "admin"])
            )
        ).scalars()
    }


def _enterprise(name_start: str) -> Enterprise | None:
    return db.session.execute(
        sa.select(Enterprise).where(Enterprise.name_en.startswith(name_start))
    ).scalar_one_or_none()


def _profiles(users: dict[str, User]) -> int:
    created = 0
    for login, (topics, languages, maximum, bio) in PROFILES.items():
        user = users.get(login)
        if user is None:
            continue
        exists = db.session.execute(
            sa.select(ExpertProfile.id).where(ExpertProfile.user_id == user.id)
        ).first()
        if exists is not None:
            continue
        profile = get_or_create_profile(user)
        profile.languages = languages
        profile.max_sessions_per_month = maximum
        profile.bio = bio
        profile.specialties = [ExpertSpecialty(topic=t) for t in topics]
        created += 1
    db.session.flush()
    return created


def _periods(users: dict[str, User], today) -> int:
    created = 0
    for login, first, last, reason in UNAVAILABLE:
        if login not in users:
            continue
        profile = get_or_create_profile(users[login])
        if any(p.reason == reason for p in profile.unavailable_periods):
            continue
        profile.unavailable_periods.append(
            UnavailablePeriod(
                starts_on=today + timedelta(days=first), ends_on=today + timedelta(days=last), reason=reason
            )
        )
        created += 1
    db.session.flush()
    return created


def _involvements(users: dict[str, User], today) -> int:
    created = 0
    for login, kind, name, first, last, note in INVOLVEMENTS:
        enterprise = _enterprise(name)
        if login not in users or enterprise is None:
            continue
        profile = get_or_create_profile(users[login])
        if any(i.enterprise_id == enterprise.id and i.kind == kind for i in profile.involvements):
            continue
        profile.involvements.append(
            Involvement(
                kind=kind,
                enterprise_id=enterprise.id,
                starts_on=today + timedelta(days=first),
                ends_on=today + timedelta(days=last) if last is not None else None,
                note=note,
            )
        )
        created += 1
    db.session.flush()
    return created


def _open_session(users: dict[str, User], today) -> int:
    from lms.sessions import services as sessions

    spec = OPEN_SESSION
    if db.session.execute(
        sa.select(TrainingSession.id).where(TrainingSession.title == spec["title"])
    ).first():
        return 0
    course = db.session.execute(sa.select(Course).where(Course.slug == spec["course"])).scalar_one_or_none()
    unit = db.session.execute(
        sa.select(CustomsUnit).where(CustomsUnit.code == spec["unit"])
    ).scalar_one_or_none()
    enterprise = _enterprise(spec["enterprise"])
    organiser = users.get(spec["organiser"])
    if None in (course, unit, enterprise, organiser) or course.published_version_id is None:
        return 0
    day = today + timedelta(days=spec["offset"])
    values = {
        "course_id": course.id,
        "title": spec["title"],
        "mode": "one_on_one",
        "unit_id": unit.id,
        "starts_at": _local(day, spec["start"]),
        "ends_at": _local(day, spec["end"]),
        "capacity": 1,
        "registration_opens_at": None,
        "registration_closes_at": None,
        "requires_approval": False,
        "venue_id": None,
        "host_enterprise_id": None,
        "enterprise_id": enterprise.id,
        "meeting_url": "",
        "description": "Preparing the certification application: self-assessment review and open questions.",
    }
    try:
        sessions.create_session(organiser, values)
    except DomainError:
        return 0
    db.session.flush()
    return 1


def _assistants(users: dict[str, User]) -> int:
    created = 0
    for title, login, role, officer in ASSISTANTS:
        session = (
            db.session.execute(sa.select(TrainingSession).where(TrainingSession.title == title))
            .scalars()
            .first()
        )
        if session is None or login not in users or officer not in users:
            continue
        already = db.session.execute(
            sa.select(SessionExpert.id).where(
                SessionExpert.session_id == session.id, SessionExpert.expert_id == users[login].id
            )
        ).first()
        if already is not None:
            continue
        try:
            assign_expert(users[officer], session, users[login], role)
        except DomainError:  # refused before writing anything: the rules decide, the demo goes on
            continue
        created += 1
    return created


def load() -> str:
    users = _users()
    if not any(login in users for login in PROFILES):
        return "no demo experts; expert profiles skipped"
    today = utcnow().astimezone(local_zone()).date()
    profiles = _profiles(users)
    periods = _periods(users, today)
    involvements = _involvements(users, today)
    sessions = _open_session(users, today)
    assistants = _assistants(users)
    return (
        f"{profiles} new expert profiles, {periods} unavailable periods, {involvements} involvements, "
        f"{sessions} session awaiting an expert, {assistants} assistant assignments"
    )
