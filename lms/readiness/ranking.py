"""The optional key training list criterion fed by readiness (``LMS_RANKING_READINESS_WEIGHT``, 0 by default).

Its value is the share of the standard's items (additional items and "not applicable" left out) judged "meets"
in the enterprise's latest judged self-assessment: an enterprise closer to the standard ranks higher, in line
with the seed's priority for enterprises with high credit scores and a strong will to become an AEO. No
assessment: 0.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lms.readiness.services import latest_judged
from lms.readiness.standards import all_items


def readiness_value(enterprise_id: int) -> tuple[Decimal, str]:
    assessment = latest_judged(enterprise_id)
    if assessment is None:
        return Decimal(0), ""
    judgements = assessment.judgements()
    counted = [
        judgements.get(item["code"])
        for item in all_items(assessment.standard.data)
        if not item["additional"] and judgements.get(item["code"]) != "not_applicable"
    ]
    if not counted:
        return Decimal(0), assessment.reference
    share = Decimal(sum(1 for j in counted if j == "meets")) / Decimal(len(counted))
    return share.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP), assessment.reference
