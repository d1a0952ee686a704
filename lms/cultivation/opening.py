"""Opening a case: an enterprise's application or an officer's nomination, checked against eligibility."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.cultivation import clock, eligibility, notices, settings
from lms.cultivation.models import (
    BAR_KINDS,
    CATEGORIES,
    CATEGORIES_BY_TYPE,
    OPEN_STATES,
    TRAINING_TYPES,
    CaseEvent,
    CaseNominee,
    CultivationCase,
)
from lms.cultivation.permissions import APPLICANT_POSITIONS
from lms.cultivation.transitions import _require_staff
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.evidence.ledger import record_evidence
from lms.extensions import db
from lms.i18n import format_day, join_list
from lms.org.models import CREDIT_LEVELS, DISCREDITED_LEVELS, REGIMES, Enterprise
from lms.org.services import credit_level_on, no_regime_message, regime_on

# -- opening a case -----------------------------------------------------------------------------------------


def _nominees(enterprise: Enterprise, nominee_ids) -> list[User]:
    ids = []
    for value in nominee_ids or []:
        try:
            ids.append(int(value))
        except (TypeError, ValueError) as error:
            raise InvalidInput(_l("Choose the nominees from the list."), field="nominees") from error
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise InvalidInput(
            _l("Rule: name at least one trainee of the enterprise as a nominee."), field="nominees"
        )
    users = db.session.execute(sa.select(User).where(User.id.in_(ids))).scalars().all()
    ours = [u for u in users if u.role == "trainee" and u.enterprise_id == enterprise.id and u.active]
    if len(ours) != len(ids):
        raise RuleViolation(
            _l(
                "Rule: nominees must be active trainees of %(enterprise)s; "
                "a trainee of another enterprise cannot be nominated.",
                enterprise=enterprise.name,
            ),
            field="nominees",
            code="nominee.other_enterprise",
        )
    order = {user_id: index for index, user_id in enumerate(ids)}
    return sorted(ours, key=lambda u: order[u.id])


def _check_type_and_category(training_type: str, category: str) -> None:
    if training_type not in TRAINING_TYPES:
        raise InvalidInput(_l("Choose a training type."), field="training_type")
    if category not in CATEGORIES:
        raise InvalidInput(_l("Choose the enterprise's category."), field="category")
    if category not in CATEGORIES_BY_TYPE[training_type]:
        allowed = join_list(str(CATEGORIES[c]) for c in CATEGORIES_BY_TYPE[training_type])
        raise RuleViolation(
            _l("Rule: %(type)s is for %(allowed)s.", type=TRAINING_TYPES[training_type], allowed=allowed),
            field="category",
            code="case.category",
        )


def _check_no_bar(enterprise: Enterprise, training_type: str, day: date) -> None:
    if training_type not in settings.bar_training_types():
        return
    holding = eligibility.active_bars(enterprise, day)
    if holding:
        bar = holding[0]
        raise RuleViolation(
            _l(
                "Rule: one-year bar. %(enterprise)s cannot apply before %(until)s (%(kind)s on %(day)s).",
                enterprise=enterprise.name,
                until=format_day(max(b.until for b in holding)),
                kind=BAR_KINDS[bar.kind],
                day=format_day(bar.occurred_on),
            ),
            code="case.one_year_bar",
        )


def _check_may_apply(enterprise: Enterprise, day: date) -> None:
    """An enterprise's own application: not while (seriously) discredited, nor soon after a termination."""
    regime = regime_on(day)
    if regime is None:
        raise RuleViolation(no_regime_message(day), code="case.no_regime")
    held = eligibility.read_level(credit_level_on(enterprise, day), regime)
    if held in DISCREDITED_LEVELS:
        raise RuleViolation(
            _l(
                "Rule: a discredited or seriously discredited enterprise is not cultivated. On %(day)s "
                "%(enterprise)s is: %(level)s (%(regime)s).",
                day=format_day(day),
                enterprise=enterprise.name,
                level=CREDIT_LEVELS[held],
                regime=REGIMES[regime],
            ),
            code="case.discredited",
        )
    held_termination = eligibility.last_termination(enterprise, day)
    if held_termination is not None:
        terminated, until = held_termination
        raise RuleViolation(
            _l(
                "Rule: an enterprise whose cultivation was terminated applies again only %(months)d months "
                "after the termination. Case %(ref)s was terminated on %(on)s: no application before "
                "%(until)s (judged on %(day)s).",
                months=settings.termination_wait_months(),
                ref=terminated.reference,
                on=format_day(terminated.terminated_on),
                until=format_day(until),
                day=format_day(day),
            ),
            code="case.termination_wait",
        )


def _open_case(
    actor,
    enterprise: Enterprise,
    *,
    origin: str,
    training_type: str,
    category: str,
    nominee_ids,
    statement: str,
) -> CultivationCase:
    _check_type_and_category(training_type, category)
    nominees = _nominees(enterprise, nominee_ids)
    eligibility.sync_credit_bars(enterprise, actor)  # also locks the enterprise row until commit
    existing = (
        db.session.execute(
            sa.select(CultivationCase).where(
                CultivationCase.enterprise_id == enterprise.id,
                CultivationCase.training_type == training_type,
                CultivationCase.state.in_(OPEN_STATES),
            )
        )
        .scalars()
        .first()
    )
    if existing is not None:
        raise RuleViolation(
            _l(
                "Rule: one open case per enterprise and training type; "
                "case %(ref)s (%(state)s) is still open on %(day)s.",
                ref=existing.reference,
                state=existing.state_label,
                day=format_day(clock.today()),
            ),
            field="training_type",
            code="case.one_open",
        )
    if origin == "application":
        _check_may_apply(enterprise, clock.today())
    _check_no_bar(enterprise, training_type, clock.today())
    case = CultivationCase(
        enterprise=enterprise,
        training_type=training_type,
        category=category,
        origin=origin,
        statement=(statement or "").strip(),
        opened_by_id=actor.id,
        state="submitted",
        opened_on=clock.today(),
    )
    for user in nominees:
        case.nominees.append(CaseNominee(user=user, position=user.position or "other"))
    db.session.add(case)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # another request opened the same case first
        raise RuleViolation(
            _l("Rule: one open case per enterprise and training type."),
            field="training_type",
            code="case.one_open",
        ) from error
    event = CaseEvent(
        case=case,
        transition="submit" if origin == "application" else "nominate",
        from_state=None,
        to_state="submitted",
        actor_id=actor.id,
        effective_on=case.opened_on,
        notes=case.statement,
        details={"nominees": [{"user_id": n.user_id, "position": n.position} for n in case.nominees]},
    )
    event.occurred_at = case.opened_at
    db.session.add(event)
    record_evidence("case_transition", event, actor)
    notices.notify_case(case, "submitted")
    return case


def apply_for_cultivation(actor, *, training_type: str, category: str, nominee_ids, statement: str = ""):
    """A legal representative or senior manager applies for their enterprise."""
    if actor.role != "trainee" or actor.enterprise is None:
        raise NotPermitted(_l("Only trainees of an enterprise can apply for it."))
    if actor.position not in APPLICANT_POSITIONS:
        raise NotPermitted(
            _l("Rule: only the enterprise's legal representative or a senior manager may apply.")
        )
    return _open_case(
        actor,
        actor.enterprise,
        origin="application",
        training_type=training_type,
        category=category,
        nominee_ids=nominee_ids,
        statement=statement,
    )


def nominate_enterprise(
    actor, enterprise: Enterprise, *, training_type: str, category: str, nominee_ids, statement: str = ""
):
    """An officer of the enterprise's jurisdiction opens a case for it."""
    _require_staff(actor, enterprise)
    return _open_case(
        actor,
        enterprise,
        origin="nomination",
        training_type=training_type,
        category=category,
        nominee_ids=nominee_ids,
        statement=statement,
    )
