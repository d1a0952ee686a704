"""The optional readiness criterion of the key training list ranking (weight 0 by default)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms.cultivation import services as cultivation
from lms.cultivation.ranking import rank_key_training_list
from lms.cultivation.settings import ranking_weights


def _case(demo, db):
    case = cultivation.apply_for_cultivation(
        demo.user("trainee"),
        training_type="aeo_certification",
        category="applicant",
        nominee_ids=[demo.user("trainee").id],
    )
    db.session.commit()
    return case


def test_readiness_does_not_count_by_default(app, db, demo, rd):
    rd.assessment(review_by="officer.futian")
    case = _case(demo, db)
    assert "readiness" not in ranking_weights()
    ranked = rank_key_training_list([case], ranking_weights(), {"legal_representative": 1})
    assert [c.key for c in ranked[0].breakdown] == [
        "key_enterprise",
        "aeo_willingness",
        "credit_score",
        "nominee_positions",
    ]


@pytest.mark.parametrize(
    "gaps,points", [({}, Decimal("20.00")), ({"TS-03": "does_not_meet"}, Decimal("18.95"))]
)
def test_readiness_weight_adds_the_share_of_items_met(app, db, demo, rd, gaps, points):
    rd.assessment(review_by="officer.futian", gaps=gaps)
    case = _case(demo, db)
    app.config["RANKING_READINESS_WEIGHT"] = 20
    try:
        weights = ranking_weights()
        assert weights["readiness"] == Decimal(20)
        ranked = rank_key_training_list([case], weights, {"legal_representative": 1})
    finally:
        app.config.pop("RANKING_READINESS_WEIGHT")
    readiness = next(c for c in ranked[0].breakdown if c.key == "readiness")
    assert readiness.points == points  # 19 items: 18/19 of 20 points with one gap
    assert readiness.label == "AEO readiness (self-assessment)"
