"""A case's training plan: the courses and sessions every nominee must complete, and their progress.

The plan is carried out through the courses and sessions areas' own services (enrolment, registration), so
their rules (published course, jurisdiction, capacity, waitlist, approval) apply unchanged. A case completes
when every nominee has completed every course of the plan and attended every session of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from lms.courses.completion import course_completed
from lms.courses.models import Course, Enrollment
from lms.cultivation import clock
from lms.cultivation.models import CaseNominee, CultivationCase, PlanItem
from lms.errors import DomainError, InvalidInput, RuleViolation
from lms.extensions import db
from lms.i18n import format_day
from lms.sessions.models import Registration, TrainingSession
from lms.sessions.services import attendance_recorded

PLAN_STATES = ("screened", "listed", "in_training", "suspended")
ATTENDED = ("present", "late")


def _require_plan_editable(actor, case: CultivationCase) -> None:
    from lms.cultivation.services import _require_staff

    _require_staff(actor, case)
    if case.state not in PLAN_STATES:
        raise RuleViolation(
            _l(
                "Rule: the plan can change while the case is screened, on the list, in training or "
                "suspended (this case is %(state)s).",
                state=case.state_label,
            ),
            code="plan.state",
        )


def add_plan_item(
    actor,
    case: CultivationCase,
    *,
    course: Course | None = None,
    session: TrainingSession | None = None,
    due_on: date | None = None,
) -> PlanItem:
    _require_plan_editable(actor, case)
    if (course is None) == (session is None):
        raise InvalidInput(_l("Choose either a course or a training session."), field="course_id")
    if due_on is not None and due_on < clock.today():
        raise InvalidInput(_l("The due date cannot be in the past."), field="due_on")
    existing = {(i.course_id, i.session_id) for i in case.plan_items}
    if course is not None:
        if course.published_version_id is None or course.archived:
            raise RuleViolation(_l("Rule: only a published course can be part of a plan."), field="course_id")
        if (course.id, None) in existing:
            raise RuleViolation(_l("This course is already in the plan."), field="course_id")
        item = PlanItem(case=case, kind="course", course=course, due_on=due_on, added_by_id=actor.id)
    else:
        if session.status in ("cancelled", "completed"):
            raise RuleViolation(
                _l("Rule: a cancelled or finished session cannot be added to a plan."), field="session_id"
            )
        if session_belongs_elsewhere(session, case):
            raise RuleViolation(
                _l(
                    "Rule: a one-on-one coaching session belongs to its enterprise only; this one is "
                    "reserved for %(enterprise)s (judged on %(day)s).",
                    enterprise=session.enterprise.name if session.enterprise else "—",
                    day=format_day(clock.today()),
                ),
                field="session_id",
                code="plan.one_on_one",
            )
        if (None, session.id) in existing:
            raise RuleViolation(_l("This session is already in the plan."), field="session_id")
        item = PlanItem(case=case, kind="session", session=session, due_on=due_on, added_by_id=actor.id)
    db.session.add(item)
    db.session.flush()
    return item


def remove_plan_item(actor, item: PlanItem) -> None:
    _require_plan_editable(actor, item.case)
    db.session.delete(item)
    db.session.flush()


# -- carrying the plan out through the courses and sessions services --------------------------------------


def _enroll(actor, course: Course, trainee) -> bool:
    """Enrol unless already enrolled (a seat in one of the course's sessions enrols too).

    True if enrolled now."""
    from lms.courses.services import enroll

    status = db.session.execute(
        sa.select(Enrollment.status).where(
            Enrollment.user_id == trainee.id, Enrollment.course_id == course.id
        )
    ).scalar_one_or_none()
    if status in ("active", "completed"):
        return False
    enroll(actor, course, trainee)
    return True


def _register(actor, session: TrainingSession, trainee) -> None:
    from lms.sessions.services import register_trainee

    register_trainee(actor, session, trainee)


def enroll_nominees(actor, case: CultivationCase) -> tuple[int, int]:
    """Enrol every nominee in the plan's courses and register them for its sessions; those already enrolled
    or registered are left as they are. All or nothing: the first refusal is raised, naming the trainee."""
    from lms.cultivation.services import _require_staff

    _require_staff(actor, case)
    if case.state != "in_training":
        raise RuleViolation(
            _l(
                "Rule: nominees are enrolled from the plan while the case is in training (this "
                "case is %(state)s).",
                state=case.state_label,
            ),
            code="plan.enroll_state",
        )
    if not case.plan_items:
        raise RuleViolation(_l("The plan is empty: add the courses and sessions first."), code="plan.empty")
    from lms.sessions.services import by_priority

    # Trainee priority decides who gets the seats of a session that has too few for every nominee.
    users = by_priority([n.user for n in case.nominees if n.user.active])
    user_ids = [u.id for u in users]
    course_ids = [i.course_id for i in case.plan_items if i.course_id]
    session_ids = [i.session_id for i in case.plan_items if i.session_id]
    enrolled = (
        {
            (e.user_id, e.course_id): e.status
            for e in db.session.execute(
                sa.select(Enrollment).where(
                    Enrollment.user_id.in_(user_ids), Enrollment.course_id.in_(course_ids)
                )
            ).scalars()
        }
        if course_ids
        else {}
    )
    registered = (
        {
            (r.user_id, r.session_id): r.status
            for r in db.session.execute(
                sa.select(Registration).where(
                    Registration.user_id.in_(user_ids), Registration.session_id.in_(session_ids)
                )
            ).scalars()
        }
        if session_ids
        else {}
    )
    enrolments = registrations = 0
    for item in case.plan_items:
        for user in users:
            try:
                if item.course_id:
                    if enrolled.get((user.id, item.course_id)) in ("active", "completed"):
                        continue
                    enrolments += _enroll(actor, item.course, user)
                else:
                    if registered.get((user.id, item.session_id)) in ("pending", "confirmed", "waitlisted"):
                        continue
                    _register(actor, item.session, user)
                    registrations += 1
            except DomainError as error:
                raise type(error)(
                    _l(
                        "%(name)s, %(item)s: %(reason)s",
                        name=user.display_name,
                        item=item_title(item),
                        reason=str(error),
                    ),
                    code=error.code,
                ) from error
    return enrolments, registrations


def item_title(item: PlanItem) -> str:
    if item.course is not None:
        return item.course.title
    session = item.session
    return session.title or (session.course.title if session.course is not None else f"#{session.id}")


# -- progress -----------------------------------------------------------------------------------------------


@dataclass
class Cell:
    item: PlanItem
    done: bool
    status: str = ""
    percent: float | None = None
    detail: str = ""
    quizzes: list = field(default_factory=list)  # (title, purpose label, percent, passed)
    gain: object | None = None  # lms.quizzes.gain.GainRow


@dataclass
class NomineeProgress:
    nominee: CaseNominee
    cells: list[Cell]

    @property
    def done_count(self) -> int:
        return sum(1 for c in self.cells if c.done)


@dataclass
class PlanProgress:
    items: list[PlanItem]
    rows: list[NomineeProgress]

    @property
    def total_count(self) -> int:
        return sum(len(r.cells) for r in self.rows)

    @property
    def open_count(self) -> int:
        return sum(1 for r in self.rows for c in r.cells if not c.done)

    @property
    def complete(self) -> bool:
        return bool(self.items) and bool(self.rows) and self.open_count == 0

    @property
    def percent(self) -> float:
        return 100.0 * (self.total_count - self.open_count) / self.total_count if self.total_count else 0.0


def _quiz_data(course_ids: list[int], user_ids: list[int]):
    """Quiz results and learning gains of the nominees in the plan's courses (empty if quizzes are absent)."""
    try:
        from lms.quizzes.gain import learning_gains
        from lms.quizzes.models import PURPOSES, Quiz
        from lms.quizzes.results import quiz_results
    except ImportError:  # a deployment without the quizzes area
        return {}, {}
    if not course_ids or not user_ids:
        return {}, {}
    quizzes = {
        q.id: q
        for q in db.session.execute(
            sa.select(Quiz).where(Quiz.course_id.in_(course_ids), Quiz.archived.is_(False)).order_by(Quiz.id)
        ).scalars()
    }
    by_user_course: dict[tuple[int, int], list] = {}
    if quizzes:
        for (quiz_id, user_id), result in quiz_results(quiz_ids=list(quizzes), user_ids=user_ids).items():
            quiz = quizzes[quiz_id]
            by_user_course.setdefault((user_id, quiz.course_id), []).append(
                (quiz.title, str(PURPOSES.get(quiz.purpose, quiz.purpose)), result.percent, result.passed)
            )
    gains = {(g.user_id, g.course_id): g for g in learning_gains(course_ids=course_ids, user_ids=user_ids)}
    return by_user_course, gains


def plan_progress(case: CultivationCase) -> PlanProgress:
    """Each nominee's progress through each plan item, in a fixed number of queries."""
    from lms.courses.models import ENROLLMENT_STATUSES

    items = (
        db.session.execute(
            sa.select(PlanItem)
            .where(PlanItem.case_id == case.id)
            .options(joinedload(PlanItem.course), joinedload(PlanItem.session))
            .order_by(PlanItem.id)
        )
        .scalars()
        .all()
    )
    nominees = (
        db.session.execute(
            sa.select(CaseNominee)
            .where(CaseNominee.case_id == case.id)
            .options(joinedload(CaseNominee.user))
            .order_by(CaseNominee.id)
        )
        .scalars()
        .all()
    )
    user_ids = [n.user_id for n in nominees]
    course_ids = [i.course_id for i in items if i.course_id]
    session_ids = [i.session_id for i in items if i.session_id]

    enrollments = {}
    if course_ids and user_ids:
        enrollments = {
            (e.user_id, e.course_id): e
            for e in db.session.execute(
                sa.select(Enrollment)
                .where(Enrollment.user_id.in_(user_ids), Enrollment.course_id.in_(course_ids))
                .options(joinedload(Enrollment.course))
            ).scalars()
        }
    progress = {}
    if enrollments:
        from lms.courses.services import progress_for

        progress = progress_for(list(enrollments.values()))
    registrations = {}
    if session_ids and user_ids:
        registrations = {
            (r.user_id, r.session_id): r
            for r in db.session.execute(
                sa.select(Registration).where(
                    Registration.user_id.in_(user_ids), Registration.session_id.in_(session_ids)
                )
            ).scalars()
        }
    quizzes, gains = _quiz_data(course_ids, user_ids)

    rows = []
    for nominee in nominees:
        cells = []
        for item in items:
            if item.course_id:
                enrollment = enrollments.get((nominee.user_id, item.course_id))
                if enrollment is None:
                    cell = Cell(item=item, done=False, status=str(_l("Not enrolled")))
                else:
                    p = progress.get(enrollment.id)
                    cell = Cell(
                        item=item,
                        done=enrollment.status == "completed",
                        status=str(ENROLLMENT_STATUSES[enrollment.status]),
                        percent=100.0 if enrollment.status == "completed" else (p.percent if p else 0.0),
                        detail=str(_l("%(done)d of %(total)d lessons", done=p.done, total=p.total))
                        if p
                        else "",
                    )
                cell.quizzes = quizzes.get((nominee.user_id, item.course_id), [])
                cell.gain = gains.get((nominee.user_id, item.course_id))
            else:
                registration = registrations.get((nominee.user_id, item.session_id))
                if registration is None:
                    cell = Cell(item=item, done=False, status=str(_l("Not registered")))
                else:
                    cell = Cell(
                        item=item,
                        done=registration.attendance in ATTENDED,
                        status=registration.status_label,
                        detail=registration.attendance_label,
                    )
            cells.append(cell)
        rows.append(NomineeProgress(nominee=nominee, cells=cells))
    return PlanProgress(items=list(items), rows=rows)


def session_belongs_elsewhere(session: TrainingSession, case: CultivationCase) -> bool:
    """A one-on-one coaching session belongs to its enterprise: no other enterprise's plan takes it."""
    return session.mode == "one_on_one" and session.enterprise_id != case.enterprise_id


def plan_item_choices(case: CultivationCase) -> tuple[list[Course], list[TrainingSession]]:
    """Published courses and upcoming sessions an officer can put in the plan of ``case`` (one-on-one
    coaching only of the case's own enterprise)."""
    courses = (
        db.session.execute(
            sa.select(Course)
            .where(Course.published_version_id.is_not(None), Course.archived.is_(False))
            .options(joinedload(Course.published_version))
            .order_by(Course.slug)
        )
        .scalars()
        .all()
    )
    sessions = (
        db.session.execute(
            sa.select(TrainingSession)
            .where(
                TrainingSession.status.not_in(("cancelled", "completed")),
                sa.or_(
                    TrainingSession.mode != "one_on_one",
                    TrainingSession.enterprise_id == case.enterprise_id,
                ),
            )
            .options(selectinload(TrainingSession.course))
            .order_by(TrainingSession.starts_at)
            .limit(200)
        )
        .scalars()
        .all()
    )
    return list(courses), list(sessions)


# -- completing cases when a nominee completes a course --------------------------------------------------


@course_completed.connect
def _course_completed(enrollment, actor=None, **extra):
    """A nominee completed a course: complete every case in training whose plan is now complete."""
    _complete_cases_of(enrollment.user_id, PlanItem.course_id == enrollment.course_id, actor)


@attendance_recorded.connect
def _attendance_recorded(registration, actor=None, **extra):
    """A nominee's attendance was marked: the session may have been the last item of a plan."""
    _complete_cases_of(registration.user_id, PlanItem.session_id == registration.session_id, actor)


def _complete_cases_of(user_id: int, item_clause, actor) -> None:
    from lms.cultivation.services import complete_case

    cases = (
        db.session.execute(
            sa.select(CultivationCase)
            .join(CaseNominee, CaseNominee.case_id == CultivationCase.id)
            .join(PlanItem, PlanItem.case_id == CultivationCase.id)
            .where(CaseNominee.user_id == user_id, item_clause, CultivationCase.state == "in_training")
        )
        .scalars()
        .unique()
        .all()
    )
    for case in cases:
        if plan_progress(case).complete:
            try:
                complete_case(actor, case, automatic=True)
            except DomainError as error:  # never let the case stop the trainee's own progress being saved
                current_app.logger.warning("case %s not completed: %s", case.id, error)


def complete_finished_cases(actor=None) -> list[CultivationCase]:
    """Complete every case in training whose plan is complete (sessions attended, courses completed)."""
    from lms.cultivation.services import complete_case

    done = []
    for case in (
        db.session.execute(
            sa.select(CultivationCase)
            .where(CultivationCase.state == "in_training")
            .order_by(CultivationCase.id)
        )
        .scalars()
        .all()
    ):
        if plan_progress(case).complete:
            complete_case(actor, case, automatic=True)
            done.append(case)
    return done


def decimal_text(value: Decimal | None, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:.{places}f}"
