"""Eligibility of an enterprise for cultivation on a decision date, and the one-year bars.

The checks are kept as plain data (key, passed, facts) so that they can be stored with the screening
decision and explained later in the reader's language by :func:`explain`.

One-year bars are dated rows (:class:`BarEvent`). Certification outcomes and officers add them directly;
the credit history adds them when a decision takes an AEO out of AEO status (downgraded from AEO) or takes a
discredited enterprise out of discredit (upgraded out of discredited). Reading the bars of an enterprise
also counts history-derived bars not yet stored, so a page never has to write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from lms.cultivation import settings
from lms.cultivation.clock import add_months, add_years
from lms.cultivation.models import (
    BAR_KINDS,
    BAR_SOURCES,
    CASE_STATES,
    CATEGORIES,
    CATEGORIES_BY_TYPE,
    OPEN_STATES,
    TRAINING_TYPES,
    BarEvent,
    CultivationCase,
)
from lms.extensions import db
from lms.i18n import join_list
from lms.org.models import (
    AEO_LEVELS,
    CREDIT_LEVELS,
    DISCREDITED_LEVELS,
    REGIME_LEVELS,
    REGIMES,
    CreditStatusRecord,
    Enterprise,
)
from lms.org.services import credit_level_on, no_regime_message, regime_on

# A level decided under one regime, read under a later one that has no level of that name. The readings of the
# four categories of Decrees 225 and 237 under the later decrees are assumptions (the transitional rules are
# not in the domain notes): general credit reads as the ordinary level, a general certified enterprise that
# was not re-decided under Decree 251 as an ordinary one too.
LEVEL_EQUIVALENTS = {
    ("decree_282", "registered"): "regular",
    ("decree_251", "regular"): "registered",
    ("decree_251", "general_credit"): "registered",
    ("decree_282", "general_credit"): "regular",
    ("decree_251", "general_certified"): "registered",
    ("decree_282", "general_certified"): "regular",
}


def read_level(level: str | None, regime: str | None) -> str | None:
    if level is None or regime is None:
        return level
    return LEVEL_EQUIVALENTS.get((regime, level), level)


# -- bars ---------------------------------------------------------------------------------------------------


@dataclass
class Bar:
    kind: str
    occurred_on: date
    source: str
    until: date
    notes: str = ""
    stored: bool = True
    credit_record_id: int | None = None
    case_id: int | None = None

    @property
    def kind_label(self) -> str:
        return str(BAR_KINDS[self.kind])

    @property
    def source_label(self) -> str:
        return str(BAR_SOURCES[self.source])

    def holds_on(self, day: date) -> bool:
        return self.occurred_on <= day < self.until


def _history_transitions(enterprise_id: int) -> list[tuple[str, CreditStatusRecord]]:
    records = (
        db.session.execute(
            sa.select(CreditStatusRecord)
            .where(CreditStatusRecord.enterprise_id == enterprise_id)
            .order_by(CreditStatusRecord.decided_on, CreditStatusRecord.id)
        )
        .scalars()
        .all()
    )
    found = []
    previous = None
    for record in records:
        if previous is not None:
            if previous in AEO_LEVELS and record.level not in AEO_LEVELS:
                found.append(("downgraded_from_aeo", record))
            elif previous in DISCREDITED_LEVELS and record.level not in DISCREDITED_LEVELS:
                found.append(("upgraded_from_discredited", record))
        previous = record.level
    return found


def sync_credit_bars(enterprise: Enterprise, actor=None) -> list[BarEvent]:
    """Store the bars the credit history implies and that are not stored yet. The caller commits."""
    # Serialise writers for this enterprise: two syncs must not insert the same bar.
    db.session.execute(sa.select(Enterprise.id).where(Enterprise.id == enterprise.id).with_for_update())
    stored = set(
        db.session.execute(
            sa.select(BarEvent.credit_record_id, BarEvent.kind).where(
                BarEvent.enterprise_id == enterprise.id, BarEvent.credit_record_id.is_not(None)
            )
        ).all()
    )
    created = []
    for kind, record in _history_transitions(enterprise.id):
        if (record.id, kind) in stored:
            continue
        bar = BarEvent(
            enterprise_id=enterprise.id,
            kind=kind,
            occurred_on=record.decided_on,
            source="credit_history",
            credit_record_id=record.id,
            notes=record.reason or "",
            recorded_by_id=getattr(actor, "id", None),
        )
        db.session.add(bar)
        created.append(bar)
    if created:
        db.session.flush()
    return created


def bars_of(enterprise: Enterprise) -> list[Bar]:
    """Every bar of the enterprise, newest first: stored rows plus history-derived ones not stored yet."""
    years = settings.bar_years()
    rows = (
        db.session.execute(
            sa.select(BarEvent)
            .where(BarEvent.enterprise_id == enterprise.id)
            .order_by(BarEvent.occurred_on.desc(), BarEvent.id.desc())
        )
        .scalars()
        .all()
    )
    bars = [
        Bar(
            kind=r.kind,
            occurred_on=r.occurred_on,
            source=r.source,
            until=add_years(r.occurred_on, years),
            notes=r.notes,
            credit_record_id=r.credit_record_id,
            case_id=r.case_id,
        )
        for r in rows
    ]
    stored = {(b.credit_record_id, b.kind) for b in bars if b.credit_record_id is not None}
    for kind, record in _history_transitions(enterprise.id):
        if (record.id, kind) not in stored:
            bars.append(
                Bar(
                    kind=kind,
                    occurred_on=record.decided_on,
                    source="credit_history",
                    until=add_years(record.decided_on, years),
                    notes=record.reason or "",
                    stored=False,
                    credit_record_id=record.id,
                )
            )
    bars.sort(key=lambda b: b.occurred_on, reverse=True)
    return bars


def active_bars(enterprise: Enterprise, day: date) -> list[Bar]:
    return [b for b in bars_of(enterprise) if b.holds_on(day)]


# -- checks -------------------------------------------------------------------------------------------------


def open_cases_of(enterprise: Enterprise, training_type: str, exclude_id: int | None = None) -> list:
    """The enterprise's open cases of one training type (one is allowed at a time)."""
    stmt = sa.select(CultivationCase).where(
        CultivationCase.enterprise_id == enterprise.id,
        CultivationCase.training_type == training_type,
        CultivationCase.state.in_(OPEN_STATES),
    )
    if exclude_id is not None:
        stmt = stmt.where(CultivationCase.id != exclude_id)
    return list(db.session.execute(stmt.order_by(CultivationCase.id)).scalars())


def last_termination(enterprise: Enterprise, day: date, exclude_id: int | None = None):
    """(case, waiting until) for the enterprise's latest termination whose waiting period holds on ``day``."""
    months = settings.termination_wait_months()
    if months <= 0:
        return None
    stmt = sa.select(CultivationCase).where(
        CultivationCase.enterprise_id == enterprise.id,
        CultivationCase.state == "terminated",
        CultivationCase.terminated_on <= day,
    )
    if exclude_id is not None:
        stmt = stmt.where(CultivationCase.id != exclude_id)
    case = db.session.execute(
        stmt.order_by(CultivationCase.terminated_on.desc(), CultivationCase.id.desc()).limit(1)
    ).scalar_one_or_none()
    if case is None:
        return None
    until = add_months(case.terminated_on, months)
    return (case, until) if day < until else None


def evaluate(
    enterprise: Enterprise,
    *,
    training_type: str,
    category: str | None,
    day: date,
    nominees: list | None = None,
    origin: str | None = None,
    case_id: int | None = None,
) -> dict:
    """Evaluate every eligibility check on ``day``. Returns JSON-able data (stored with the decision).

    ``category`` None leaves the category check out (before the enterprise has chosen one); ``origin``
    "application" adds the waiting period after a termination (it binds the enterprise's own applications)."""
    regime = regime_on(day)
    levels = list(REGIME_LEVELS.get(regime, ())) if regime else []
    checks = [_regime_check(day, regime, levels)]
    level = credit_level_on(enterprise, day)
    read = read_level(level, regime)
    checks.append(_credit_status_check(day, regime, levels, level, read))
    checks.append(_one_year_bar_check(enterprise, training_type, day))
    checks.append(_one_open_case_check(enterprise, training_type, day, case_id))
    if origin == "application":
        checks.append(_termination_wait_check(enterprise, day, case_id))
    if category is not None:
        checks.append(_category_check(category, training_type, regime, levels, read))
    if nominees is not None:
        checks.append(_nominees_check(enterprise, nominees))
    return {
        "day": day.isoformat(),
        "regime": regime,
        "levels": levels,
        "eligible": all(c["passed"] for c in checks),
        "checks": checks,
    }


def _regime_check(day: date, regime: str | None, levels: list) -> dict:
    return {
        "key": "regime",
        "passed": regime is not None,
        "facts": {"day": day.isoformat(), "regime": regime, "levels": levels},
    }


def _credit_status_check(day: date, regime: str | None, levels: list, level, read) -> dict:
    excluded = [lv for lv in levels if lv in DISCREDITED_LEVELS]
    return {
        "key": "credit_status",
        "passed": regime is not None and read not in excluded,
        "facts": {
            "day": day.isoformat(),
            "regime": regime,
            "level": level,
            "read_as": read,
            "excluded": excluded,
        },
    }


def _one_year_bar_check(enterprise: Enterprise, training_type: str, day: date) -> dict:
    applies = training_type in settings.bar_training_types()
    holding = active_bars(enterprise, day) if applies else []
    return {
        "key": "one_year_bar",
        "passed": not holding,
        "facts": {
            "day": day.isoformat(),
            "applies": applies,
            "training_type": training_type,
            "bars": [
                {
                    "kind": b.kind,
                    "on": b.occurred_on.isoformat(),
                    "until": b.until.isoformat(),
                    "source": b.source,
                }
                for b in holding
            ],
        },
    }


def _one_open_case_check(enterprise: Enterprise, training_type: str, day: date, case_id: int | None) -> dict:
    others = open_cases_of(enterprise, training_type, exclude_id=case_id)
    return {
        "key": "one_open_case",
        "passed": not others,
        "facts": {
            "day": day.isoformat(),
            "training_type": training_type,
            "open": [{"ref": c.reference, "state": c.state} for c in others],
        },
    }


def _termination_wait_check(enterprise: Enterprise, day: date, case_id: int | None) -> dict:
    held = last_termination(enterprise, day, exclude_id=case_id)
    return {
        "key": "termination_wait",
        "passed": held is None,
        "facts": {
            "day": day.isoformat(),
            "months": settings.termination_wait_months(),
            "terminated": {
                "ref": held[0].reference,
                "on": held[0].terminated_on.isoformat(),
                "until": held[1].isoformat(),
            }
            if held
            else None,
        },
    }


def _category_check(category: str, training_type: str, regime: str | None, levels: list, read) -> dict:
    aeo_levels = [lv for lv in levels if lv in AEO_LEVELS]
    fits = category in CATEGORIES_BY_TYPE.get(training_type, ())
    category_ok = fits and (category != "aeo_rereview" or read in aeo_levels)
    return {
        "key": "category",
        "passed": category_ok,
        "facts": {
            "category": category,
            "training_type": training_type,
            "fits": fits,
            "level": read,
            "aeo_levels": aeo_levels,
            "regime": regime,
        },
    }


def _nominees_check(enterprise: Enterprise, nominees: list) -> dict:
    outsiders = [
        n.display_name
        for n in nominees
        if n.role != "trainee" or n.enterprise_id != enterprise.id or not n.active
    ]
    return {
        "key": "nominees",
        "passed": bool(nominees) and not outsiders,
        "facts": {"count": len(nominees), "outsiders": outsiders},
    }


def evaluate_case(case, day: date) -> dict:
    return evaluate(
        case.enterprise,
        training_type=case.training_type,
        category=case.category,
        day=day,
        nominees=[n.user for n in case.nominees],
        origin=case.origin,
        case_id=case.id,
    )


def application_checks(enterprise: Enterprise, day: date) -> dict[str, dict]:
    """For the apply page: per training type, the checks an application made on ``day`` must pass."""
    return {
        training_type: evaluate(
            enterprise, training_type=training_type, category=None, day=day, origin="application"
        )
        for training_type in TRAINING_TYPES
    }


# -- explanations (rendered in the reader's language) -------------------------------------------------------


def _level(level: str | None) -> str:
    return str(CREDIT_LEVELS[level]) if level in CREDIT_LEVELS else _("not rated")


def _regime(regime: str | None) -> str:
    return str(REGIMES[regime]) if regime in REGIMES else _("no regime")


def _levels(levels) -> str:
    return join_list(_level(lv) for lv in levels) or "—"


def check_label(key: str) -> str:
    labels = {
        "regime": _("Credit regime in force"),
        "credit_status": _("Not discredited or seriously discredited"),
        "one_year_bar": _("No one-year bar"),
        "category": _("Category fits the training type"),
        "one_open_case": _("No other open case of this training type"),
        "termination_wait": _("No recent termination"),
        "nominees": _("Nominees are trainees of the enterprise"),
    }
    return labels.get(key, key)


def explain(check: dict) -> str:
    """One sentence saying what was checked and why it passed or failed."""
    key, passed, f = check["key"], check["passed"], check.get("facts", {})
    explainer = _EXPLAINERS.get(key)
    return explainer(passed, f) if explainer else ""


def _explain_regime(passed: bool, f: dict) -> str:
    if not passed:
        return str(no_regime_message(date.fromisoformat(f["day"])))
    return _(
        "On %(day)s %(regime)s was in force; its credit levels are: %(levels)s.",
        day=f["day"],
        regime=_regime(f["regime"]),
        levels=_levels(f["levels"]),
    )


def _explain_credit_status(passed: bool, f: dict) -> str:
    if f.get("level") is None:
        return _(
            "No credit decision was recorded on or before %(day)s: the enterprise is not rated, "
            "which does not exclude it.",
            day=f["day"],
        )
    text = _(
        "Credit level on %(day)s: %(level)s. %(regime)s excludes: %(excluded)s.",
        day=f["day"],
        level=_level(f["level"]),
        regime=_regime(f["regime"]),
        excluded=_levels(f["excluded"]),
    )
    if f.get("read_as") and f["read_as"] != f["level"]:
        text += " " + _("Decided under the earlier regime, read as %(level)s.", level=_level(f["read_as"]))
    if not passed:
        text += " " + _("Rule: a discredited or seriously discredited enterprise is not cultivated.")
    return text


def _explain_one_year_bar(passed: bool, f: dict) -> str:
    if not f.get("applies"):
        return _(
            "The one-year bar does not apply to %(type)s.",
            type=str(TRAINING_TYPES.get(f["training_type"], f["training_type"])),
        )
    if passed:
        return _("No one-year bar holds on %(day)s.", day=f["day"])
    bars = "; ".join(
        _(
            "%(kind)s on %(day)s, until %(until)s",
            kind=str(BAR_KINDS[b["kind"]]),
            day=b["on"],
            until=b["until"],
        )
        for b in f["bars"]
    )
    return _(
        "Rule: one year must pass after failing certification or re-review, giving up AEO status, "
        "withdrawing an application, a downgrade from AEO or an upgrade out of discredit. "
        "Holding on %(day)s: %(bars)s.",
        day=f["day"],
        bars=bars,
    )


def _explain_one_open_case(passed: bool, f: dict) -> str:
    training = str(TRAINING_TYPES.get(f["training_type"], f["training_type"]))
    if passed:
        return _("On %(day)s the enterprise has no other open case of %(type)s.", day=f["day"], type=training)
    return _(
        "Rule: one open case per enterprise and training type. On %(day)s %(cases)s of %(type)s is still "
        "open; the enterprise's nominees train within it.",
        day=f["day"],
        cases=join_list(
            _("%(ref)s (%(state)s)", ref=c["ref"], state=str(CASE_STATES.get(c["state"], c["state"])))
            for c in f["open"]
        ),
        type=training,
    )


def _explain_termination_wait(passed: bool, f: dict) -> str:
    if passed:
        return _(
            "No case of the enterprise was terminated within %(months)d months before %(day)s.",
            months=f["months"],
            day=f["day"],
        )
    held = f["terminated"]
    return _(
        "Rule: an enterprise whose cultivation was terminated applies again only %(months)d months after "
        "the termination. Case %(ref)s was terminated on %(on)s: no application before %(until)s "
        "(judged on %(day)s).",
        months=f["months"],
        ref=held["ref"],
        on=held["on"],
        until=held["until"],
        day=f["day"],
    )


def _explain_category(passed: bool, f: dict) -> str:
    category = str(CATEGORIES.get(f["category"], f["category"]))
    training = str(TRAINING_TYPES.get(f["training_type"], f["training_type"]))
    if not f.get("fits"):
        allowed = join_list(str(CATEGORIES[c]) for c in CATEGORIES_BY_TYPE.get(f["training_type"], ()))
        return _(
            "Rule: %(type)s is for %(allowed)s, not %(category)s.",
            type=training,
            allowed=allowed,
            category=category,
        )
    if f["category"] == "aeo_rereview":
        if passed:
            return _(
                "An AEO due for re-review: the enterprise holds %(level)s, an AEO level under %(regime)s.",
                level=_level(f["level"]),
                regime=_regime(f["regime"]),
            )
        return _(
            "Rule: an AEO due for re-review must hold an AEO level on the decision date "
            "(%(regime)s: %(levels)s); the enterprise holds %(level)s.",
            regime=_regime(f["regime"]),
            levels=_levels(f["aeo_levels"]),
            level=_level(f["level"]),
        )
    return _("%(category)s fits %(type)s.", category=category, type=training)


def _explain_nominees(passed: bool, f: dict) -> str:
    if f.get("count", 0) == 0:
        return _("Rule: name at least one trainee of the enterprise.")
    if f.get("outsiders"):
        return _(
            "Rule: nominees must be active trainees of the enterprise; not so: %(names)s.",
            names=join_list(f["outsiders"]),
        )
    return ngettext(
        "%(num)d nominee, a trainee of the enterprise.",
        "%(num)d nominees, all trainees of the enterprise.",
        f["count"],
    )


_EXPLAINERS = {
    "regime": _explain_regime,
    "credit_status": _explain_credit_status,
    "one_year_bar": _explain_one_year_bar,
    "one_open_case": _explain_one_open_case,
    "termination_wait": _explain_termination_wait,
    "category": _explain_category,
    "nominees": _explain_nominees,
}


def explained(result: dict | None) -> list[dict]:
    """The checks of a stored or fresh result with their label and explanation, for templates."""
    if not result:
        return []
    return [
        dict(check, label=check_label(check["key"]), explanation=explain(check)) for check in result["checks"]
    ]


def failed_summary(result: dict) -> str:
    return " ".join(explain(c) for c in result["checks"] if not c["passed"])
