"""The attempt life cycle: start, save answers page by page, submit and grade, close overdue attempts, mark.

Rules that concurrent requests could break are left to the database:

* starting takes the next attempt number; the unique (quiz, user, number) constraint and the partial unique
  index on open attempts make a racing second start's INSERT insert nothing (ON CONFLICT DO NOTHING), after
  which we look again (and either continue the attempt the other request started, or refuse because no
  attempt is left);
* saving and submitting first run a conditional ``UPDATE attempt ... WHERE status = 'in_progress'``: only one
  submit wins, and a save that arrives after a submit changes nothing.

Grading happens in the submitting transaction, with a fixed handful of statements whatever the number of
questions: one SELECT of the attempt's questions with their versions, one batched UPDATE of the rows whose
mark changed, one UPDATE of the attempt, the ledger entry and the completion check.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from lms.config import setting
from lms.core import clock
from lms.core.statements import bound_values, built_once
from lms.courses.completion import evaluate_completion
from lms.courses.models import Course, CourseVersion, Enrollment
from lms.courses.queries import enrollment_for
from lms.database import conflict_insert
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.evidence.ledger import record_evidence
from lms.extensions import db
from lms.quizzes.models import (
    Attempt,
    AttemptQuestion,
    Question,
    QuestionVersion,
    QuestionVersionText,
    Quiz,
    QuizSlot,
)
from lms.quizzes.qtypes import QUESTION_TYPES, ResponseError, unmarked_types
from lms.reports.stored import note_attempt

MARK_QUANTUM = Decimal("0.0001")
PERCENT_QUANTUM = Decimal("0.0001")
FRACTION_QUANTUM = Decimal("0.0000001")
START_RETRIES = 3
FIELD_RE = re.compile(r"^q(\d+)(?:-\d+)?$")
ENROLLED_STATUSES = ("active", "completed")
_UNKNOWN = object()  # an enrolment's status not looked up yet

_rng = random.SystemRandom()


class DeadlinePassed(RuleViolation):
    """Answers arrived after the deadline and its grace period."""


class AttemptClosed(RuleViolation):
    """The attempt was already submitted (another tab, a double click, the deadline)."""


class AnswersInvalid(InvalidInput):
    """Some answers of the page cannot be accepted; ``errors`` maps slot numbers to messages."""

    def __init__(self, errors: dict[int, str]):
        first = min(errors)
        super().__init__(
            _("Question %(n)d: %(message)s Nothing on this page was saved.", n=first, message=errors[first])
        )
        self.errors = errors


# ----------------------------------------------------------------------------------------------------
# Time


def grace_period() -> timedelta:
    """Answers are still accepted this long after the deadline (network delays, a slow last click).

    Setting: ``LMS_QUIZ_GRACE_SECONDS`` (lms/config.py).
    """
    return timedelta(seconds=setting("QUIZ_GRACE_SECONDS"))


def deadline_for(quiz: Quiz, started_at: datetime) -> datetime | None:
    """The time limit or the quiz's closing time, whichever comes first."""
    candidates = []
    if quiz.time_limit_minutes:
        candidates.append(started_at + timedelta(minutes=quiz.time_limit_minutes))
    if quiz.closes_at is not None:
        candidates.append(quiz.closes_at)
    return min(candidates) if candidates else None


def is_overdue(attempt: Attempt, now: datetime) -> bool:
    """Past the deadline and the grace period: answers are refused, the attempt closes."""
    return attempt.deadline is not None and now > attempt.deadline + grace_period()


def seconds_left(attempt: Attempt, now: datetime) -> int | None:
    if attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - now).total_seconds()))


# ----------------------------------------------------------------------------------------------------
# Starting


def check_can_take(actor, quiz: Quiz, now: datetime, *, enrollment_status=_UNKNOWN) -> None:
    """Refuse (with the reason) when ``actor`` may not start an attempt of ``quiz`` now.
    ``enrollment_status``: the status of their enrolment in the course (None: none), if already read."""
    if actor.role != "trainee":
        raise NotPermitted(_("Only trainees take quizzes."))
    course = quiz.course
    if quiz.archived or course.archived or course.published_version_id is None:
        raise RuleViolation(_("This quiz is not available."))
    if enrollment_status is _UNKNOWN:
        enrollment = enrollment_for(actor.id, quiz.course_id)
        enrollment_status = enrollment.status if enrollment is not None else None
    if enrollment_status not in ENROLLED_STATUSES:
        raise RuleViolation(_("Enrol in the course to take its quizzes."))
    if quiz.opens_at is not None and now < quiz.opens_at:
        raise RuleViolation(_("This quiz is not open yet."))
    if quiz.closes_at is not None and now >= quiz.closes_at:
        raise RuleViolation(_("This quiz is closed."))


def open_attempt(quiz_id: int, user_id: int) -> Attempt | None:
    return db.session.execute(
        sa.select(Attempt)
        .where(Attempt.quiz_id == quiz_id, Attempt.user_id == user_id, Attempt.status == "in_progress")
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _tally(quiz_id: int, user_id: int) -> tuple[int, int | None]:
    """(attempts used, the id of the one in progress or None) in one statement."""
    used, open_id = db.session.execute(
        _tally_statement(False), {"quiz_id": quiz_id, "user_id": user_id}
    ).one()
    return used, open_id


def _standing(quiz: Quiz, user_id: int) -> tuple[str | None, int, int | None]:
    """The status of the trainee's enrolment in the quiz's course (None: not enrolled) and :func:`_tally`,
    in one statement."""
    params = {"quiz_id": quiz.id, "user_id": user_id, "course_id": quiz.course_id}
    status, used, open_id = db.session.execute(_tally_statement(True), params).one()
    return status, used, open_id


@built_once
def _tally_statement(with_enrollment: bool) -> sa.Select:
    # Of the tables, not the models, as every statement of exam time that loads no object: the ORM's handling
    # of a statement of its entities' columns cost more than running it.
    attempt, enrollment = Attempt.__table__, Enrollment.__table__
    columns = [
        sa.func.count(attempt.c.id),
        sa.func.max(sa.case((attempt.c.status == "in_progress", attempt.c.id))),
    ]
    if with_enrollment:
        status = sa.select(enrollment.c.status).where(
            enrollment.c.user_id == sa.bindparam("user_id"),
            enrollment.c.course_id == sa.bindparam("course_id"),
        )
        columns.insert(0, status.scalar_subquery())
    return sa.select(*columns).where(
        attempt.c.quiz_id == sa.bindparam("quiz_id"), attempt.c.user_id == sa.bindparam("user_id")
    )


@dataclass
class _Pick:
    question_id: int
    version_id: int
    mark: Decimal
    qtype: str | None = None  # with the version's data: what the choice order is made of (fixed questions
    data: dict | None = None  # read them with the slots; drawn ones, once drawn)


@built_once
def _fixed_statement() -> sa.Select:
    question, version, slot = Question.__table__, QuestionVersion.__table__, QuizSlot.__table__
    return (
        sa.select(
            question.c.id,
            question.c.current_version_id,
            question.c.default_mark,
            version.c.qtype,
            version.c.data,
        )
        .join(slot, slot.c.question_id == question.c.id)
        .join(version, version.c.id == question.c.current_version_id)
        .where(
            slot.c.quiz_id == sa.bindparam("quiz_id"),
            question.c.archived.is_(False),
            question.c.current_version_id.is_not(None),
        )
        .order_by(slot.c.position)
    )


def _draw(quiz: Quiz, rng) -> list[_Pick]:
    """Fixed questions first, then the random draw; shuffled if the quiz says so."""
    fixed = [
        _Pick(row.id, row.current_version_id, row.default_mark, row.qtype, row.data)
        for row in db.session.execute(_fixed_statement(), {"quiz_id": quiz.id})
    ]
    picks = list(fixed)
    if quiz.use_draw:
        stmt = (
            sa.select(Question.id, Question.current_version_id, Question.default_mark)
            .where(
                Question.course_id == quiz.course_id,
                Question.archived.is_(False),
                Question.current_version_id.is_not(None),
                Question.qtype.not_in(unmarked_types()),
            )
            .order_by(Question.id)
        )
        if quiz.draw_category:
            stmt = stmt.where(Question.category == quiz.draw_category)
        taken = {p.question_id for p in fixed}
        pool = [
            _Pick(r.id, r.current_version_id, r.default_mark)
            for r in db.session.execute(stmt)
            if r.id not in taken
        ]
        if quiz.draw_count and quiz.draw_count < len(pool):
            pool = sorted(rng.sample(pool, quiz.draw_count), key=lambda p: p.question_id)
        picks.extend(pool)
    if quiz.shuffle_questions:
        rng.shuffle(picks)
    return picks


def _choice_order(qtype: str, data: dict, shuffle: bool, rng) -> list | None:
    cls = QUESTION_TYPES.get(qtype)
    if cls is None:
        return None
    order = list(cls.shuffled_options(data))
    if not order:
        return None
    if shuffle:
        rng.shuffle(order)
    return order


def start_attempt(actor, quiz: Quiz, *, now: datetime | None = None, rng=None) -> tuple[Attempt, bool]:
    """Start the next attempt, or return the one in progress. Returns (attempt, created)."""
    now = now or clock.now()
    rng = rng or _rng
    status, used, open_id = _standing(quiz, actor.id)
    check_can_take(actor, quiz, now, enrollment_status=status)
    for retry in range(START_RETRIES):
        if retry:
            used, open_id = _tally(quiz.id, actor.id)
        if open_id is not None:  # (rare: the start button is shown only when no attempt is open)
            current = open_attempt(quiz.id, actor.id)
            if current is not None and not close_if_overdue(current, now=now):
                return current, False  # (one closed for its deadline still counts as used: `used` stands)
        if quiz.max_attempts and used >= quiz.max_attempts:
            raise RuleViolation(_("You have used all your attempts at this quiz."))
        picks = _draw(quiz, rng)
        if not picks or sum((p.mark for p in picks), Decimal(0)) <= 0:
            raise RuleViolation(_("This quiz has no questions yet."))
        attempt = _insert_attempt(
            {
                "quiz_id": quiz.id,
                "user_id": actor.id,
                "number": used + 1,
                "status": "in_progress",
                "started_at": now,
                "deadline": deadline_for(quiz, now),
            }
        )
        if attempt is None:
            continue  # another request started one at the same moment: look again
        drawn = [p for p in picks if p.qtype is None]
        if drawn:
            # Only what the choice order is made of (not the versions with their texts in other languages).
            versions = {
                row.id: row
                for row in db.session.execute(
                    sa.select(QuestionVersion.id, QuestionVersion.qtype, QuestionVersion.data).where(
                        QuestionVersion.id.in_([p.version_id for p in drawn])
                    )
                )
            }
            for p in drawn:
                p.qtype, p.data = versions[p.version_id].qtype, versions[p.version_id].data
        db.session.execute(
            # Every row with the same columns (a question with no choices to shuffle sends NULL): one INSERT,
            # into the table (the ORM's bulk INSERT machinery cost more than the statement).
            _QUESTIONS_INSERT(),
            [
                {
                    "attempt_id": attempt.id,
                    "slot": slot,
                    "question_id": p.question_id,
                    "question_version_id": p.version_id,
                    "max_mark": p.mark,
                    "choice_order": _choice_order(p.qtype, p.data, quiz.shuffle_choices, rng),
                    "feedback": "",
                }
                for slot, p in enumerate(picks, start=1)
            ],
        )
        return attempt, True
    raise RuleViolation(
        _("The attempt could not be started because of a parallel request. Please try again.")
    )


def _insert_attempt(given: dict) -> Attempt | None:
    """INSERT the attempt unless a unique rule refuses it (the attempt number taken, or another attempt in
    progress: a parallel start), in one statement built once (no savepoint around an ORM flush); the columns
    not ``given`` are NULL. Returns it as a persistent object of the session, every column known, or None if
    refused."""
    values = dict.fromkeys(_ATTEMPT_COLUMNS) | given
    dialect = db.session.get_bind().dialect.name
    new_id = db.session.execute(
        _attempt_insert(dialect), values, execution_options={"lms_page_owner": values["user_id"]}
    ).scalar()
    if new_id is None:
        return None
    attempt = Attempt(id=new_id, **values)
    make_transient_to_detached(attempt)  # as if loaded: the session takes it without writing it again
    # merge, not add: after a rollback SQLite may give the id again while the session still holds the
    # rolled-back attempt under it (expired); merge fills that one in.
    return db.session.merge(attempt, load=False)


_ATTEMPT_COLUMNS = tuple(column.name for column in Attempt.__table__.columns if column.name != "id")
_QUESTIONS_INSERT = built_once(lambda: sa.insert(AttemptQuestion.__table__))


@built_once
def _attempt_insert(dialect: str):
    table = Attempt.__table__
    return (
        conflict_insert(table, dialect)
        .values(bound_values(table, _ATTEMPT_COLUMNS))
        .on_conflict_do_nothing()
        .returning(table.c.id)
    )


# ----------------------------------------------------------------------------------------------------
# Saving answers


@built_once
def _questions(some: bool, counted: bool = False) -> sa.Select:
    """An attempt's questions (``attempt_id``; ``some``: only the ``slots`` listed) with their versions and
    the versions' variants in other languages (the page shows the reader's) in slot order; ``counted``: each
    row with the number of questions of the attempt."""
    stmt = (
        sa.select(AttemptQuestion)
        .where(AttemptQuestion.attempt_id == sa.bindparam("attempt_id"))
        .options(joinedload(AttemptQuestion.version).joinedload(QuestionVersion.texts))
        .order_by(AttemptQuestion.slot)
    )
    if some:
        stmt = stmt.where(AttemptQuestion.slot.in_(sa.bindparam("slots", expanding=True)))
    if counted:
        stmt = stmt.add_columns(_question_count())
    return stmt


@built_once
def _question_count():
    return (
        sa.select(sa.func.count(AttemptQuestion.id))
        .where(AttemptQuestion.attempt_id == sa.bindparam("attempt_id"))
        .scalar_subquery()
    )


def load_questions(attempt: Attempt, slots=None) -> list[AttemptQuestion]:
    """The attempt's questions (all, or the given slots) with their versions and the versions' variants in
    other languages, in slot order: one query."""
    params = {"attempt_id": attempt.id}
    if slots is not None:
        params["slots"] = list(slots)
    return list(db.session.execute(_questions(slots is not None), params).unique().scalars())


def page_count(attempt: Attempt, questions: int) -> int:
    return max(1, -(-questions // attempt.quiz.questions_per_page))


def page_slots(attempt: Attempt, page: int) -> range:
    per = attempt.quiz.questions_per_page
    return range((page - 1) * per + 1, page * per + 1)


def load_page(attempt: Attempt, asked: int) -> tuple[list[AttemptQuestion], int, int]:
    """The questions of page ``asked`` (kept within the pages there are) as :func:`load_questions` gives
    them, the page shown and the number of pages. One query, which also counts the attempt's questions; a
    second only when the page asked for is past the last."""
    page = max(1, asked)
    params = {"attempt_id": attempt.id, "slots": list(page_slots(attempt, page))}
    found = db.session.execute(_questions(True, True), params).unique().all()
    if found:
        return [row[0] for row in found], page, page_count(attempt, found[0][1])
    total = db.session.execute(sa.select(_question_count()), {"attempt_id": attempt.id}).scalar_one()
    pages = page_count(attempt, total)
    return load_questions(attempt, page_slots(attempt, pages)), pages, pages


def _claim_open(attempt: Attempt, values: dict) -> bool:
    """UPDATE the attempt only if it is still in progress (and lock its row until commit)."""
    result = db.session.execute(
        _claim_statement(tuple(sorted(values))),
        {"attempt_id": attempt.id, **{f"new_{key}": value for key, value in values.items()}},
        execution_options={"synchronize_session": False, "lms_page_owner": attempt.user_id},
    )
    if result.rowcount != 1:
        return False
    for key, value in values.items():
        set_committed_value(attempt, key, value)
    return True


@built_once
def _claim_statement(columns: tuple[str, ...]):
    table = Attempt.__table__
    return (
        sa.update(table)
        .where(table.c.id == sa.bindparam("attempt_id"), table.c.status == "in_progress")
        .values({column: sa.bindparam(f"new_{column}") for column in columns})
    )


def save_responses(
    actor, attempt: Attempt, page_questions: list[AttemptQuestion], form, *, now: datetime | None = None
) -> int:
    """Save the answers of one page. Every answer is checked first; one bad answer saves nothing.

    Returns the number of answers that changed.
    """
    now = now or clock.now()
    if attempt.user_id != actor.id:
        raise NotPermitted(_("This is not your attempt."))
    if attempt.status != "in_progress":
        raise AttemptClosed(_("This attempt has already been submitted; the answers were not saved."))
    if is_overdue(attempt, now):
        raise DeadlinePassed(
            _(
                "The time limit has passed: these answers arrived too late and were not saved. "
                "The attempt has been submitted with the answers saved before the deadline."
            )
        )
    by_slot = {aq.slot: aq for aq in page_questions}
    for key in form.keys():
        match = FIELD_RE.match(key)
        if match and int(match.group(1)) not in by_slot:
            raise InvalidInput(
                _(
                    "An answer was sent for a question that is not on this page of the attempt; "
                    "nothing was saved."
                )
            )
    values, errors = {}, {}
    for slot, aq in by_slot.items():
        cls = QUESTION_TYPES[aq.version.qtype]
        try:
            # Parsed against the text the trainee reads (its language variant); graded against every language.
            values[slot] = cls.parse_response(aq.shown.data, form, f"q{slot}")
        except ResponseError as error:
            errors[slot] = error.message
    if errors:
        raise AnswersInvalid(errors)
    if not _claim_open(attempt, {"last_saved_at": now}):
        raise AttemptClosed(_("This attempt has already been submitted; the answers were not saved."))
    changes = [
        (aq, {"response": values[slot], "answered_at": now if values[slot] is not None else None})
        for slot, aq in by_slot.items()
        if values[slot] != aq.response
    ]
    _write_questions(attempt, changes)
    return len(changes)


def _write_questions(attempt: Attempt, changes: list[tuple[AttemptQuestion, dict]]) -> None:
    """UPDATE the attempt's question rows with their ``{column: value}`` (the same columns for all) in one
    batch, by a statement built once, not the unit of work's flush (whose bookkeeping cost more than the
    UPDATE); the objects then hold the values written."""
    if not changes:
        return
    columns = tuple(changes[0][1])
    db.session.execute(
        _question_update(columns),
        [{"aq_id": aq.id, **new} for aq, new in changes],
        execution_options={"lms_page_owner": attempt.user_id},
    )
    for aq, new in changes:
        for column, value in new.items():
            set_committed_value(aq, column, value)


@built_once
def _question_update(columns: tuple[str, ...]):
    table = AttemptQuestion.__table__
    return sa.update(table).where(table.c.id == sa.bindparam("aq_id")).values(bound_values(table, columns))


# ----------------------------------------------------------------------------------------------------
# Submitting and grading


def attempt_to_submit(attempt_id: int) -> tuple[Attempt, bool] | None:
    """The attempt with its quiz, its row locked until this transaction ends (its status is then the row's,
    and no save or other submission can change it meanwhile), and whether grading it can complete the
    enrolment (the course's published version requires its quiz): one statement. None if there is none."""
    row = db.session.execute(_TO_SUBMIT(), {"id": attempt_id}).one_or_none()
    if row is None:
        return None
    attempt, required = row
    return attempt, _required(attempt.quiz, required)


_TO_SUBMIT = built_once(
    lambda: (
        sa.select(Attempt, CourseVersion.require_quizzes)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .join(Course, Course.id == Quiz.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == Course.published_version_id)
        .where(Attempt.id == sa.bindparam("id"))
        .options(contains_eager(Attempt.quiz))
        .with_for_update(of=Attempt.__table__)
        .execution_options(populate_existing=True)
    )
)


def submit_attempt(
    actor,
    attempt: Attempt,
    *,
    now: datetime | None = None,
    closed_by: str = "trainee",
    locked: bool = False,
    completes: bool | None = None,
) -> bool:
    """Close and grade the attempt. Returns False (and changes nothing) if it was already closed.

    ``locked``: the caller read the attempt's row in this transaction with a lock on it
    (:func:`attempt_to_submit`), so its status is the row's and nobody can change it
    before this transaction ends; the attempt is then closed by the same UPDATE that writes its totals,
    instead of a first UPDATE that claims it. ``completes``: whether the course's published version requires
    the quiz (so that grading it can complete the enrolment), if the caller read that already."""
    now = now or clock.now()
    if actor is not None and closed_by == "trainee" and attempt.user_id != actor.id:
        raise NotPermitted(_("This is not your attempt."))
    if closed_by == "trainee" and is_overdue(attempt, now):
        closed_by = "deadline"
    closing = {"status": "submitted", "submitted_at": now, "closed_by": closed_by}
    if locked:
        if attempt.status != "in_progress":
            return False
        grade_attempt(attempt, actor, now=now, closing=closing, completes=completes)
        return True
    if not _claim_open(attempt, closing):
        db.session.refresh(attempt)
        return False
    grade_attempt(attempt, actor, now=now, completes=completes)
    return True


def close_if_overdue(attempt: Attempt, *, now: datetime | None = None) -> bool:
    """Close an attempt left open past its deadline (and grace), grading what was saved."""
    now = now or clock.now()
    if attempt.status != "in_progress" or not is_overdue(attempt, now):
        return False
    return submit_attempt(None, attempt, now=now, closed_by="deadline")


def overdue_attempt_ids(now: datetime | None = None) -> list[int]:
    now = now or clock.now()
    return list(
        db.session.execute(
            sa.select(Attempt.id)
            .where(
                Attempt.status == "in_progress",
                Attempt.deadline.is_not(None),
                Attempt.deadline < now - grace_period(),
            )
            .order_by(Attempt.id)
        ).scalars()
    )


def _quantize_mark(value: Decimal) -> Decimal:
    return value.quantize(MARK_QUANTUM, rounding=ROUND_HALF_UP)


_GRADING = built_once(
    lambda: (
        sa.select(AttemptQuestion, QuestionVersion.qtype, QuestionVersion.data, QuestionVersionText.data)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .outerjoin(
            QuestionVersionText,
            QuestionVersionText.question_version_id == AttemptQuestion.question_version_id,
        )
        .where(AttemptQuestion.attempt_id == sa.bindparam("attempt_id"))
        .order_by(AttemptQuestion.slot, QuestionVersionText.id)
    )
)


def grade_attempt(
    attempt: Attempt,
    actor,
    *,
    now: datetime | None = None,
    kind: str = "attempt_graded",
    closing: dict | None = None,
    completes: bool | None = None,
) -> None:
    """Grade every auto-graded question, total the marks, record the result and check completion.

    ``closing``: the columns that close an attempt still in progress, written with its totals (the attempt
    must still be in progress then, or nothing is written: :class:`AttemptClosed`). ``completes``: whether
    the course requires the quiz, if known (False: the enrolment is not even read)."""
    now = now or clock.now()
    quiz = attempt.quiz  # loaded before any change, so that loading it does not flush a half-graded row
    # Each question with its version's answer data and, in the same statement, the data of its variants in
    # other languages (an answer given to the variant a trainee read counts the same): one row per variant.
    questions: dict[int, tuple] = {}
    variant_data: dict[int, list] = {}
    for aq, qtype, data, variant in db.session.execute(_GRADING(), {"attempt_id": attempt.id}):
        questions.setdefault(aq.id, (aq, qtype, data))
        if variant is not None:
            variant_data.setdefault(aq.question_version_id, []).append(variant)
    score = exact = max_score = Decimal(0)  # the percentage comes from the unrounded marks
    pending = False
    marked = []  # the question rows whose mark changed
    for aq, qtype, data in questions.values():
        cls = QUESTION_TYPES[qtype]
        max_mark = Decimal(aq.max_mark)
        max_score += max_mark
        if cls.auto_graded:
            fraction = max(
                cls.grade(each, aq.response) for each in [data, *variant_data.get(aq.question_version_id, [])]
            )
            mark = _quantize_mark(fraction * max_mark)
            exact += fraction * max_mark
        elif max_mark == 0:
            continue  # a description: nothing to mark
        elif aq.fraction is not None:
            fraction, mark = aq.fraction, aq.mark  # already marked by hand
            exact += Decimal(mark)
        elif aq.response is None:
            fraction, mark = Decimal(0), Decimal(0)  # an essay left blank has nothing to mark
        else:
            pending = True
            continue
        if aq.fraction != fraction or aq.mark != mark:
            marked.append((aq, {"fraction": fraction, "mark": mark}))
        score += mark
    _write_questions(attempt, marked)
    _record_totals(
        attempt,
        quiz,
        actor,
        score=score,
        exact=exact,
        max_score=max_score,
        pending=pending,
        now=now,
        kind=kind,
        closing=closing,
        completes=completes,
    )


def _record_totals(
    attempt: Attempt, quiz: Quiz, actor, *, score, exact, max_score, pending, now, kind, closing, completes
) -> None:
    totals = dict(closing or {})
    totals |= {"score": _quantize_mark(score), "max_score": _quantize_mark(max_score)}
    if pending:
        totals |= {"status": "needs_marking", "percent": None, "passed": None, "graded_at": None}
    else:
        percent = (exact * 100 / max_score) if max_score else Decimal(0)
        percent = min(Decimal(100), percent.quantize(PERCENT_QUANTUM, rounding=ROUND_HALF_UP))
        totals |= {
            "status": "graded",
            "percent": percent,
            "passed": percent >= Decimal(quiz.pass_mark),
            "graded_at": now,
        }
    # One UPDATE built once rather than the unit of work's flush; the stored (quiz, trainee) result is told
    # what a flush would have told it (lms.reports.stored.note_attempt).
    before = (attempt.status, attempt.percent)
    written = db.session.execute(
        _totals_statement(tuple(totals), closing is not None),
        {"attempt_id": attempt.id, **totals},
        execution_options={"lms_page_owner": attempt.user_id},
    )
    if closing is not None and written.rowcount != 1:
        raise AttemptClosed(_("This attempt had already been submitted."))
    for column, value in totals.items():
        set_committed_value(attempt, column, value)
    note_attempt(db.session, attempt, *before)
    record_evidence(kind, attempt, actor)
    if attempt.status == "graded" and completes is not False:
        enrollment = enrollment_for(attempt.user_id, quiz.course_id, with_version=True)
        if enrollment is not None and _counts_for_completion(quiz, enrollment):
            evaluate_completion(enrollment, actor)


@built_once
def _totals_statement(columns: tuple[str, ...], closing: bool) -> sa.Update:
    """The UPDATE of an attempt's totals (``columns``); ``closing``: only while it is still in progress."""
    table = Attempt.__table__
    stmt = sa.update(table).where(table.c.id == sa.bindparam("attempt_id"))
    if closing:
        stmt = stmt.where(table.c.status == "in_progress")
    return stmt.values(bound_values(table, columns))


def _counts_for_completion(quiz: Quiz, enrollment) -> bool:
    """Whether grading an attempt at ``quiz`` can complete the enrolment: only a quiz the published version
    requires. A practice quiz's attempt changes no requirement, so checking the others would only cost
    statements (the required quizzes' results, their titles)."""
    version = enrollment.course.published_version
    return version is not None and _required(quiz, version.require_quizzes)


def _required(quiz: Quiz, require_quizzes: list | None) -> bool:
    """Whether a course version requiring the quizzes ``require_quizzes`` (their keys) requires ``quiz``."""
    return quiz.key in (require_quizzes or [])


# ----------------------------------------------------------------------------------------------------
# Marking essays


def parse_mark(text, max_mark: Decimal) -> Decimal:
    try:
        mark = Decimal(str(text).strip())
    except ArithmeticError:
        raise InvalidInput(_("The mark must be a number."), field="mark") from None
    if not mark.is_finite():
        raise InvalidInput(_("The mark must be a number."), field="mark")
    if mark < 0 or mark > max_mark:
        raise InvalidInput(
            _("The mark must be between 0 and %(max)s.", max=format(max_mark.normalize(), "f")), field="mark"
        )
    return mark.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def mark_question(
    actor, aq: AttemptQuestion, mark, comment: str = "", *, now: datetime | None = None
) -> None:
    """Mark (or re-mark) a hand-graded answer and re-total its attempt; the last mark completes grading."""
    now = now or clock.now()
    attempt = db.session.execute(
        sa.select(Attempt)
        .where(Attempt.id == aq.attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if attempt.status not in ("needs_marking", "graded"):
        raise RuleViolation(_("This attempt has not been submitted yet."))
    cls = QUESTION_TYPES[aq.version.qtype]
    if cls.auto_graded or Decimal(aq.max_mark) == 0:
        raise RuleViolation(_("This question is graded automatically."))
    max_mark = Decimal(aq.max_mark)
    value = parse_mark(mark, max_mark)
    aq.mark = value
    aq.fraction = (value / max_mark).quantize(FRACTION_QUANTUM, rounding=ROUND_HALF_UP)
    aq.feedback = (comment or "").strip()
    aq.marked_by_id = actor.id
    aq.marked_at = now
    db.session.flush()
    grade_attempt(attempt, actor, now=now, kind="essay_marked")
