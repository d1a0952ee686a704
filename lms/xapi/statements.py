"""Experience API (xAPI 1.0.3) statements built from the learning records.

Four streams, each in a fixed order (the time the fact was recorded, the row's id, the statement's index among
that row's statements) so that a sender can remember how far it got:

- ``registered``: an enrolment (verb registered, object the course);
- ``attended``: a confirmed registration marked present or late (verb attended, object the session);
- ``attempts``: a graded quiz attempt: one ``answered`` per answered question (object an interaction
  activity), then ``completed`` and ``passed`` or ``failed`` (object the quiz);
- ``course_completed``: a completed enrolment (verb completed, object the course).

People appear only as pseudonymous accounts: ``account.name`` is an HMAC-SHA256 of the user id keyed with the
application's SECRET_KEY (or LMS_XAPI_ACTOR_KEY when set, so that rotating the secret need not change them),
stable from one export to the next and meaningless outside it. Statement ids are
uuid5 values derived from the verb, the source row and the recorded fact, so exporting or sending again gives
the same ids (an LRS stores a statement once), while a fact that changes (an essay re-marked, attendance
corrected) gives a new statement.

Rows are read with ``yield_per``: a national database with millions of attempts streams in batches.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from lms.config import setting
from lms.courses.models import Course, CourseVersion, Enrollment
from lms.extensions import db
from lms.quizzes.models import Attempt, AttemptQuestion, Question, QuestionVersion, Quiz
from lms.quizzes.qtypes import QUESTION_TYPES, get_qtype
from lms.sessions.models import Registration, TrainingSession

XAPI_VERSION = "1.0.3"  # the version of the specification followed (the X-Experience-API-Version header)
# The statement's own "version" property: the specification requires providers that set it to write 1.0.0,
# the data model every 1.0.x release shares (xAPI 1.0.3 Data 2.4.10).
STATEMENT_VERSION = "1.0.0"
PLATFORM = "AEO Training Center LMS"

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"

VERBS: dict[str, dict] = {
    name: {"id": ADL_VERBS + name, "display": display}
    for name, display in (
        ("registered", {"en": "registered", "zh-CN": "已报名"}),
        ("attended", {"en": "attended", "zh-CN": "已出席"}),
        ("answered", {"en": "answered", "zh-CN": "已作答"}),
        ("completed", {"en": "completed", "zh-CN": "已完成"}),
        ("passed", {"en": "passed", "zh-CN": "已通过"}),
        ("failed", {"en": "failed", "zh-CN": "未通过"}),
    )
}
ACTIVITY_TYPES = {
    "course": ADL_ACTIVITIES + "course",
    "quiz": ADL_ACTIVITIES + "assessment",
    "session": ADL_ACTIVITIES + "meeting",
    # Interaction activities SHOULD use this type (xAPI 1.0.3 Data 2.4.4.1, interaction activities).
    "question": ADL_ACTIVITIES + "cmi.interaction",
}
# Question type → xAPI interactionType. Descriptions have nothing to answer and are not exported.
# Content languages of the LMS → RFC 5646 tags. "und" (undetermined) when a text's language is unknown.
LANGUAGE_TAGS = {"en": "en", "zh_CN": "zh-CN"}
UNKNOWN_LANGUAGE = "und"

STREAMS = ("registered", "attended", "attempts", "course_completed")
ATTENDED = ("present", "late")

_SPACES = re.compile(r"\s+")
DESCRIPTION_LIMIT = 500


class Position(NamedTuple):
    """Where a statement sits in its stream: recorded time, source row, index among the row's statements."""

    at: datetime
    row: int
    index: int


class Item(NamedTuple):
    stream: str
    position: Position
    statement: dict


# ----------------------------------------------------------------------------------------------------
# Formatting


def timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and Z (xAPI keeps at least millisecond precision)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def duration(start: datetime | None, end: datetime | None) -> str | None:
    """ISO 8601 duration (PT1H2M3.45S) between two times, to the hundredth of a second; None if unknown."""
    if start is None or end is None or end < start:
        return None
    hundredths = round((end - start).total_seconds() * 100)
    hours, rest = divmod(hundredths, 360000)
    minutes, rest = divmod(rest, 6000)
    seconds, fraction = divmod(rest, 100)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if seconds or fraction or text == "PT":
        text += f"{seconds}.{fraction:02d}S" if fraction else f"{seconds}S"
    return text


def _number(value) -> float | int:
    """A JSON number from a Decimal: integers stay integers (7, not 7.0)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    return float(value.normalize())


def score(raw, maximum) -> dict | None:
    """The score object: raw within [min, max], min 0, scaled = raw / max clamped to [-1, 1].

    None when there is no maximum above 0 (xAPI requires min < max)."""
    if raw is None or maximum is None:
        return None
    raw, maximum = Decimal(raw), Decimal(maximum)
    if maximum <= 0:
        return None
    raw = min(max(raw, Decimal(0)), maximum)
    scaled = min(Decimal(1), max(Decimal(-1), raw / maximum)).quantize(Decimal("0.0001"))
    return {"scaled": _number(scaled), "raw": _number(raw), "min": 0, "max": _number(maximum)}


def plain(text: str | None, limit: int = DESCRIPTION_LIMIT) -> str:
    """One line of plain text (language maps hold plain text), cut at ``limit`` characters."""
    text = _SPACES.sub(" ", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def language_tag(content_language: str | None) -> str:
    return LANGUAGE_TAGS.get(content_language or "", UNKNOWN_LANGUAGE)


# ----------------------------------------------------------------------------------------------------
# Identities and ids


@dataclass
class Vocabulary:
    """What depends on the site (its URL, the pseudonym key, the id namespace), and the activities met."""

    site_url: str
    actor_key: bytes
    namespace: uuid.UUID
    _actors: dict[int, dict] = field(default_factory=dict)
    _courses: dict[int, dict] = field(default_factory=dict)
    _course_refs: dict[int, dict] = field(default_factory=dict)
    _quizzes: dict[int, dict] = field(default_factory=dict)
    _questions: dict[int, QuestionInfo] = field(default_factory=dict)
    _registrations: dict[int, str] = field(default_factory=dict)

    @classmethod
    def from_app(cls, app=None) -> Vocabulary:
        config = (app or current_app).config
        site_url = str(config.get("SITE_URL") or "http://localhost").rstrip("/")
        key = setting("XAPI_ACTOR_KEY", config) or config["SECRET_KEY"]
        return cls(
            site_url=site_url,
            actor_key=str(key).encode("utf-8"),
            namespace=uuid.uuid5(uuid.NAMESPACE_URL, site_url + "/xapi"),
        )

    def pseudonym(self, user_id: int) -> str:
        """The opaque account name of a user: HMAC-SHA256 of the id, hex, first 32 characters."""
        return hmac.new(self.actor_key, str(user_id).encode("ascii"), hashlib.sha256).hexdigest()[:32]

    def actor(self, user_id: int) -> dict:
        agent = self._actors.get(user_id)
        if agent is None:
            account = {"homePage": self.site_url, "name": self.pseudonym(user_id)}
            agent = {"objectType": "Agent", "account": account}
            if len(self._actors) >= 200_000:
                self._actors.clear()
            self._actors[user_id] = agent
        return agent

    def activity_id(self, kind: str, *parts) -> str:
        return "/".join([self.site_url, "xapi", "activities", kind, *(str(p) for p in parts)])

    def statement_id(self, verb: str, source: str, row_id: int, *facts) -> str:
        """uuid5 of the verb, the source row and the facts that make this statement what it is."""
        material = "/".join([verb, source, str(row_id), *("" if f is None else _fact(f) for f in facts)])
        return str(uuid.uuid5(self.namespace, material))

    def registration(self, enrollment_id: int | None) -> str | None:
        """The xAPI registration of an enrolment: every statement about that enrolment carries it."""
        if enrollment_id is None:
            return None
        registration = self._registrations.get(enrollment_id)
        if registration is None:
            registration = str(uuid.uuid5(self.namespace, f"registration/enrollment/{enrollment_id}"))
            if len(self._registrations) >= 100_000:
                self._registrations.clear()  # the attempts of one enrolment come close together
            self._registrations[enrollment_id] = registration
        return registration

    # -- activities -----------------------------------------------------------------------------------

    def load_courses(self) -> None:
        """Every course with its published version (or its slug when it has none): a few hundred rows."""
        rows = db.session.execute(
            sa.select(
                Course.id, Course.slug, CourseVersion.title, CourseVersion.summary, CourseVersion.language
            )
            .select_from(Course)
            .outerjoin(CourseVersion, CourseVersion.id == Course.published_version_id)
        ).all()
        for row in rows:
            lang = language_tag(row.language)
            definition = {"type": ACTIVITY_TYPES["course"], "name": {lang: plain(row.title or row.slug, 200)}}
            if row.summary and plain(row.summary):
                definition["description"] = {lang: plain(row.summary)}
            activity = {
                "objectType": "Activity",
                "id": self.activity_id("course", row.slug),
                "definition": definition,
            }
            self._courses[row.id] = {"activity": activity, "language": lang}
            reference = {"type": ACTIVITY_TYPES["course"], "name": definition["name"]}
            self._course_refs[row.id] = {
                "objectType": "Activity",
                "id": activity["id"],
                "definition": reference,
            }

    def course(self, course_id: int) -> dict:
        if course_id not in self._courses:
            self.load_courses()
        return self._courses[course_id]["activity"]

    def course_ref(self, course_id: int) -> dict:
        if course_id not in self._course_refs:
            self.load_courses()
        return self._course_refs[course_id]

    def course_language(self, course_id: int) -> str:
        if course_id not in self._courses:
            self.load_courses()
        return self._courses[course_id]["language"]

    def quiz(self, quiz_id: int, title: str, course_id: int) -> dict:
        activity = self._quizzes.get(quiz_id)
        if activity is None:
            lang = self.course_language(course_id)
            activity = {
                "objectType": "Activity",
                "id": self.activity_id("quiz", quiz_id),
                "definition": {"type": ACTIVITY_TYPES["quiz"], "name": {lang: plain(title, 200)}},
            }
            self._quizzes[quiz_id] = activity
        return activity

    def session(self, session_id: int, title: str, course_id: int, mode: str) -> dict:
        lang = self.course_language(course_id)
        name = (
            plain(title, 200)
            or self.course(course_id)["definition"]["name"].get(lang)
            or f"Session {session_id}"
        )
        return {
            "objectType": "Activity",
            "id": self.activity_id("session", session_id),
            "definition": {"type": ACTIVITY_TYPES["session"], "name": {lang: name}},
        }

    def questions(self, version_ids: Iterable[int]) -> dict[int, QuestionInfo]:
        """Interaction activities of these question versions (cached: a bank has few versions)."""
        missing = {v for v in version_ids if v not in self._questions}
        if missing:
            rows = db.session.execute(
                sa.select(
                    QuestionVersion.id,
                    QuestionVersion.number,
                    QuestionVersion.qtype,
                    QuestionVersion.stem,
                    QuestionVersion.data,
                    Question.id.label("question_id"),
                    Question.name,
                    Question.course_id,
                )
                .join(Question, Question.id == QuestionVersion.question_id)
                .where(QuestionVersion.id.in_(missing))
            ).all()
            for row in rows:
                self._questions[row.id] = QuestionInfo.build(self, row)
        return self._questions


def _fact(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


# ----------------------------------------------------------------------------------------------------
# Questions as interaction activities


@dataclass
class QuestionInfo:
    """A question version as an interaction activity, and how to write a trainee's response for it (the
    question type gives both: ``QuestionType.xapi_interaction`` and ``xapi_response``)."""

    version_id: int
    qtype: str
    interaction_type: str | None
    activity: dict
    codes: dict[str, str] = field(default_factory=dict)  # choice id / right-hand text → component id

    @classmethod
    def build(cls, vocabulary: Vocabulary, row) -> QuestionInfo:
        lang = vocabulary.course_language(row.course_id)
        qtype = QUESTION_TYPES.get(row.qtype)
        data = row.data if isinstance(row.data, dict) else {}
        definition: dict[str, Any] = {
            "type": ACTIVITY_TYPES["question"],
            "name": {lang: plain(row.name, 200) or f"Question {row.question_id}"},
        }
        if plain(row.stem):
            definition["description"] = {lang: plain(row.stem)}
        interaction = qtype.xapi_interaction(data, lambda text: {lang: plain(text, 200)}) if qtype else None
        if interaction is not None:
            definition.update(interaction.definition)
        return cls(
            version_id=row.id,
            qtype=row.qtype,
            interaction_type=interaction.definition["interactionType"] if interaction else None,
            activity={
                "objectType": "Activity",
                "id": vocabulary.activity_id("question", row.question_id, f"v{row.number}"),
                "definition": definition,
            },
            codes=interaction.codes if interaction else {},
        )

    def response(self, value) -> str | None:
        """The trainee's response in the format of the interaction type; None when there is none."""
        if value is None or self.interaction_type is None:
            return None
        return get_qtype(self.qtype).xapi_response(value, self.codes)


# ----------------------------------------------------------------------------------------------------
# Statements


def _statement(
    statement_id: str, actor: dict, verb: str, obj: dict, moment: datetime, *, result=None, context=None
) -> dict:
    statement = {"id": statement_id, "actor": actor, "verb": VERBS[verb], "object": obj}
    if result:
        statement["result"] = result
    if context:
        statement["context"] = context
    statement["timestamp"] = timestamp(moment)
    statement["version"] = STATEMENT_VERSION
    return statement


def _context(
    vocabulary: Vocabulary, *, enrollment_id=None, course_id=None, parent=None, grouping=None, revision=None
) -> dict:
    context: dict[str, Any] = {}
    registration = vocabulary.registration(enrollment_id)
    if registration:
        context["registration"] = registration
    activities = {}
    if parent:
        activities["parent"] = parent
    if grouping:
        activities["grouping"] = grouping
    if activities:
        context["contextActivities"] = activities
    if revision is not None:
        context["revision"] = str(revision)
    context["platform"] = PLATFORM
    if course_id is not None:
        lang = vocabulary.course_language(course_id)
        if lang != UNKNOWN_LANGUAGE:
            context["language"] = lang
    return context


def _bounds(
    stmt,
    time_column,
    id_column,
    *,
    since,
    until,
    after: Position | None,
    limit: int | None,
    row: int | None = None,
):
    stmt = stmt.where(time_column.is_not(None))
    if row is not None:  # the statements of one fact (the outbox)
        stmt = stmt.where(id_column == row)
    if since is not None:
        stmt = stmt.where(time_column >= since)
    if until is not None:
        stmt = stmt.where(time_column < until)
    if after is not None:
        # The row of the last position comes again: its statements after that position are still due.
        stmt = stmt.where(
            sa.or_(time_column > after.at, sa.and_(time_column == after.at, id_column >= after.row))
        )
    stmt = stmt.order_by(time_column, id_column)
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt


def _rows(stmt, batch_size: int):
    """Row batches from a streaming cursor (server-side on PostgreSQL)."""
    result = db.session.execute(stmt.execution_options(yield_per=batch_size))
    yield from result.partitions()


def _items(stream: str, pairs: Iterable[tuple[Position, dict]], after: Position | None) -> Iterator[Item]:
    for position, statement in pairs:
        if after is None or position > after:
            yield Item(stream, position, statement)


def registered(
    vocabulary: Vocabulary, *, since=None, until=None, after=None, limit=None, batch_size=1000, row=None
) -> Iterator[Item]:
    stmt = _bounds(
        sa.select(Enrollment.id, Enrollment.user_id, Enrollment.course_id, Enrollment.enrolled_at),
        Enrollment.enrolled_at,
        Enrollment.id,
        since=since,
        until=until,
        after=after,
        limit=limit,
        row=row,
    )

    def pairs():
        for batch in _rows(stmt, batch_size):
            for row in batch:
                yield (
                    Position(row.enrolled_at, row.id, 0),
                    _statement(
                        vocabulary.statement_id("registered", "enrollment", row.id, row.enrolled_at),
                        vocabulary.actor(row.user_id),
                        "registered",
                        vocabulary.course(row.course_id),
                        row.enrolled_at,
                        context=_context(vocabulary, enrollment_id=row.id, course_id=row.course_id),
                    ),
                )

    return _items("registered", pairs(), after)


def attended(
    vocabulary: Vocabulary, *, since=None, until=None, after=None, limit=None, batch_size=1000, row=None
) -> Iterator[Item]:
    enrollment = aliased(Enrollment)
    stmt = _bounds(
        sa.select(
            Registration.id,
            Registration.user_id,
            Registration.session_id,
            Registration.attendance,
            Registration.attendance_marked_at,
            Registration.checked_in_at,
            TrainingSession.course_id,
            TrainingSession.title,
            TrainingSession.mode,
            TrainingSession.starts_at,
            TrainingSession.ends_at,
            enrollment.id.label("enrollment_id"),
        )
        .join(TrainingSession, TrainingSession.id == Registration.session_id)
        .outerjoin(
            enrollment,
            sa.and_(
                enrollment.user_id == Registration.user_id, enrollment.course_id == TrainingSession.course_id
            ),
        )
        .where(Registration.status == "confirmed", Registration.attendance.in_(ATTENDED)),
        Registration.attendance_marked_at,
        Registration.id,
        since=since,
        until=until,
        after=after,
        limit=limit,
        row=row,
    )

    def pairs():
        for batch in _rows(stmt, batch_size):
            for row in batch:
                marked = row.attendance_marked_at
                # The experience happened at the session: the check-in, else its start (not after marking).
                moment = row.checked_in_at or min(row.starts_at, marked)
                result: dict[str, Any] = {"completion": True}
                if (length := duration(row.starts_at, row.ends_at)) is not None:
                    result["duration"] = length
                session = vocabulary.session(row.session_id, row.title, row.course_id, row.mode)
                yield (
                    Position(marked, row.id, 0),
                    _statement(
                        vocabulary.statement_id("attended", "registration", row.id, row.attendance, marked),
                        vocabulary.actor(row.user_id),
                        "attended",
                        session,
                        moment,
                        result=result,
                        context=_context(
                            vocabulary,
                            enrollment_id=row.enrollment_id,
                            course_id=row.course_id,
                            parent=[vocabulary.course_ref(row.course_id)],
                        ),
                    ),
                )

    return _items("attended", pairs(), after)


def course_completed(
    vocabulary: Vocabulary, *, since=None, until=None, after=None, limit=None, batch_size=1000, row=None
) -> Iterator[Item]:
    stmt = _bounds(
        sa.select(
            Enrollment.id,
            Enrollment.user_id,
            Enrollment.course_id,
            Enrollment.enrolled_at,
            Enrollment.completed_at,
            CourseVersion.number.label("version_number"),
        ).outerjoin(CourseVersion, CourseVersion.id == Enrollment.completed_version_id),
        Enrollment.completed_at,
        Enrollment.id,
        since=since,
        until=until,
        after=after,
        limit=limit,
        row=row,
    )

    def pairs():
        for batch in _rows(stmt, batch_size):
            for row in batch:
                result: dict[str, Any] = {"completion": True}
                if (length := duration(row.enrolled_at, row.completed_at)) is not None:
                    result["duration"] = length
                yield (
                    Position(row.completed_at, row.id, 0),
                    _statement(
                        vocabulary.statement_id("completed", "enrollment", row.id, row.completed_at),
                        vocabulary.actor(row.user_id),
                        "completed",
                        vocabulary.course(row.course_id),
                        row.completed_at,
                        result=result,
                        context=_context(
                            vocabulary,
                            enrollment_id=row.id,
                            course_id=row.course_id,
                            revision=row.version_number,
                        ),
                    ),
                )

    return _items("course_completed", pairs(), after)


_ANSWER_COLUMNS = (
    AttemptQuestion.id,
    AttemptQuestion.attempt_id,
    AttemptQuestion.slot,
    AttemptQuestion.question_version_id,
    AttemptQuestion.max_mark,
    AttemptQuestion.response,
    AttemptQuestion.answered_at,
    AttemptQuestion.fraction,
    AttemptQuestion.mark,
    AttemptQuestion.marked_at,
)


def _answers(attempt_ids: list[int]) -> dict[int, list]:
    """The answered questions of these attempts, in slot order, one query per thousand attempts."""
    found: dict[int, list] = {}
    for start in range(0, len(attempt_ids), 1000):
        chunk = attempt_ids[start : start + 1000]
        rows = db.session.execute(
            sa.select(*_ANSWER_COLUMNS)
            .where(AttemptQuestion.attempt_id.in_(chunk), AttemptQuestion.response.is_not(None))
            .order_by(AttemptQuestion.attempt_id, AttemptQuestion.slot)
        ).all()
        for row in rows:
            found.setdefault(row.attempt_id, []).append(row)
    return found


def attempts(
    vocabulary: Vocabulary, *, since=None, until=None, after=None, limit=None, batch_size=1000, row=None
) -> Iterator[Item]:
    enrollment = aliased(Enrollment)
    stmt = _bounds(
        sa.select(
            Attempt.id,
            Attempt.user_id,
            Attempt.quiz_id,
            Attempt.started_at,
            Attempt.submitted_at,
            Attempt.graded_at,
            Attempt.score,
            Attempt.max_score,
            Attempt.passed,
            Quiz.title,
            Quiz.course_id,
            enrollment.id.label("enrollment_id"),
        )
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .outerjoin(
            enrollment, sa.and_(enrollment.user_id == Attempt.user_id, enrollment.course_id == Quiz.course_id)
        )
        .where(Attempt.status == "graded"),
        Attempt.graded_at,
        Attempt.id,
        since=since,
        until=until,
        after=after,
        limit=limit,
        row=row,
    )

    def pairs():
        for batch in _rows(stmt, batch_size):
            answers = _answers([row.id for row in batch])
            versions = {a.question_version_id for rows in answers.values() for a in rows}
            questions = vocabulary.questions(versions)
            for row in batch:
                yield from _attempt_statements(vocabulary, row, answers.get(row.id, []), questions)

    return _items("attempts", pairs(), after)


def _attempt_statements(
    vocabulary: Vocabulary, row, answers: list, questions: dict[int, QuestionInfo]
) -> Iterator[tuple[Position, dict]]:
    """answered for each answered question, then completed, then passed or failed."""
    actor = vocabulary.actor(row.user_id)
    quiz = vocabulary.quiz(row.quiz_id, row.title, row.course_id)
    quiz_ref = {
        "objectType": "Activity",
        "id": quiz["id"],
        "definition": {"type": quiz["definition"]["type"], "name": quiz["definition"]["name"]},
    }
    course_ref = vocabulary.course_ref(row.course_id)
    graded = row.graded_at
    index = 0
    for answer in answers:
        info = questions.get(answer.question_version_id)
        response = info.response(answer.response) if info is not None else None
        if response is None:
            continue
        result: dict[str, Any] = {"response": response, "completion": True}
        if answer.fraction is not None:
            result["success"] = Decimal(answer.fraction) >= 1
            if (points := score(answer.mark, answer.max_mark)) is not None:
                result["score"] = points
        yield (
            Position(graded, row.id, index),
            _statement(
                vocabulary.statement_id(
                    "answered", "attempt_question", answer.id, answer.mark, answer.marked_at
                ),
                actor,
                "answered",
                info.activity,
                answer.answered_at or row.submitted_at or graded,
                result=result,
                context=_context(
                    vocabulary,
                    enrollment_id=row.enrollment_id,
                    course_id=row.course_id,
                    parent=[quiz_ref],
                    grouping=[course_ref],
                ),
            ),
        )
        index += 1
    outcome: dict[str, Any] = {}
    if (points := score(row.score, row.max_score)) is not None:
        outcome["score"] = points
    context = _context(
        vocabulary, enrollment_id=row.enrollment_id, course_id=row.course_id, parent=[course_ref]
    )
    length = duration(row.started_at, row.submitted_at)
    timing = {"duration": length} if length is not None else {}
    yield (
        Position(graded, row.id, index),
        _statement(
            vocabulary.statement_id("completed", "attempt", row.id, graded),
            actor,
            "completed",
            quiz,
            row.submitted_at or graded,
            result={**outcome, "completion": True, **timing},
            context=context,
        ),
    )
    verdict = "passed" if row.passed else "failed"
    yield (
        Position(graded, row.id, index + 1),
        _statement(
            vocabulary.statement_id(verdict, "attempt", row.id, graded),
            actor,
            verdict,
            quiz,
            graded,
            result={**outcome, "success": bool(row.passed), "completion": True, **timing},
            context=context,
        ),
    )


STREAM_BUILDERS = {
    "registered": registered,
    "attended": attended,
    "attempts": attempts,
    "course_completed": course_completed,
}


def iter_stream(vocabulary: Vocabulary, stream: str, **bounds) -> Iterator[Item]:
    return STREAM_BUILDERS[stream](vocabulary, **bounds)


def iter_statements(
    vocabulary: Vocabulary | None = None,
    *,
    streams: Iterable[str] = STREAMS,
    since=None,
    until=None,
    batch_size: int = 1000,
) -> Iterator[Item]:
    """Every statement of the given streams between ``since`` (inclusive) and ``until`` (exclusive)."""
    vocabulary = vocabulary or Vocabulary.from_app()
    for stream in streams:
        yield from iter_stream(vocabulary, stream, since=since, until=until, batch_size=batch_size)


def dumps(statement: dict) -> str:
    """One statement as one line of JSON (UTF-8 text kept as is)."""
    return json.dumps(statement, ensure_ascii=False, separators=(",", ":"))
