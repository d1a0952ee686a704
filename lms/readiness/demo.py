"""Demo readiness: self-assessments of several enterprises before and after their training.

- Pengcheng Precision Electronics (Futian) assessed itself in May 2026 and is below the pass rule; its case
  is in training, so an officer can adopt the recommended path into the plan;
- Futian Cross-Border Trading has a 2025 assessment under the retired 2022 standard (read-only), one before
  its training and one after it with items moved to "meets";
- Nansha Auto Parts... (Guangzhou) and Zhangjiang Biotech (Shanghai) improved after training;
- Shekou Harbour Logistics submitted an assessment that is not reviewed yet; Lingnan Textiles is below the
  rule.

Assessments after training are dated after the enterprise's course completions, so the effect report counts
them. Reviewed assessments are recorded in the ledger. Idempotent: nothing happens once any assessment exists.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lms.auth.models import User
from lms.courses.models import Enrollment
from lms.database import utcnow
from lms.evidence.ledger import record_evidence
from lms.extensions import db
from lms.org.models import Enterprise
from lms.readiness.loader import ensure_loaded
from lms.readiness.models import Answer, Assessment, StandardVersion
from lms.readiness.standards import all_items, financial_judgement, score

GOOD_INDICATORS = {
    "debt_ratio": "55",
    "cash_ratio": "0.35",
    "current_ratio": "1.6",
    "net_profit": "1200",
    "operating_margin": "6.5",
    "gross_margin": "18",
    "operating_cash_flow": "900",
    "return_on_assets": "4.2",
    "cash_flow_liabilities": "0.2",
}
WEAK_INDICATORS = {
    "debt_ratio": "88",
    "cash_ratio": "0.1",
    "current_ratio": "0.9",
    "net_profit": "35",
    "operating_margin": "0.4",
    "gross_margin": "0.8",
    "operating_cash_flow": "-120",
    "return_on_assets": "0.2",
    "cash_flow_liabilities": "0.02",
}


def _at(day: str, hour: int = 2) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _version(code: str) -> StandardVersion | None:
    return db.session.execute(
        sa.select(StandardVersion)
        .where(StandardVersion.code == code)
        .order_by(StandardVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def _user(login: str) -> User | None:
    return db.session.execute(sa.select(User).where(User.login_name == login)).scalar_one_or_none()


def _enterprise(prefix: str) -> Enterprise | None:
    return db.session.execute(
        sa.select(Enterprise).where(Enterprise.name_en.startswith(prefix))
    ).scalar_one_or_none()


def _completions(enterprise: Enterprise) -> list[datetime]:
    return list(
        db.session.execute(
            sa.select(Enrollment.completed_at)
            .join(User, User.id == Enrollment.user_id)
            .where(User.enterprise_id == enterprise.id, Enrollment.status == "completed")
            .order_by(Enrollment.completed_at)
        ).scalars()
    )


def _assess(
    enterprise,
    version,
    by,
    judged: dict[str, str],
    *,
    indicators=None,
    submitted_at,
    reviewer=None,
    reviewed_at=None,
    changes=None,
    notes=None,
) -> Assessment:
    """One assessment: every item 'meets' unless ``judged`` says otherwise; ``changes`` are the reviewer's."""
    data = version.data
    assessment = Assessment(
        enterprise=enterprise,
        standard=version,
        is_production=bool(enterprise.is_production),
        created_by_id=by.id,
        created_at=submitted_at - timedelta(days=3),
        indicators=dict(indicators or {}),
        state="submitted",
        submitted_by_id=by.id,
        submitted_at=submitted_at,
    )
    fin_item = data["financial"]["item"] if data.get("financial") else None
    for position, item in enumerate(all_items(data), start=1):
        code = item["code"]
        if code == fin_item:
            judgement, _ = financial_judgement(data, assessment.indicators, assessment.is_production)
        elif item["additional"]:
            judgement = judged.get(code, "does_not_meet")
        else:
            judgement = judged.get(code, "meets")
        answer = Answer(
            item_code=code, position=position, judgement=judgement, note=(notes or {}).get(code, "")
        )
        if changes and code in changes:
            answer.review_judgement, answer.review_reason = changes[code]
        assessment.answers.append(answer)
    own = score(data, {a.item_code: a.judgement for a in assessment.answers})
    assessment.self_total, assessment.self_passed = own.total, own.passed
    db.session.add(assessment)
    db.session.flush()
    if reviewer is not None:
        final = score(data, {a.item_code: a.final_judgement for a in assessment.answers})
        assessment.state = "reviewed"
        assessment.reviewer_id = reviewer.id
        assessment.reviewed_at = reviewed_at
        assessment.final_total, assessment.final_passed = final.total, final.passed
        db.session.flush()
        record_evidence("readiness_assessment_reviewed", assessment, reviewer)
    return assessment


def load() -> str:
    ensure_loaded()
    if db.session.execute(sa.select(Assessment.id).limit(1)).first() is not None:
        return "already loaded"
    v2022, v2026 = _version("aeo-general-2022"), _version("aeo-general-2026")
    if v2026 is None or _user("officer.futian") is None:
        return "skipped: the standards or the demo accounts are missing"
    now = utcnow()
    count = _pengcheng(v2026)
    count += _futian(v2022, v2026, now)
    count += _improved_after_training(v2026, now)
    count += _shekou(v2026)
    count += _lingnan(v2026)
    return f"{count} self-assessments"


def _window(enterprise, default_before: datetime, now: datetime):
    """(before, after) the enterprise's course completions; after is None when it completed none."""
    done = _completions(enterprise)
    if not done:
        return default_before, None
    before = min(min(done) - timedelta(days=30), default_before)
    after = min(max(done) + timedelta(days=2), now)
    return before, after


def _pengcheng(v2026) -> int:
    """Pengcheng: below the pass rule, case in training; its path is ready to be adopted."""
    count = 0
    pengcheng = _enterprise("Pengcheng Precision")
    if pengcheng is not None:
        _assess(
            pengcheng,
            v2026,
            _user("trainee"),
            {
                "TS-03": "does_not_meet",
                "IC-03": "basically_meets",
                "TS-05": "basically_meets",
                "CP-02": "basically_meets",
            },
            indicators=WEAK_INDICATORS,
            submitted_at=_at("2026-05-20"),
            reviewer=_user("officer.futian"),
            reviewed_at=_at("2026-05-28"),
            changes={
                "IC-04": (
                    "basically_meets",
                    "Back-ups are not tested; the order-to-declaration trail breaks at the warehouse.",
                )
            },
            notes={"TS-03": "Seals are bought locally; no seven-point inspection record."},
        )
        count += 1
    return count


def _futian(v2022, v2026, now: datetime) -> int:
    """Futian Cross-Border: 2022 standard (retired), before and after training."""
    count = 0
    futian = _enterprise("Futian Cross-Border")
    if futian is not None:
        by, officer = _user("trainee.futian"), _user("officer.futian")
        if v2022 is not None:
            _assess(
                futian,
                v2022,
                by,
                {"IC-03": "does_not_meet", "TS-01": "basically_meets", "TS-03": "basically_meets"},
                submitted_at=_at("2025-11-10"),
                reviewer=officer,
                reviewed_at=_at("2025-11-20"),
            )
            count += 1
        before, after = _window(futian, _at("2026-05-15"), now)
        _assess(
            futian,
            v2026,
            by,
            {
                "IC-01": "basically_meets",
                "IC-02": "basically_meets",
                "IC-05": "does_not_meet",
                "CP-02": "basically_meets",
            },
            indicators=GOOD_INDICATORS,
            submitted_at=before - timedelta(days=5),
            reviewer=officer,
            reviewed_at=before,
        )
        count += 1
        if after is not None:
            _assess(
                futian,
                v2026,
                by,
                {"AD-01": "meets"},
                indicators=GOOD_INDICATORS,
                submitted_at=after - timedelta(seconds=1),
                reviewer=officer,
                reviewed_at=after,
            )
            count += 1
    return count


def _improved_after_training(v2026, now: datetime) -> int:
    """Nansha Auto Parts and Zhangjiang Biotech: below the rule before their training, better after it."""
    count = 0
    for prefix, login, officer_login, gaps, improved in (
        (
            "Nansha Auto",
            "trainee.guangzhou",
            "officer.guangzhou",
            {"IC-02": "does_not_meet", "FS-01": None, "CP-02": "basically_meets", "TS-03": "basically_meets"},
            {"TS-03": "basically_meets"},
        ),
        (
            "Zhangjiang Biotech",
            "trainee.zhangjiang",
            "officer.shanghai",
            {"IC-03": "basically_meets", "IC-04": "basically_meets", "TS-02": "does_not_meet"},
            {"TS-02": "basically_meets"},
        ),
    ):
        enterprise, by, officer = _enterprise(prefix), _user(login), _user(officer_login)
        if enterprise is None or by is None or officer is None or by.enterprise_id != enterprise.id:
            continue
        before, after = _window(
            enterprise, _at("2026-03-01") if prefix.startswith("Nansha") else _at("2026-06-01"), now
        )
        before = max(before, _at("2026-04-02"))  # under the 2026 standard
        _assess(
            enterprise,
            v2026,
            by,
            {k: v for k, v in gaps.items() if v},
            indicators=WEAK_INDICATORS,
            submitted_at=before - timedelta(days=4),
            reviewer=officer,
            reviewed_at=before,
        )
        count += 1
        if after is not None and after > before:
            _assess(
                enterprise,
                v2026,
                by,
                improved,
                indicators=GOOD_INDICATORS,
                submitted_at=after - timedelta(seconds=1),
                reviewer=officer,
                reviewed_at=after,
            )
            count += 1
    return count


def _shekou(v2026) -> int:
    """Shekou Harbour: submitted, waiting for the review."""
    count = 0
    shekou, by = _enterprise("Shekou Harbour"), _user("trainee.shekou")
    if shekou is not None and by is not None and by.enterprise_id == shekou.id:
        _assess(
            shekou,
            v2026,
            by,
            {"TS-04": "basically_meets", "TS-06": "does_not_meet"},
            indicators=GOOD_INDICATORS,
            submitted_at=_at("2026-07-10"),
        )
        count += 1
    return count


def _lingnan(v2026) -> int:
    """Lingnan Textiles: below the rule, reviewed."""
    count = 0
    lingnan, by = _enterprise("Lingnan Textiles"), _user("trainee.lingnan")
    if lingnan is not None and by is not None and by.enterprise_id == lingnan.id:
        _assess(
            lingnan,
            v2026,
            by,
            {"IC-01": "does_not_meet", "CP-03": "basically_meets", "TS-01": "basically_meets"},
            indicators=WEAK_INDICATORS,
            submitted_at=_at("2026-04-20"),
            reviewer=_user("officer.guangzhou"),
            reviewed_at=_at("2026-04-25"),
        )
        count += 1
    return count
