"""Who may see and act on cultivation cases and key training lists.

Officers act on the cases of enterprises their unit (or a unit below it) supervises; the GACC admin on all.
Trainees see the cases of their own enterprise; the legal representative and senior managers may apply.
Experts see nothing here. A case outside the viewer's reach answers 404.
"""

from __future__ import annotations

import sqlalchemy as sa

from lms.auth.scopes import enterprise_clause, enterprise_in_scope, unit_clause, unit_in_scope
from lms.cultivation.models import CultivationCase, KeyTrainingList

STAFF = ("officer", "admin")
APPLICANT_POSITIONS = ("legal_representative", "senior_management")


def case_clause(actor) -> sa.ColumnElement[bool]:
    """Restrict cases to those ``actor`` may see."""
    if actor.role in STAFF or actor.role == "trainee":
        return enterprise_clause(actor, CultivationCase.enterprise_id)
    return sa.false()


def key_list_clause(actor) -> sa.ColumnElement[bool]:
    if actor.role not in STAFF:
        return sa.false()
    return unit_clause(actor, KeyTrainingList.unit_id)


def can_view_case(actor, case) -> bool:
    if actor.role == "trainee":
        return case.enterprise_id == actor.enterprise_id
    return actor.role in STAFF and enterprise_in_scope(actor, case.enterprise_id)


def can_act_on_case(actor, case) -> bool:
    return actor.role in STAFF and enterprise_in_scope(actor, case.enterprise_id)


def can_manage_key_list(actor, key_list) -> bool:
    return actor.role in STAFF and unit_in_scope(actor, key_list.unit_id)


def can_apply(actor) -> bool:
    return (
        actor.role == "trainee" and actor.enterprise_id is not None and actor.position in APPLICANT_POSITIONS
    )
