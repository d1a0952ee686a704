"""The signed-in user of a request, loaded with what every page shows about them in one statement (a GET).

Every page's header shows the user's name, role and home unit and the number of unread notifications.
Loading the user, then their unit or their enterprise and its unit, then counting notifications took four
round trips per page; :func:`load_session_user` does it in one (outer joins and a scalar subquery), and the
count is kept for the page that request renders.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, request
from sqlalchemy.orm import joinedload

from lms.core.statements import built_once
from lms.extensions import db


def load_session_user(user_id: int):
    """The active user with this id (None otherwise), their unit, enterprise and enterprise's unit loaded,
    and the count of their unread notifications remembered for this request."""
    page = request.method in ("GET", "HEAD")
    row = db.session.execute(_statement(page), {"user_id": user_id}).first()
    if row is None or not row[0].active:
        return None
    if page:
        g._unread_notifications = (row[0].id, row[1])
    return row[0]


@built_once
def _statement(page: bool) -> sa.Select:
    """Built once per process (with the id as a parameter): building it cost more than running it."""
    from lms.auth.models import User
    from lms.notifications.models import Notification
    from lms.org.models import Enterprise

    if not page:
        # A form sent: its answer is nearly always a redirect, which shows no header (a page shown again with
        # its errors loads the unit and enterprise when it needs them, and counts the notifications afresh).
        return sa.select(User).where(User.id == sa.bindparam("user_id"))
    unread = (
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    return (
        sa.select(User, unread)
        .where(User.id == sa.bindparam("user_id"))
        .options(joinedload(User.unit), joinedload(User.enterprise).joinedload(Enterprise.unit))
    )


def unread_for_page(user) -> int:
    """Unread notifications for the page's header: the count read with the user on a GET (nothing this
    request did can have changed it), counted afresh after a request that may have changed something."""
    from lms.notifications.services import unread_count

    loaded = g.get("_unread_notifications")
    if loaded is not None and loaded[0] == user.id and request.method in ("GET", "HEAD"):
        return loaded[1]
    return unread_count(user)
