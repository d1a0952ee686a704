"""Build a national-scale data set for the benchmarks.

    DATABASE_URL=postgresql://... python bench/generate.py [--scale 1.0] [--reset] [--force] [--seed 7]

At scale 1: 221 customs units, 10,000 enterprises, 100,000 trainees, 500 experts, 24 courses (4 quizzes
each, 7 bank questions of seven types), 300,000 enrolments, 1,000,000 quiz attempts with 5 answered questions
each, 10,000 sessions with 200,000 registrations and their attendance and feedback, 3,000 cultivation cases
with their audit trail, a certificate per completion, and the evidence ledger of all of it: a valid hash
chain whose entries match ``describe()`` of the rows they name, so ``evidence verify`` has real work to do.

Rows are written with PostgreSQL ``COPY`` (foreign-key triggers off while loading when the role may do it,
secondary indexes of the big tables rebuilt afterwards), or with SQLAlchemy Core bulk INSERTs in chunks of
5,000 on SQLite. The database must be empty (``--reset`` drops and recreates every table first); a database
holding the demo accounts is refused unless ``--force`` is given too. Every account's password is
``bench-2026``.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms import create_app  # noqa: E402
from lms.config import normalise_database_url  # noqa: E402
from lms.evidence.ledger import GENESIS_HASH, canonical_json, entry_hash  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.org.uscc import make_uscc  # noqa: E402

DEMO_LOGINS = ("admin", "officer.shenzhen", "trainee", "expert.national")
PASSWORD = "bench-2026"  # noqa: S105 - documented; the accounts of a benchmark database
CHUNK = 5000  # rows per INSERT on SQLite
FULL = {
    "enterprises": 10_000,
    "trainees_per_enterprise": 10,
    "attempts": 1_000_000,
    "experts": 500,
    "sessions": 10_000,
    "case_share": 0.3,
}
REGIONS, LOCALS_PER_REGION = 20, 10
COURSES = 24
REGISTRATIONS_PER_TRAINEE = 2
ENROLMENTS_PER_TRAINEE = 3
# Tables whose secondary indexes are rebuilt after a PostgreSQL load (faster than updating them row by row).
REINDEXED = (
    "attempt_question",
    "attempt",
    "ledger_entry",
    "registration",
    "enrollment",
    "session_feedback",
    "certificate",
    "user",
)

Q4 = Decimal("0.0001")


def amount(value) -> str | None:
    """As lms.quizzes.evidence writes scores into the ledger."""
    return None if value is None else format(Decimal(value).quantize(Q4), "f")


LESSON_MODULES, LESSONS_PER_MODULE = 2, 3
LESSON_BODY = """## {title}

Enterprises that apply for **AEO status** show that their *internal control*, financial solvency,
compliance and
trade security meet the standards of the General Administration of Customs (see [the rules](https://www.customs.gov.cn/)).

### What you will learn

1. How the standard is structured: general and special criteria.
2. Which documents the customs officer asks for during the **on-site audit**.
3. How to keep records so that the enterprise can prove each criterion.

| Criterion | Evidence | Kept for |
| --- | --- | --- |
| Internal control | Procedures, audit reports | 3 years |
| Financial status | Balance sheet, auditor's opinion | 3 years |
| Trade security | Access logs, seal records | 2 years |

> A criterion is met only when the enterprise can show it, not when it merely says so.

- Keep a named person responsible for each criterion.
- Review the records every quarter; correct gaps before the audit.
- Train new staff in their first month: lesson {n} of this course is part of that training.

Footnotes and `code` are allowed too.[^1]

[^1]: The standard is revised from time to time; the course follows the version in force.
"""


def lesson_rows(course_title: dict[int, str]):
    """Modules and lessons of every generated course version (course c has version c): Markdown bodies of
    about 1.5 KB with the elements authors use (headings, lists, a table, a quote, a link, a footnote)."""
    modules, lessons = [], []
    module_id, lesson_id = itertools.count(1), itertools.count(1)
    for c, title in sorted(course_title.items()):
        position = 0
        for m in range(1, LESSON_MODULES + 1):
            mid = next(module_id)
            modules.append((mid, c, m, f"{title} · part {m}"))
            for _ in range(LESSONS_PER_MODULE):
                position += 1
                lesson_title = f"{title}: lesson {position}"
                lessons.append(
                    (
                        next(lesson_id),
                        c,
                        mid,
                        position,
                        f"lesson-{position}",
                        lesson_title,
                        LESSON_BODY.format(title=lesson_title, n=position),
                        20 + 5 * position,
                    )
                )
    from lms.content.markdown import render_markdown

    # Published versions keep their rendered HTML (as publishing does in the application).
    lessons = [row[:7] + (str(render_markdown(row[6])),) + row[7:] for row in lessons]
    return modules, lessons


def write_lessons(sink, course_title: dict[int, str]) -> None:
    modules, lessons = lesson_rows(course_title)
    sink.write("course_module", ("id", "version_id", "position", "title"), modules)
    sink.write(
        "lesson",
        ("id", "version_id", "module_id", "position", "slug", "title", "body", "body_html", "minutes"),
        lessons,
    )


# ----------------------------------------------------------------------------------------------------
# Writing rows


class Sink:
    """Rows into tables: COPY on PostgreSQL, Core bulk INSERTs elsewhere. Columns not given take their
    Python-side default (the same value for every row: created_at, flags, empty texts and lists)."""

    def __init__(self, postgres: bool):
        self.postgres = postgres
        self.counts: dict[str, int] = defaultdict(int)
        self._raw = None

    def _table(self, name: str) -> sa.Table:
        return db.metadata.tables[name]

    def _completed(self, table: sa.Table, columns: tuple[str, ...]) -> tuple[tuple[str, ...], tuple]:
        extra_columns, extra_values = [], []
        for column in table.columns:
            if column.name in columns:
                continue
            default = column.default
            if default is None:
                continue
            value = default.arg(None) if default.is_callable else default.arg
            extra_columns.append(column.name)
            extra_values.append(value)
        return columns + tuple(extra_columns), tuple(extra_values)

    def write(self, name: str, columns: tuple[str, ...], rows) -> int:
        table = self._table(name)
        all_columns, extra = self._completed(table, columns)
        rows = (row + extra for row in rows) if extra else rows
        count = (
            self._copy(table, all_columns, rows) if self.postgres else self._insert(table, all_columns, rows)
        )
        self.counts[name] += count
        return count

    def _insert(self, table: sa.Table, columns, rows) -> int:
        count = 0
        with db.engine.begin() as connection:
            for chunk in _chunks(rows, CHUNK):
                connection.execute(
                    sa.insert(table),
                    [
                        {name: _plain(value) for name, value in zip(columns, row, strict=True)}
                        for row in chunk
                    ],
                )
                count += len(chunk)
        return count

    def raw(self):
        if self._raw is None:
            self._raw = db.engine.raw_connection()
            cursor = self._raw.cursor()
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '1GB'")  # index rebuilds sort in memory
            try:
                # Foreign keys are not checked row by row while loading: the generator builds them consistent.
                cursor.execute("SET session_replication_role = replica")
            except Exception:  # noqa: BLE001 - not a superuser: keep the checks
                self._raw.rollback()
                cursor = self._raw.cursor()
                cursor.execute("SET synchronous_commit = off")
                cursor.execute("SET maintenance_work_mem = '1GB'")
            self._raw.commit()
        return self._raw

    def _copy(self, table: sa.Table, columns, rows) -> int:
        """COPY in text format, the lines formatted here (much faster than adapting value by value). A row
        may also come as a ready line (the generator builds the lines of its biggest table itself)."""
        formatters = [_formatter(table.c[name]) for name in columns]
        connection = self.raw()
        cursor = connection.cursor()
        quoted = ", ".join(f'"{name}"' for name in columns)
        count = 0
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            lines = []
            for row in rows:
                if type(row) is not str:
                    row = "\t".join([f(v) for f, v in zip(formatters, row, strict=True)])
                lines.append(row)
                if len(lines) >= 10000:
                    copy.write("\n".join(lines) + "\n")
                    count += len(lines)
                    lines = []
            if lines:
                copy.write("\n".join(lines) + "\n")
                count += len(lines)
        connection.commit()
        return count

    def execute(self, sql: str, params: dict | None = None) -> None:
        if self.postgres:
            connection = self.raw()
            if params:
                connection.cursor().execute(sql, params)
            else:
                connection.cursor().execute(sql)
            connection.commit()
        else:
            with db.engine.begin() as connection:
                connection.execute(sa.text(sql), params or {})

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None


class JsonText(str):
    """A value already in JSON (a response shared by many rows, serialised once)."""


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


NULL = "\\N"
_BOOLEANS = {True: "t", False: "f", None: NULL}


def _nullable(format_value):
    return lambda value: NULL if value is None else format_value(value)


def _text(value) -> str:
    return _escape(value if type(value) is str else str(value))


def _json(value) -> str:
    if isinstance(value, JsonText):
        return _escape(value)
    return _escape(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _formatter(column: sa.Column):
    """How one column's values are written in COPY text format."""
    kind = column.type
    if _is_json(kind):
        return _nullable(_json)
    if isinstance(kind, sa.Boolean):
        return _BOOLEANS.__getitem__
    if isinstance(kind, sa.types.TypeDecorator) or isinstance(kind, sa.DateTime):
        # Aware UTC datetimes: a timestamp column keeps the wall time, which is UTC.
        return _nullable(lambda value: value.isoformat(" "))
    if isinstance(kind, sa.Integer | sa.Numeric | sa.Date):
        return _nullable(str)
    return _nullable(_text)


def _is_json(column_type) -> bool:
    return isinstance(column_type, sa.JSON) or isinstance(getattr(column_type, "impl", None), sa.JSON)


def _plain(value):
    """A JsonText back to the object (the Core path binds Python values)."""
    return json.loads(value) if isinstance(value, JsonText) else value


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


# ----------------------------------------------------------------------------------------------------
# The question bank: seven types, with the answers trainees give and what each earns


def question_templates(course_no: int) -> list[dict]:
    c = course_no
    return [
        {
            "qtype": "single_choice",
            "stem": f"Course {c}: which decree sets five credit levels?",
            "data": {
                "choices": [
                    {"id": "a", "text": "Decree 251", "fraction": "0"},
                    {"id": "b", "text": "Decree 282", "fraction": "1"},
                    {"id": "c", "text": "Decree 237", "fraction": "0"},
                ]
            },
            "outcomes": [("b", 1), ("a", 0), ("c", 0)],
        },
        {
            "qtype": "multiple_response",
            "stem": f"Course {c}: which are modules of the general standard?",
            "data": {
                "choices": [
                    {"id": "ic", "text": "Internal control", "fraction": "0.5"},
                    {"id": "fs", "text": "Financial status", "fraction": "0.5"},
                    {"id": "mk", "text": "Marketing", "fraction": "-1"},
                ]
            },
            "outcomes": [(["ic", "fs"], 1), (["ic"], Decimal("0.5")), (["mk"], 0)],
        },
        {
            "qtype": "true_false",
            "stem": f"Course {c}: advanced certified enterprises are re-reviewed every 5 years.",
            "data": {"answer": True, "feedback_true": "", "feedback_false": ""},
            "outcomes": [(True, 1), (False, 0)],
        },
        {
            "qtype": "numerical",
            "stem": f"Course {c}: the minimum current ratio?",
            "data": {"answers": [{"value": "1.0", "tolerance": "0.05", "fraction": "1", "feedback": ""}]},
            "outcomes": [("1", 1), ("1.02", 1), ("3", 0)],
        },
        {
            "qtype": "matching",
            "stem": f"Course {c}: match each decree with its levels.",
            "data": {
                "pairs": [
                    {"left": "Decree 251", "right": "three categories"},
                    {"left": "Decree 282", "right": "five levels"},
                    {"left": "", "right": "seven grades"},
                ]
            },
            "outcomes": [
                (["three categories", "five levels"], 1),
                (["three categories", "seven grades"], Decimal("0.5")),
                (["five levels", "three categories"], 0),
            ],
        },
        {
            "qtype": "short_answer",
            "stem": f"Course {c}: the prefix of a Chinese AEO code?",
            "data": {"answers": [{"text": "AEOCN", "fraction": "1", "feedback": ""}]},
            "outcomes": [("AEOCN", 1), ("aeocn", 1), ("AEO", 0)],
        },
        {
            "qtype": "essay",
            "stem": f"Course {c}: describe the seven-point container inspection.",
            "data": {},
            "outcomes": [("Front wall, sides, floor, ceiling, doors, undercarriage.", None)],
        },
    ]


class Outcome:
    """One way a question can be answered: the response, the fraction and mark it earns, and the parts of its
    attempt_question line that do not change from one attempt to the next."""

    __slots__ = ("question_id", "max_mark", "essay", "response", "fraction", "mark", "head", "tail")

    @classmethod
    def of(cls, question: dict, response, fraction: Decimal) -> Outcome:
        outcome = cls()
        outcome.question_id = question["question_id"]  # its only version has the same id
        outcome.max_mark = question["mark"]
        outcome.essay = question["qtype"] == "essay"
        outcome.response = JsonText(json.dumps(response, ensure_ascii=False, separators=(",", ":")))
        outcome.fraction = fraction
        outcome.mark = (fraction * question["mark"]).quantize(Q4, rounding=ROUND_HALF_UP)
        outcome.head = "\t".join(
            [
                str(outcome.question_id),
                str(outcome.question_id),
                str(outcome.max_mark),
                NULL,
                _escape(outcome.response),
            ]
        )
        outcome.tail = f"{outcome.fraction}\t{outcome.mark}"
        return outcome


PRE_POST_TYPES = ("single_choice", "multiple_response", "true_false", "numerical", "matching")
EXAM_TYPES = ("single_choice", "true_false", "short_answer", "matching", "essay")
ESSAY_FRACTIONS = (Decimal("0.5"), Decimal("0.75"), Decimal("1"))


# ----------------------------------------------------------------------------------------------------
# The generator


class Generator:
    def __init__(self, scale: float, seed: int, sink: Sink, echo=print):
        self.scale = scale
        self.rng = random.Random(seed)
        self.sink = sink
        self.echo = echo
        self.n_enterprises = max(2, round(FULL["enterprises"] * scale))
        self.n_trainees = self.n_enterprises * FULL["trainees_per_enterprise"]
        self.n_attempts = max(self.n_trainees * ENROLMENTS_PER_TRAINEE * 3, round(FULL["attempts"] * scale))
        self.n_experts = max(5, round(FULL["experts"] * scale))
        self.n_sessions = max(COURSES, round(FULL["sessions"] * scale))
        self.end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
        self.start = self.end - timedelta(days=540)
        # (created_at, order, kind, subject_type, subject_id, payload, actor_id)
        self.ledger: list[tuple] = []
        self._order = itertools.count()
        self.password_hash = None
        self.timings: list[tuple[str, float]] = []

    # -- helpers --------------------------------------------------------------------------------------

    def when(self, low: datetime, high: datetime) -> datetime:
        span = int((high - low).total_seconds())
        return low + timedelta(seconds=self.rng.randrange(max(1, span)))

    def evidence(
        self,
        when: datetime,
        kind: str,
        subject_type: str,
        subject_id: int,
        payload: dict,
        actor_id: int | None,
    ) -> None:
        self.ledger.append(
            (when, next(self._order), kind, subject_type, subject_id, canonical_json(payload), actor_id)
        )

    def step(self, label: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        self.timings.append((label, elapsed))
        self.echo(f"  {label:<46} {elapsed:7.1f} s")

    # -- organisation ---------------------------------------------------------------------------------

    def organisation(self) -> None:
        from werkzeug.security import generate_password_hash

        self.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        from lms.privacy.notice import current_version

        self.notice_version = current_version()
        now = self.start
        units = [(1, "0000", "General Administration of Customs", "海关总署", "gacc", None, "/1/")]
        self.regions, self.locals = [], []
        next_id = 2
        for r in range(REGIONS):
            rid = next_id
            next_id += 1
            units.append(
                (
                    rid,
                    f"{r + 1:02d}00",
                    f"Regional Customs {r + 1}",
                    f"第{r + 1}直属海关",
                    "regional",
                    1,
                    f"/1/{rid}/",
                )
            )
            self.regions.append(rid)
            for lo in range(LOCALS_PER_REGION):
                lid = next_id
                next_id += 1
                units.append(
                    (
                        lid,
                        f"{r + 1:02d}{lo + 1:02d}",
                        f"Local Customs {r + 1}-{lo + 1}",
                        f"第{r + 1}-{lo + 1}隶属海关",
                        "local",
                        rid,
                        f"/1/{rid}/{lid}/",
                    )
                )
                self.locals.append(lid)
        self.region_of = {lid: units[lid - 1][5] for lid in self.locals}
        self.sink.write(
            "customs_unit", ("id", "code", "name_en", "name_zh", "level", "parent_id", "path"), units
        )

        business = ("importer_exporter", "customs_broker", "logistics", "cross_border_ecommerce", "other")
        levels = ("advanced_certified",) * 3 + ("registered",) * 16 + ("discredited",)
        enterprises, credit = [], []
        self.enterprise_unit = {}
        for e in range(1, self.n_enterprises + 1):
            unit = self.locals[(e - 1) % len(self.locals)]
            self.enterprise_unit[e] = unit
            level = self.rng.choice(levels)
            since = date(2022, 1, 1) + timedelta(days=self.rng.randrange(1400))
            uscc = make_uscc(f"91{unit % 100:02d}{e:013d}")
            enterprises.append(
                (
                    e,
                    f"Bench Trading Co. {e:05d}",
                    f"基准贸易{e:05d}有限公司",
                    uscc,
                    f"B{e:09d}",
                    self.rng.choice(business),
                    self.rng.random() < 0.4,
                    unit,
                    self.rng.random() < 0.2,
                    self.rng.random() < 0.6,
                    self.rng.randint(50, 99),
                    "decree_251",
                    level,
                    since,
                    now,
                    now,
                )
            )
            credit.append((e, e, "decree_251", level, since, "", "bench", now))
        self.sink.write(
            "enterprise",
            (
                "id",
                "name_en",
                "name_zh",
                "uscc",
                "customs_code",
                "business_type",
                "is_production",
                "unit_id",
                "is_key",
                "aeo_willing",
                "credit_score",
                "credit_regime",
                "credit_level",
                "credit_since",
                "created_at",
                "updated_at",
            ),
            enterprises,
        )
        self.sink.write(
            "credit_status_record",
            ("id", "enterprise_id", "regime", "level", "decided_on", "reason", "source", "recorded_at"),
            credit,
        )

        users = []
        uid = itertools.count(1)
        self.admin_id = next(uid)
        users.append(self._user(self.admin_id, "bench.admin", "admin", unit=1))
        self.officers = {}
        for unit in [1, *self.regions, *self.locals]:
            if unit == 1:
                continue
            officer = next(uid)
            self.officers[unit] = officer
            users.append(self._user(officer, f"bench.officer.{unit}", "officer", unit=unit))
        self.experts = []
        self.expert_names = {}
        profiles = []
        for x in range(self.n_experts):
            expert = next(uid)
            self.experts.append(expert)
            level = "national" if x % 10 == 0 else "regional"
            users.append(
                self._user(
                    expert,
                    f"bench.expert.{x + 1}",
                    "expert",
                    unit=self.regions[x % len(self.regions)],
                    expert_level=level,
                )
            )
            self.expert_names[expert] = f"Expert {x + 1}"
            profiles.append((x + 1, expert, ["zh_CN", "en"] if x % 3 == 0 else ["zh_CN"], 8, "", now, now))
        self.trainees_of: dict[int, list[int]] = {}
        self.trainee_enterprise: dict[int, int] = {}
        self.trainee_names: dict[int, str] = {}
        positions = ("legal_representative", "senior_management") + ("department_staff",) * 7 + ("other",)
        for e in range(1, self.n_enterprises + 1):
            members = []
            for i in range(FULL["trainees_per_enterprise"]):
                trainee = next(uid)
                members.append(trainee)
                self.trainee_enterprise[trainee] = e
                users.append(
                    self._user(
                        trainee,
                        f"bench.t{trainee}",
                        "trainee",
                        enterprise=e,
                        position=positions[i % len(positions)],
                    )
                )
            self.trainees_of[e] = members
        self.user_names = {row[0]: row[3] for row in users}
        self.sink.write(
            "user",
            (
                "id",
                "login_name",
                "email",
                "display_name",
                "password_hash",
                "role",
                "enterprise_id",
                "unit_id",
                "position",
                "expert_level",
                "active",
                "failed_logins",
                "created_at",
                "updated_at",
                "privacy_version",
            ),
            users,
        )
        self.sink.write(
            "expert_profile",
            ("id", "user_id", "languages", "max_sessions_per_month", "bio", "created_at", "updated_at"),
            profiles,
        )

    def _user(self, uid, login, role, *, unit=None, enterprise=None, position=None, expert_level=None):
        name = {"trainee": "Trainee", "expert": "Expert", "officer": "Officer", "admin": "Admin"}[role]
        # Bench people have accepted the current privacy notice (the pages are measured, not the notice).
        return (
            uid,
            login,
            f"{login}@bench.example",
            f"{name} {uid}",
            self.password_hash,
            role,
            enterprise,
            unit,
            position,
            expert_level,
            True,
            0,
            self.start,
            self.start,
            self.notice_version,
        )

    # -- curriculum -----------------------------------------------------------------------------------

    def curriculum(self) -> None:
        created = self.start - timedelta(days=60)
        courses, versions, facets, questions, qversions, quizzes, slots = [], [], [], [], [], [], []
        self.course_quizzes: dict[int, dict[str, int]] = {}
        self.quiz_slots: dict[int, list[dict]] = {}
        self.quiz_max: dict[int, Decimal] = {}
        self.course_title, self.course_owner, self.course_hours = {}, {}, {}
        question_id = itertools.count(1)
        quiz_id = itertools.count(1)
        slot_id = itertools.count(1)
        topics = ("internal_control", "financial_status", "compliance", "trade_security")
        for c in range(1, COURSES + 1):
            owner = self.experts[c % len(self.experts)]
            language = "en" if c % 3 == 0 else "zh_CN"
            title = f"AEO course {c}" if language == "en" else f"AEO 认证课程 {c}"
            training = "compliance" if c % 2 else "aeo_certification"
            hours = Decimal(2 + c % 6)
            self.course_title[c], self.course_owner[c], self.course_hours[c] = title, owner, hours
            courses.append((c, f"bench-course-{c:02d}", owner, None, False, created, created))
            modes = ["online"] if c % 4 else ["online", "in_class"]
            topic = [topics[c % 4]]
            versions.append(
                (
                    c,
                    c,
                    1,
                    "published",
                    title,
                    f"{title}: rules, procedures and practice.",
                    "",
                    language,
                    training,
                    modes,
                    "",
                    [],
                    [],
                    topic,
                    [],
                    hours,
                    False,
                    ["exam"],
                    False,
                    [],
                    "",
                    "browser",
                    f"{title.lower()} bench-course-{c:02d}",
                    owner,
                    created,
                    created,
                    self.admin_id,
                    created,
                    "",
                    created,
                    "",
                )
            )
            facets.extend([(c, "mode", m) for m in modes] + [(c, "topic", t) for t in topic])
            bank = {}
            for n, template in enumerate(question_templates(c), start=1):
                qid = next(question_id)
                mark = Decimal(2) if template["qtype"] == "essay" else Decimal(1)
                questions.append(
                    (
                        qid,
                        c,
                        "core",
                        f"Q{n} {template['qtype']}",
                        template["qtype"],
                        mark,
                        None,
                        False,
                        owner,
                        created,
                        created,
                    )
                )
                content_hash = hashlib.sha256(
                    json.dumps([template["stem"], template["data"]], sort_keys=True).encode()
                ).hexdigest()
                qversions.append(
                    (
                        qid,
                        qid,
                        1,
                        template["qtype"],
                        template["stem"],
                        "markdown",
                        template["data"],
                        "",
                        content_hash,
                        created,
                        owner,
                    )
                )
                entry = {"question_id": qid, "version_id": qid, "mark": mark, "qtype": template["qtype"]}
                pairs = template["outcomes"]
                if template["qtype"] == "essay":
                    pairs = [(pairs[0][0], fraction) for fraction in ESSAY_FRACTIONS]
                entry["outcomes"] = [
                    Outcome.of(entry, response, Decimal(fraction)) for response, fraction in pairs
                ]
                bank[template["qtype"]] = entry
            self.course_quizzes[c] = {}
            for key, purpose, types, limit in (
                ("pre", "pre_test", PRE_POST_TYPES, 1),
                ("post", "post_test", PRE_POST_TYPES, 1),
                ("practice", "practice", PRE_POST_TYPES, 0),
                ("exam", "exam", EXAM_TYPES, 0),
            ):
                qz = next(quiz_id)
                self.course_quizzes[c][key] = qz
                quizzes.append(
                    (
                        qz,
                        c,
                        key,
                        f"{title} — {purpose.replace('_', ' ')}",
                        "",
                        purpose,
                        False,
                        "",
                        0,
                        False,
                        False,
                        5,
                        30,
                        limit,
                        "highest",
                        Decimal(60),
                        "with_answers",
                        False,
                        "",
                        False,
                        created,
                        created,
                    )
                )
                self.quiz_slots[qz] = []
                for position, qtype in enumerate(types, start=1):
                    slots.append((next(slot_id), qz, bank[qtype]["question_id"], position))
                    self.quiz_slots[qz].append(bank[qtype])
                self.quiz_max[qz] = sum((bank[qtype]["mark"] for qtype in types), Decimal(0))
        self.sink.write(
            "course",
            ("id", "slug", "owner_id", "published_version_id", "archived", "created_at", "updated_at"),
            courses,
        )
        self.sink.write(
            "course_version",
            (
                "id",
                "course_id",
                "number",
                "status",
                "title",
                "summary",
                "overview",
                "language",
                "training_type",
                "modes",
                "social_link",
                "audience_positions",
                "audience_business_types",
                "topics",
                "tags",
                "hours",
                "require_lessons",
                "require_quizzes",
                "require_attendance",
                "quiz_specs",
                "source_hash",
                "origin",
                "search_text",
                "author_id",
                "created_at",
                "submitted_at",
                "reviewed_by_id",
                "reviewed_at",
                "review_note",
                "published_at",
                "overview_html",
            ),
            versions,
        )
        self.sink.execute("UPDATE course SET published_version_id = id")
        self.sink.write("course_version_facet", ("version_id", "facet", "value"), facets)
        self.sink.write(
            "question",
            (
                "id",
                "course_id",
                "category",
                "name",
                "qtype",
                "default_mark",
                "current_version_id",
                "archived",
                "created_by_id",
                "created_at",
                "updated_at",
            ),
            questions,
        )
        self.sink.write(
            "question_version",
            (
                "id",
                "question_id",
                "number",
                "qtype",
                "stem",
                "stem_format",
                "data",
                "general_feedback",
                "content_hash",
                "created_at",
                "created_by_id",
            ),
            qversions,
        )
        self.sink.execute("UPDATE question SET current_version_id = id")
        self.sink.write(
            "quiz",
            (
                "id",
                "course_id",
                "key",
                "title",
                "description",
                "purpose",
                "use_draw",
                "draw_category",
                "draw_count",
                "shuffle_questions",
                "shuffle_choices",
                "questions_per_page",
                "time_limit_minutes",
                "max_attempts",
                "grading_method",
                "pass_mark",
                "review_policy",
                "from_spec",
                "spec_hash",
                "archived",
                "created_at",
                "updated_at",
            ),
            quizzes,
        )
        self.sink.write("quiz_slot", ("id", "quiz_id", "question_id", "position"), slots)
        write_lessons(self.sink, self.course_title)

    # -- sessions (planned before the enrolments so that seats are known) ----------------------------

    def plan(self) -> None:
        rng = self.rng
        self.trainee_courses = {
            t: rng.sample(range(1, COURSES + 1), ENROLMENTS_PER_TRAINEE)
            for members in self.trainees_of.values()
            for t in members
        }
        venues = []
        self.venues_of = {}
        for i, region in enumerate(self.regions):
            self.venues_of[region] = []
            for v in range(2):
                vid = 2 * i + v + 1
                venues.append(
                    (vid, f"Training room {vid}", f"培训室{vid}", f"{vid} Customs Road", 60, region, True)
                )
                self.venues_of[region].append(vid)
        self.sink.write(
            "venue", ("id", "name_en", "name_zh", "address", "capacity", "unit_id", "active"), venues
        )
        sessions_of = defaultdict(list)
        self.sessions = {}
        for s in range(1, self.n_sessions + 1):
            course = (s - 1) % COURSES + 1
            unit = rng.choice(self.locals) if rng.random() < 0.6 else rng.choice(self.regions)
            starts = self.when(self.start, self.end - timedelta(days=2)).replace(minute=0, second=0)
            starts = starts.replace(hour=1 + rng.randrange(7))  # 09:00–15:00 in Beijing time
            cancelled = rng.random() < 0.02
            self.sessions[s] = {
                "course": course,
                "unit": unit,
                "starts": starts,
                "ends": starts + timedelta(hours=rng.choice((2, 3, 4))),
                "cancelled": cancelled,
                "confirmed": 0,
                "lead": rng.choice(self.experts),
            }
            if not cancelled:
                sessions_of[course].append(s)
        self.registration_plan = {}
        for trainee, courses in self.trainee_courses.items():
            plan = []
            for course in courses[:REGISTRATIONS_PER_TRAINEE]:
                session = rng.choice(sessions_of[course])
                roll = rng.random()
                status = "confirmed" if roll < 0.93 else "cancelled" if roll < 0.97 else "waitlisted"
                if status == "confirmed":
                    self.sessions[session]["confirmed"] += 1
                plan.append((session, status))
            self.registration_plan[trainee] = plan
        rows, leads = [], []
        modes = ("in_class",) * 11 + ("live_online",) * 7 + ("onsite",) * 2
        aeo_host = 1
        for s, info in self.sessions.items():
            mode = modes[s % len(modes)]
            region = info["unit"] if info["unit"] in self.regions else self.region_of[info["unit"]]
            venue = self.rng.choice(self.venues_of[region]) if mode == "in_class" else None
            host = aeo_host if mode == "onsite" else None
            capacity = max(40, info["confirmed"])
            status = "cancelled" if info["cancelled"] else "completed"
            starts = info["starts"]
            created = starts - timedelta(days=30)
            rows.append(
                (
                    s,
                    info["course"],
                    mode,
                    info["unit"],
                    f"Session {s}: {self.course_title[info['course']]}",
                    starts,
                    info["ends"],
                    capacity,
                    info["confirmed"],
                    created,
                    starts - timedelta(days=1),
                    False,
                    status,
                    venue,
                    host,
                    None,
                    "https://meet.bench.example/s" + str(s) if mode == "live_online" else "",
                    None,
                    self.officers.get(info["unit"], self.admin_id),
                    "",
                    starts - timedelta(days=3) if info["cancelled"] else None,
                    "Expert unavailable" if info["cancelled"] else "",
                    created,
                    created,
                )
            )
            leads.append((s, s, info["lead"], "lead", self.admin_id, created))
        self.sink.write(
            "training_session",
            (
                "id",
                "course_id",
                "mode",
                "unit_id",
                "title",
                "starts_at",
                "ends_at",
                "capacity",
                "seats_taken",
                "registration_opens_at",
                "registration_closes_at",
                "requires_approval",
                "status",
                "venue_id",
                "host_enterprise_id",
                "enterprise_id",
                "meeting_url",
                "series_key",
                "created_by_id",
                "description",
                "cancelled_at",
                "cancel_reason",
                "created_at",
                "updated_at",
            ),
            rows,
        )
        self.sink.write(
            "session_expert",
            ("id", "session_id", "expert_id", "role", "assigned_by_id", "assigned_at"),
            leads,
        )

    # -- learning: enrolments, attempts, completions, certificates, registrations ------------------

    def learning(self) -> None:
        rng = self.rng
        trainees = [t for members in self.trainees_of.values() for t in members]
        n_enrolments = len(trainees) * ENROLMENTS_PER_TRAINEE
        per, extra = divmod(self.n_attempts, n_enrolments)
        bonus = set(rng.sample(range(n_enrolments), extra))
        ids = {
            name: itertools.count(1)
            for name in ("enrollment", "attempt", "aq", "certificate", "registration", "feedback")
        }
        buffers = defaultdict(list)
        enrolment_index = 0
        for batch_start in range(0, len(trainees), 5000):
            for trainee in trainees[batch_start : batch_start + 5000]:
                for course in self.trainee_courses[trainee]:
                    budget = per + (1 if enrolment_index in bonus else 0)
                    enrolment_index += 1
                    self._enrolment(trainee, course, budget, ids, buffers)
                self._registrations(trainee, ids, buffers)
            self._flush(buffers)
        self.stats_enrolments = n_enrolments

    def _enrolment(self, trainee, course, budget, ids, buffers) -> None:
        rng = self.rng
        eid = next(ids["enrollment"])
        enrolled = self.when(self.start, self.end - timedelta(days=60))
        quizzes = self.course_quizzes[course]
        ability = rng.betavariate(5, 3)
        sequence = ["pre", "post"][:budget]
        rest = budget - len(sequence)
        now = enrolled + timedelta(hours=rng.randint(1, 72))
        numbers = defaultdict(int)
        completed_at = None
        last = None
        planned = []
        # Exam attempts until one passes; the attempts not needed go to the practice quiz, before the exam.
        exam_results = []
        for _ in range(rest):
            exam_results.append(self._answers(quizzes["exam"], min(0.98, ability + 0.08 * len(exam_results))))
            if exam_results[-1][1]:
                break
        practice = rest - len(exam_results)
        planned = [
            ("pre", self._answers(quizzes["pre"], ability * 0.75)) if "pre" in sequence else None,
            *[("practice", self._answers(quizzes["practice"], ability)) for _ in range(practice)],
            ("post", self._answers(quizzes["post"], min(0.98, ability * 1.1)))
            if "post" in sequence
            else None,
            *[("exam", result) for result in exam_results],
        ]
        planned = [p for p in planned if p is not None]
        for index, (key, (answers, _passes)) in enumerate(planned):
            quiz = quizzes[key]
            numbers[quiz] += 1
            started = now
            took = timedelta(seconds=rng.randint(240, 1700))
            submitted = started + took
            is_last = index == len(planned) - 1
            status = "graded"
            if is_last and completed_at is None and rng.random() < 0.01:
                status = "in_progress"
            elif is_last and key == "exam" and rng.random() < 0.01:
                status = "needs_marking"
            last = self._attempt(
                trainee, quiz, numbers[quiz], status, started, submitted, answers, ids, buffers
            )
            if status == "graded" and key == "exam" and last["passed"] and completed_at is None:
                completed_at = last["graded_at"]
            now = submitted + timedelta(hours=rng.randint(2, 24 * 6))
        status = "active"
        withdrawn = None
        if completed_at is not None:
            status = "completed"
        elif rng.random() < 0.08:
            status, withdrawn = "withdrawn", now
        buffers["enrollment"].append(
            (
                eid,
                trainee,
                course,
                status,
                enrolled,
                completed_at,
                course if completed_at else None,
                withdrawn,
            )
        )
        if completed_at is not None:
            self.evidence(
                completed_at,
                "course_completed",
                "enrollment",
                eid,
                {"user_id": trainee, "course_id": course, "version_id": course, "completed_at": completed_at},
                trainee,
            )
            self._certificate(eid, trainee, course, completed_at, ids, buffers)

    def _answers(self, quiz: int, ability: float):
        """(outcome of each question, passed if every essay were marked as drawn)."""
        rng = self.rng
        answers = []
        score = Decimal(0)
        for question in self.quiz_slots[quiz]:
            outcomes = question["outcomes"]
            if question["qtype"] == "essay":
                outcome = rng.choice(outcomes)
            elif rng.random() < ability:
                outcome = outcomes[0]
            else:
                outcome = rng.choice(outcomes[1:])
            answers.append(outcome)
            score += outcome.mark
        return answers, score * 100 / self.quiz_max[quiz] >= 60

    def _attempt(self, trainee, quiz, number, status, started, submitted, answers, ids, buffers) -> dict:
        aid = next(ids["attempt"])
        deadline = started + timedelta(minutes=30)
        has_essay = answers[-1].essay
        graded_at = submitted + timedelta(hours=20) if has_essay else submitted
        marker = self.course_owner_of_quiz(quiz)
        lines = self.sink.postgres
        out = buffers["attempt_question"]
        score = pending_score = Decimal(0)
        for slot, outcome in enumerate(answers, start=1):
            answered_at = started + timedelta(minutes=slot)
            if status == "in_progress":
                answered = slot <= 2
                out.append(
                    (
                        next(ids["aq"]),
                        aid,
                        slot,
                        outcome.question_id,
                        outcome.question_id,
                        outcome.max_mark,
                        None,
                        outcome.response if answered else None,
                        answered_at if answered else None,
                        None,
                        None,
                        None,
                        None,
                        "",
                    )
                )
                continue
            marked = not (outcome.essay and status == "needs_marking")
            by, at = (marker, graded_at) if outcome.essay and marked else (None, None)
            if lines:
                out.append(
                    f"{next(ids['aq'])}\t{aid}\t{slot}\t{outcome.head}\t{answered_at.isoformat(' ')}\t"
                    + (outcome.tail if marked else f"{NULL}\t{NULL}")
                    + (f"\t{by}\t{at.isoformat(' ')}\t" if by else f"\t{NULL}\t{NULL}\t")
                )
            else:
                out.append(
                    (
                        next(ids["aq"]),
                        aid,
                        slot,
                        outcome.question_id,
                        outcome.question_id,
                        outcome.max_mark,
                        None,
                        outcome.response,
                        answered_at,
                        outcome.fraction if marked else None,
                        outcome.mark if marked else None,
                        by,
                        at,
                        "",
                    )
                )
            if marked:
                score += outcome.mark
            if not outcome.essay:
                pending_score += outcome.mark
        max_score = self.quiz_max[quiz]
        row = {"graded_at": None, "passed": None}
        if status == "in_progress":
            buffers["attempt"].append(
                (
                    aid,
                    quiz,
                    trainee,
                    number,
                    status,
                    started,
                    deadline,
                    started + timedelta(minutes=2),
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                )
            )
            return row
        if status == "needs_marking":
            buffers["attempt"].append(
                (
                    aid,
                    quiz,
                    trainee,
                    number,
                    status,
                    started,
                    deadline,
                    submitted,
                    submitted,
                    "trainee",
                    None,
                    score,
                    max_score,
                    None,
                    None,
                )
            )
            self.evidence(
                submitted,
                "attempt_graded",
                "attempt",
                aid,
                self._attempt_payload(aid, trainee, quiz, number, score, max_score, None, None, status),
                trainee,
            )
            return row
        percent = min(Decimal(100), (score * 100 / max_score).quantize(Q4, rounding=ROUND_HALF_UP))
        passed = percent >= 60
        buffers["attempt"].append(
            (
                aid,
                quiz,
                trainee,
                number,
                "graded",
                started,
                deadline,
                submitted,
                submitted,
                "trainee",
                graded_at,
                score,
                max_score,
                percent,
                passed,
            )
        )
        if has_essay:
            # Submitted: graded but for the essay; then the expert's mark completes the grade.
            self.evidence(
                submitted,
                "attempt_graded",
                "attempt",
                aid,
                self._attempt_payload(
                    aid, trainee, quiz, number, pending_score, max_score, None, None, "needs_marking"
                ),
                trainee,
            )
            self.evidence(
                graded_at,
                "essay_marked",
                "attempt",
                aid,
                self._attempt_payload(
                    aid, trainee, quiz, number, score, max_score, percent, passed, "graded"
                ),
                marker,
            )
        else:
            self.evidence(
                graded_at,
                "attempt_graded",
                "attempt",
                aid,
                self._attempt_payload(
                    aid, trainee, quiz, number, score, max_score, percent, passed, "graded"
                ),
                trainee,
            )
        row.update(graded_at=graded_at, passed=passed)
        return row

    def course_owner_of_quiz(self, quiz: int) -> int:
        return self.course_owner[(quiz - 1) // 4 + 1]

    @staticmethod
    def _attempt_payload(aid, trainee, quiz, number, score, max_score, percent, passed, status) -> dict:
        return {
            "attempt_id": aid,
            "user_id": trainee,
            "quiz_id": quiz,
            "number": number,
            "score": amount(score),
            "max_score": amount(max_score),
            "percent": amount(percent),
            "passed": passed,
            "status": status,
        }

    def _certificate(self, eid, trainee, course, completed_at, ids, buffers) -> None:
        cid = next(ids["certificate"])
        enterprise = self.trainee_enterprise[trainee]
        owner = self.course_owner[course]
        experts = [{"id": owner, "name": self.user_names[owner]}]
        code = certificate_code(cid)
        values = {
            "code": code,
            "user_id": trainee,
            "enterprise_id": enterprise,
            "course_id": course,
            "course_version_id": course,
            "enrollment_id": eid,
            "trainee_name": self.user_names[trainee],
            "enterprise_name_en": f"Bench Trading Co. {enterprise:05d}",
            "enterprise_name_zh": f"基准贸易{enterprise:05d}有限公司",
            "course_title": self.course_title[course],
            "hours": self.course_hours[course].quantize(Decimal("0.1")),
            "completed_at": completed_at,
            "experts": experts,
            "issued_at": completed_at,
            "revoked_at": None,
            "revoked_by_id": None,
            "revoke_reason": None,
        }
        buffers["certificate"].append((cid, *values.values()))
        self.evidence(completed_at, "certificate_issued", "certificate", cid, values, trainee)

    def _registrations(self, trainee, ids, buffers) -> None:
        rng = self.rng
        for session_id, status in self.registration_plan[trainee]:
            session = self.sessions[session_id]
            rid = next(ids["registration"])
            starts = session["starts"]
            created = starts - timedelta(days=rng.randint(2, 25))
            attendance = marked = checked = None
            if status == "confirmed":
                roll = rng.random()
                attendance = (
                    "present"
                    if roll < 0.8
                    else "late"
                    if roll < 0.88
                    else "absent"
                    if roll < 0.97
                    else "excused"
                )
                marked = starts + timedelta(hours=1, minutes=rng.randint(0, 59))
                if attendance == "present":
                    checked = starts - timedelta(minutes=rng.randint(0, 20))
                elif attendance == "late":
                    checked = starts + timedelta(minutes=rng.randint(16, 40))
            buffers["registration"].append(
                (
                    rid,
                    session_id,
                    trainee,
                    status,
                    trainee,
                    created,
                    created if status == "confirmed" else None,
                    created + timedelta(days=1) if status == "cancelled" else None,
                    attendance,
                    marked,
                    session["lead"] if marked else None,
                    checked,
                    created if status == "waitlisted" else None,
                )
            )
            if marked is not None:
                self.evidence(
                    marked,
                    "attendance_marked",
                    "registration",
                    rid,
                    {
                        "registration_id": rid,
                        "session_id": session_id,
                        "user_id": trainee,
                        "attendance": attendance,
                        "checked_in_at": checked,
                    },
                    session["lead"],
                )
                if attendance in ("present", "late") and rng.random() < 0.5:
                    ratings = [min(5, max(1, round(rng.gauss(4.1, 0.8)))) for _ in range(4)]
                    buffers["session_feedback"].append(
                        (
                            next(ids["feedback"]),
                            rid,
                            session_id,
                            *ratings,
                            "",
                            session["ends"] + timedelta(hours=rng.randint(1, 48)),
                        )
                    )

    COLUMNS = {
        "enrollment": (
            "id",
            "user_id",
            "course_id",
            "status",
            "enrolled_at",
            "completed_at",
            "completed_version_id",
            "withdrawn_at",
        ),
        "attempt": (
            "id",
            "quiz_id",
            "user_id",
            "number",
            "status",
            "started_at",
            "deadline",
            "last_saved_at",
            "submitted_at",
            "closed_by",
            "graded_at",
            "score",
            "max_score",
            "percent",
            "passed",
        ),
        "attempt_question": (
            "id",
            "attempt_id",
            "slot",
            "question_id",
            "question_version_id",
            "max_mark",
            "choice_order",
            "response",
            "answered_at",
            "fraction",
            "mark",
            "marked_by_id",
            "marked_at",
            "feedback",
        ),
        "certificate": (
            "id",
            "code",
            "user_id",
            "enterprise_id",
            "course_id",
            "course_version_id",
            "enrollment_id",
            "trainee_name",
            "enterprise_name_en",
            "enterprise_name_zh",
            "course_title",
            "hours",
            "completed_at",
            "experts",
            "issued_at",
            "revoked_at",
            "revoked_by_id",
            "revoke_reason",
        ),
        "registration": (
            "id",
            "session_id",
            "user_id",
            "status",
            "registered_by_id",
            "created_at",
            "confirmed_at",
            "cancelled_at",
            "attendance",
            "attendance_marked_at",
            "attendance_marked_by_id",
            "checked_in_at",
            "waitlisted_at",
        ),
        "session_feedback": (
            "id",
            "registration_id",
            "session_id",
            "content",
            "expert",
            "organisation",
            "usefulness",
            "comment",
            "submitted_at",
        ),
    }

    def _flush(self, buffers) -> None:
        for name in (
            "enrollment",
            "attempt",
            "attempt_question",
            "certificate",
            "registration",
            "session_feedback",
        ):
            if buffers[name]:
                self.sink.write(name, self.COLUMNS[name], buffers[name])
                buffers[name].clear()

    # -- cultivation cases -----------------------------------------------------------------------------

    def cases(self) -> None:
        rng = self.rng
        stages = ["submitted", "screened", "listed", "in_training", "completed", "certification_applied"]
        transitions = {
            "screened": "screen",
            "listed": "list",
            "in_training": "start_training",
            "completed": "complete",
            "certification_applied": "apply_certification",
            "certified": "certify",
            "not_certified": "not_certify",
            "rejected": "reject",
        }
        finals = (
            ["rejected"] * 5
            + ["submitted"] * 5
            + ["screened"] * 10
            + ["listed"] * 15
            + ["in_training"] * 20
            + ["completed"] * 10
            + ["certification_applied"] * 10
            + ["certified"] * 18
            + ["not_certified"] * 7
        )
        share = max(1, round(self.n_enterprises * FULL["case_share"]))
        chosen = rng.sample(range(1, self.n_enterprises + 1), share)
        cases, events, nominees = [], [], []
        event_id = itertools.count(1)
        nominee_id = itertools.count(1)
        for case_id, enterprise in enumerate(sorted(chosen), start=1):
            final = rng.choice(finals)
            path = (
                ["submitted", final]
                if final == "rejected"
                else stages[: stages.index(final) + 1]
                if final in stages
                else [*stages, final]
            )
            officer = self.officers[self.enterprise_unit[enterprise]]
            opened = self.when(self.start, self.end - timedelta(days=330))
            moment = last_event = opened
            dates = {}
            previous = None
            for state in path:
                effective = moment.date()
                dates[state] = effective
                transition = "submit" if previous is None else transitions[state]
                eid = next(event_id)
                events.append(
                    (eid, case_id, transition, previous, state, officer, moment, effective, None, "", "", {})
                )
                self.evidence(
                    moment,
                    "case_transition",
                    "case_event",
                    eid,
                    {
                        "case_id": case_id,
                        "enterprise_id": enterprise,
                        "transition": transition,
                        "from_state": previous,
                        "to_state": state,
                        "actor_id": officer,
                        "occurred_at": moment,
                        "effective_on": effective,
                        "reason_code": None,
                        "reason_text": "",
                        "notes": "",
                        "details": {},
                    },
                    officer,
                )
                previous, last_event = state, moment
                moment = moment + timedelta(days=rng.randint(10, 40), hours=rng.randint(0, 8))
            state = path[-1]
            level = "advanced_certified" if state == "certified" else None
            regime = "decree_282" if state == "certified" else None
            outcome_on = dates.get(state) if state in ("certified", "not_certified") else None
            cases.append(
                (
                    case_id,
                    enterprise,
                    "aeo_certification",
                    "applicant",
                    "application",
                    state,
                    "",
                    officer,
                    opened,
                    opened.date(),
                    last_event,
                    dates.get("screened") or dates.get("rejected"),
                    officer if len(path) > 1 else None,
                    dates.get("in_training"),
                    dates.get("completed"),
                    dates.get("certification_applied"),
                    level,
                    regime,
                    outcome_on,
                    "",
                )
            )
            if state in ("certified", "not_certified"):
                self.evidence(
                    last_event,
                    "certification_outcome",
                    "cultivation_case",
                    case_id,
                    {
                        "case_id": case_id,
                        "enterprise_id": enterprise,
                        "training_type": "aeo_certification",
                        "category": "applicant",
                        "outcome": state,
                        "level": level,
                        "regime": regime,
                        "applied_on": dates.get("certification_applied"),
                        "decided_on": outcome_on,
                        "reason": "",
                    },
                    officer,
                )
            for trainee, position in zip(
                self.trainees_of[enterprise][:2], ("legal_representative", "senior_management"), strict=True
            ):
                nominees.append((next(nominee_id), case_id, trainee, position))
        self.sink.write(
            "cultivation_case",
            (
                "id",
                "enterprise_id",
                "training_type",
                "category",
                "origin",
                "state",
                "statement",
                "opened_by_id",
                "opened_at",
                "opened_on",
                "state_changed_at",
                "decided_on",
                "screened_by_id",
                "training_started_on",
                "completed_on",
                "certification_applied_on",
                "outcome_level",
                "outcome_regime",
                "outcome_decided_on",
                "outcome_reason",
            ),
            cases,
        )
        self.sink.write(
            "cultivation_case_event",
            (
                "id",
                "case_id",
                "transition",
                "from_state",
                "to_state",
                "actor_id",
                "occurred_at",
                "effective_on",
                "reason_code",
                "reason_text",
                "notes",
                "details",
            ),
            events,
        )
        self.sink.write("cultivation_nominee", ("id", "case_id", "user_id", "position"), nominees)

    # -- the ledger -------------------------------------------------------------------------------------

    def write_ledger(self) -> None:
        self.ledger.sort(key=lambda entry: (entry[0], entry[1]))
        columns = (
            "id",
            "seq",
            "kind",
            "subject_type",
            "subject_id",
            "payload",
            "created_at",
            "actor_id",
            "prev_hash",
            "hash",
        )

        def rows():
            previous = GENESIS_HASH
            for seq, (created, _order, kind, subject_type, subject_id, payload, actor) in enumerate(
                self.ledger, start=1
            ):
                digest = entry_hash(
                    seq=seq,
                    kind=kind,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    payload=payload,
                    created_at=created,
                    actor_id=actor,
                    prev_hash=previous,
                )
                yield (seq, seq, kind, subject_type, subject_id, payload, created, actor, previous, digest)
                previous = digest

        self.sink.write("ledger_entry", columns, rows())
        self.ledger_size = len(self.ledger)
        self.ledger.clear()


def certificate_code(number: int) -> str:
    """A distinct, random-looking 10-character code per certificate number (a bijection modulo 31^10)."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    value = (number * 7_919_191_919) % (31**10)
    chars = []
    for _ in range(10):
        value, digit = divmod(value, 31)
        chars.append(alphabet[digit])
    return "".join(chars)


# ----------------------------------------------------------------------------------------------------
# Preparing the database, checking the result


def prepare(reset: bool, force: bool, echo=print) -> None:
    inspector = sa.inspect(db.engine)
    if inspector.has_table("user"):
        demo = db.session.execute(
            sa.text('SELECT count(*) FROM "user" WHERE login_name IN :names').bindparams(
                sa.bindparam("names", expanding=True)
            ),
            {"names": list(DEMO_LOGINS)},
        ).scalar_one()
        users = db.session.execute(sa.text('SELECT count(*) FROM "user"')).scalar_one()
        db.session.rollback()
        if demo and not force:
            raise SystemExit(
                "This database holds the demo accounts: refusing to fill it with benchmark data "
                "(use a database of its own, or --force --reset to replace everything)."
            )
        if users and not reset:
            raise SystemExit(
                "This database is not empty: use --reset to drop and recreate every table first."
            )
    if reset:
        echo("Dropping and recreating every table.")
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        else:
            db.drop_all()
    db.create_all()


def secondary_indexes(sink: Sink) -> list[tuple[str, str]]:
    """(drop, create) statements of the unique constraints and indexes (not primary keys) of REINDEXED."""
    connection = sink.raw()
    cursor = connection.cursor()
    cursor.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "WHERE c.contype = 'u' AND c.conrelid::regclass::text = ANY(%s)",
        ([f'"{t}"' if t == "user" else t for t in REINDEXED],),
    )
    statements, constrained = [], set()
    for table, name, definition in cursor.fetchall():
        constrained.add(name)
        statements.append(
            (
                f'ALTER TABLE {table} DROP CONSTRAINT "{name}"',
                f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}',
            )
        )
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
        "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) "
        "AND NOT x.indisprimary",
        (list(REINDEXED),),
    )
    for name, definition in cursor.fetchall():
        if name not in constrained:
            statements.append((f'DROP INDEX "{name}"', definition))
    connection.commit()
    return statements


def check_payloads(echo=print, sample: int = 25) -> None:
    """Compare the generated ledger payloads with describe() of the rows, for a sample of each kind."""
    from lms.evidence.ledger import KINDS
    from lms.evidence.models import LedgerEntry

    mismatches = []
    for kind, spec in sorted(KINDS.items()):
        if spec.model is None:
            continue
        entries = (
            db.session.execute(
                sa.select(LedgerEntry)
                .where(LedgerEntry.kind == kind)
                .order_by(LedgerEntry.seq.desc())
                .limit(sample)
            )
            .scalars()
            .all()
        )
        for entry in entries:
            record = db.session.get(spec.model, entry.subject_id)
            latest = db.session.execute(
                sa.select(sa.func.max(LedgerEntry.seq)).where(
                    LedgerEntry.subject_type == entry.subject_type,
                    LedgerEntry.subject_id == entry.subject_id,
                    LedgerEntry.kind.in_([k for k, s in KINDS.items() if s.group == spec.group]),
                )
            ).scalar_one()
            differs = record is None or canonical_json(spec.describe(record)) != entry.payload
            if latest == entry.seq and differs:
                mismatches.append(kind)
                break
    db.session.rollback()
    if mismatches:
        echo("  WARNING: describe() no longer matches the generated payloads of: " + ", ".join(mismatches))
    else:
        echo("  ledger payloads equal describe() of their rows (sampled per kind)")


def generate(
    url: str, scale: float, *, reset: bool = False, force: bool = False, seed: int = 7, echo=print
) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "RATELIMIT_ENABLED": False})
    import lms.xapi.models  # noqa: F401  (the LRS cursor table)

    with app.app_context():
        began = time.perf_counter()
        prepare(reset, force, echo)
        postgres = db.engine.dialect.name == "postgresql"
        sink = Sink(postgres)
        generator = Generator(scale, seed, sink, echo)
        echo(f"Generating at scale {scale} into {db.engine.url.render_as_string(hide_password=True)}")
        reindex = secondary_indexes(sink) if postgres else []
        for drop, _create in reindex:
            sink.execute(drop)
        t = time.perf_counter()
        generator.organisation()
        generator.step("units, enterprises, accounts", t)
        t = time.perf_counter()
        generator.curriculum()
        generator.plan()
        generator.step("courses, quizzes, questions, sessions", t)
        t = time.perf_counter()
        generator.learning()
        generator.step("enrolments, attempts, registrations", t)
        t = time.perf_counter()
        generator.cases()
        generator.step("cultivation cases", t)
        t = time.perf_counter()
        generator.write_ledger()
        generator.step("ledger chain", t)
        if postgres:
            t = time.perf_counter()
            for _drop, create in reindex:
                sink.execute(create)
            generator.step(f"indexes rebuilt ({len(reindex)})", t)
            t = time.perf_counter()
            for table in db.metadata.sorted_tables:
                if "id" in table.c and isinstance(table.c.id.type, sa.Integer) and table.c.id.primary_key:
                    sink.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                    )
            sink.execute("ANALYZE")
            generator.step("sequences, ANALYZE", t)
        sink.close()
        t = time.perf_counter()
        from lms.reports.stored import rebuild  # the stored results and rollups (`reports rebuild`)

        rebuild(db.session)
        db.session.commit()
        if postgres:
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE quiz_result, gain_pair, enrolment_stat, report_rollup")
        generator.step("stored results and rollups", t)
        check_payloads(echo)
        elapsed = time.perf_counter() - began
        counts = dict(sink.counts)
        echo(
            f"Done in {elapsed:.1f} s: "
            + ", ".join(f"{name} {count:,}" for name, count in sorted(counts.items()) if count)
        )
        db.engine.dispose()
        return {"seconds": elapsed, "counts": counts, "ledger": generator.ledger_size}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="target database (default: $DATABASE_URL)",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = national scale; 0.01 for a quick run")
    parser.add_argument("--reset", action="store_true", help="drop and recreate every table first")
    parser.add_argument("--force", action="store_true", help="allow a database that holds the demo accounts")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")
    if not 0 < args.scale <= 10:
        parser.error("--scale must be above 0 and at most 10")
    generate(args.database_url, args.scale, reset=args.reset, force=args.force, seed=args.seed)


if __name__ == "__main__":
    main()
