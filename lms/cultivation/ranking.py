"""Ranking screened cases for a key training list.

The seed names the priority conditions for enterprises (key enterprise, strong willingness to become an AEO,
high credit assessment score) and for trainees (legal representative, senior management, staff of the
relevant departments). Each becomes a criterion valued between 0 and 1:

- ``key_enterprise``: 1 for a key enterprise, else 0;
- ``aeo_willingness``: 1 when the enterprise is willing to become an AEO, else 0;
- ``credit_score``: the credit assessment score divided by 100 (no score: 0);
- ``nominee_positions``: the value of the highest-ranking nominee's position (settings.position_values:
  legal representative 1, senior management 0.6, department staff 0.3, other 0).

A case scores ``sum(weight × value)`` (weights: ``LMS_RANKING_WEIGHTS``, default 30/25/30/15, so at most 100),
each criterion's points rounded to 0.01. Higher scores rank first; equal scores keep the order of
application (earlier first, then lower case number).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

CRITERIA = {
    "key_enterprise": _l("Key enterprise"),
    "aeo_willingness": _l("Willingness to become an AEO"),
    "credit_score": _l("Credit assessment score"),
    "nominee_positions": _l("Positions of the nominees"),
}
# Optional criteria: counted only when their weight is above 0 (then kept in the stored weights and
# breakdown).
# ``readiness``: the share of the standard's items judged "meets" in the enterprise's latest judged
# self-assessment (lms/readiness; weight LMS_RANKING_READINESS_WEIGHT, 0 by default).
OPTIONAL_CRITERIA = {"readiness": _l("AEO readiness (self-assessment)")}
CENT = Decimal("0.01")


@dataclass
class CriterionScore:
    key: str
    value: Decimal
    weight: Decimal
    points: Decimal
    basis: str  # what the value was computed from, for the breakdown ("yes", "92", "legal_representative")

    @property
    def label(self) -> str:
        return str({**CRITERIA, **OPTIONAL_CRITERIA}[self.key])


@dataclass
class RankedCase:
    case: object
    rank: int
    score: Decimal
    breakdown: list[CriterionScore] = field(default_factory=list)

    def breakdown_dict(self) -> dict:
        """JSON-able breakdown, stored with the list entry."""
        return {
            c.key: {"value": str(c.value), "weight": str(c.weight), "points": str(c.points), "basis": c.basis}
            for c in self.breakdown
        }


def criterion_values(case, position_values: Mapping[str, Decimal]) -> dict[str, tuple[Decimal, str]]:
    enterprise = case.enterprise
    best_position, best_value = "", Decimal(0)
    for nominee in case.nominees:
        value = Decimal(str(position_values.get(nominee.position, 0)))
        if not best_position or value > best_value:
            best_position, best_value = nominee.position, value
    score = enterprise.credit_score
    return {
        "key_enterprise": (
            Decimal(1) if enterprise.is_key else Decimal(0),
            "yes" if enterprise.is_key else "no",
        ),
        "aeo_willingness": (
            Decimal(1) if enterprise.aeo_willing else Decimal(0),
            "yes" if enterprise.aeo_willing else "no",
        ),
        "credit_score": (
            (Decimal(score) / 100) if score is not None else Decimal(0),
            str(score) if score is not None else "",
        ),
        "nominee_positions": (best_value, best_position),
    }


def score_case(case, weights: Mapping[str, Decimal], position_values: Mapping[str, Decimal]):
    values = criterion_values(case, position_values)
    optional = [key for key in OPTIONAL_CRITERIA if Decimal(str(weights.get(key, 0))) > 0]
    if "readiness" in optional:
        from lms.readiness.ranking import readiness_value

        values["readiness"] = readiness_value(case.enterprise_id)
    breakdown = []
    for key in list(CRITERIA) + optional:
        value, basis = values[key]
        weight = Decimal(str(weights.get(key, 0)))
        points = (weight * value).quantize(CENT, rounding=ROUND_HALF_UP)
        breakdown.append(CriterionScore(key=key, value=value, weight=weight, points=points, basis=basis))
    return sum((c.points for c in breakdown), Decimal(0)).quantize(CENT), breakdown


def rank_key_training_list(
    cases: Iterable, weights: Mapping | None = None, position_values: Mapping | None = None
) -> list[RankedCase]:
    """Score and order ``cases`` (each with ``enterprise`` and ``nominees`` loaded), best first."""
    if weights is None or position_values is None:
        from lms.cultivation import settings

        weights = settings.ranking_weights() if weights is None else weights
        position_values = settings.position_values() if position_values is None else position_values
    scored = []
    for case in cases:
        score, breakdown = score_case(case, weights, position_values)
        scored.append((score, breakdown, case))
    scored.sort(key=lambda item: (-item[0], item[2].opened_at, item[2].id))
    return [
        RankedCase(case=case, rank=index, score=score, breakdown=breakdown)
        for index, (score, breakdown, case) in enumerate(scored, start=1)
    ]
