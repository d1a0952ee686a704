"""Fixtures for the readiness tests: the shipped standards loaded, and helpers that fill and review assessments
through the services, as trainees and officers would."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.readiness import services
from lms.readiness.loader import load_standards
from lms.readiness.models import Assessment, CurriculumTag, StandardVersion
from lms.readiness.standards import all_items
from tests.factories import published_course

SHIPPED = Path(__file__).resolve().parents[2] / "standards"


@pytest.fixture
def standards(db, demo):
    load_standards(SHIPPED)
    db.session.commit()
    return {v.code: v for v in db.session.execute(sa.select(StandardVersion)).scalars()}


class Readiness:
    def __init__(self, db, demo):
        self.db, self.demo = db, demo

    def assessment(
        self,
        enterprise: str = "Pengcheng",
        trainee: str = "trainee",
        gaps: dict | None = None,
        indicators: dict | None = None,
        review_by: str | None = None,
        changes: dict | None = None,
    ) -> Assessment:
        """Start, fill (every item 'meets' unless ``gaps`` says otherwise), submit and optionally review."""
        user = self.demo.user(trainee)
        assessment = services.start_assessment(user, self.demo.enterprise(enterprise))
        judgements = {}
        for item in all_items(assessment.standard.data):
            judgements[item["code"]] = (gaps or {}).get(item["code"], "meets")
        fin = indicators if indicators is not None else {"net_profit": "100", "current_ratio": "1.5"}
        services.save_draft(user, assessment, judgements=judgements, notes={}, indicators=fin)
        services.submit_assessment(user, assessment)
        if review_by:
            services.review_assessment(self.demo.user(review_by), assessment, changes or {})
        self.db.session.commit()
        return assessment

    def course(self, slug: str, codes: list[str], title: str = "Course"):
        from decimal import Decimal

        course = published_course(
            self.db,
            slug=slug,
            title=title,
            training_type="aeo_certification",
            modes=["online"],
            hours=Decimal("2"),
            require_lessons=True,
            lessons=[("one", "One")],
        )
        for code in codes:
            self.db.session.add(CurriculumTag(course=course, item_code=code))
        self.db.session.flush()
        return course


@pytest.fixture
def rd(db, demo, standards):
    return Readiness(db, demo)
