"""Cultivation pages: cases (list, detail, actions), applications and nominations, key training lists."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.auth.permissions import role_required
from lms.auth.scopes import enterprise_clause, get_enterprise_or_404, units_in_scope
from lms.core.actions import act, on_form
from lms.core.confirm import confirmation_page
from lms.core.panels import case_page
from lms.core.replica import reads_from_replica
from lms.core.search import contains
from lms.core.web import apply_domain_error, int_arg, is_safe_next, paginate
from lms.courses.models import Course
from lms.cultivation import clock, eligibility, flags, keylists, plans, queries, services, settings
from lms.cultivation.forms import (
    ActionForm,
    AdjustForm,
    BarForm,
    BuildListForm,
    CertificationApplyForm,
    CompleteForm,
    NominateForm,
    OpenCaseForm,
    OutcomeForm,
    PlanItemForm,
    RejectForm,
    ResumeForm,
    ScreenForm,
    StartForm,
    SuspendForm,
    TerminateForm,
)
from lms.cultivation.models import (
    CASE_STATES,
    CATEGORIES_BY_TYPE,
    TRAINING_TYPES,
    CaseNominee,
    CultivationCase,
    KeyTrainingList,
    PlanItem,
)
from lms.cultivation.permissions import (
    STAFF,
    can_act_on_case,
    can_apply,
    can_manage_key_list,
    key_list_clause,
)
from lms.errors import DomainError, InvalidInput
from lms.extensions import db
from lms.org.models import CREDIT_LEVELS, REGIMES, CustomsUnit, Enterprise
from lms.sessions.models import TrainingSession

bp = Blueprint("cultivation", __name__, url_prefix="/cultivation")


# -- loading ------------------------------------------------------------------------------------------------


def _case_or_404(case_id: int) -> CultivationCase:
    case = db.session.execute(queries.case_in_scope(current_user, case_id)).scalar_one_or_none()
    if case is None:
        abort(404)
    return case


def _acting_case_or_404(case_id: int) -> CultivationCase:
    case = _case_or_404(case_id)
    if not can_act_on_case(current_user, case):
        abort(403)
    return case


def _key_list_or_404(list_id: int) -> KeyTrainingList:
    key_list = keylists.load_list(list_id, key_list_clause(current_user))
    if key_list is None:
        abort(404)
    return key_list


# -- case list ----------------------------------------------------------------------------------------------


@bp.route("/cases")
@role_required(*STAFF)
def case_list():
    state = request.args.get("state") or ""
    training_type = request.args.get("type") or ""
    unit_id = int_arg("unit")
    q = (request.args.get("q") or "").strip()
    stmt = queries.case_list(current_user, state=state, training_type=training_type, unit_id=unit_id, q=q)
    pagination = paginate(stmt)
    ids = [c.id for c in pagination.items]
    counts = (
        dict(
            db.session.execute(
                sa.select(CaseNominee.case_id, sa.func.count())
                .where(CaseNominee.case_id.in_(ids))
                .group_by(CaseNominee.case_id)
            ).all()
        )
        if ids
        else {}
    )
    return render_template(
        "cultivation/case_list.html",
        pagination=pagination,
        counts=counts,
        states=CASE_STATES,
        types=TRAINING_TYPES,
        units=units_in_scope(current_user),
        filters={"state": state, "type": training_type, "unit": unit_id or "", "q": q},
    )


# -- case detail and actions --------------------------------------------------------------------------------


def _default_forms(case: CultivationCase) -> dict:
    today = clock.today()
    forms = {
        "screen": ScreenForm(prefix="screen", decided_on=today),
        "reject": RejectForm(prefix="reject", decided_on=today),
        "start_training": StartForm(prefix="start", started_on=today),
        "suspend": SuspendForm(prefix="suspend", suspended_on=today),
        "resume": ResumeForm(prefix="resume", resumed_on=today),
        "terminate": TerminateForm(prefix="terminate", terminated_on=today),
        "complete": CompleteForm(prefix="complete"),
        "apply_certification": CertificationApplyForm(prefix="apply", applied_on=today),
        "outcome": OutcomeForm(prefix="outcome", decided_on=today),
        "plan": PlanItemForm(prefix="plan"),
        "action": ActionForm(),
    }
    return forms


def _plan_choices(form: PlanItemForm, case: CultivationCase) -> None:
    courses, sessions = plans.plan_item_choices(case)
    form.course_id.choices = [("", _("— none —"))] + [(str(c.id), c.title) for c in courses]
    form.session_id.choices = [("", _("— none —"))] + [
        (str(s.id), f"{s.title or (s.course.title if s.course else '')} · {s.starts_at:%Y-%m-%d}")
        for s in sessions
    ]


def _render_case(case: CultivationCase, forms: dict | None = None, status: int = 200):
    staff = can_act_on_case(current_user, case)
    all_forms = _default_forms(case)
    all_forms.update(forms or {})
    if staff:
        _plan_choices(all_forms["plan"], case)
    events = db.session.execute(queries.case_events(case)).scalars().all()
    progress = plans.plan_progress(case)
    live = None
    if staff and case.state == "submitted":
        live = eligibility.evaluate_case(case, clock.today())
    allowed = services.allowed_transitions(case) if staff else []
    bars = eligibility.bars_of(case.enterprise)
    return render_template(
        "cultivation/case_detail.html",
        case=case,
        staff=staff,
        forms=all_forms,
        events=events,
        progress=progress,
        stored_checks=eligibility.explained(case.eligibility),
        live_checks=eligibility.explained(live),
        live=live,
        allowed=allowed,
        transitions=services.TRANSITIONS,
        bars=bars,
        today=clock.today(),
        rereview=services.rereview_due_on(case.outcome_decided_on) if case.state == "certified" else None,
        audit_limit=flags.audit_limit(case.audit_counted_from) if case.suspension_reason == "audit" else None,
        granted_levels=services.granted_levels(clock.today()),
        rereview_default=CREDIT_LEVELS.get(settings.rereview_failed_level(), ""),
        case_panels=case_page.for_user(current_user, case=case),
        item_title=plans.item_title,
        regimes=REGIMES,
        # A local officer sees a case on the list of the regional unit above, but not that list (it names
        # enterprises outside their jurisdiction): no link that would answer 404.
        key_list_visible=bool(staff and case.key_list and can_manage_key_list(current_user, case.key_list)),
    ), status


@bp.route("/cases/<int:case_id>")
@login_required
def case_detail(case_id: int):
    case = _case_or_404(case_id)
    return _render_case(case)


def _act(case_id: int, key: str, form, call, success: str, confirm=None):
    """Run one action of the case page, or show the refusal on the case page.

    ``confirm(case)`` gives the confirmation page's texts of a destructive action (title, question,
    consequence, button): such an action runs only once confirmed there, and shows its refusals there.
    """

    def ask(case, form):
        if request.method == "GET":
            form.process(request.args)
        return _confirmation(case, form, confirm)

    def invalid(case, form):
        if confirm is not None:
            return _confirmation(case, form, confirm), 400
        return _render_case(case, {key: form}, 400)

    def refused(case, form, error: DomainError):
        apply_domain_error(form, error)
        if confirm is not None:
            return _confirmation(case, form, confirm), error.status_code
        flash(str(error), "error")
        return _render_case(case, {key: form}, error.status_code)

    return act(
        call,
        load=lambda: _acting_case_or_404(case_id),
        form=form,
        confirm=ask if confirm is not None else None,
        invalid=invalid,
        refused=refused,
        success=success,
        redirect_to=url_for("cultivation.case_detail", case_id=case_id),
        follow_next=True,
    )


def _confirmation(case, form, confirm):
    title, question, consequence, submit_label = confirm(case)
    target = request.values.get("next")
    back = target if target and is_safe_next(target) else url_for("cultivation.case_detail", case_id=case.id)
    return confirmation_page(
        form,
        title=title,
        question=question,
        consequence=consequence,
        submit_label=submit_label,
        back_url=back,
        carry={"next": target} if target and is_safe_next(target) else None,
    )


@bp.route("/cases/<int:case_id>/screen", methods=["POST"])
@role_required(*STAFF)
def case_screen(case_id: int):
    return _act(
        case_id,
        "screen",
        ScreenForm(prefix="screen"),
        lambda case, f: services.screen_case(
            current_user, case, decided_on=f.decided_on.data, notes=f.notes.data
        ),
        _("The case was screened in."),
    )


@bp.route("/cases/<int:case_id>/reject", methods=["GET", "POST"])
@role_required(*STAFF)
def case_reject(case_id: int):
    return _act(
        case_id,
        "reject",
        RejectForm(prefix="reject"),
        lambda case, f: services.reject_case(
            current_user, case, decided_on=f.decided_on.data, reason=f.reason.data, notes=f.notes.data
        ),
        _("The case was rejected."),
        confirm=lambda case: (
            _("Reject case %(ref)s", ref=case.reference),
            _("Reject the application of %(enterprise)s?", enterprise=case.enterprise.name),
            _("A rejection closes the case for good; the applicant is told the reason."),
            _("Reject the application"),
        ),
    )


@bp.route("/cases/<int:case_id>/start", methods=["POST"])
@role_required(*STAFF)
def case_start(case_id: int):
    return _act(
        case_id,
        "start_training",
        StartForm(prefix="start"),
        lambda case, f: services.start_training(
            current_user, case, started_on=f.started_on.data, notes=f.notes.data
        ),
        _("Training has started."),
    )


@bp.route("/cases/<int:case_id>/suspend", methods=["POST"])
@role_required(*STAFF)
def case_suspend(case_id: int):
    return _act(
        case_id,
        "suspend",
        SuspendForm(prefix="suspend"),
        lambda case, f: services.suspend_case(
            current_user,
            case,
            reason=f.reason.data or None,
            reason_text=f.reason_text.data,
            suspended_on=f.suspended_on.data,
            audit_started_on=f.audit_started_on.data,
            notes=f.notes.data,
        ),
        _("The case is suspended."),
    )


@bp.route("/cases/<int:case_id>/resume", methods=["POST"])
@role_required(*STAFF)
def case_resume(case_id: int):
    return _act(
        case_id,
        "resume",
        ResumeForm(prefix="resume"),
        lambda case, f: services.resume_case(
            current_user, case, resumed_on=f.resumed_on.data, notes=f.notes.data
        ),
        _("The case is back in training."),
    )


@bp.route("/cases/<int:case_id>/terminate", methods=["GET", "POST"])
@role_required(*STAFF)
def case_terminate(case_id: int):
    return _act(
        case_id,
        "terminate",
        TerminateForm(prefix="terminate"),
        lambda case, f: services.terminate_case(
            current_user,
            case,
            reason=f.reason.data or None,
            reason_text=f.reason_text.data,
            terminated_on=f.terminated_on.data,
            notes=f.notes.data,
        ),
        _("The case was terminated."),
        confirm=lambda case: (
            _("Terminate case %(ref)s", ref=case.reference),
            _("Terminate the cultivation of %(enterprise)s?", enterprise=case.enterprise.name),
            _(
                "Termination ends the cultivation for good and cannot be undone; "
                "the enterprise is told the reason."
            ),
            _("Terminate the cultivation"),
        ),
    )


@bp.route("/cases/<int:case_id>/complete", methods=["POST"])
@role_required(*STAFF)
def case_complete(case_id: int):
    def call(case, form):
        if not services.check_completion(current_user, case):
            progress = plans.plan_progress(case)
            flash(
                _(
                    "The plan is not complete yet: %(open)d of %(total)d items are open.",
                    open=progress.open_count,
                    total=progress.total_count,
                ),
                "warning",
            )

    return _act(case_id, "complete", CompleteForm(prefix="complete"), call, _("Completion checked."))


@bp.route("/cases/<int:case_id>/certification", methods=["POST"])
@role_required(*STAFF)
def case_certification(case_id: int):
    return _act(
        case_id,
        "apply_certification",
        CertificationApplyForm(prefix="apply"),
        lambda case, f: services.apply_for_certification(
            current_user, case, applied_on=f.applied_on.data, notes=f.notes.data
        ),
        _("The certification application was recorded."),
    )


@bp.route("/cases/<int:case_id>/outcome", methods=["POST"])
@role_required(*STAFF)
def case_outcome(case_id: int):
    def call(case, f):
        if f.outcome.data == "certified":
            services.certify_case(
                current_user, case, level=f.level.data, decided_on=f.decided_on.data, notes=f.notes.data
            )
        else:
            services.not_certify_case(
                current_user,
                case,
                reason=f.reason.data,
                decided_on=f.decided_on.data,
                notes=f.notes.data,
                level_after=f.level_after.data or None,
            )

    return _act(
        case_id, "outcome", OutcomeForm(prefix="outcome"), call, _("The certification outcome was recorded.")
    )


@bp.route("/cases/<int:case_id>/plan", methods=["POST"])
@role_required(*STAFF)
def case_plan_add(case_id: int):
    def call(case, f):
        course = session = None
        if f.course_id.data:
            course = db.session.get(Course, _int(f.course_id.data))
            if course is None:
                abort(404)
        if f.session_id.data:
            session = db.session.get(TrainingSession, _int(f.session_id.data))
            # Another enterprise's one-on-one coaching is not offered here: as if it did not exist.
            if session is None or plans.session_belongs_elsewhere(session, case):
                abort(404)
        plans.add_plan_item(current_user, case, course=course, session=session, due_on=f.due_on.data)

    return _act(case_id, "plan", PlanItemForm(prefix="plan"), call, _("Added to the plan."))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        abort(400)


@bp.route("/cases/<int:case_id>/plan/<int:item_id>/remove", methods=["GET", "POST"])
@role_required(*STAFF)
def case_plan_remove(case_id: int, item_id: int):
    item = db.session.execute(
        sa.select(PlanItem).where(PlanItem.id == item_id, PlanItem.case_id == case_id)
    ).scalar_one_or_none()
    if item is None:
        _case_or_404(case_id)
        abort(404)
    return _act(
        case_id,
        "action",
        ActionForm(),
        lambda case, f: plans.remove_plan_item(current_user, item),
        _("Removed from the plan."),
        confirm=lambda case: (
            _("Remove from the plan"),
            _(
                "Remove “%(item)s” from the training plan of case %(ref)s?",
                item=plans.item_title(item),
                ref=case.reference,
            ),
            None,
            _("Remove"),
        ),
    )


@bp.route("/cases/<int:case_id>/plan/enroll", methods=["POST"])
@role_required(*STAFF)
def case_plan_enroll(case_id: int):
    def call(case, f):
        enrolments, registrations = plans.enroll_nominees(current_user, case)
        flash(
            _(
                "%(enrolments)d enrolments and %(registrations)d session registrations made.",
                enrolments=enrolments,
                registrations=registrations,
            ),
            "info",
        )

    return _act(case_id, "action", ActionForm(), call, _("Nominees enrolled from the plan."))


# -- opening cases ------------------------------------------------------------------------------------------


def _nominee_choices(form, enterprise: Enterprise) -> list[User]:
    trainees = (
        db.session.execute(
            sa.select(User)
            .where(User.enterprise_id == enterprise.id, User.role == "trainee", User.active)
            .order_by(User.display_name)
        )
        .scalars()
        .all()
    )
    form.nominees.choices = [(u.id, f"{u.display_name} — {u.position_label}") for u in trainees]
    return trainees


@bp.route("/apply", methods=["GET", "POST"])
@role_required("trainee")
def apply():
    if not can_apply(current_user):
        abort(
            403,
            _("Only the enterprise's legal representative or a senior manager may apply for cultivation."),
        )
    form = OpenCaseForm()
    _nominee_choices(form, current_user.enterprise)

    def page(enterprise, form):
        return render_template(
            "cultivation/open_case.html",
            form=form,
            enterprise=enterprise,
            nominate=False,
            categories=CATEGORIES_BY_TYPE,
            **_application_checks(enterprise),
        ), 400 if form.errors else 200

    def refused(enterprise, form, error: DomainError):
        _nominee_choices(form, enterprise)
        return on_form(page)(enterprise, form, error)

    return act(
        lambda enterprise, f: services.apply_for_cultivation(
            current_user,
            training_type=f.training_type.data,
            category=f.category.data,
            nominee_ids=f.nominees.data,
            statement=f.statement.data,
        ),
        load=lambda: current_user.enterprise,
        form=form,
        invalid=page,
        refused=refused,
        success=_("Your application was submitted."),
        redirect_to=lambda case: url_for("cultivation.case_detail", case_id=case.id),
    )


def _application_checks(enterprise: Enterprise) -> dict:
    """What the apply page shows before the form: per training type, the checks an application must pass."""
    today = clock.today()
    results = eligibility.application_checks(enterprise, today)
    return {
        "application_checks": [
            (TRAINING_TYPES[training_type], result["eligible"], eligibility.explained(result))
            for training_type, result in results.items()
        ],
        "checks_day": today,
        "may_apply": any(result["eligible"] for result in results.values()),
    }


@bp.route("/nominate", methods=["GET", "POST"])
@role_required(*STAFF)
def nominate():
    enterprise_id = int_arg("enterprise") or _int(request.form.get("enterprise_id") or 0) or None
    if enterprise_id is None:
        q = (request.args.get("q") or "").strip()
        stmt = (
            sa.select(Enterprise)
            .where(enterprise_clause(current_user))
            .options(joinedload(Enterprise.unit))
            .order_by(Enterprise.name_en)
        )
        if q:
            stmt = stmt.where(
                sa.or_(contains(Enterprise.name_en, q), contains(Enterprise.name_zh, q, case_sensitive=True))
            )
        return render_template("cultivation/nominate_pick.html", pagination=paginate(stmt), q=q)
    enterprise = get_enterprise_or_404(current_user, enterprise_id)
    form = NominateForm(enterprise_id=str(enterprise.id))
    _nominee_choices(form, enterprise)

    def page(enterprise, form):
        return render_template(
            "cultivation/open_case.html",
            form=form,
            enterprise=enterprise,
            nominate=True,
            categories=CATEGORIES_BY_TYPE,
        ), 400 if form.errors else 200

    def refused(enterprise, form, error: DomainError):
        _nominee_choices(form, enterprise)
        return on_form(page)(enterprise, form, error)

    return act(
        lambda enterprise, f: services.nominate_enterprise(
            current_user,
            enterprise,
            training_type=f.training_type.data,
            category=f.category.data,
            nominee_ids=f.nominees.data,
            statement=f.statement.data,
        ),
        load=lambda: get_enterprise_or_404(current_user, enterprise_id),
        form=form,
        invalid=page,
        refused=refused,
        success=_("The enterprise was nominated for cultivation."),
        redirect_to=lambda case: url_for("cultivation.case_detail", case_id=case.id),
    )


@bp.route("/my")
@role_required("trainee")
def my_cases():
    cases = db.session.execute(queries.my_cases(current_user)).scalars().all()
    return render_template(
        "cultivation/my_cases.html",
        cases=cases,
        enterprise=current_user.enterprise,
        can_apply=can_apply(current_user),
    )


# -- an enterprise's cases and bars -------------------------------------------------------------------------


@bp.route("/enterprises/<int:enterprise_id>")
@role_required(*STAFF)
def enterprise_cases(enterprise_id: int):
    enterprise = get_enterprise_or_404(current_user, enterprise_id)
    return _render_enterprise(enterprise, BarForm(occurred_on=clock.today()))


def _render_enterprise(enterprise: Enterprise, form: BarForm, status: int = 200):
    cases = (
        db.session.execute(
            sa.select(CultivationCase)
            .where(CultivationCase.enterprise_id == enterprise.id)
            .order_by(CultivationCase.opened_on.desc(), CultivationCase.id.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "cultivation/enterprise.html",
        enterprise=enterprise,
        cases=cases,
        bars=eligibility.bars_of(enterprise),
        today=clock.today(),
        form=form,
        rereview=services.enterprise_rereview(enterprise),
    ), status


@bp.route("/enterprises/<int:enterprise_id>/bars", methods=["POST"])
@role_required(*STAFF)
def enterprise_bar(enterprise_id: int):
    return act(
        lambda enterprise, f: services.record_bar_event(
            current_user, enterprise, kind=f.kind.data, occurred_on=f.occurred_on.data, notes=f.notes.data
        ),
        load=lambda: get_enterprise_or_404(current_user, enterprise_id),
        form=BarForm(),
        invalid=lambda enterprise, form: _render_enterprise(enterprise, form, 400),
        refused=on_form(_render_enterprise),
        success=_("The one-year bar was recorded."),
        redirect_to=url_for("cultivation.enterprise_cases", enterprise_id=enterprise_id),
    )


# -- key training lists -------------------------------------------------------------------------------------


def _unit_choices(form: BuildListForm) -> None:
    form.unit_id.choices = [
        (str(u.id), f"{u.code} {u.name}")
        for u in units_in_scope(current_user)
        if u.level != "gacc" or current_user.role == "admin"
    ]


def _render_lists(form: BuildListForm, status: int = 200):
    pagination = paginate(queries.key_lists(current_user))
    ids = [k.id for k in pagination.items]
    from lms.cultivation.models import KeyListEntry

    counts = (
        dict(
            db.session.execute(
                sa.select(KeyListEntry.list_id, sa.func.count())
                .where(KeyListEntry.list_id.in_(ids), KeyListEntry.included)
                .group_by(KeyListEntry.list_id)
            ).all()
        )
        if ids
        else {}
    )
    return render_template(
        "cultivation/key_lists.html", pagination=pagination, form=form, counts=counts
    ), status


@bp.route("/key-lists", methods=["GET", "POST"])
@role_required(*STAFF)
def key_lists():
    form = BuildListForm()
    _unit_choices(form)
    if request.method == "GET":
        if current_user.unit is not None and not form.unit_id.data:
            form.unit_id.data = str(current_user.unit_id)
        return _render_lists(form)

    def build(_nothing, form):
        unit = db.session.get(CustomsUnit, _int(form.unit_id.data or 0))
        if unit is None:
            raise InvalidInput(_("Choose a customs unit."), field="unit_id")
        return keylists.build_key_list(current_user, unit, form.period.data)

    def refused(_nothing, form, error: DomainError):
        _unit_choices(form)
        return on_form(lambda _n, form: _render_lists(form))(None, form, error)

    return act(
        build,
        form=form,
        invalid=lambda _nothing, form: _render_lists(form, 400),
        refused=refused,
        success=_("The key training list was ranked. Adjust it, then confirm it."),
        redirect_to=lambda key_list: url_for("cultivation.key_list_detail", list_id=key_list.id),
    )


def _render_list(key_list: KeyTrainingList, form: AdjustForm | None = None, status: int = 200):
    from lms.cultivation.ranking import CRITERIA

    return render_template(
        "cultivation/key_list.html",
        key_list=key_list,
        rows=keylists.list_rows(key_list),
        criteria=CRITERIA,
        form=form or AdjustForm(),
        action_form=ActionForm(),
        basis_text=keylists.basis_text,
    ), status


@bp.route("/key-lists/<int:list_id>")
@role_required(*STAFF)
def key_list_detail(list_id: int):
    return _render_list(_key_list_or_404(list_id))


def _list_action(list_id: int, form, call, success: str):
    adjust = isinstance(form, AdjustForm)

    def refused(key_list, form, error: DomainError):
        flash(str(error), "error")
        if adjust:
            apply_domain_error(form, error)
        return _render_list(key_list, form if adjust else None, error.status_code)

    return act(
        call,
        load=lambda: _key_list_or_404(list_id),
        form=form,
        invalid=lambda key_list, form: _render_list(key_list, form if adjust else None, 400),
        refused=refused,
        success=success,
        redirect_to=url_for("cultivation.key_list_detail", list_id=list_id),
    )


@bp.route("/key-lists/<int:list_id>/entries/<int:entry_id>/<action>", methods=["POST"])
@role_required(*STAFF)
def key_list_adjust(list_id: int, entry_id: int, action: str):
    if action not in ("include", "exclude", "up", "down"):
        abort(404)

    def call(key_list, form):
        if action in ("include", "exclude"):
            keylists.set_included(current_user, key_list, entry_id, action == "include", form.reason.data)
        else:
            keylists.move_entry(current_user, key_list, entry_id, action, form.reason.data)

    return _list_action(list_id, AdjustForm(), call, _("The list was adjusted."))


@bp.route("/key-lists/<int:list_id>/refresh", methods=["POST"])
@role_required(*STAFF)
def key_list_refresh(list_id: int):
    return _list_action(
        list_id,
        ActionForm(),
        lambda key_list, f: keylists.refresh_key_list(current_user, key_list),
        _("The list was ranked again from the cases screened now."),
    )


@bp.route("/key-lists/<int:list_id>/confirm", methods=["POST"])
@role_required(*STAFF)
def key_list_confirm(list_id: int):
    start = request.form.get("start", "1") != "0"
    return _list_action(
        list_id,
        ActionForm(),
        lambda key_list, f: keylists.confirm_key_list(current_user, key_list, start=start),
        _("The key training list is confirmed; its cases are in training.")
        if start
        else _("The key training list is confirmed; start each case's training from its page."),
    )


def _export_name(key_list: KeyTrainingList, extension: str) -> str:
    return f"key-training-list-{key_list.unit.code}-{key_list.period}.{extension}"


@bp.route("/key-lists/<int:list_id>/export.csv")
@role_required(*STAFF)
@reads_from_replica
def key_list_csv(list_id: int):
    key_list = _key_list_or_404(list_id)
    return Response(
        keylists.export_csv(key_list),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(key_list, "csv")}"'},
    )


@bp.route("/key-lists/<int:list_id>/export.xlsx")
@role_required(*STAFF)
@reads_from_replica
def key_list_xlsx(list_id: int):
    key_list = _key_list_or_404(list_id)
    return Response(
        keylists.export_xlsx(key_list),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(key_list, "xlsx")}"'},
    )
