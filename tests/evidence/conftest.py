"""Evidence fixtures: a test-only ledger kind on enterprises, tampering with the triggers off, courses to
complete."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.courses import completion
from lms.courses.models import Course, Enrollment
from lms.evidence.ledger import evidence_kind
from lms.evidence.models import SQLITE_DROP_TRIGGERS, install_ledger_triggers
from lms.org.models import Enterprise
from tests.factories import published_course

TEST_KIND = "test_enterprise_scored"
_seq = itertools.count(1)


@evidence_kind(TEST_KIND, subject_type="enterprise", model=Enterprise)
def describe_enterprise_score(enterprise: Enterprise) -> dict:
    return {"name": enterprise.name_en, "credit_score": enterprise.credit_score, "is_key": enterprise.is_key}


# The same description, declared as reading only the enterprise's columns: the verifier checks it against a
# row joined in the database instead of a loaded object (the path of the high-volume kinds).
TEST_ROW_KIND = "test_enterprise_scored_rows"
evidence_kind(TEST_ROW_KIND, subject_type="enterprise", model=Enterprise, columns_only=True)(
    describe_enterprise_score
)


def _tamper(db, *statements: str, **params) -> None:
    """Run raw SQL on the ledger with its triggers off, and switch them back on, all in one transaction."""
    db.session.commit()
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(sa.text("ALTER TABLE ledger_entry DISABLE TRIGGER USER"))
    else:
        for statement in SQLITE_DROP_TRIGGERS:
            db.session.execute(sa.text(statement))
    for statement in statements:
        db.session.execute(sa.text(statement), params)
    if postgres:
        db.session.execute(sa.text("ALTER TABLE ledger_entry ENABLE TRIGGER USER"))
    else:
        install_ledger_triggers(db.session.connection())
    db.session.commit()
    db.session.expire_all()


class Courses:
    """Courses with a published version, enrolments, and completion without other areas' requirements."""

    def __init__(self, db):
        self.db = db

    def course(self, owner=None, *, title: str = "Customs compliance basics", hours: str = "2.5") -> Course:
        n = next(_seq)
        return published_course(
            self.db,
            slug=f"evidence-course-{n}",
            owner=owner,
            title=title,
            training_type="compliance",
            hours=Decimal(hours),
        )

    def enroll(self, user, course: Course) -> Enrollment:
        enrollment = Enrollment(user_id=user.id, course_id=course.id, status="active")
        self.db.session.add(enrollment)
        self.db.session.flush()
        return enrollment


@pytest.fixture
def courses(db, monkeypatch):
    # Only our requirement: the enrolment completes whenever evaluate_completion is called.
    monkeypatch.setattr(
        completion,
        "REQUIREMENTS",
        {
            "test_always": lambda enrollment, version: completion.RequirementStatus(
                "test_always", "Always", True
            ),
        },
    )
    return Courses(db)


@pytest.fixture
def tamper(db):
    """``tamper("UPDATE ledger_entry ...", ...)``: change ledger rows behind the application's back."""
    return lambda *statements, **params: _tamper(db, *statements, **params)


@pytest.fixture(autouse=True)
def _generous_verification_limit(app, monkeypatch):
    """Many tests open the public page within a minute; the limit itself is tested with a low value."""
    monkeypatch.setitem(app.config, "CERTIFICATE_VERIFY_RATE_LIMIT", "100000 per minute")
