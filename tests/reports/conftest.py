"""A hand-computed data set for the report tests, built directly with the other areas' models.

The demo units, enterprises and accounts (lms/demo/org.py) plus, in 2025 (times in UTC unless said):

Enterprises and trainees (Shenzhen Customs 5300 → Futian 5301, Shekou 5302; Shanghai 2200 → Pudong 2201)
  P  Pengcheng Precision (Futian):      T1 trainee, T2 trainee.manager, T3 trainee.customs, T4 trainee.finance
  F  Futian Cross-Border (Futian):      T5 trainee.futian
  S  Shekou Harbour Logistics (Shekou): T6 trainee.shekou
  N  Nanshan Medical Devices (Shekou):  T7 trainee.nanshan
  X  Pudong Semiconductor (Pudong):     T8 trainee.shanghai

Courses A (pre-test PA highest, post-test QA highest pass 60, practice PR) and B (exam EB "last" pass 70).

Enrolments (UTC, 2025 unless said):
  E1 T1-A 03-01 completed 04-10     E2 T1-B 03-05 active            E3 T2-A 03-02 completed 05-20
  E4 T3-A 03-03 withdrawn           E5 T4-B 06-01 completed 06-15   E6 T5-A 04-01 active
  E7 T6-A 02-10 completed 03-15     E8 T6-B 02-11 active
  E9 T7-A 2024-12-31 16:30 (1 January in Shanghai) active
  E10 T7-B 2024-12-31 15:00 (still 31 December in Shanghai) completed 2025-01-20
  E11 T8-A 03-01 completed 03-20
Graded attempts (%):
  PA: T1 40, T2 50, T6 100, T5 30;  QA: T1 55 then 70 (highest: 70), T2 45 (and 95 in 2026: after the period),
  T6 90, T3 80, T7 85 (in 2024);  EB: T1 90 then 60 (last: 60), T4 75, T6 65;  PR: T1 20 (practice);
  T5 has a QA attempt in progress; T8: PA 60, QA 90.
Sessions (past unless said):
  S1 A by Futian 04-01, lead expert.shenzhen: T1 present, T2 late, T3 absent, T5 unmarked, T4 cancelled,
     T6 waitlisted
  S2 B by Shekou 06-10, lead expert.national, assistant expert.shenzhen: T4, T6, T1 present
  S3 A 07-01 cancelled: T1, T2 confirmed;  S4 A by Pudong 05-01: T8 present
Feedback [content, expert, organisation, usefulness]: S1 T1 (5,4,4,5), T2 (3,3,4,3); S2 T4 (5,5,5,4);
  S4 T8 (1,1,1,1).
Cases: C1 P opened 02-01 → … → certified; C2 F opened 03-01 → listed → in training → suspended → resumed →
  terminated; C3 S opened 04-01 → rejected; C4 N opened 2024-11-01, listed 2025-01-10;
  C5 X opened 05-01 → screened.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from lms.courses.models import Course, Enrollment
from lms.cultivation.models import CaseEvent, CultivationCase
from lms.evidence.ledger import record_evidence
from lms.quizzes.models import Attempt, Quiz
from lms.sessions.models import Registration, SessionExpert, SessionFeedback, TrainingSession
from tests.factories import published_course

PERIOD = {"period": "custom", "start": "2025-01-01", "end": "2025-12-31"}
_seq = itertools.count(1)


def at(text: str) -> datetime:
    """An aware UTC datetime from 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM'."""
    from datetime import UTC as utc

    if "T" not in text:
        text += "T04:00"
    return datetime.fromisoformat(text).replace(tzinfo=utc)


class Dataset:
    def __init__(self, db, demo):
        self.db = db
        self.demo = demo
        self.users = {}
        self.enterprises = {}
        self.enrollments = {}
        self.attempts = []
        self.registrations = {}
        self.cases = {}

    # -- builders --------------------------------------------------------------------------------------------

    def add(self, obj):
        self.db.session.add(obj)
        self.db.session.flush()
        return obj

    def course(self, key: str, title: str, training_type: str = "compliance") -> Course:
        return published_course(
            self.db,
            slug=f"reports-{key.lower()}-{next(_seq)}",
            title=title,
            training_type=training_type,
            hours=Decimal("2.0"),
        )

    def quiz(self, course, key, purpose, grading="highest", pass_mark="0") -> Quiz:  # noqa: S107
        return self.add(
            Quiz(
                course_id=course.id,
                key=key,
                title=f"Quiz {key}",
                purpose=purpose,
                grading_method=grading,
                pass_mark=Decimal(pass_mark),
                max_attempts=0,
            )
        )

    def enroll(self, name, user, course, enrolled, status="active", completed=None) -> Enrollment:
        enrollment = self.add(
            Enrollment(
                user_id=user.id,
                course_id=course.id,
                status=status,
                enrolled_at=at(enrolled),
                completed_at=at(completed) if completed else None,
                completed_version_id=course.published_version_id if completed else None,
                withdrawn_at=at(enrolled) + timedelta(days=5) if status == "withdrawn" else None,
            )
        )
        self.enrollments[name] = enrollment
        return enrollment

    def attempt(self, quiz, user, percent, submitted, status="graded") -> Attempt:
        number = 1 + sum(1 for a in self.attempts if a.quiz_id == quiz.id and a.user_id == user.id)
        submitted_at = at(submitted)
        attempt = Attempt(
            quiz_id=quiz.id,
            user_id=user.id,
            number=number,
            status=status,
            started_at=submitted_at - timedelta(minutes=30),
        )
        if status == "graded":
            value = Decimal(percent)
            attempt.submitted_at = submitted_at
            attempt.graded_at = submitted_at
            attempt.closed_by = "trainee"
            attempt.score, attempt.max_score, attempt.percent = value, Decimal(100), value
            attempt.passed = value >= quiz.pass_mark
        self.attempts.append(self.add(attempt))
        return attempt

    def session(self, course, unit, starts, *, status="completed", experts=()) -> TrainingSession:
        starts_at = at(starts)
        session = self.add(
            TrainingSession(
                course_id=course.id,
                mode="in_class",
                unit_id=unit.id,
                title=f"Session {starts}",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=3),
                capacity=40,
                status=status,
            )
        )
        for expert, role in experts:
            self.add(SessionExpert(session_id=session.id, expert_id=expert.id, role=role))
        return session

    def register(self, session, user, status="confirmed", attendance=None) -> Registration:
        registration = self.add(
            Registration(session_id=session.id, user_id=user.id, status=status, attendance=attendance)
        )
        self.registrations[(session.id, user.id)] = registration
        return registration

    def feedback(self, session, user, ratings):
        registration = self.registrations[(session.id, user.id)]
        content, expert, organisation, usefulness = ratings
        return self.add(
            SessionFeedback(
                registration_id=registration.id,
                session_id=session.id,
                content=content,
                expert=expert,
                organisation=organisation,
                usefulness=usefulness,
            )
        )

    def case(self, name, enterprise, opened, steps, **values) -> CultivationCase:
        """``steps``: [(to_state, 'YYYY-MM-DD')]; the first is the opening (to 'submitted')."""
        training_type = values.pop("training_type", "compliance")
        category = "interested_party" if training_type == "compliance" else "applicant"
        case = self.add(
            CultivationCase(
                enterprise_id=enterprise.id,
                training_type=training_type,
                category=category,
                origin="application",
                state=steps[-1][0],
                opened_at=at(opened),
                opened_on=date.fromisoformat(opened[:10]),
                state_changed_at=at(steps[-1][1]),
                **values,
            )
        )
        previous = None
        for to_state, day in steps:
            self.add(
                CaseEvent(
                    case_id=case.id,
                    transition=to_state,
                    from_state=previous,
                    to_state=to_state,
                    occurred_at=at(day),
                    effective_on=date.fromisoformat(day),
                )
            )
            previous = to_state
        self.cases[name] = case
        return case

    # -- the data set ---------------------------------------------------------------------------------------

    def build(self):
        demo = self.demo
        u = self.users
        for key, login in (
            ("T1", "trainee"),
            ("T2", "trainee.manager"),
            ("T3", "trainee.customs"),
            ("T4", "trainee.finance"),
            ("T5", "trainee.futian"),
            ("T6", "trainee.shekou"),
            ("T7", "trainee.nanshan"),
            ("T8", "trainee.shanghai"),
        ):
            u[key] = demo.user(login)
        e = self.enterprises
        e["P"], e["F"] = demo.enterprise("Pengcheng"), demo.enterprise("Futian Cross")
        e["S"], e["N"], e["X"] = (
            demo.enterprise("Shekou Harbour"),
            demo.enterprise("Nanshan"),
            demo.enterprise("Pudong"),
        )
        self.units = {code: demo.unit(code) for code in ("5300", "5301", "5302", "2200", "2201")}
        self.expert_shenzhen, self.expert_national = (
            demo.user("expert.shenzhen"),
            demo.user("expert.national"),
        )

        A = self.A = self.course("A", "Compliance basics")
        B = self.B = self.course("B", "AEO certification measures", "aeo_certification")
        PA, QA = self.quiz(A, "pa", "pre_test"), self.quiz(A, "qa", "post_test", pass_mark="60")
        PR = self.quiz(A, "pr", "practice", pass_mark="50")
        EB = self.quiz(B, "eb", "exam", grading="last", pass_mark="70")
        self.quizzes = {"PA": PA, "QA": QA, "PR": PR, "EB": EB}

        self.enroll("E1", u["T1"], A, "2025-03-01", "completed", "2025-04-10")
        self.enroll("E2", u["T1"], B, "2025-03-05")
        self.enroll("E3", u["T2"], A, "2025-03-02", "completed", "2025-05-20")
        self.enroll("E4", u["T3"], A, "2025-03-03", "withdrawn")
        self.enroll("E5", u["T4"], B, "2025-06-01", "completed", "2025-06-15")
        self.enroll("E6", u["T5"], A, "2025-04-01")
        self.enroll("E7", u["T6"], A, "2025-02-10", "completed", "2025-03-15")
        self.enroll("E8", u["T6"], B, "2025-02-11")
        self.enroll("E9", u["T7"], A, "2024-12-31T16:30")
        self.enroll("E10", u["T7"], B, "2024-12-31T15:00", "completed", "2025-01-20")
        self.enroll("E11", u["T8"], A, "2025-03-01", "completed", "2025-03-20")

        a = self.attempt
        a(PA, u["T1"], 40, "2025-03-02")
        a(PA, u["T2"], 50, "2025-03-03")
        a(PA, u["T6"], 100, "2025-02-12")
        a(PA, u["T5"], 30, "2025-04-02")
        a(QA, u["T1"], 55, "2025-04-01")
        a(QA, u["T1"], 70, "2025-04-05")
        a(QA, u["T2"], 45, "2025-05-15")
        a(QA, u["T2"], 95, "2026-01-10")
        a(QA, u["T6"], 90, "2025-03-10")
        a(QA, u["T3"], 80, "2025-03-20")
        a(QA, u["T7"], 85, "2024-12-01")
        a(EB, u["T1"], 90, "2025-04-01")
        a(EB, u["T1"], 60, "2025-04-20")
        a(EB, u["T4"], 75, "2025-06-10")
        a(EB, u["T6"], 65, "2025-03-01")
        a(PR, u["T1"], 20, "2025-03-10")
        a(QA, u["T5"], 0, "2025-04-03", status="in_progress")
        a(PA, u["T8"], 60, "2025-03-02")
        a(QA, u["T8"], 90, "2025-03-15")

        units = self.units
        S1 = self.S1 = self.session(
            A, units["5301"], "2025-04-01T01:00", experts=[(self.expert_shenzhen, "lead")]
        )
        S2 = self.S2 = self.session(
            B,
            units["5302"],
            "2025-06-10T01:00",
            status="planned",
            experts=[(self.expert_national, "lead"), (self.expert_shenzhen, "assistant")],
        )
        S3 = self.session(
            A, units["5301"], "2025-07-01T01:00", status="cancelled", experts=[(self.expert_shenzhen, "lead")]
        )
        S4 = self.S4 = self.session(A, units["2201"], "2025-05-01T01:00")
        r = self.register
        r(S1, u["T1"], attendance="present")
        r(S1, u["T2"], attendance="late")
        r(S1, u["T3"], attendance="absent")
        r(S1, u["T5"])
        r(S1, u["T4"], status="cancelled")
        r(S1, u["T6"], status="waitlisted")
        r(S2, u["T4"], attendance="present")
        r(S2, u["T6"], attendance="present")
        r(S2, u["T1"], attendance="present")
        r(S3, u["T1"])
        r(S3, u["T2"])
        r(S4, u["T8"], attendance="present")
        self.feedback(S1, u["T1"], (5, 4, 4, 5))
        self.feedback(S1, u["T2"], (3, 3, 4, 3))
        self.feedback(S2, u["T4"], (5, 5, 5, 4))
        self.feedback(S4, u["T8"], (1, 1, 1, 1))

        self.case(
            "C1",
            e["P"],
            "2025-02-01",
            [
                ("submitted", "2025-02-01"),
                ("screened", "2025-02-10"),
                ("listed", "2025-03-01"),
                ("in_training", "2025-03-05"),
                ("completed", "2025-06-20"),
                ("certification_applied", "2025-07-01"),
                ("certified", "2025-09-01"),
            ],
            outcome_level="advanced_certified",
            outcome_decided_on=date(2025, 9, 1),
            certification_applied_on=date(2025, 7, 1),
        )
        self.case(
            "C2",
            e["F"],
            "2025-03-01",
            [
                ("submitted", "2025-03-01"),
                ("screened", "2025-03-05"),
                ("listed", "2025-03-10"),
                ("in_training", "2025-03-15"),
                ("suspended", "2025-05-01"),
                ("in_training", "2025-06-01"),
                ("terminated", "2025-08-01"),
            ],
            termination_reason="other",
        )
        self.case(
            "C3",
            e["S"],
            "2025-04-01",
            [("submitted", "2025-04-01"), ("rejected", "2025-04-15")],
            training_type="aeo_certification",
        )
        self.case(
            "C4",
            e["N"],
            "2024-11-01",
            [("submitted", "2024-11-01"), ("screened", "2024-12-01"), ("listed", "2025-01-10")],
        )
        self.case("C5", e["X"], "2025-05-01", [("submitted", "2025-05-01"), ("screened", "2025-05-10")])
        self.db.session.commit()
        return self

    def record_ledger(self):
        """Ledger entries for Pengcheng's records, as the other areas write them with the facts."""
        from lms.evidence.models import Certificate

        u = self.users
        pengcheng = {u[k].id for k in ("T1", "T2", "T3", "T4")}
        for name in ("E1", "E3", "E5"):
            record_evidence("course_completed", self.enrollments[name])
        for attempt in self.attempts:
            if attempt.user_id in pengcheng and attempt.status == "graded":
                record_evidence("attempt_graded", attempt)
        for (_session_id, user_id), registration in self.registrations.items():
            if user_id in pengcheng and registration.attendance:
                record_evidence("attendance_marked", registration)
        e1 = self.enrollments["E1"]
        certificate = self.add(
            Certificate(
                code="RPTCERT0001",
                user_id=e1.user_id,
                enterprise_id=self.enterprises["P"].id,
                course_id=e1.course_id,
                course_version_id=e1.completed_version_id,
                enrollment_id=e1.id,
                trainee_name=u["T1"].display_name,
                enterprise_name_en=self.enterprises["P"].name_en,
                enterprise_name_zh=self.enterprises["P"].name_zh,
                course_title="Compliance basics",
                hours=Decimal("2.0"),
                completed_at=e1.completed_at,
                issued_at=at("2025-04-11"),
            )
        )
        record_evidence("certificate_issued", certificate)
        self.certificate = certificate
        for event in self.cases["C1"].events:
            record_evidence("case_transition", event)
        self.db.session.commit()
        return self


@pytest.fixture
def data(db, demo):
    return Dataset(db, demo).build()


# -- reading pages and exports -----------------------------------------------------------------------------


class TableReader(HTMLParser):
    """Collects a page's report tables ({table: [{column: cell text}]}), row links and headline figures."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[dict]] = {}
        self.links: dict[str, list[str]] = {}
        self.figures: dict[str, str] = {}
        self._table = None
        self._row = None
        self._col = None
        self._text = []
        self._figure = None
        self._figure_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self._table = attrs["data-table"]
            self.tables.setdefault(self._table, [])
            self.links.setdefault(self._table, [])
        elif tag == "tr" and self._table:
            self._row = {}
        elif tag in ("td", "th") and self._row is not None and "data-col" in attrs:
            self._col, self._text = attrs["data-col"], []
        elif tag == "a" and self._col == "label" and self._table:
            self.links[self._table].append(attrs.get("href"))
        elif tag == "div" and "data-figure" in attrs:
            self._figure, self._text = attrs["data-figure"], []
        elif tag == "span" and self._figure and attrs.get("class") == "value":
            self._figure_depth, self._text = 1, []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._col is not None:
            self._row[self._col] = " ".join("".join(self._text).split())
            self._col = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "span" and self._figure_depth:
            self.figures[self._figure] = " ".join("".join(self._text).split()).replace(" %", "")
            self._figure_depth, self._figure = 0, None

    def handle_data(self, data):
        if self._col is not None or self._figure_depth:
            self._text.append(data)


def read_page(response) -> TableReader:
    reader = TableReader()
    reader.feed(response.get_data(as_text=True))
    return reader


@pytest.fixture
def read():
    return read_page


def csv_rows(response) -> list[list[str]]:
    import csv
    import io

    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response) -> list[list]:
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    width = len(rows[0])
    return [row + [None] * (width - len(row)) for row in rows]  # empty cells at a row end are not stored


def same_number(page_text: str, csv_text: str, xlsx_value) -> bool:
    """One cell, three forms: '—' / '' / None, or the same number (text, text, int or float)."""
    if page_text == "—":
        return csv_text == "" and xlsx_value is None
    try:
        number = Decimal(page_text)
    except ArithmeticError:
        return page_text == csv_text == xlsx_value
    return (
        Decimal(csv_text) == number
        and xlsx_value is not None
        and abs(Decimal(str(xlsx_value)) - number) < Decimal("1e-9")
    )


def pdf_text(data: bytes, tmp_path) -> str:
    """The text of a PDF, as pdftotext (poppler) lays it out."""
    import shutil
    import subprocess

    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    command = [shutil.which("pdftotext"), "-layout", str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603 - our file
