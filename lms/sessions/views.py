"""Session pages: list and detail, scheduling, registrations, attendance and check-in, feedback, calendars,
coaching records and venues."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from lms.auth.forms import ConfirmForm
from lms.auth.models import User
from lms.auth.permissions import role_required
from lms.auth.scopes import units_in_scope
from lms.auth.security_log import record_security_event
from lms.core.access import public
from lms.core.actions import act, on_form
from lms.core.confirm import confirmation_page, is_confirmed
from lms.core.panels import session_page
from lms.core.web import int_arg, paginate
from lms.courses.models import Course
from lms.errors import DomainError, InvalidInput
from lms.extensions import db
from lms.sessions import ical, queries, services
from lms.sessions.forms import (
    ActionItemForm,
    CancelSessionForm,
    CheckInForm,
    CoachingRecordForm,
    DecisionForm,
    FeedbackForm,
    RegisterTraineesForm,
    SessionForm,
    VenueForm,
)
from lms.sessions.models import (
    ATTENDANCE,
    REGISTRATION_STATUSES,
    SESSION_MODES,
    SESSION_STATUSES,
    CoachingActionItem,
    Registration,
    TrainingSession,
    Venue,
)
from lms.sessions.permissions import (
    STAFF,
    can_edit_coaching,
    can_manage_session,
    can_run_session,
    can_view_coaching,
    get_session_or_404,
    get_venue_or_404,
)

bp = Blueprint("sessions", __name__, url_prefix="/sessions")

ALL = ("trainee", "expert", "officer", "admin")

WHEN_CHOICES = {"upcoming": _l("Upcoming"), "past": _l("Past"), "all": _l("All dates")}


@bp.app_template_global("sessions_course_url")
def course_url(course) -> str | None:
    """The course's own page (served by the courses area)."""
    if course is None:
        return None
    try:
        return url_for("courses.course_page", slug=course.slug)
    except BuildError:
        return None


def _date_arg(name: str):
    value = request.args.get(name) or ""
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None


def _list_options():
    return queries.list_options()


def _published_courses() -> list[Course]:
    return list(db.session.execute(queries.published_courses()).scalars())


# -- list and detail ---------------------------------------------------------------------------------------


@bp.route("/")
@login_required
def session_list():
    course_id = int_arg("course")
    unit_id = int_arg("unit")
    mode = request.args.get("mode") or ""
    status = request.args.get("status") or ""
    when = request.args.get("when") or "upcoming"
    date_from, date_to = _date_arg("from"), _date_arg("to")
    stmt = queries.session_list(
        current_user,
        course_id=course_id,
        unit_id=unit_id,
        mode=mode,
        status=status,
        when=when,
        date_from=date_from,
        date_to=date_to,
    )
    pagination = paginate(stmt)
    mine = {}
    if current_user.role == "trainee" and pagination.items:
        mine = dict(
            db.session.execute(
                queries.own_registration_statuses(current_user, [s.id for s in pagination.items])
            ).all()
        )
    units = (
        units_in_scope(current_user)
        if current_user.role in STAFF
        else list(db.session.execute(queries.all_units()).scalars())
    )
    return render_template(
        "sessions/session_list.html",
        pagination=pagination,
        mine=mine,
        courses=_published_courses(),
        units=units,
        modes=SESSION_MODES,
        statuses=SESSION_STATUSES,
        whens=WHEN_CHOICES,
        registration_statuses=REGISTRATION_STATUSES,
        filters={
            "course": course_id or "",
            "unit": unit_id or "",
            "mode": mode,
            "status": status,
            "when": when,
            "from": date_from.isoformat() if date_from else "",
            "to": date_to.isoformat() if date_to else "",
        },
        can_create=current_user.role in STAFF,
    )


@bp.route("/<int:session_id>")
@login_required
def session_detail(session_id: int):
    session = get_session_or_404(current_user, session_id)
    manage = can_manage_session(current_user, session)
    run = manage or can_run_session(current_user, session)
    registration = None
    position = None
    feedback_open = False
    if current_user.role == "trainee":
        registration = services.find_registration(session, current_user)
        if registration is not None:
            position = services.waitlist_position(registration)
            try:
                services.check_feedback_allowed(current_user, registration)
                feedback_open = True
            except DomainError:
                feedback_open = False
    counts = (
        dict(db.session.execute(queries.registration_counts(session)).all())
        if current_user.role in STAFF or run
        else {}
    )
    window = services.checkin_window(session)
    current = services.now()
    return render_template(
        "sessions/session_detail.html",
        session=session,
        manage=manage,
        run=run,
        registration=registration,
        position=position,
        can_cancel_own=registration is not None and services.can_cancel_own(registration),
        cancel_deadline=services.cancellation_deadline(session),
        checkin_open=window.contains(current) and session.status != "cancelled",
        window=window,
        feedback_open=feedback_open,
        counts=counts,
        now=current,
        can_register_self=current_user.role == "trainee"
        and (registration is None or registration.status in ("cancelled",)),
        coaching=can_view_coaching(current_user, session),
        experts=db.session.execute(queries.session_experts(session)).scalars().all(),
        panels=session_page.for_user(current_user, session=session),
        form=ConfirmForm(),
        attendance_labels=ATTENDANCE,
    )


# -- scheduling --------------------------------------------------------------------------------------------


def _session_choices(form: SessionForm, session: TrainingSession | None = None) -> None:
    courses = _published_courses()
    if session is not None and session.course not in courses:
        courses.append(session.course)
    form.course_id.choices = [(c.id, c.title) for c in courses]
    form.unit_id.choices = [(u.id, f"{u.code} {u.name}") for u in units_in_scope(current_user)]
    venues = db.session.execute(queries.usable_venues(current_user)).scalars().all()
    form.venue_id.choices = [("", "—")] + [
        (v.id, _("%(venue)s (%(capacity)d seats)", venue=v.name, capacity=v.capacity)) for v in venues
    ]
    enterprises = db.session.execute(queries.enterprises_in_scope(current_user)).scalars().all()
    form.host_enterprise_id.choices = [("", "—")] + [
        (e.id, f"{e.name} — {e.credit_level_label or _('Not rated')}")
        for e in enterprises
        if e.credit_level == "advanced_certified"
        or (session is not None and e.id == session.host_enterprise_id)
    ]
    form.enterprise_id.choices = [("", "—")] + [(e.id, e.name) for e in enterprises]


def _session_values(form: SessionForm) -> dict:
    return {
        "course_id": form.course_id.data,
        "title": form.title.data or "",
        "mode": form.mode.data,
        "unit_id": form.unit_id.data,
        "starts_at": services.form_to_utc(form.starts_at.data),
        "ends_at": services.form_to_utc(form.ends_at.data),
        "capacity": form.capacity.data,
        "registration_opens_at": services.form_to_utc(form.registration_opens_at.data),
        "registration_closes_at": services.form_to_utc(form.registration_closes_at.data),
        "requires_approval": bool(form.requires_approval.data),
        "venue_id": form.venue_id.data,
        "host_enterprise_id": form.host_enterprise_id.data,
        "enterprise_id": form.enterprise_id.data,
        "meeting_url": form.meeting_url.data or "",
        "description": form.description.data or "",
    }


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STAFF)
def session_create():
    form = SessionForm()
    if request.method == "GET":
        form.course_id.data = int_arg("course")
        if current_user.unit_id:
            form.unit_id.data = current_user.unit_id
    _session_choices(form)

    def schedule(_nothing, form: SessionForm) -> list[TrainingSession]:
        values = _session_values(form)
        if form.repeat.data in ("weekly", "days"):
            every = 7 if form.repeat.data == "weekly" else form.repeat_every.data
            return services.create_series(
                current_user,
                values,
                every_days=every,
                count=form.repeat_count.data,
                open_now=bool(form.open_now.data),
            )
        return [services.create_session(current_user, values, open_now=bool(form.open_now.data))]

    def page(_nothing, form):
        return render_template("sessions/session_form.html", form=form, session=None)

    def refused(_nothing, form, error: DomainError):
        _session_choices(form)
        return on_form(page, status=200)(None, form, error)

    return act(
        schedule,
        form=form,
        invalid=page,
        refused=refused,
        success=lambda sessions: (
            _("%(count)d sessions scheduled as a series.", count=len(sessions))
            if len(sessions) > 1
            else _("Session scheduled.")
        ),
        redirect_to=lambda sessions: url_for("sessions.session_detail", session_id=sessions[0].id),
    )


def _managed_session_or_404(session_id: int) -> TrainingSession:
    session = get_session_or_404(current_user, session_id)
    if not can_manage_session(current_user, session):
        abort(403)
    return session


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def session_edit(session_id: int):
    session = _managed_session_or_404(session_id)
    form = SessionForm(obj=session)
    if request.method == "GET":
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            getattr(form, name).data = services.utc_to_form(getattr(session, name))
    _session_choices(form, session)

    def page(session, form):
        return render_template("sessions/session_form.html", form=form, session=session)

    def refused(session, form, error: DomainError):
        _session_choices(form, session)
        return on_form(page, status=200)(session, form, error)

    return act(
        lambda session, f: services.update_session(current_user, session, _session_values(f)),
        load=lambda: _managed_session_or_404(session_id),
        form=form,
        invalid=page,
        refused=refused,
        success=_("Session saved."),
        redirect_to=url_for("sessions.session_detail", session_id=session_id),
    )


@bp.route("/<int:session_id>/cancel", methods=["GET", "POST"])
@role_required(*STAFF)
def session_cancel(session_id: int):

    def page(session, form):
        active = db.session.execute(queries.active_registration_count(session)).scalar_one()
        return render_template("sessions/session_cancel.html", form=form, session=session, active=active)

    return act(
        lambda session, f: services.cancel_session(current_user, session, f.reason.data or ""),
        load=lambda: _managed_session_or_404(session_id),
        form=CancelSessionForm(),
        invalid=page,
        refused=on_form(page, status=200),
        success=_("The session is cancelled; registered trainees have been told."),
        redirect_to=url_for("sessions.session_detail", session_id=session_id),
    )


def _act(action, success: str, target: str):
    """Run a one-button action: commit on success, otherwise roll back and show the refusal."""
    return act(
        lambda _o, _f: action(), form=ConfirmForm(), success=success, redirect_to=target, forbidden=True
    )


@bp.route("/<int:session_id>/open", methods=["POST"])
@role_required(*STAFF)
def session_open(session_id: int):
    session = _managed_session_or_404(session_id)
    return _act(
        lambda: services.open_session(current_user, session),
        _("Registration is open."),
        url_for("sessions.session_detail", session_id=session_id),
    )


@bp.route("/<int:session_id>/complete", methods=["POST"])
@role_required(*STAFF)
def session_complete(session_id: int):
    session = _managed_session_or_404(session_id)
    return _act(
        lambda: services.complete_session(current_user, session),
        _("The session is marked completed."),
        url_for("sessions.session_detail", session_id=session_id),
    )


# -- registration ------------------------------------------------------------------------------------------

REGISTERED_MESSAGES = {
    "confirmed": _l("You are registered; your seat is confirmed."),
    "waitlisted": _l("The session is full; you are on the waitlist."),
    "pending": _l("Your registration awaits an officer's approval."),
}


@bp.route("/<int:session_id>/register", methods=["POST"])
@role_required("trainee")
def register_self(session_id: int):
    return act(
        lambda session, f: services.register_trainee(current_user, session, current_user),
        load=lambda: get_session_or_404(current_user, session_id),
        form=ConfirmForm(),
        success=lambda registration: (
            str(REGISTERED_MESSAGES[registration.status]),
            "success" if registration.status == "confirmed" else "warning",
        ),
        redirect_to=url_for("sessions.session_detail", session_id=session_id),
    )


def _registration_or_404(registration_id: int) -> Registration:
    """A registration the actor may act on: their own, or one of a session they can see (staff)."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        abort(404)
    if current_user.role == "trainee":
        if registration.user_id != current_user.id:
            abort(404)
        return registration
    session = get_session_or_404(current_user, registration.session_id)
    if current_user.role not in STAFF:
        abort(404 if not can_run_session(current_user, session) else 403)
    if (
        not can_manage_session(current_user, session)
        and not db.session.execute(
            queries.users_in_scope(current_user, [registration.user_id]).with_only_columns(User.id)
        ).first()
    ):
        abort(404)
    return registration


def _back_to(registration: Registration) -> str:
    if current_user.role == "trainee":
        return url_for("sessions.session_detail", session_id=registration.session_id)
    return url_for("sessions.registrations", session_id=registration.session_id)


@bp.route("/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@login_required
def registration_cancel(registration_id: int):
    registration = _registration_or_404(registration_id)
    if not is_confirmed():
        own = registration.user_id == current_user.id
        return confirmation_page(
            ConfirmForm(),
            title=_("Cancel a registration"),
            question=_("Cancel your seat at “%(session)s”?", session=registration.session.title)
            if own
            else _(
                "Cancel the registration of %(name)s for “%(session)s”?",
                name=registration.user.display_name,
                session=registration.session.title,
            ),
            consequence=_("The seat goes to the next person on the waiting list."),
            submit_label=_("Cancel the registration"),
            back_url=_back_to(registration),
        )
    return _act(
        lambda: services.cancel_registration(current_user, registration),
        _("The registration is cancelled."),
        _back_to(registration),
    )


@bp.route("/registrations/<int:registration_id>/approve", methods=["POST"])
@role_required(*STAFF)
def registration_approve(registration_id: int):
    registration = _registration_or_404(registration_id)
    return _act(
        lambda: services.approve_registration(current_user, registration),
        _("The registration is approved."),
        _back_to(registration),
    )


@bp.route("/registrations/<int:registration_id>/reject", methods=["GET", "POST"])
@role_required(*STAFF)
def registration_reject(registration_id: int):
    registration = _registration_or_404(registration_id)
    return act(
        lambda registration, f: services.reject_registration(current_user, registration, f.note.data or ""),
        load=lambda: registration,
        form=DecisionForm(),
        confirm=lambda registration, form: confirmation_page(
            form,
            title=_("Reject a registration"),
            question=_(
                "Reject the registration of %(name)s for “%(session)s”?",
                name=registration.user.display_name,
                session=registration.session.title,
            ),
            consequence=_("The trainee is told, with the note you give."),
            submit_label=_("Reject the registration"),
            back_url=_back_to(registration),
        ),
        forbidden=True,
        success=_("The registration is rejected."),
        redirect_to=url_for("sessions.registrations", session_id=registration.session_id),
    )


def _trainee_choices(session: TrainingSession) -> list[User]:
    stmt = queries.trainee_candidates(current_user, session, enterprise_id=int_arg("enterprise"))
    return list(db.session.execute(stmt).scalars())


@bp.route("/<int:session_id>/registrations", methods=["GET", "POST"])
@login_required
def registrations(session_id: int):
    session = get_session_or_404(current_user, session_id)
    if current_user.role not in STAFF:
        abort(403)
    manage = can_manage_session(current_user, session)
    form = RegisterTraineesForm()
    candidates = _trainee_choices(session)
    form.trainees.choices = [(u.id, u.display_name) for u in candidates]

    def register(session, form):
        chosen_ids = set(form.trainees.data or [])
        trainees = list(db.session.execute(queries.users_in_scope(current_user, chosen_ids)).scalars())
        if not trainees or len(trainees) != len(chosen_ids):
            raise InvalidInput(_("Choose trainees of your jurisdiction."), field="trainees")
        return services.register_trainees(current_user, session, trainees)

    def registered(done) -> str:
        confirmed = sum(1 for r in done if r.status == "confirmed")
        return _(
            "%(count)d trainees registered: %(confirmed)d confirmed, %(waitlisted)d on the waitlist.",
            count=len(done),
            confirmed=confirmed,
            waitlisted=len(done) - confirmed,
        )

    def page(session, form):
        return _registrations_page(session, form, manage, candidates)

    return act(
        register,
        load=lambda: get_session_or_404(current_user, session_id),
        form=form,
        invalid=page,
        refused=on_form(page, status=200),
        success=registered,
        redirect_to=url_for("sessions.registrations", session_id=session_id),
    )


def _registrations_page(
    session: TrainingSession, form: RegisterTraineesForm, manage: bool, candidates: list[User]
):
    stmt = queries.session_registrations(current_user, session, manage=manage)
    rows = db.session.execute(stmt).scalars().all()
    enterprises = []
    if session.mode != "one_on_one":
        enterprises = db.session.execute(queries.enterprises_in_scope(current_user)).scalars().all()
    return render_template(
        "sessions/registrations.html",
        session=session,
        manage=manage,
        rows=rows,
        form=form,
        candidates=candidates,
        enterprises=enterprises,
        enterprise_filter=int_arg("enterprise") or "",
        confirm_form=ConfirmForm(),
        decision_form=DecisionForm(),
        now=services.now(),
    )


# -- attendance and check-in -------------------------------------------------------------------------------


def _run_session_or_403(session_id: int) -> TrainingSession:
    session = get_session_or_404(current_user, session_id)
    if not can_run_session(current_user, session):
        abort(403)
    return session


@bp.route("/<int:session_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(session_id: int):
    session = _run_session_or_403(session_id)
    rows = db.session.execute(queries.attendance_sheet(session)).scalars().all()

    def mark(session, form) -> int:
        values = {}
        for registration in rows:
            value = request.form.get(f"attendance-{registration.id}") or ""
            if value and value not in ATTENDANCE:
                abort(400)
            values[registration.id] = value
        return services.mark_attendance_sheet(current_user, session, values)

    def page(session, form):
        allowed = True
        reason = ""
        try:
            services.check_attendance_allowed(current_user, session)
        except DomainError as error:
            allowed, reason = False, str(error)
        return render_template(
            "sessions/attendance.html",
            session=session,
            rows=rows,
            form=form,
            choices=ATTENDANCE,
            allowed=allowed,
            reason=reason,
        )

    def refused(session, form, error: DomainError):
        flash(str(error), "error")
        return page(session, form)

    return act(
        mark,
        load=lambda: session,
        form=ConfirmForm(),
        invalid=page,
        refused=refused,
        success=lambda changed: _("Attendance saved (%(count)d changes).", count=changed),
        redirect_to=url_for("sessions.attendance", session_id=session_id),
    )


@bp.route("/<int:session_id>/checkin-code")
@login_required
def checkin_code(session_id: int):
    session = _run_session_or_403(session_id)
    code = services.current_checkin_code(current_user, session)
    checked_in = db.session.execute(queries.checked_in_count(session)).scalar_one()
    confirmed = db.session.execute(queries.confirmed_count(session)).scalar_one()
    return render_template(
        "sessions/checkin_code.html",
        session=session,
        code=code,
        window=services.checkin_window(session),
        checked_in=checked_in,
        confirmed=confirmed,
        now=services.now(),
    )


@bp.route("/<int:session_id>/checkin-code.json")
@login_required
def checkin_code_json(session_id: int):
    session = _run_session_or_403(session_id)
    code = services.current_checkin_code(current_user, session)
    checked_in = db.session.execute(queries.checked_in_count(session)).scalar_one()
    response = jsonify(
        code=code["code"] if code else None,
        changes_in=code["changes_in"] if code else None,
        checked_in=checked_in,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:session_id>/checkin", methods=["GET", "POST"])
@role_required("trainee")
def check_in(session_id: int):
    session = get_session_or_404(current_user, session_id)
    registration = services.find_registration(session, current_user)
    if registration is None:
        abort(404)

    def page(session, form):
        return render_template(
            "sessions/checkin.html",
            session=session,
            registration=registration,
            form=form,
            window=services.checkin_window(session),
        )

    return act(
        lambda session, f: services.check_in(current_user, session, f.code.data),
        load=lambda: session,
        form=CheckInForm(),
        invalid=page,
        refused=on_form(page, status=200),
        success=lambda checked_in: _(
            "You are checked in (%(attendance)s).", attendance=checked_in.attendance_label
        ),
        redirect_to=url_for("sessions.session_detail", session_id=session_id),
    )


# -- feedback ----------------------------------------------------------------------------------------------


@bp.route("/<int:session_id>/feedback", methods=["GET", "POST"])
@role_required("trainee")
def feedback(session_id: int):
    session = get_session_or_404(current_user, session_id)
    registration = services.find_registration(session, current_user)
    if registration is None:
        abort(404)
    form = FeedbackForm()
    refusal = None
    try:
        services.check_feedback_allowed(current_user, registration)
    except DomainError as error:
        refusal = str(error)

    def page(session, form):
        return render_template("sessions/feedback.html", session=session, form=form, refusal=refusal)

    if refusal is not None:
        return page(session, form)
    return act(
        lambda session, f: services.submit_feedback(
            current_user, registration, f.answers(), f.comment.data or ""
        ),
        load=lambda: session,
        form=form,
        invalid=page,
        refused=on_form(page, status=200),
        success=_("Thank you for your feedback."),
        redirect_to=url_for("sessions.session_detail", session_id=session_id),
    )


@bp.route("/<int:session_id>/feedback/results")
@login_required
def feedback_results(session_id: int):
    session = _run_session_or_403(session_id)
    return render_template(
        "sessions/feedback_results.html",
        session=session,
        summary=services.feedback_summary([session.id]),
        attendance=services.attendance_summary([session.id]),
    )


@bp.route("/feedback")
@role_required("expert", "officer", "admin")
def feedback_overview():
    pagination = paginate(queries.feedback_sessions(current_user))
    ids = [s.id for s in pagination.items]
    in_scope = queries.feedback_session_ids(current_user)
    return render_template(
        "sessions/feedback_overview.html",
        pagination=pagination,
        per_session=services.feedback_by_session(ids) if ids else {},
        total=services.feedback_summary(in_scope, with_comments=False),
        attendance=services.attendance_summary(in_scope),
    )


# -- calendars ---------------------------------------------------------------------------------------------


@bp.route("/calendar")
@role_required("trainee", "expert")
def my_calendar():
    current = services.now()
    if current_user.role == "trainee":
        rows = db.session.execute(queries.my_registrations(current_user)).scalars().all()
        entries = [(r.session, r) for r in rows]
    else:
        sessions = db.session.execute(queries.my_expert_sessions(current_user)).scalars().all()
        entries = [(s, None) for s in sessions]
    upcoming = [e for e in entries if e[0].ends_at >= current]
    past = [e for e in entries if e[0].ends_at < current][::-1]
    token = ical.feed_token(current_user, create=False)
    feed_url = url_for("sessions.calendar_feed", token=token.token, _external=True) if token else None
    return render_template(
        "sessions/calendar.html", upcoming=upcoming, past=past, feed_url=feed_url, form=ConfirmForm()
    )


@bp.route("/calendar/feed-token", methods=["POST"])
@role_required("trainee", "expert")
def calendar_token():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    existing = ical.feed_token(current_user, create=False)
    if existing is None:
        ical.feed_token(current_user)
        flash(_("Your calendar feed address is ready."), "success")
    else:
        ical.regenerate_feed_token(current_user)
        record_security_event("token_regenerated", user=current_user, actor=current_user, feed="calendar")
        flash(_("A new calendar feed address was made; the old one no longer works."), "success")
    db.session.commit()
    return redirect(url_for("sessions.my_calendar"))


def _ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/feed/<token>.ics")
@public
def calendar_feed(token: str):
    user = ical.user_for_feed_token(token)
    if user is None:
        abort(404)
    body = ical.feed_ics(user)
    record_security_event("token_used", user=user, address=request.remote_addr or "", feed="calendar")
    db.session.commit()
    return _ics_response(body, "aeo-training.ics")


@bp.route("/<int:session_id>/session.ics")
@login_required
def session_ics(session_id: int):
    session = get_session_or_404(current_user, session_id)
    return _ics_response(ical.session_ics(session), f"session-{session.id}.ics")


# -- one-on-one coaching -----------------------------------------------------------------------------------


def _coaching_session_or_404(session_id: int) -> TrainingSession:
    session = get_session_or_404(current_user, session_id)
    if session.mode != "one_on_one":
        abort(404)
    if not can_view_coaching(current_user, session):
        abort(403)
    return session


def _coaching_page(session: TrainingSession, record_form=None, item_form=None):
    record = services.coaching_record(session)
    editable = can_edit_coaching(current_user, session)
    if record_form is None:
        record_form = CoachingRecordForm(obj=record) if record else CoachingRecordForm()
    if item_form is None:
        item_form = ActionItemForm()
    item_form.owner_id.choices = [(u.id, u.display_name) for u in services.action_item_owners(session)]
    items = db.session.execute(queries.coaching_action_items(session)).scalars().all()
    return render_template(
        "sessions/coaching.html",
        session=session,
        record=record,
        editable=editable,
        record_form=record_form,
        item_form=item_form,
        items=items,
        form=ConfirmForm(),
    )


@bp.route("/<int:session_id>/coaching", methods=["GET", "POST"])
@login_required
def coaching(session_id: int):
    session = _coaching_session_or_404(session_id)
    form = CoachingRecordForm()
    if request.method == "POST":
        if not can_edit_coaching(current_user, session):
            abort(403)

        def page(session, form):
            return _coaching_page(session, record_form=form)

        return act(
            lambda session, f: services.save_coaching_record(
                current_user, session, agenda=f.agenda.data or "", notes=f.notes.data or ""
            ),
            load=lambda: _coaching_session_or_404(session_id),
            form=form,
            invalid=page,
            refused=on_form(page, status=200),
            success=_("Coaching record saved."),
            redirect_to=url_for("sessions.coaching", session_id=session_id),
        )
    return _coaching_page(session)


@bp.route("/<int:session_id>/coaching/actions", methods=["POST"])
@login_required
def action_item_add(session_id: int):
    session = _coaching_session_or_404(session_id)
    if not can_edit_coaching(current_user, session):
        abort(403)
    form = ActionItemForm()
    form.owner_id.choices = [(u.id, u.display_name) for u in services.action_item_owners(session)]

    def page(session, form):
        return _coaching_page(session, item_form=form)

    return act(
        lambda session, f: services.add_action_item(
            current_user, session, text=f.text.data, owner_id=f.owner_id.data, due_on=f.due_on.data
        ),
        load=lambda: _coaching_session_or_404(session_id),
        form=form,
        invalid=page,
        refused=on_form(page, status=200),
        success=_("Action item added."),
        redirect_to=url_for("sessions.coaching", session_id=session_id),
    )


@bp.route("/actions/<int:item_id>/done", methods=["POST"])
@login_required
def action_item_done(item_id: int):
    item = db.session.get(CoachingActionItem, item_id)
    if item is None:
        abort(404)
    session = _coaching_session_or_404(item.session_id)
    done = request.form.get("done") == "1"
    return _act(
        lambda: services.set_action_item_done(current_user, item, done),
        _("Action item updated."),
        url_for("sessions.coaching", session_id=session.id),
    )


# -- venues ------------------------------------------------------------------------------------------------


@bp.route("/venues/")
@role_required(*STAFF)
def venue_list():
    managed = {v for (v,) in db.session.execute(queries.managed_venue_ids(current_user)).all()}
    return render_template(
        "sessions/venue_list.html", pagination=paginate(queries.venue_list(current_user)), managed=managed
    )


def _venue_values(form: VenueForm) -> dict:
    return {
        "name_en": form.name_en.data.strip(),
        "name_zh": form.name_zh.data.strip(),
        "address": form.address.data.strip(),
        "capacity": form.capacity.data,
        "unit_id": form.unit_id.data,
        "active": bool(form.active.data),
    }


def _venue_form(form: VenueForm, venue: Venue | None):
    form.unit_id.choices = [(u.id, f"{u.code} {u.name}") for u in units_in_scope(current_user)]

    def save(venue, form):
        if venue is None:
            return services.create_venue(current_user, _venue_values(form))
        return services.update_venue(current_user, venue, _venue_values(form))

    def page(venue, form):
        return render_template("sessions/venue_form.html", form=form, venue=venue)

    def refused(venue, form, error: DomainError):
        form.unit_id.choices = [(u.id, f"{u.code} {u.name}") for u in units_in_scope(current_user)]
        return on_form(page, status=200)(venue, form, error)

    return act(
        save,
        load=lambda: venue,
        form=form,
        invalid=page,
        refused=refused,
        success=_("Venue saved."),
        redirect_to=url_for("sessions.venue_list"),
    )


@bp.route("/venues/new", methods=["GET", "POST"])
@role_required(*STAFF)
def venue_create():
    form = VenueForm()
    if request.method == "GET" and current_user.unit_id:
        form.unit_id.data = current_user.unit_id
    return _venue_form(form, None)


@bp.route("/venues/<int:venue_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def venue_edit(venue_id: int):
    venue = get_venue_or_404(current_user, venue_id, manage=True)
    return _venue_form(VenueForm(obj=venue), venue)
