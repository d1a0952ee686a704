"""Expert pages: directory, profile, availability and involvements, suggestions and assignment, appraisal."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from lms.auth.models import EXPERT_LEVELS, User
from lms.auth.permissions import role_required
from lms.core.actions import act, on_form
from lms.core.confirm import confirmation_page, is_confirmed
from lms.core.replica import reads_from_replica
from lms.core.search import contains
from lms.core.web import int_arg, is_safe_next, paginate
from lms.database import utcnow
from lms.errors import DomainError, InvalidInput
from lms.experts import appraisal, services
from lms.experts.eligibility import SCORE_COMPONENTS, evaluate_experts, local_month_bounds, rank
from lms.experts.forms import AssignForm, ConfirmForm, InvolvementForm, ProfileForm, UnavailabilityForm
from lms.experts.links import session_url
from lms.experts.models import (
    DEFAULT_MAX_SESSIONS_PER_MONTH,
    STANDARD_MODULES,
    ExpertProfile,
    ExpertSpecialty,
    Involvement,
    UnavailablePeriod,
)
from lms.experts.permissions import (
    STAFF,
    can_edit_expert,
    expert_clause,
    get_expert_or_404,
    get_staff_session_or_404,
)
from lms.experts.queries import (
    candidate_experts,
    month_load_subquery,
    preload_units,
    session_assignments,
    session_is_open_for_assignment,
    upcoming_assignments,
)
from lms.extensions import db
from lms.i18n import format_day, join_list
from lms.org.models import CustomsUnit
from lms.sessions.models import EXPERT_ROLES, SessionExpert, TrainingSession

bp = Blueprint("experts", __name__, url_prefix="/experts")


VIEWERS = ("expert", "officer", "admin")


# -- directory and profile ----------------------------------------------------------------------------------


@bp.route("/")
@role_required(*STAFF)
def directory():
    level = request.args.get("level") or ""
    region_id = int_arg("region")
    specialty = (request.args.get("specialty") or "").strip()
    q = (request.args.get("q") or "").strip()
    stmt = (
        sa.select(User)
        .outerjoin(ExpertProfile, ExpertProfile.user_id == User.id)
        .where(expert_clause(current_user))
        .order_by(User.display_name, User.id)
    )
    if level in EXPERT_LEVELS:
        stmt = stmt.where(User.expert_level == level)
    regions = (
        db.session.execute(
            sa.select(CustomsUnit).where(CustomsUnit.level == "regional").order_by(CustomsUnit.code)
        )
        .scalars()
        .all()
    )
    if region_id:
        region = next((r for r in regions if r.id == region_id), None)
        if region is None:
            abort(404)
        stmt = stmt.where(
            User.unit_id.in_(
                sa.select(CustomsUnit.id).where(CustomsUnit.path.startswith(region.path, autoescape=True))
            )
        )
    if specialty:
        stmt = stmt.where(
            sa.exists().where(
                ExpertSpecialty.profile_id == ExpertProfile.id,
                sa.func.lower(ExpertSpecialty.topic) == specialty.lower(),
            )
        )
    if q:
        stmt = stmt.where(contains(User.display_name, q))
    free_topics = [
        t
        for t in db.session.execute(
            sa.select(ExpertSpecialty.topic).distinct().order_by(ExpertSpecialty.topic)
        ).scalars()
        if t not in STANDARD_MODULES
    ]
    units = preload_units()
    pagination = paginate(stmt)
    ids = [u.id for u in pagination.items]
    profiles = {
        p.user_id: p
        for p in db.session.execute(
            sa.select(ExpertProfile)
            .where(ExpertProfile.user_id.in_(ids))
            .options(selectinload(ExpertProfile.specialties))
        ).scalars()
    }
    load = month_load_subquery()
    loads = dict(
        db.session.execute(sa.select(load.c.expert_id, load.c.load).where(load.c.expert_id.in_(ids))).all()
    )
    rows = [(u, profiles.get(u.id), loads.get(u.id, 0)) for u in pagination.items]
    return render_template(
        "experts/directory.html",
        units=units,
        pagination=pagination,
        rows=rows,
        levels=EXPERT_LEVELS,
        regions=regions,
        modules=STANDARD_MODULES,
        free_topics=free_topics,
        default_max=DEFAULT_MAX_SESSIONS_PER_MONTH,
        filters={"level": level, "region": region_id or "", "specialty": specialty, "q": q},
    )


@bp.route("/me")
@role_required("expert")
def my_profile():
    return redirect(url_for("experts.profile", expert_id=current_user.id))


@bp.route("/<int:expert_id>")
@role_required(*VIEWERS)
def profile(expert_id: int):
    expert = get_expert_or_404(current_user, expert_id)
    profile = services.profile_for_display(expert)
    region = expert.unit.region() if expert.unit is not None else None
    start, end = local_month_bounds(utcnow())
    load = db.session.execute(
        sa.select(sa.func.count())
        .select_from(SessionExpert)
        .join(TrainingSession, TrainingSession.id == SessionExpert.session_id)
        .where(
            SessionExpert.expert_id == expert.id,
            TrainingSession.status != "cancelled",
            TrainingSession.starts_at >= start,
            TrainingSession.starts_at < end,
        )
    ).scalar_one()
    return render_template(
        "experts/profile.html",
        expert=expert,
        profile=profile,
        region=region,
        load=load,
        assignments=upcoming_assignments(expert),
        can_edit=can_edit_expert(current_user, expert),
        session_url=session_url,
        roles=EXPERT_ROLES,
    )


@bp.route("/<int:expert_id>/edit", methods=["GET", "POST"])
@role_required(*VIEWERS)
def edit_profile(expert_id: int):
    expert = get_expert_or_404(current_user, expert_id)
    if not can_edit_expert(current_user, expert):
        abort(403)
    profile = services.profile_for_display(expert)
    form = ProfileForm()
    if request.method == "GET":
        form.modules.data = profile.module_topics
        form.free_topics.data = ", ".join(profile.free_topics)
        form.languages.data = list(profile.languages or [])
        form.max_sessions_per_month.data = profile.max_sessions_per_month
        form.bio.data = profile.bio

    def page(expert, form):
        return render_template("experts/profile_form.html", expert=expert, form=form)

    return act(
        lambda expert, f: services.update_profile(
            current_user,
            expert,
            modules=f.modules.data or [],
            free_topics=f.topics(),
            languages=f.languages.data or [],
            max_sessions_per_month=f.max_sessions_per_month.data,
            bio=f.bio.data,
        ),
        load=lambda: expert,
        form=form,
        invalid=page,
        refused=on_form(page, status=200),
        success=_("Expert profile saved."),
        redirect_to=url_for("experts.profile", expert_id=expert.id),
    )


# -- unavailability and involvements ----------------------------------------------------------------------


def _editable_expert(expert_id: int) -> User:
    expert = get_expert_or_404(current_user, expert_id)
    if not can_edit_expert(current_user, expert):
        abort(403)
    return expert


def _availability_page(expert: User, unavailability_form=None, involvement_form=None, status: int = 200):
    profile = services.profile_for_display(expert)
    periods, involvements = [], []
    if profile.id is not None:
        periods = (
            db.session.execute(
                sa.select(UnavailablePeriod)
                .where(UnavailablePeriod.profile_id == profile.id)
                .order_by(UnavailablePeriod.starts_on.desc(), UnavailablePeriod.id.desc())
            )
            .scalars()
            .all()
        )
        involvements = (
            db.session.execute(
                sa.select(Involvement)
                .where(Involvement.profile_id == profile.id)
                .options(joinedload(Involvement.enterprise))
                .order_by(Involvement.starts_on.desc(), Involvement.id.desc())
            )
            .scalars()
            .all()
        )
    return render_template(
        "experts/availability.html",
        expert=expert,
        periods=periods,
        involvements=involvements,
        unavailability_form=unavailability_form or UnavailabilityForm(prefix="u"),
        involvement_form=involvement_form or InvolvementForm(prefix="i"),
        confirm_form=ConfirmForm(),
    ), status


def _session_names(sessions) -> str:
    from lms.experts.eligibility import session_label

    return join_list(session_label(s) for s in sessions)


@bp.route("/<int:expert_id>/availability")
@role_required(*VIEWERS)
def availability(expert_id: int):
    return _availability_page(_editable_expert(expert_id))


@bp.route("/<int:expert_id>/unavailability", methods=["POST"])
@role_required(*VIEWERS)
def add_unavailability(expert_id: int):
    expert = _editable_expert(expert_id)

    def page(expert, form):
        return _availability_page(expert, unavailability_form=form, status=400)

    def added(result) -> list:
        _period, affected = result
        messages: list = [_("Unavailable period added.")]
        if affected:
            messages.append(
                (
                    _(
                        "Still assigned on those days: %(sessions)s. Ask the organisers to reassign.",
                        sessions=_session_names(affected),
                    ),
                    "warning",
                )
            )
        return messages

    return act(
        lambda expert, f: services.add_unavailable_period(
            current_user,
            expert,
            starts_on=f.starts_on.data,
            ends_on=f.ends_on.data,
            reason=f.reason.data or "",
        ),
        load=lambda: expert,
        form=UnavailabilityForm(prefix="u"),
        invalid=page,
        refused=on_form(page, status=400),
        success=added,
        redirect_to=url_for("experts.availability", expert_id=expert.id),
    )


@bp.route("/<int:expert_id>/unavailability/<int:period_id>/delete", methods=["GET", "POST"])
@role_required(*VIEWERS)
def remove_unavailability(expert_id: int, period_id: int):
    expert = _editable_expert(expert_id)
    period = db.session.execute(
        sa.select(UnavailablePeriod)
        .join(ExpertProfile)
        .where(UnavailablePeriod.id == period_id, ExpertProfile.user_id == expert.id)
    ).scalar_one_or_none()
    if period is None:
        abort(404)
    if not is_confirmed():
        return confirmation_page(
            ConfirmForm(),
            title=_("Remove an unavailable period"),
            question=_(
                "Remove the unavailable period %(start)s – %(end)s of %(name)s?",
                start=format_day(period.starts_on),
                end=format_day(period.ends_on),
                name=expert.display_name,
            ),
            submit_label=_("Remove"),
            back_url=url_for("experts.availability", expert_id=expert.id),
        )
    if ConfirmForm().validate_on_submit():
        services.remove_unavailable_period(current_user, period)
        db.session.commit()
        flash(_("Unavailable period removed."), "success")
    else:
        abort(400)
    return redirect(url_for("experts.availability", expert_id=expert.id))


@bp.route("/<int:expert_id>/involvements", methods=["POST"])
@role_required(*VIEWERS)
def add_involvement(expert_id: int):
    expert = _editable_expert(expert_id)

    def page(expert, form):
        return _availability_page(expert, involvement_form=form, status=400)

    def declare(expert, form):
        enterprise = services.find_enterprise(form.enterprise_code.data)
        return services.declare_involvement(
            current_user,
            expert,
            kind=form.kind.data,
            enterprise=enterprise,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            note=form.note.data or "",
        )

    def declared(result) -> list:
        _involvement, affected = result
        messages: list = [_("Involvement declared.")]
        if affected:
            messages.append(
                (
                    _(
                        "This involvement conflicts with upcoming sessions: %(sessions)s. Ask the organisers "
                        "to reassign.",
                        sessions=_session_names(affected),
                    ),
                    "warning",
                )
            )
        return messages

    return act(
        declare,
        load=lambda: expert,
        form=InvolvementForm(prefix="i"),
        invalid=page,
        refused=on_form(page, status=400),
        success=declared,
        redirect_to=url_for("experts.availability", expert_id=expert.id),
    )


@bp.route("/<int:expert_id>/involvements/<int:involvement_id>/delete", methods=["GET", "POST"])
@role_required(*VIEWERS)
def remove_involvement(expert_id: int, involvement_id: int):
    expert = _editable_expert(expert_id)
    involvement = db.session.execute(
        sa.select(Involvement)
        .join(ExpertProfile)
        .where(Involvement.id == involvement_id, ExpertProfile.user_id == expert.id)
    ).scalar_one_or_none()
    if involvement is None:
        abort(404)
    if not is_confirmed():
        return confirmation_page(
            ConfirmForm(),
            title=_("Remove an involvement"),
            question=_(
                "Remove the declared involvement of %(name)s with %(enterprise)s?",
                name=expert.display_name,
                enterprise=involvement.enterprise.name,
            ),
            consequence=_("Conflict-of-interest checks stop taking it into account."),
            submit_label=_("Remove"),
            back_url=url_for("experts.availability", expert_id=expert.id),
        )
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_involvement(current_user, involvement)
    db.session.commit()
    flash(_("Involvement removed."), "success")
    return redirect(url_for("experts.availability", expert_id=expert.id))


# -- suggestions and assignment ---------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/suggestions")
@role_required(*STAFF)
def suggestions(session_id: int):
    session = get_staff_session_or_404(current_user, session_id)
    units = preload_units()
    experts = candidate_experts(current_user)
    eligible, excluded = rank(evaluate_experts(session, experts))
    assignments = session_assignments(session)
    return render_template(
        "experts/suggestions.html",
        session=session,
        units=units,
        eligible=eligible,
        excluded=excluded,
        assignments=assignments,
        has_lead=any(a.role == "lead" for a in assignments),
        components=SCORE_COMPONENTS,
        form=ConfirmForm(),
        roles=EXPERT_ROLES,
        session_url=session_url(session),
        open_for_assignment=session_is_open_for_assignment(session),
    )


def _back(default: str) -> str:
    target = request.values.get("next") or ""
    return target if is_safe_next(target) else default


@bp.route("/sessions/<int:session_id>/assign", methods=["POST"])
@role_required(*STAFF)
def assign(session_id: int):
    session = get_staff_session_or_404(current_user, session_id)
    back = _back(url_for("experts.suggestions", session_id=session.id))
    form = AssignForm()
    if not form.validate_on_submit():
        flash(_("Choose an expert and a role."), "error")
        return redirect(back)
    expert = get_expert_or_404(current_user, form.expert_id.data)
    name = expert.display_name

    def refused(session, form, error: DomainError):
        flash(_("%(name)s was not assigned: %(reason)s", name=name, reason=str(error)), "error")
        return redirect(back)

    return act(
        lambda session, _f: services.assign_expert(current_user, session, expert, form.role.data),
        load=lambda: session,
        refused=refused,
        success=_(
            "%(name)s assigned as %(role)s.", name=name, role=str(EXPERT_ROLES[form.role.data]).lower()
        ),
        redirect_to=back,
    )


@bp.route("/assignments/<int:assignment_id>/unassign", methods=["GET", "POST"])
@role_required(*STAFF)
def unassign(assignment_id: int):
    assignment = db.session.get(SessionExpert, assignment_id)
    if assignment is None:
        abort(404)
    session = get_staff_session_or_404(current_user, assignment.session_id)
    back = _back(url_for("experts.suggestions", session_id=session.id))
    name = assignment.expert.display_name
    return act(
        lambda assignment, _f: services.unassign_expert(current_user, assignment),
        load=lambda: assignment,
        form=ConfirmForm(),
        confirm=lambda assignment, form: confirmation_page(
            form,
            title=_("Remove an expert from a session"),
            question=_("Remove %(name)s from “%(session)s”?", name=name, session=session.title),
            consequence=_("The expert is told that they no longer teach this session."),
            submit_label=_("Remove from the session"),
            back_url=back,
        ),
        success=_("%(name)s removed from the session.", name=name),
        redirect_to=back,
    )


# -- appraisal --------------------------------------------------------------------------------------------


def _appraisal_query():
    try:
        period = appraisal.parse_period(request.args)
    except InvalidInput as error:
        return None, error
    return period, None


@bp.route("/appraisal")
@role_required(*STAFF)
def appraisal_page():
    period, error = _appraisal_query()
    expert_id = int_arg("expert")
    level = request.args.get("level") or ""
    rows, taught = [], []
    if period is not None:
        rows = appraisal.appraisal_rows(current_user, period, expert_id=expert_id, level=level)
        if expert_id is not None and rows:
            taught = appraisal.sessions_taught(current_user, period, expert_id)
    today = utcnow().date()
    return render_template(
        "experts/appraisal.html",
        rows=rows,
        period=period,
        error=error,
        taught=taught,
        selected=rows[0] if expert_id is not None and rows else None,
        levels=EXPERT_LEVELS,
        kinds=appraisal.PERIOD_KINDS,
        args=request.args,
        year=today.year,
        session_url=session_url,
        experts=candidate_experts(current_user),
    ), (400 if error else 200)


@bp.route("/appraisal.csv")
@role_required(*STAFF)
@reads_from_replica
def appraisal_csv():
    period, error = _appraisal_query()
    if error is not None:
        abort(400, str(error))
    level = request.args.get("level") or ""
    rows = appraisal.appraisal_rows(current_user, period, expert_id=int_arg("expert"), level=level)
    filename = f"expert-appraisal-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        appraisal.appraisal_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
