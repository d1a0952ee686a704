"""Effect of training on the standard (Kirkpatrick level 3): items moved to "meets" after training.

For every enterprise in the actor's jurisdiction, consecutive reviewed assessments (before, after) are
compared: an item judged "does not meet" or "basically meets" before and "meets" after has moved. It moved
*after training* when, between the two reviews, a trainee of the enterprise completed a course covering the
item or attended a session of such a course. Each move is counted once per course, per expert (the experts
who taught those sessions and the author of the completed course version), per customs unit of the
enterprise and per month of the later review.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from lms.auth.models import User
from lms.auth.scopes import enterprise_clause
from lms.courses.models import Course, CourseVersion, Enrollment
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise
from lms.readiness.models import Assessment, CurriculumTag
from lms.readiness.standards import GAP_JUDGEMENTS
from lms.sessions.models import Registration, SessionExpert, TrainingSession

DIMENSIONS = ("course", "expert", "unit", "period")


@dataclass
class Move:
    enterprise_id: int
    unit_id: int
    before_id: int
    after_id: int
    item_code: str
    reviewed_at: datetime
    courses: set[int] = field(default_factory=set)
    experts: set[int] = field(default_factory=set)


@dataclass
class EffectRow:
    key: object
    label: str
    moves: int
    enterprises: int


def moves_after_training(actor, start: date | None = None, end: date | None = None) -> list[Move]:
    assessments = list(
        db.session.execute(
            sa.select(Assessment)
            .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
            .where(Assessment.state == "reviewed", enterprise_clause(actor))
            .order_by(Assessment.enterprise_id, Assessment.reviewed_at, Assessment.id)
        ).scalars()
    )
    by_enterprise: dict[int, list[Assessment]] = defaultdict(list)
    for a in assessments:
        by_enterprise[a.enterprise_id].append(a)
    tags: dict[str, set[int]] = defaultdict(set)
    for course_id, code in db.session.execute(
        sa.select(CurriculumTag.course_id, CurriculumTag.item_code).distinct()
    ):
        tags[code].add(course_id)
    moves: list[Move] = []
    for enterprise_id, series in by_enterprise.items():
        for before, after in zip(series, series[1:], strict=False):
            day = after.reviewed_at.date()
            if (start and day < start) or (end and day > end):
                continue
            old, new = before.judgements(), after.judgements()
            moved = [c for c, j in new.items() if j == "meets" and old.get(c) in GAP_JUDGEMENTS]
            if not moved:
                continue
            training = _training_between(enterprise_id, before.reviewed_at, after.reviewed_at)
            for code in moved:
                courses = {cid for cid in training if cid in tags.get(code, set())}
                if not courses:
                    continue
                experts = set().union(*(training[cid] for cid in courses))
                moves.append(
                    Move(
                        enterprise_id,
                        after.enterprise.unit_id,
                        before.id,
                        after.id,
                        code,
                        after.reviewed_at,
                        courses,
                        experts,
                    )
                )
    return moves


def _training_between(enterprise_id: int, since: datetime, until: datetime) -> dict[int, set[int]]:
    """{course id: expert ids} of the courses the enterprise's trainees completed or attended in the
    window."""
    out: dict[int, set[int]] = defaultdict(set)
    completed = db.session.execute(
        sa.select(Enrollment.course_id, CourseVersion.author_id)
        .join(User, User.id == Enrollment.user_id)
        .outerjoin(CourseVersion, CourseVersion.id == Enrollment.completed_version_id)
        .where(
            User.enterprise_id == enterprise_id,
            Enrollment.status == "completed",
            Enrollment.completed_at > since,
            Enrollment.completed_at <= until,
        )
    ).all()
    for course_id, author_id in completed:
        out[course_id]
        if author_id is not None:
            out[course_id].add(author_id)
    attended = db.session.execute(
        sa.select(TrainingSession.course_id, SessionExpert.expert_id)
        .join(Registration, Registration.session_id == TrainingSession.id)
        .join(User, User.id == Registration.user_id)
        .outerjoin(SessionExpert, SessionExpert.session_id == TrainingSession.id)
        .where(
            User.enterprise_id == enterprise_id,
            Registration.attendance.in_(("present", "late")),
            TrainingSession.starts_at > since,
            TrainingSession.starts_at <= until,
        )
    ).all()
    for course_id, expert_id in attended:
        out[course_id]
        if expert_id is not None:
            out[course_id].add(expert_id)
    return out


def effect_table(moves: list[Move], dimension: str) -> list[EffectRow]:
    groups: dict[object, list[Move]] = defaultdict(list)
    for move in moves:
        if dimension == "course":
            keys = move.courses
        elif dimension == "expert":
            keys = move.experts
        elif dimension == "unit":
            keys = {move.unit_id}
        else:
            keys = {move.reviewed_at.strftime("%Y-%m")}
        for key in keys:
            groups[key].append(move)
    labels = _labels(dimension, set(groups))
    rows = [
        EffectRow(key, labels.get(key, str(key)), len(group), len({m.enterprise_id for m in group}))
        for key, group in groups.items()
    ]
    if dimension == "period":
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-r.moves, r.label))
    return rows


def _labels(dimension: str, keys: set) -> dict:
    if not keys or dimension == "period":
        return {}
    if dimension == "course":
        return {
            c.id: c.title for c in db.session.execute(sa.select(Course).where(Course.id.in_(keys))).scalars()
        }
    if dimension == "expert":
        return {
            u.id: u.display_name
            for u in db.session.execute(sa.select(User).where(User.id.in_(keys))).scalars()
        }
    return {
        u.id: u.name
        for u in db.session.execute(sa.select(CustomsUnit).where(CustomsUnit.id.in_(keys))).scalars()
    }


def report_figure(
    actor, *, unit=None, enterprise_id=None, start=None, end=None, course_id=None, expert_id=None
):
    """The figure beside the effectiveness reports: moves in the report's unit or enterprise and period,
    narrowed to its course and expert filters, with one row per course."""
    from lms.readiness.maps import unit_ids_in_scope_of

    moves = moves_after_training(actor, start, end)
    if enterprise_id is not None:
        moves = [m for m in moves if m.enterprise_id == enterprise_id]
    elif unit is not None:
        units = set(db.session.execute(unit_ids_in_scope_of(unit)).scalars())
        moves = [m for m in moves if m.unit_id in units]
    if course_id:
        moves = [m for m in moves if course_id in m.courses]
    if expert_id:
        moves = [m for m in moves if expert_id in m.experts]
    return {"total": len(moves), "rows": effect_table(moves, "course"), "start": start, "end": end}
