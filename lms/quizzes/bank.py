"""The question bank of a course: creating and editing questions (with versions), GIFT import and export.

A question is identified in its bank by category and name; GIFT import matches on both, so importing an
export, or the same file twice, changes nothing. Content (type, stem, format, answers, general feedback)
is compared by hash. When content changes, the current version is edited in place if no attempt has
shown it yet; otherwise a new version is created and attempts keep the one they showed.
"""

from __future__ import annotations

import gc
import hashlib
import json
import operator
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from lms.content.gift import GiftProblem, GiftQuestion, parse_gift, write_gift
from lms.database import UTCDateTime, utcnow
from lms.errors import InvalidInput, RuleViolation
from lms.extensions import db
from lms.quizzes.models import (
    STEM_FORMATS,
    AttemptQuestion,
    Question,
    QuestionTag,
    QuestionVersion,
)
from lms.quizzes.qtypes import QUESTION_TYPES, for_gift_kind, gift_kind_types

NAME_MAX = 255
CATEGORY_MAX = 200
TAG_MAX = 60
DERIVED_NAME_LENGTH = 80
GIFT_MAX_BYTES = 2 * 1024 * 1024


# The JSON of a content's hash (one encoder for all: json.dumps with options builds one per call).
CONTENT_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


@dataclass
class QuestionContent:
    """What a version holds. Two versions with the same content have the same hash."""

    qtype: str
    stem: str = ""
    stem_format: str = "markdown"
    data: dict = field(default_factory=dict)
    general_feedback: str = ""

    def hash(self, data_json: str | None = None) -> str:
        """sha256 of the content as one JSON object with sorted keys: ``{"data":…,"general_feedback":…,
        "qtype":…,"stem":…,"stem_format":…}`` (every stored version carries it: the text must not change).
        ``data_json``: the data already written by :data:`CONTENT_JSON` (an import stores that text too)."""
        text = CONTENT_JSON.encode
        body = (
            '{"data":'
            + (text(self.data) if data_json is None else data_json)
            + ',"general_feedback":'
            + text(self.general_feedback)
            + ',"qtype":'
            + text(self.qtype)
            + ',"stem":'
            + text(self.stem)
            + ',"stem_format":'
            + text(self.stem_format)
            + "}"
        )
        return hashlib.sha256(body.encode("utf-8")).hexdigest()

    @classmethod
    def of_version(cls, version: QuestionVersion) -> QuestionContent:
        return cls(
            qtype=version.qtype,
            stem=version.stem,
            stem_format=version.stem_format,
            data=version.data,
            general_feedback=version.general_feedback,
        )


class QuestionInvalid(InvalidInput):
    """The question's content breaks its type's rules; ``problems`` lists every one."""

    def __init__(self, problems: list[str], *, field: str | None = None):
        super().__init__("; ".join(problems), field=field)
        self.problems = problems


def content_problems(content: QuestionContent) -> list[str]:
    cls = QUESTION_TYPES.get(content.qtype)
    if cls is None:
        return [_("Unknown question type “%(type)s”.", type=content.qtype)]
    problems = []
    if content.stem_format not in STEM_FORMATS:
        problems.append(_("Unknown text format “%(format)s”.", format=content.stem_format))
    if not content.stem.strip():
        problems.append(_("The question has no text."))
    problems.extend(cls.validate(content.data))
    return problems


def derive_name(stem: str) -> str:
    """A name for a question that has none (as Moodle does): the start of its text, without markup."""
    text = re.sub(r"<[^>]*>", " ", stem)
    text = re.sub(r"[*_`#>\[\]]", "", text)
    text = " ".join(text.split())
    if len(text) > DERIVED_NAME_LENGTH:
        text = text[: DERIVED_NAME_LENGTH - 1].rstrip() + "…"
    return text or _("Question")


def clean_tags(tags) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags or ():
        tag = " ".join(str(tag).split()).lower()[:TAG_MAX]
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def answer_shape(qtype: str, data) -> object:
    """What two language variants of one question must share: the type and how answers are graded (choice ids
    and grades, the true/false answer, the numbers, the number of matching items and options). Accepted short
    answers may differ by language."""
    cls = QUESTION_TYPES.get(qtype)
    shape = cls.answer_shape(data or {}) if cls is not None else None
    return qtype if shape is None else (qtype, *shape)


def _keep_variants(old_qtype: str, old_data, content: QuestionContent) -> bool:
    """Whether the question's texts in other languages still fit after its content changed to ``content``."""
    return answer_shape(old_qtype, old_data) == answer_shape(content.qtype, content.data)


def version_in_use(version_id: int | None) -> bool:
    if version_id is None:
        return False
    stmt = sa.select(AttemptQuestion.id).where(AttemptQuestion.question_version_id == version_id).limit(1)
    return db.session.execute(stmt).first() is not None


def _check_name(course_id: int, category: str, name: str, exclude_id: int | None = None) -> None:
    if not name:
        raise InvalidInput(_("Give the question a name."), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(_("The name is too long (at most %(n)d characters).", n=NAME_MAX), field="name")
    if len(category) > CATEGORY_MAX:
        raise InvalidInput(
            _("The category is too long (at most %(n)d characters).", n=CATEGORY_MAX), field="category"
        )
    stmt = sa.select(Question.id).where(
        Question.course_id == course_id, Question.category == category, Question.name == name
    )
    if exclude_id is not None:
        stmt = stmt.where(Question.id != exclude_id)
    if db.session.execute(stmt).first() is not None:
        raise RuleViolation(_("Another question in this category already has this name."), field="name")


def _set_tags(question: Question, tags) -> None:
    wanted = clean_tags(tags)
    current = {row.tag: row for row in question.tag_rows}
    for tag, row in current.items():
        if tag not in wanted:
            question.tag_rows.remove(row)
    for tag in wanted:
        if tag not in current:
            question.tag_rows.append(QuestionTag(tag=tag))


def _new_version(question: Question, content: QuestionContent, actor, number: int) -> QuestionVersion:
    version = QuestionVersion(
        question=question,
        number=number,
        qtype=content.qtype,
        stem=content.stem,
        stem_format=content.stem_format,
        data=content.data,
        general_feedback=content.general_feedback,
        content_hash=content.hash(),
        created_at=utcnow(),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    return version


def create_question(
    actor,
    course,
    *,
    content: QuestionContent,
    name: str = "",
    category: str = "",
    tags=(),
    default_mark: Decimal | int | str = 1,
) -> Question:
    problems = content_problems(content)
    if problems:
        raise QuestionInvalid(problems)
    category = category.strip()
    name = name.strip() or derive_name(content.stem)
    _check_name(course.id, category, name)
    mark = _check_mark(default_mark, content.qtype)
    question = Question(
        course_id=course.id,
        category=category,
        name=name,
        qtype=content.qtype,
        default_mark=mark,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(question)
    _set_tags(question, tags)
    version = _new_version(question, content, actor, 1)
    db.session.flush()
    question.current_version = version
    db.session.flush()
    return question


def _check_mark(value, qtype: str) -> Decimal:
    try:
        mark = Decimal(str(value))
    except ArithmeticError:
        raise InvalidInput(_("The default mark must be a number."), field="default_mark") from None
    if not mark.is_finite() or mark < 0 or mark > 1000:
        raise InvalidInput(_("The default mark must be between 0 and 1000."), field="default_mark")
    cls = QUESTION_TYPES.get(qtype)
    if cls is not None and not cls.marked:
        return Decimal(0)
    return mark.quantize(Decimal("0.01"))


def update_question(
    actor,
    question: Question,
    *,
    content: QuestionContent,
    name: str | None = None,
    category: str | None = None,
    tags=None,
    default_mark=None,
) -> str:
    """Apply an edit. Returns "unchanged", "edited" (current version changed in place) or "new_version"."""
    problems = content_problems(content)
    if problems:
        raise QuestionInvalid(problems)
    category = question.category if category is None else category.strip()
    name = question.name if name is None else (name.strip() or derive_name(content.stem))
    if (category, name) != (question.category, question.name):
        _check_name(question.course_id, category, name, exclude_id=question.id)
        question.category, question.name = category, name
    if default_mark is not None:
        question.default_mark = _check_mark(default_mark, content.qtype)
    if tags is not None:
        _set_tags(question, tags)
    return _apply_content(actor, question, content)


def _apply_content(
    actor, question: Question, content: QuestionContent, in_use: bool | None = None, *, flush: bool = True
) -> str:
    """``flush=False``: the caller flushes once for many questions (an import)."""
    current = question.current_version
    new_hash = content.hash()
    if current is not None and current.content_hash == new_hash:
        return "unchanged"
    question.qtype = content.qtype
    if current is not None and not (version_in_use(current.id) if in_use is None else in_use):
        if current.texts and not _keep_variants(current.qtype, current.data, content):
            current.texts.clear()  # the translations answered another question: they go until reloaded
        current.qtype, current.stem, current.stem_format = content.qtype, content.stem, content.stem_format
        current.data, current.general_feedback, current.content_hash = (
            content.data,
            content.general_feedback,
            new_hash,
        )
        if flush:
            db.session.flush()
        return "edited"
    number = (current.number + 1) if current is not None else 1
    version = _new_version(question, content, actor, number)
    if current is not None and current.texts and _keep_variants(current.qtype, current.data, content):
        from lms.quizzes.models import QuestionVersionText

        for text in current.texts:  # the same answers: the other languages carry over
            version.texts.append(
                QuestionVersionText(
                    locale=text.locale,
                    qtype=text.qtype,
                    stem=text.stem,
                    stem_format=text.stem_format,
                    data=text.data,
                    general_feedback=text.general_feedback,
                    content_hash=text.content_hash,
                )
            )
    if flush:
        db.session.flush()
    question.current_version = version
    if flush:
        db.session.flush()
    return "new_version"


def set_archived(question: Question, archived: bool) -> None:
    """Archived questions leave the bank's lists and draws; attempts that showed them keep them."""
    question.archived = archived


# ----------------------------------------------------------------------------------------------------
# GIFT import and export


@dataclass
class ImportItem:
    question: GiftQuestion
    name: str
    action: str = ""  # "create" | "update" | "unchanged"
    problems: list[str] = field(default_factory=list)
    content: QuestionContent | None = None  # the question as bank content, converted once by the plan

    @property
    def category(self) -> str:
        return (self.question.category or "").strip()


@dataclass
class ImportReport:
    items: list[ImportItem] = field(default_factory=list)
    problems: list[GiftProblem] = field(default_factory=list)
    applied: bool = False
    retagged: int = 0  # existing questions whose tags the file changed

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def by_type(self) -> dict[str, int]:
        return dict(sorted(Counter(item.question.qtype for item in self.items).items()))

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    @property
    def changed(self) -> bool:
        return self.applied and (self.count("create") + self.count("update") + self.retagged) > 0


def _gift_content(q: GiftQuestion, kinds: dict | None = None) -> QuestionContent:
    """A parsed GIFT question as bank content: the type that reads its kind of answer block converts the data
    (a kind no type reads is kept, for :func:`content_problems` to refuse). ``kinds``: the registry's
    :func:`gift_kind_types`, looked up once per file."""
    cls = for_gift_kind(q.qtype) if kinds is None else kinds.get(q.qtype)
    return QuestionContent(
        qtype=cls.name if cls is not None else q.qtype,
        stem=q.stem,
        stem_format=q.stem_format or "moodle",
        data=cls.from_gift(q.qtype, q.data) if cls is not None else q.data,
        general_feedback=q.general_feedback,
    )


def _gift_block(qtype: str, data, general_feedback: str) -> str | None:
    """The question's GIFT answer block, written by its type."""
    cls = QUESTION_TYPES.get(qtype)
    if cls is None:
        raise ValueError(f"GIFT cannot express question type {qtype!r}")
    return cls.gift_block(data, general_feedback)


@contextmanager
def _collector_paused():
    """Python's cycle collector off while a file is read and written, then back on. An import allocates a few
    hundred thousand objects that stay alive until it ends (spans, answer dicts, rows), and each of the
    collector's passes over the whole heap on the way found nothing to free while taking a third of the time
    of a large import. Reference counting still frees everything else as usual."""
    if not gc.isenabled():  # already paused (by a caller, or another import in this process)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@_collector_paused()
def plan_import(course, text: str | bytes) -> ImportReport:
    """Parse and check a whole GIFT text against the course's bank; writes nothing.

    Every problem found (syntax from the parser, type rules from the registry, names and categories that
    are too long) is listed with its line. The actions say what :func:`apply_import` would do.
    """
    if len(text) > GIFT_MAX_BYTES:
        return ImportReport(
            problems=[
                GiftProblem(
                    1, _("The file is too large (at most %(n)d MB).", n=GIFT_MAX_BYTES // (1024 * 1024))
                )
            ]
        )
    questions, problems = parse_gift(text)
    report = ImportReport(problems=list(problems))
    taken: set[tuple[str, str]] = set()
    kinds = gift_kind_types()
    for q in questions:
        content = _gift_content(q, kinds)
        item = ImportItem(question=q, name="", content=content)
        for message in content_problems(content):
            report.problems.append(GiftProblem(q.line, message))
        category = item.category
        if len(category) > CATEGORY_MAX:
            report.problems.append(
                GiftProblem(q.line, _("The category is too long (at most %(n)d characters).", n=CATEGORY_MAX))
            )
        base = (q.name or "").strip() or derive_name(q.stem)
        if len(base) > NAME_MAX:
            report.problems.append(
                GiftProblem(q.line, _("The name is too long (at most %(n)d characters).", n=NAME_MAX))
            )
        # Two questions of one file with the same name (Moodle allows it) become "name (2)", "name (3)", ...
        name, n = base, 1
        while (category, name) in taken:
            n += 1
            name = f"{base} ({n})"
        taken.add((category, name))
        item.name = name
        report.items.append(item)
    report.problems.sort(key=lambda p: p.line)
    if report.problems:
        return report

    existing = {
        (row.category, row.name): row
        for row in db.session.execute(
            sa.select(Question.category, Question.name, QuestionVersion.content_hash)
            .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .where(Question.course_id == course.id)
        )
    }
    for item in report.items:
        row = existing.get((item.category, item.name))
        if row is None:
            item.action = "create"
        elif row.content_hash == _item_content(item).hash():
            item.action = "unchanged"
        else:
            item.action = "update"
    return report


def _item_content(item: ImportItem) -> QuestionContent:
    if item.content is None:  # an item built by hand rather than by the plan
        item.content = _gift_content(item.question)
    return item.content


@_collector_paused()
def apply_import(
    actor, course, report: ImportReport, *, tags_for_new=(), tags_from_file: bool = False
) -> ImportReport:
    """Write a planned import (all or nothing: the caller commits or rolls back).

    A question's ``// [tag:…]`` line gives its tags: new questions get them (with ``tags_for_new``), existing
    ones have theirs replaced by them. With ``tags_from_file`` the file is the whole truth: a question
    without a tag line loses its tags (the curriculum loader)."""
    if not report.ok:
        raise InvalidInput(_("The file has problems; nothing was imported."))
    to_update = [item for item in report.items if item.action == "update"]
    retag = [
        item
        for item in report.items
        if item.action in ("update", "unchanged") and (tags_from_file or item.question.tags)
    ]
    questions = {}
    if to_update or retag:
        questions = {
            (q.category, q.name): q
            for q in db.session.execute(
                sa.select(Question)
                .where(Question.course_id == course.id)
                .options(
                    joinedload(Question.current_version).selectinload(QuestionVersion.texts),
                    selectinload(Question.tag_rows),
                )
            ).scalars()
        }
        in_use = set(
            db.session.execute(
                sa.select(AttemptQuestion.question_version_id)
                .distinct()
                .join(Question, Question.current_version_id == AttemptQuestion.question_version_id)
                .where(Question.course_id == course.id)
            ).scalars()
        )
    _create_in_bulk(actor, course, [item for item in report.items if item.action == "create"], tags_for_new)
    for item in to_update:
        question = questions[(item.category, item.name)]
        question.archived = False
        in_use_now = question.current_version_id in in_use
        _apply_content(actor, question, _item_content(item), in_use=in_use_now, flush=False)
    for item in retag:
        question = questions[(item.category, item.name)]
        if sorted(question.tags) != sorted(clean_tags(item.question.tags)):
            _set_tags(question, item.question.tags)
            report.retagged += 1
    db.session.flush()  # the changed questions, all at once (everything they touch was loaded above)
    report.applied = True
    return report


def _create_in_bulk(actor, course, items: list[ImportItem], tags_for_new=()) -> None:
    """The new questions of a planned import in a fixed number of statements, whatever their number: what
    :func:`create_question` writes for each (the question, its first version as its current one, its tags),
    without a round trip or a flush per question. The plan already checked every name against the bank (one
    query per file)."""
    if not items:
        return
    db.session.flush()
    now = utcnow()
    actor_id = getattr(actor, "id", None)
    marks: dict[str, Decimal] = {}
    rows = []
    for item in items:
        content = _item_content(item)
        if content.qtype not in marks:
            marks[content.qtype] = _check_mark(1, content.qtype)
        data_json = CONTENT_JSON.encode(content.data)
        rows.append(
            {
                "category": item.category,
                "name": item.name,
                "qtype": content.qtype,
                "default_mark": marks[content.qtype],
                "stem": content.stem,
                "stem_format": content.stem_format,
                "data": content.data,
                "general_feedback": content.general_feedback,
                "data_json": data_json,  # what PostgreSQL's COPY sends
                "content_hash": content.hash(data_json),
                "tags": clean_tags([*item.question.tags, *tags_for_new]),
            }
        )
    if db.session.get_bind().dialect.name == "postgresql" and _insert_new_postgresql(
        course.id, actor_id, now, rows
    ):
        return
    question_ids = _insert_new(course.id, actor_id, now, rows)
    tag_rows = [
        {"question_id": qid, "tag": tag}
        for qid, row in zip(question_ids, rows, strict=True)
        for tag in row["tags"]
    ]
    if tag_rows:
        db.session.execute(sa.insert(QuestionTag.__table__), tag_rows)


_QUESTION_FIELDS = ("category", "name", "qtype", "default_mark")
_VERSION_FIELDS = ("qtype", "stem", "stem_format", "data", "general_feedback", "content_hash")


def _insert_new(course_id: int, actor_id, now, rows: list[dict]) -> list[int]:
    """Any database: the questions and their versions by executemany (Core, no RETURNING: with these drivers
    that is the faster way), the new ids read back by name, then one UPDATE … FROM linking each question to
    its version. Returns the question ids in the order of ``rows``."""
    questions, versions = Question.__table__, QuestionVersion.__table__
    common = {
        "course_id": course_id,
        "current_version_id": None,
        "archived": False,
        "created_by_id": actor_id,
        "created_at": now,
        "updated_at": now,
    }
    db.session.execute(
        sa.insert(questions),
        [{**common, **{key: row[key] for key in _QUESTION_FIELDS}} for row in rows],
    )
    # The new rows are the course's questions without a version yet (a question gets its first version in
    # the transaction that creates it), matched back by (category, name), unique in a bank.
    new_ids = {
        (row.category, row.name): row.id
        for row in db.session.execute(
            sa.select(questions.c.id, questions.c.category, questions.c.name).where(
                questions.c.course_id == course_id, questions.c.current_version_id.is_(None)
            )
        )
    }
    question_ids = [new_ids[(row["category"], row["name"])] for row in rows]
    db.session.execute(
        sa.insert(versions),
        [
            {
                "question_id": question_id,
                "number": 1,
                **{key: row[key] for key in _VERSION_FIELDS},
                "created_at": now,
                "created_by_id": actor_id,
            }
            for question_id, row in zip(question_ids, rows, strict=True)
        ],
    )
    # Each new question has exactly one version: point it there, in one statement (a join, not a subquery
    # per row: the planner has no statistics for rows written moments ago).
    db.session.execute(
        sa.update(questions)
        .where(
            questions.c.course_id == course_id,
            questions.c.current_version_id.is_(None),
            versions.c.question_id == questions.c.id,
        )
        .values(current_version_id=versions.c.id, updated_at=now)
    )
    return question_ids


_STAGING = "lms_gift_new"  # a temporary table (schema pg_temp), dropped at the end of the import
_SEQUENCES = sa.text(
    "SELECT has_database_privilege(current_database(), 'TEMPORARY'),"
    " pg_get_serial_sequence(:q, 'id')::regclass::oid::bigint,"
    " pg_get_serial_sequence(:v, 'id')::regclass::oid::bigint"
)


def _insert_new_postgresql(course_id: int, actor_id, now, rows: list[dict]) -> bool:
    """PostgreSQL: the rows go by COPY into a temporary table whose defaults draw each question's id and its
    version's id from their sequences, in file order (the ids give the bank's creation order); then one
    statement inserts the questions (already pointing at their versions), the versions and the tags from it
    (foreign keys are checked at the end of the statement), and the table is dropped. Nothing for the server
    to parse but the rows themselves, no join to match ids back, no round trip per row. Returns False, having
    written nothing, when the database role may not create temporary tables (then :func:`_insert_new`)."""
    questions, versions, tags = Question.__table__, QuestionVersion.__table__, QuestionTag.__table__
    connection = db.session.connection()
    dialect = connection.dialect
    may_stage, question_seq, version_seq = connection.execute(
        _SEQUENCES, {"q": questions.name, "v": versions.name}
    ).one()
    if not may_stage:
        return False
    fields = [(key, questions.c[key].type) for key in _QUESTION_FIELDS]
    fields += [(key, versions.c[key].type) for key in _VERSION_FIELDS if key != "qtype"]
    columns = "".join(f", {key} {type_.compile(dialect=dialect)}" for key, type_ in fields)
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE pg_temp.{_STAGING} ("
        f"question_id integer DEFAULT nextval({int(question_seq)}::regclass), "
        f"version_id integer DEFAULT nextval({int(version_seq)}::regclass){columns}, "
        f"tags {tags.c.tag.type.compile(dialect=dialect)}[]) ON COMMIT DROP"
    )
    names = [key for key, _ in fields]
    # The tags column only when some question has tags: an empty array per row costs as much to send as the
    # rest of the row.
    tagged = any(row["tags"] for row in rows)
    copied = [*names, "tags"] if tagged else names
    values = operator.itemgetter(*("data_json" if key == "data" else key for key in copied))
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY pg_temp.{_STAGING} ({', '.join(copied)}) FROM STDIN") as copy:
        write = copy.write_row
        for row in rows:
            write(values(row))
    staging = sa.table(
        _STAGING,
        *(sa.column(key) for key in ["question_id", "version_id", *names, "tags"]),
        schema="pg_temp",
    )
    actor, at = sa.literal(actor_id, sa.Integer), sa.literal(now, UTCDateTime)
    new_questions = (
        sa.insert(questions)
        .from_select(
            ["id", "course_id", *_QUESTION_FIELDS, "current_version_id", "archived", "created_by_id"]
            + ["created_at", "updated_at"],
            sa.select(staging.c.question_id, sa.literal(course_id, sa.Integer))
            .add_columns(*(staging.c[key] for key in _QUESTION_FIELDS))
            .add_columns(staging.c.version_id, sa.false(), actor, at, at),
        )
        .cte("new_questions")
    )
    new_versions = sa.insert(versions).from_select(
        ["id", "question_id", "number", *_VERSION_FIELDS, "created_at", "created_by_id"],
        sa.select(staging.c.version_id, staging.c.question_id, sa.literal(1, sa.Integer)).add_columns(
            *(staging.c[key] for key in _VERSION_FIELDS), at, actor
        ),
    )
    if tagged:
        tag = sa.func.unnest(staging.c.tags).table_valued("tag").render_derived("t")
        new_tags = sa.insert(tags).from_select(
            ["question_id", "tag"],
            sa.select(staging.c.question_id, tag.c.tag).join_from(staging, tag, sa.true()),
        )
        connection.execute(new_tags.add_cte(new_questions).add_cte(new_versions.cte("new_versions")))
    else:
        connection.execute(new_versions.add_cte(new_questions))
    connection.exec_driver_sql(f"DROP TABLE pg_temp.{_STAGING}")
    return True


def import_gift(
    actor, course, text, *, dry_run: bool = False, tags_for_new=(), tags_from_file: bool = False
) -> ImportReport:
    report = plan_import(course, text)
    if report.ok and not dry_run:
        apply_import(actor, course, report, tags_for_new=tags_for_new, tags_from_file=tags_from_file)
    return report


def export_gift(course, locale: str | None = None) -> str:
    """The course's bank (archived questions left out) as GIFT, by category then creation order, each
    question with its ``// [tag:…]`` line. With ``locale``, the texts of that language variant (a question
    without one is written in its own language)."""
    rows = db.session.execute(
        sa.select(Question, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.course_id == course.id, Question.archived.is_(False))
        .options(selectinload(Question.tag_rows))
        .order_by(Question.category, Question.id)
    ).all()
    if not rows:
        # An empty file looks like a failed download: a GIFT comment says why, and imports as nothing.
        return f"// {course.slug}: the question bank has no questions to export.\n"

    def shown(v: QuestionVersion):
        return (v.text_for(locale) if locale else None) or v

    questions = (
        GiftQuestion(
            qtype=shown(v).qtype,
            name=q.name,
            stem=shown(v).stem,
            stem_format=shown(v).stem_format,
            category=q.category,
            data=shown(v).data,
            general_feedback=shown(v).general_feedback,
            tags=q.tags,
        )
        for q, v in rows
    )
    return write_gift(questions, answer_block=_gift_block)
