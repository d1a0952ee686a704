"""The notification inbox."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.auth.forms import ConfirmForm
from lms.core.web import is_safe_next, paginate
from lms.database import utcnow
from lms.extensions import db
from lms.notifications.models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def inbox():
    stmt = (
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return render_template("notifications/inbox.html", pagination=paginate(stmt), form=ConfirmForm())


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_notification(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    target = notification.link if is_safe_next(notification.link) else url_for("notifications.inbox")
    return redirect(target)


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(lms_page_owner=current_user.id)
    )
    db.session.commit()
    return redirect(request.referrer if is_safe_next(request.referrer) else url_for("notifications.inbox"))
