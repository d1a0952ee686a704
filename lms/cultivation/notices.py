"""Who hears about a case decision, and the notifications they get."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.cultivation.models import TRAINING_TYPES
from lms.extensions import db
from lms.notifications.messages import Bilingual
from lms.notifications.services import notify

# kind -> (title, body); placeholders: enterprise, ref, type, and per kind day, reason, unit, period, outcome
MESSAGES = {
    "submitted": (
        _l("Cultivation case opened for %(enterprise)s"),
        _l("Case %(ref)s (%(type)s) was opened and awaits screening by customs."),
    ),
    "screened": (
        _l("Cultivation application of %(enterprise)s accepted"),
        _l(
            "Case %(ref)s (%(type)s) passed screening on %(day)s and will be considered for the key "
            "training list."
        ),
    ),
    "rejected": (
        _l("Cultivation application of %(enterprise)s rejected"),
        _l("Case %(ref)s (%(type)s) was not accepted on %(day)s: %(reason)s"),
    ),
    "list_confirmed": (
        _l("%(enterprise)s is on the key training list for %(period)s"),
        _l("Case %(ref)s is on the key training list of %(unit)s for %(period)s; training has started."),
    ),
    "listed": (
        _l("%(enterprise)s is on the key training list for %(period)s"),
        _l(
            "Case %(ref)s is on the key training list of %(unit)s for %(period)s; you will be told when "
            "training starts."
        ),
    ),
    "training_started": (
        _l("Training of %(enterprise)s has started"),
        _l("Case %(ref)s is in training from %(day)s."),
    ),
    "suspended": (
        _l("Cultivation of %(enterprise)s suspended"),
        _l("Case %(ref)s is suspended from %(day)s: %(reason)s"),
    ),
    "resumed": (
        _l("Cultivation of %(enterprise)s resumed"),
        _l("Case %(ref)s is back in training from %(day)s."),
    ),
    "terminated": (
        _l("Cultivation of %(enterprise)s terminated"),
        _l("Case %(ref)s was terminated on %(day)s: %(reason)s"),
    ),
    "completed": (
        _l("Training of %(enterprise)s completed"),
        _l("Every nominee of case %(ref)s has completed the training plan."),
    ),
    "outcome": (
        _l("AEO certification outcome for %(enterprise)s"),
        _l("Case %(ref)s: %(outcome)s (decided on %(day)s)."),
    ),
}


def case_link(case) -> str:
    return f"/cultivation/cases/{case.id}"


def case_recipients(case) -> list[User]:
    """The applicant, the enterprise's legal representatives and the nominees (active accounts, once each)."""
    ids = {n.user_id for n in case.nominees}
    if case.opened_by is not None and case.opened_by.role == "trainee":
        ids.add(case.opened_by_id)
    legal = (
        db.session.execute(
            sa.select(User.id).where(
                User.enterprise_id == case.enterprise_id,
                User.role == "trainee",
                User.position == "legal_representative",
            )
        )
        .scalars()
        .all()
    )
    ids.update(legal)
    if not ids:
        return []
    return list(
        db.session.execute(sa.select(User).where(User.id.in_(ids), User.active).order_by(User.id)).scalars()
    )


def notify_case(case, kind: str, **params) -> int:
    title, body = MESSAGES[kind]
    enterprise = case.enterprise
    # Kept as keys and parameters: each reader sees the notice in their own language.
    values = {
        "enterprise": Bilingual(enterprise.name_en, enterprise.name_zh),
        "ref": case.reference,
        "type": TRAINING_TYPES[case.training_type],
    }
    values.update(params)
    recipients = case_recipients(case)
    for user in recipients:
        notify(user, f"cultivation.{kind}", title, body=body, link=case_link(case), **values)
    return len(recipients)
