"""The query behind the accounts page, shared with the JSON API (lms/api)."""

from __future__ import annotations

import sqlalchemy as sa

from lms.auth.models import ROLES, User
from lms.auth.scopes import user_clause
from lms.core.search import contains_any


def user_list(actor, *, q: str = "", role: str = "") -> sa.Select:
    """Accounts ``actor`` may see, with the accounts page's filters, by login name."""
    stmt = sa.select(User).where(user_clause(actor)).order_by(User.login_name)
    if q:
        stmt = stmt.where(contains_any((User.login_name, User.email, User.display_name), q))
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    return stmt.options(sa.orm.selectinload(User.enterprise), sa.orm.selectinload(User.unit))
