"""The queries behind the certificate pages, shared with the JSON API (lms/api)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.core.search import contains
from lms.core.statements import built_once
from lms.courses.models import CourseVersion
from lms.evidence import services
from lms.evidence.models import Certificate
from lms.evidence.permissions import certificate_clause
from lms.extensions import db

# What a list shows in the reader's language comes with the rows: the holder, and the completed version with
# its variants (the course title in the reader's language).
SHOWN = (
    selectinload(Certificate.user),
    selectinload(Certificate.course_version).selectinload(CourseVersion.texts),
)


def latest_certificates(*clauses, limit: int | None = 5) -> list[Certificate]:
    """The newest certificates meeting ``clauses``, with what a list shows (the panels of the dashboard, an
    enterprise and an account)."""
    stmt = (
        sa.select(Certificate)
        .options(*SHOWN)
        .where(*clauses)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


def my_certificates(user) -> sa.Select:
    """A trainee's own certificates, newest first."""
    return (
        sa.select(Certificate)
        .where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )


def certificate_list(
    actor, *, q: str = "", status: str = "", course_id: int | None = None, enterprise_id: int | None = None
) -> sa.Select:
    """Certificates in ``actor``'s jurisdiction with the list page's filters, newest first."""
    stmt = (
        sa.select(Certificate)
        .where(certificate_clause(actor))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    if q:
        code = services.normalise_code(q)
        stmt = stmt.where(
            sa.or_(
                contains(Certificate.trainee_name, q),
                contains(Certificate.enterprise_name_en, q),
                contains(Certificate.enterprise_name_zh, q, case_sensitive=True),
                Certificate.code == (code or q.upper()),
            )
        )
    if status == "valid":
        stmt = stmt.where(Certificate.revoked_at.is_(None))
    elif status == "revoked":
        stmt = stmt.where(Certificate.revoked_at.is_not(None))
    if course_id:
        stmt = stmt.where(Certificate.course_id == course_id)
    if enterprise_id:
        stmt = stmt.where(Certificate.enterprise_id == enterprise_id)
    return stmt


def certificate_by_code(code: str) -> Certificate | None:
    """The public verification lookup: one indexed lookup; a malformed code answers like an unknown one."""
    normalised = services.normalise_code(code)
    return db.session.execute(_BY_CODE(), {"code": normalised or ""}).scalar_one_or_none()


# Built once: the lookup runs on every check of a printed certificate's QR code.
_BY_CODE = built_once(lambda: sa.select(Certificate).where(Certificate.code == sa.bindparam("code")))
