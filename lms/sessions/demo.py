"""Demo venues and sessions: past and upcoming sessions of every mode with experts, registrations, a waitlist,
attendance, feedback and a coaching record. Idempotent: sessions are recognised by their title.

Runs after the courses demo; without published courses it does nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from lms.auth.models import User
from lms.courses.models import Course
from lms.database import utcnow
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise
from lms.sessions import services
from lms.sessions.models import (
    CoachingActionItem,
    Registration,
    SessionExpert,
    SessionFeedback,
    TrainingSession,
    Venue,
)

# name_en, name_zh, address, capacity, unit code
VENUES = [
    (
        "China Customs AEO Training Base (Shenzhen)",
        "中国海关AEO培训基地（深圳）",
        "Longgang District, Shenzhen, Guangdong",
        120,
        "5300",
    ),
    (
        "Guangzhou Customs AEO Cultivation Training Base",
        "广州海关AEO培育培训基地",
        "Nansha District, Guangzhou, Guangdong",
        80,
        "5100",
    ),
    ("Shanghai Customs Training Classroom 3", "上海海关培训教室3", "Pudong New Area, Shanghai", 40, "2200"),
]

# Officers who schedule for each organising unit.
ORGANISERS = {
    "5300": "officer.shenzhen",
    "5301": "officer.shenzhen",
    "5100": "officer.guangzhou",
    "2200": "officer.shanghai",
    "0000": "admin",
}

FEEDBACK = [
    (5, 5, 4, 5, "The worked examples from real validations were the most useful part."),
    (4, 5, 4, 4, "More time for questions about the financial indicators, please."),
    (4, 4, 5, 4, ""),
    (5, 4, 4, 5, "Clear explanation of what the validation team looks at on site."),
    (3, 4, 3, 4, "The room was crowded; otherwise good."),
]

# title, course slug, mode, unit, day offset, local start, local end, capacity, venue index,
# host/enterprise name, meeting link, approval, lead expert, trainees registered (in order), past attendance
SESSIONS = [
    (
        "Credit management briefing at the Shenzhen base",
        "credit-management",
        "in_class",
        "5300",
        -14,
        time(9, 30),
        time(12, 0),
        30,
        0,
        None,
        "",
        False,
        "expert.shenzhen",
        [
            "trainee",
            "trainee.manager",
            "trainee.customs",
            "trainee.futian",
            "trainee.shekou",
            "trainee.nanshan",
        ],
        ["present", "present", "late", "present", "absent", "excused"],
    ),
    (
        "Trade security observation at Shekou Harbour Logistics",
        "trade-security-onsite",
        "onsite",
        "5300",
        -7,
        time(14, 0),
        time(17, 0),
        15,
        None,
        "Shekou Harbour Logistics",
        "",
        False,
        "expert.shenzhen",
        ["trainee", "trainee.customs", "trainee.shekou"],
        ["present", "present", "late"],
    ),
    (
        "One-on-one coaching: Pengcheng Precision Electronics",
        "certification-procedure",
        "one_on_one",
        "5301",
        -3,
        time(10, 0),
        time(12, 0),
        2,
        None,
        "Pengcheng Precision Electronics",
        "",
        False,
        "expert.shenzhen",
        ["trainee", "trainee.manager"],
        ["present", "present"],
    ),
    (
        "Live online: mutual recognition explained",
        "mutual-recognition",
        "live_online",
        "0000",
        -10,
        time(19, 0),
        time(20, 30),
        200,
        None,
        None,
        "https://meeting.example.cn/aeo-mra",
        False,
        "expert.national",
        ["trainee.shanghai", "trainee.pudong", "trainee.guangzhou", "trainee.nanjing"],
        ["present", "present", "absent", "present"],
    ),
    (
        "AEO standard workshop at the Shenzhen base",
        "aeo-standard",
        "in_class",
        "5300",
        10,
        time(9, 0),
        time(17, 0),
        4,
        0,
        None,
        "",
        False,
        "expert.shenzhen",
        [
            "trainee",
            "trainee.manager",
            "trainee.customs",
            "trainee.futian",
            "trainee.shekou",
            "trainee.nanshan",
        ],
        None,
    ),
    (
        "On-site observation at Pudong Semiconductor Equipment",
        "trade-security-onsite",
        "onsite",
        "2200",
        14,
        time(13, 30),
        time(17, 0),
        12,
        None,
        "Pudong Semiconductor Equipment",
        "",
        True,
        "expert.shanghai",
        ["trainee.shanghai"],
        None,
    ),
    (
        "Live online: credit repair questions and answers",
        "credit-management",
        "live_online",
        "0000",
        3,
        time(19, 0),
        time(20, 30),
        500,
        None,
        None,
        "https://meeting.example.cn/aeo-credit",
        False,
        "expert.national",
        ["trainee", "trainee.futian", "trainee.pudong"],
        None,
    ),
    (
        "One-on-one follow-up: Pengcheng Precision Electronics",
        "certification-procedure",
        "one_on_one",
        "5301",
        12,
        time(10, 0),
        time(11, 30),
        2,
        None,
        "Pengcheng Precision Electronics",
        "",
        False,
        "expert.shenzhen",
        ["trainee"],
        None,
    ),
    (
        "Certification procedure seminar in Shanghai",
        "certification-procedure",
        "in_class",
        "2200",
        20,
        time(9, 30),
        time(16, 30),
        30,
        2,
        None,
        "",
        False,
        "expert.shanghai",
        ["trainee.pudong"],
        None,
    ),
]
SERIES_TITLE = "Weekly AEO standard clinic at the Guangzhou base"


def _local(day: date, at: time) -> datetime:
    return services.local_to_utc(datetime.combine(day, at))


def _users() -> dict[str, User]:
    return {u.login_name: u for u in db.session.execute(sa.select(User)).scalars()}


def _published(slug: str) -> Course | None:
    course = db.session.execute(sa.select(Course).where(Course.slug == slug)).scalar_one_or_none()
    return course if services.is_published(course) else None


def _venues(units: dict[str, CustomsUnit]) -> tuple[list[Venue], int]:
    venues, created = [], 0
    for name_en, name_zh, address, capacity, unit_code in VENUES:
        venue = db.session.execute(sa.select(Venue).where(Venue.name_en == name_en)).scalar_one_or_none()
        if venue is None:
            venue = Venue(
                name_en=name_en,
                name_zh=name_zh,
                address=address,
                capacity=capacity,
                unit_id=units[unit_code].id,
                active=True,
            )
            db.session.add(venue)
            created += 1
        venues.append(venue)
    db.session.flush()
    return venues, created


def _assign(session: TrainingSession, expert: User | None, organiser: User) -> None:
    if expert is not None:
        db.session.add(
            SessionExpert(
                session_id=session.id, expert_id=expert.id, role="lead", assigned_by_id=organiser.id
            )
        )
        db.session.flush()


def _past_seats(
    session: TrainingSession, trainees: list[User], attendance: list[str], expert: User, organiser: User
) -> None:
    """Registrations of a session that already took place (the registration rules look forward in time)."""
    registrations = []
    for trainee in trainees:
        registration = Registration(
            session_id=session.id,
            user_id=trainee.id,
            status="confirmed",
            registered_by_id=organiser.id,
            created_at=session.starts_at - timedelta(days=10),
            confirmed_at=session.starts_at - timedelta(days=10),
        )
        db.session.add(registration)
        registrations.append(registration)
    session.seats_taken = len(registrations)
    db.session.flush()
    for index, (registration, value) in enumerate(zip(registrations, attendance, strict=True)):
        if value in ("present", "late"):
            registration.checked_in_at = session.starts_at + timedelta(
                minutes=5 if value == "present" else 25
            )
        services.mark_attendance(expert, registration, value)
        if value in ("present", "late") and index < len(FEEDBACK):
            content, expert_score, organisation, usefulness, comment = FEEDBACK[index]
            services.submit_feedback(
                registration.user,
                registration,
                {
                    "content": content,
                    "expert": expert_score,
                    "organisation": organisation,
                    "usefulness": usefulness,
                },
                comment,
            )
    session.status = "completed"


def _coaching(session: TrainingSession, users: dict[str, User], expert: User) -> None:
    services.save_coaching_record(
        expert,
        session,
        agenda=(
            "1. Review of the self-assessment against the four modules of the general standard\n"
            "2. Internal control: who signs off customs declarations\n"
            "3. Financial status: the solvency and profitability indicators\n"
            "4. Next steps towards the certification application"
        ),
        notes=(
            "The enterprise's self-assessment is thorough. Two gaps were found: the customs-affairs "
            "procedure manual does not name a deputy for the responsible manager, and the container seal "
            "log is kept on paper without a weekly check."
        ),
    )
    today = services.local_date(utcnow())
    items = [
        (
            "Name a deputy for the customs affairs manager in the procedure manual",
            "trainee.manager",
            14,
            False,
        ),
        ("Move the seal log to the warehouse system and review it weekly", "trainee.customs", 21, False),
        ("Send the updated self-assessment to the coaching expert", "trainee", 7, False),
        ("Collect the last three years' audited financial statements", "trainee.finance", -1, True),
    ]
    for text, owner, due_in, done in items:
        item = services.add_action_item(
            expert, session, text=text, owner_id=users[owner].id, due_on=today + timedelta(days=due_in)
        )
        if done:
            services.set_action_item_done(expert, item, True)


def load() -> str:
    users = _users()
    if "officer.shenzhen" not in users:
        return "no demo accounts; sessions skipped"
    if (
        db.session.execute(
            sa.select(Course.id).where(Course.published_version_id.is_not(None)).limit(1)
        ).first()
        is None
    ):
        return "no published courses yet; sessions skipped"
    units = {u.code: u for u in db.session.execute(sa.select(CustomsUnit)).scalars()}
    venues, created_venues = _venues(units)
    today = services.local_date(utcnow())
    existing = set(db.session.execute(sa.select(TrainingSession.title)).scalars())
    created = 0
    for row in SESSIONS:
        title, slug = row[0], row[1]
        course = _published(slug)
        if title in existing or course is None:
            continue
        _demo_session(row, course, users, units, venues, today)
        created += 1
    created += _demo_series(users, units, venues, today, existing)
    db.session.flush()
    feedback = db.session.execute(sa.select(sa.func.count(SessionFeedback.id))).scalar_one()
    actions = db.session.execute(
        sa.select(sa.func.count(CoachingActionItem.id)).where(CoachingActionItem.done.is_(False))
    ).scalar_one()
    return (
        f"{created_venues} new venues, {created} new sessions, {feedback} feedback answers, "
        f"{actions} open action items"
    )


def _demo_session(row: tuple, course, users: dict, units: dict, venues: list, today) -> None:
    """One row of ``SESSIONS``: created by its organiser, its lead expert assigned, its trainees seated."""
    (
        title,
        _slug,
        mode,
        unit_code,
        offset,
        start,
        end,
        capacity,
        venue_index,
        enterprise_name,
        meeting,
        approval,
        lead,
        trainees,
        attendance,
    ) = row
    organiser = users[ORGANISERS[unit_code]]
    enterprise = None
    if enterprise_name:
        enterprise = db.session.execute(
            sa.select(Enterprise).where(Enterprise.name_en.startswith(enterprise_name))
        ).scalar_one()
    day = today + timedelta(days=offset)
    values = {
        "course_id": course.id,
        "title": title,
        "mode": mode,
        "unit_id": units[unit_code].id,
        "starts_at": _local(day, start),
        "ends_at": _local(day, end),
        "capacity": capacity,
        "registration_opens_at": None,
        "registration_closes_at": None,
        "requires_approval": approval,
        "venue_id": venues[venue_index].id if venue_index is not None else None,
        "host_enterprise_id": enterprise.id if mode == "onsite" else None,
        "enterprise_id": enterprise.id if mode == "one_on_one" else None,
        "meeting_url": meeting,
        "description": "",
    }
    session = services.create_session(organiser, values)
    expert = users.get(lead)
    _assign(session, expert, organiser)
    if attendance is not None:
        _past_seats(session, [users[t] for t in trainees], attendance, expert, organiser)
    else:
        for login in trainees:
            trainee = users[login]
            # Officers register some trainees, the others register themselves.
            actor = organiser if login.endswith(("futian", "nanshan")) else trainee
            services.register_trainee(actor, session, trainee)
    if mode == "one_on_one" and attendance is not None:
        _coaching(session, users, expert)


def _demo_series(users: dict, units: dict, venues: list, today, existing: set) -> int:
    """The weekly clinic series in Guangzhou (four sessions), unless it exists; how many sessions it made."""
    course = _published("aeo-standard")
    if course is None or SERIES_TITLE in existing:
        return 0
    organiser = users["officer.guangzhou"]
    first_day = today + timedelta(days=5)
    values = {
        "course_id": course.id,
        "title": SERIES_TITLE,
        "mode": "in_class",
        "unit_id": units["5100"].id,
        "starts_at": _local(first_day, time(14, 0)),
        "ends_at": _local(first_day, time(16, 30)),
        "capacity": 30,
        "registration_opens_at": None,
        "registration_closes_at": None,
        "requires_approval": False,
        "venue_id": venues[1].id,
        "host_enterprise_id": None,
        "enterprise_id": None,
        "meeting_url": "",
        "description": "A weekly clinic: bring your self-assessment questions on the general standard.",
    }
    series = services.create_series(organiser, values, every_days=7, count=4)
    for session in series:
        _assign(session, users.get("expert.national"), organiser)
    if "trainee.guangzhou" in users:
        services.register_trainee(users["trainee.guangzhou"], series[0], users["trainee.guangzhou"])
    return len(series)
