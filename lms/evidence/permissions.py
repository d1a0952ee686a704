"""Who may see and revoke certificates, and who may read the ledger."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from lms.auth.scopes import enterprise_clause, enterprise_in_scope
from lms.evidence.models import Certificate
from lms.extensions import db


def certificate_clause(actor) -> sa.ColumnElement[bool]:
    """Trainees see their own certificates; officers those of the enterprises in their jurisdiction (the
    trainee's enterprise when it was issued); admins all; experts none."""
    if actor.role == "admin":
        return sa.true()
    if actor.role == "trainee":
        return Certificate.user_id == actor.id
    if actor.role == "officer":
        return enterprise_clause(actor, Certificate.enterprise_id)
    return sa.false()


def get_certificate_or_404(actor, certificate_id: int, *options) -> Certificate:
    stmt = sa.select(Certificate).where(Certificate.id == certificate_id, certificate_clause(actor))
    if options:
        stmt = stmt.options(*options)
    certificate = db.session.execute(stmt).scalar_one_or_none()
    if certificate is None:
        abort(404)
    return certificate


def can_view_certificate(actor, certificate: Certificate) -> bool:
    stmt = sa.select(Certificate.id).where(Certificate.id == certificate.id, certificate_clause(actor))
    return db.session.execute(stmt).first() is not None


def can_revoke_certificate(actor, certificate: Certificate) -> bool:
    if actor.role == "admin":
        return True
    return actor.role == "officer" and enterprise_in_scope(actor, certificate.enterprise_id)


def can_read_ledger(actor) -> bool:
    return actor.role == "admin"
