"""Flags for officers and reminders of approaching deadlines, computed against :func:`clock.today`.

- *Audit without conclusion*: a case suspended because the enterprise is being audited is flagged from the
  day ``LMS_AUDIT_CONCLUSION_MONTHS`` months after the audit started (recorded with the suspension; the
  suspension date when not given); termination is proposed.
- *Discredited while open*: the enterprise's credit level on the day (latest decision dated on or before it)
  is discredited or seriously discredited while its case is open; termination on that ground is proposed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.cultivation import clock, settings
from lms.cultivation.models import OPEN_STATES, CultivationCase, PlanItem, Reminder
from lms.cultivation.notices import case_link
from lms.cultivation.permissions import case_clause
from lms.extensions import db
from lms.i18n import format_day
from lms.notifications.messages import Bilingual
from lms.notifications.services import notify
from lms.org.models import DISCREDITED_LEVELS, CreditStatusRecord, CustomsUnit, Enterprise


@dataclass
class Flag:
    kind: str  # "audit_overdue" or "discredited"
    case: CultivationCase
    since: date  # audit start or credit decision date
    limit: date | None  # the day the audit limit was reached
    proposed_reason: str  # the termination reason to prefill

    @property
    def label(self) -> str:
        if self.kind == "audit_overdue":
            return str(
                _l(
                    "Audited since %(since)s with no conclusion by %(limit)s",
                    since=format_day(self.since),
                    limit=format_day(self.limit),
                )
            )
        return str(
            _l(
                "Became %(level)s on %(since)s while the case is open",
                level=_l("seriously discredited")
                if self.proposed_reason == "seriously_discredited"
                else _l("discredited"),
                since=format_day(self.since),
            )
        )


def audit_limit(audit_started_on: date) -> date:
    """The day an audit that started on ``audit_started_on`` counts as without conclusion."""
    return clock.add_months(audit_started_on, settings.audit_conclusion_months())


def _audit_start_column():
    return sa.func.coalesce(CultivationCase.audit_started_on, CultivationCase.suspended_on)


def _latest_levels_on(day: date):
    """Sub-select (enterprise_id, level, decided_on): each enterprise's latest decision up to ``day``."""
    ranked = (
        sa.select(
            CreditStatusRecord.enterprise_id,
            CreditStatusRecord.level,
            CreditStatusRecord.decided_on,
            sa.func.row_number()
            .over(
                partition_by=CreditStatusRecord.enterprise_id,
                order_by=(CreditStatusRecord.decided_on.desc(), CreditStatusRecord.id.desc()),
            )
            .label("rn"),
        )
        .where(CreditStatusRecord.decided_on <= day)
        .subquery("ranked")
    )
    return (
        sa.select(ranked.c.enterprise_id, ranked.c.level, ranked.c.decided_on)
        .where(ranked.c.rn == 1)
        .subquery("latest")
    )


def _audit_cases(clause, day: date) -> list[CultivationCase]:
    # Any case whose limit may have passed: suspended at least (months) earlier, checked precisely below.
    earliest = day - timedelta(days=28 * settings.audit_conclusion_months() - 1)
    return list(
        db.session.execute(
            sa.select(CultivationCase)
            .where(
                clause,
                CultivationCase.state == "suspended",
                CultivationCase.suspension_reason == "audit",
                _audit_start_column() <= earliest,
            )
            .options(joinedload(CultivationCase.enterprise))
            .order_by(_audit_start_column(), CultivationCase.id)
        ).scalars()
    )


def flags_for(actor, day: date | None = None) -> list[Flag]:
    """The flags of the cases ``actor`` may act on (``actor`` None: every case)."""
    day = day or clock.today()
    clause = case_clause(actor) if actor is not None else sa.true()
    flags = []
    for case in _audit_cases(clause, day):
        limit = audit_limit(case.audit_counted_from)
        if day >= limit:
            flags.append(Flag("audit_overdue", case, case.audit_counted_from, limit, "audit_no_conclusion"))
    latest = _latest_levels_on(day)
    rows = db.session.execute(
        sa.select(CultivationCase, latest.c.level, latest.c.decided_on)
        .join(latest, latest.c.enterprise_id == CultivationCase.enterprise_id)
        .where(clause, CultivationCase.state.in_(OPEN_STATES), latest.c.level.in_(DISCREDITED_LEVELS))
        .options(joinedload(CultivationCase.enterprise))
        .order_by(latest.c.decided_on, CultivationCase.id)
    ).all()
    for case, level, decided_on in rows:
        flags.append(Flag("discredited", case, decided_on, None, level))
    return flags


# -- reminders ----------------------------------------------------------------------------------------------


def _already_sent(kind: str, subject: str, user_id: int, day: date) -> bool:
    return (
        db.session.execute(
            sa.select(Reminder.id).where(
                Reminder.kind == kind,
                Reminder.subject == subject,
                Reminder.user_id == user_id,
                Reminder.day == day,
            )
        ).first()
        is not None
    )


def _remind(user: User, kind: str, subject: str, day: date, title, body, link: str, **params) -> bool:
    if _already_sent(kind, subject, user.id, day):
        return False
    db.session.add(Reminder(kind=kind, subject=subject, user_id=user.id, day=day))
    notify(user, f"cultivation.{kind}", title, body=body, link=link, **params)
    return True


def supervising_officers(enterprise: Enterprise) -> list[User]:
    """Active officers of the enterprise's unit and of every unit above it."""
    unit_ids = [int(part) for part in (enterprise.unit.path or "").strip("/").split("/") if part]
    if not unit_ids:
        return []
    return list(
        db.session.execute(
            sa.select(User)
            .join(CustomsUnit, CustomsUnit.id == User.unit_id)
            .where(User.role == "officer", User.active, User.unit_id.in_(unit_ids))
            .order_by(User.id)
        ).scalars()
    )


def send_reminders(day: date | None = None) -> dict[str, int]:
    """Remind officers of audits nearing their limit and nominees of plan items due soon; once a day each."""
    from lms.cultivation.plans import item_title, plan_progress

    day = day or clock.today()
    sent = {"audit": 0, "plan": 0}
    warn_from = timedelta(days=settings.audit_reminder_days())
    for case in db.session.execute(
        sa.select(CultivationCase)
        .where(CultivationCase.state == "suspended", CultivationCase.suspension_reason == "audit")
        .options(joinedload(CultivationCase.enterprise))
        .order_by(CultivationCase.id)
    ).scalars():
        limit = audit_limit(case.audit_counted_from)
        if day < limit - warn_from:
            continue
        enterprise = case.enterprise
        for officer in supervising_officers(enterprise):
            sent["audit"] += _remind(
                officer,
                "audit_limit",
                f"case:{case.id}",
                day,
                _l("Audit of %(enterprise)s: conclusion due by %(limit)s"),
                _l(
                    "Case %(ref)s is suspended for an audit that started on %(since)s. "
                    "Without an audit conclusion by %(limit)s, termination of the cultivation is proposed."
                ),
                case_link(case),
                enterprise=Bilingual(enterprise.name_en, enterprise.name_zh),
                ref=case.reference,
                since=case.audit_counted_from,
                limit=limit,
            )
    horizon = day + timedelta(days=settings.plan_reminder_days())
    cases = (
        db.session.execute(
            sa.select(CultivationCase)
            .join(PlanItem, PlanItem.case_id == CultivationCase.id)
            .where(CultivationCase.state == "in_training", PlanItem.due_on >= day, PlanItem.due_on <= horizon)
            .options(joinedload(CultivationCase.enterprise))
            .order_by(CultivationCase.id)
        )
        .scalars()
        .unique()
        .all()
    )
    for case in cases:
        enterprise = case.enterprise
        for row in plan_progress(case).rows:
            user = row.nominee.user
            if not user.active:
                continue
            for cell in row.cells:
                item = cell.item
                if cell.done or item.due_on is None or not day <= item.due_on <= horizon:
                    continue
                sent["plan"] += _remind(
                    user,
                    "plan_due",
                    f"plan_item:{item.id}",
                    day,
                    _l("Training due by %(due)s: %(item)s"),
                    _l(
                        "Please complete %(item)s by %(due)s, as planned for the cultivation of "
                        "%(enterprise)s (case %(ref)s)."
                    ),
                    case_link(case),
                    item=item_title(item),
                    due=item.due_on,
                    enterprise=Bilingual(enterprise.name_en, enterprise.name_zh),
                    ref=case.reference,
                )
    db.session.flush()
    return sent
