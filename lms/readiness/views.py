"""Readiness pages: the standards, an enterprise's assessments and map, filling and reviewing an assessment,
the jurisdiction's heat map with exports, adopting a learning path, and the effect of training.

Order in every view: load (404, also outside the actor's jurisdiction) → authorise (403) → validate → service
→ commit → redirect.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from lms.auth.models import User
from lms.auth.permissions import role_required
from lms.auth.scopes import enterprise_in_scope, units_in_scope
from lms.core.actions import act, back_to
from lms.core.confirm import confirmation_page
from lms.core.forms import ButtonForm
from lms.core.web import int_arg, refuse
from lms.cultivation.models import CultivationCase
from lms.errors import DomainError, InvalidInput
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise
from lms.readiness import effect as effect_module
from lms.readiness import exports, maps, paths, services
from lms.readiness.loader import applicable_version
from lms.readiness.models import (
    CONFIDENCE_LABELS,
    JUDGEMENT_LABELS,
    Assessment,
    EvidenceFile,
    StandardVersion,
)
from lms.readiness.standards import JUDGEMENTS, IndicatorError, all_items

bp = Blueprint("readiness", __name__, url_prefix="/readiness")
ALL = ("trainee", "expert", "officer", "admin")
STAFF = ("officer", "admin")


INDICATOR_MESSAGES = {
    "not_a_number": _l("Enter a number."),
    "below": _l("Too low: the value must be at least %(minimum)s."),
    "above": _l("Too high: the value must be at most %(maximum)s."),
}


@bp.app_template_filter("judgement")
def judgement_filter(value) -> str:
    return str(JUDGEMENT_LABELS[value]) if value in JUDGEMENT_LABELS else _("Not judged")


@bp.app_context_processor
def readiness_helpers():
    from lms.org.models import localized

    return {"loc": localized, "confidence_labels": CONFIDENCE_LABELS, "judgement_choices": JUDGEMENTS}


@bp.app_template_global("readiness_report_figure")
def readiness_report_figure(report):
    """The reports page's readiness figure (its template hook includes readiness/_report_panel.html)."""
    filters = report.filters
    return effect_module.report_figure(
        report.actor,
        unit=report.unit if report.enterprise is None and report.trainee is None else None,
        enterprise_id=(
            report.enterprise.id
            if report.enterprise is not None
            else report.trainee.enterprise_id
            if report.trainee is not None
            else None
        ),
        start=filters.start,
        end=filters.end,
        course_id=getattr(filters, "course_id", None),
        expert_id=getattr(filters, "expert_id", None),
    )


# -- loading with scope --------------------------------------------------------------------------------------


def _enterprise_or_404(enterprise_id: int) -> Enterprise:
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None or not services.can_view_enterprise(current_user, enterprise):
        abort(404)
    return enterprise


def _assessment_or_404(assessment_id: int) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not services.can_view_assessment(current_user, assessment):
        abort(404)
    return assessment


# -- pages ---------------------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    if current_user.role == "trainee":
        return redirect(url_for("readiness.enterprise", enterprise_id=current_user.enterprise_id))
    if current_user.role in STAFF:
        return redirect(url_for("readiness.heatmap"))
    assigned = list(
        db.session.execute(
            sa.select(Assessment)
            .where(Assessment.assigned_expert_id == current_user.id)
            .order_by(Assessment.id.desc())
        ).scalars()
    )
    return render_template("readiness/expert.html", assessments=assigned)


@bp.get("/standards")
@login_required
def standards():
    versions = list(
        db.session.execute(
            sa.select(StandardVersion).order_by(
                StandardVersion.effective_from.desc(), StandardVersion.number.desc()
            )
        ).scalars()
    )
    return render_template("readiness/standards.html", versions=versions, applies=applicable_version())


@bp.get("/standards/<int:version_id>")
@login_required
def standard(version_id: int):
    version = db.get_or_404(StandardVersion, version_id)
    return render_template(
        "readiness/standard.html", version=version, data=version.data, applies=applicable_version()
    )


@bp.get("/enterprises/<int:enterprise_id>")
@login_required
def enterprise(enterprise_id: int):
    enterprise = _enterprise_or_404(enterprise_id)
    assessments = services.assessments_of(enterprise.id)
    judged = [a for a in assessments if a.state != "draft"]
    latest = services.latest_judged(enterprise.id)
    first = judged[0] if judged else None
    gaps = paths.gaps_of(latest)
    steps = paths.recommended_path(gaps)
    case = paths.open_plan_case(enterprise.id) if current_user.role in STAFF else None
    nominees = [n.user for n in case.nominees] if case is not None else []
    if not nominees and current_user.role == "trainee":
        nominees = [current_user]
    verdict = services.final_verdict(latest) if latest is not None else None
    return render_template(
        "readiness/enterprise.html",
        enterprise=enterprise,
        assessments=assessments,
        trend=maps.trend(assessments),
        rows=maps.enterprise_map(first, latest),
        first=first if first is not None and latest is not None and first.id != latest.id else None,
        latest=latest,
        verdict=verdict,
        gaps=gaps,
        steps=steps,
        nominee_paths=paths.nominee_paths(steps, nominees),
        case=case,
        can_fill=services.can_fill(current_user, enterprise.id),
        applies=applicable_version(),
        form=ButtonForm(),
    )


@bp.post("/enterprises/<int:enterprise_id>/assessments")
@login_required
def start(enterprise_id: int):
    enterprise = _enterprise_or_404(enterprise_id)
    if not services.can_fill(current_user, enterprise.id):
        abort(403)
    return act(
        lambda enterprise, _f: services.start_assessment(current_user, enterprise),
        load=lambda: enterprise,
        refused=back_to(url_for("readiness.enterprise", enterprise_id=enterprise.id)),
        success=lambda assessment: _(
            "A new self-assessment was started under %(standard)s.", standard=assessment.standard.label
        ),
        redirect_to=lambda assessment: url_for("readiness.assessment", assessment_id=assessment.id),
    )


def _render_assessment(
    assessment: Assessment, *, errors=None, indicator_errors=None, values=None, status=200
):
    data = assessment.standard.data
    editable = (
        assessment.state == "draft"
        and services.can_fill(current_user, assessment.enterprise_id)
        and not assessment.standard.retired()
    )
    verdict = (
        services.final_verdict(assessment)
        if assessment.state == "reviewed"
        else services.self_verdict(assessment)
    )
    experts = []
    if current_user.role in STAFF and assessment.state != "reviewed":
        experts = list(
            db.session.execute(
                sa.select(User)
                .where(User.role == "expert", User.active.is_(True))
                .order_by(User.display_name)
            ).scalars()
        )
    return (
        render_template(
            "readiness/assessment.html",
            assessment=assessment,
            data=data,
            items=all_items(data),
            editable=editable,
            retired=assessment.standard.retired(),
            verdict=verdict,
            errors=errors or {},
            indicator_errors=indicator_errors or {},
            indicator_values=values if values is not None else (assessment.indicators or {}),
            can_review=services.can_review(current_user, assessment) and assessment.state == "submitted",
            experts=experts,
            form=ButtonForm(),
        ),
        status,
    )


@bp.get("/assessments/<int:assessment_id>")
@login_required
def assessment(assessment_id: int):
    return _render_assessment(_assessment_or_404(assessment_id))


@bp.post("/assessments/<int:assessment_id>")
@login_required
def assessment_save(assessment_id: int):
    assessment = _assessment_or_404(assessment_id)
    if not services.can_fill(current_user, assessment.enterprise_id):
        abort(403)
    items = all_items(assessment.standard.data)
    judgements = {i["code"]: request.form.get(f"judgement-{i['code']}") or None for i in items}
    notes = {i["code"]: request.form.get(f"note-{i['code']}", "") for i in items}
    financial = assessment.standard.data.get("financial")
    indicators = (
        {ind["code"]: request.form.get(f"indicator-{ind['code']}", "") for ind in financial["indicators"]}
        if financial
        else None
    )
    try:
        services.save_draft(
            current_user, assessment, judgements=judgements, notes=notes, indicators=indicators
        )
        if request.form.get("action") == "submit":
            verdict = services.submit_assessment(current_user, assessment)
            db.session.commit()
            if verdict.passed:
                flash(_("Submitted. By your own judgement the enterprise meets the pass rule."), "success")
            else:
                flash(
                    _("Submitted. By your own judgement the enterprise does not yet meet the pass rule."),
                    "warning",
                )
            return redirect(url_for("readiness.assessment", assessment_id=assessment.id))
    except IndicatorError as error:
        db.session.rollback()
        messages = {}
        for ind in financial["indicators"]:
            problem = error.problems.get(ind["code"])
            if problem:
                messages[ind["code"]] = str(INDICATOR_MESSAGES[problem]) % {
                    "minimum": ind.get("minimum"),
                    "maximum": ind.get("maximum"),
                }
        flash(_("Some financial indicators are out of range; nothing was saved."), "error")
        db.session.refresh(assessment)
        return _render_assessment(assessment, indicator_errors=messages, values=indicators, status=400)
    except DomainError as error:
        refuse(error)
        return redirect(url_for("readiness.assessment", assessment_id=assessment.id))
    db.session.commit()
    flash(_("Draft saved."), "success")
    return redirect(url_for("readiness.assessment", assessment_id=assessment.id))


@bp.post("/assessments/<int:assessment_id>/items/<code>/evidence")
@login_required
def evidence_add(assessment_id: int, code: str):
    assessment = _assessment_or_404(assessment_id)
    answer = assessment.answer(code)
    if answer is None:
        abort(404)
    if not services.can_fill(current_user, assessment.enterprise_id):
        abort(403)
    back = url_for("readiness.assessment", assessment_id=assessment.id) + f"#item-{code}"
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to attach."), "error")
        return redirect(back)
    return act(
        lambda answer, _f: services.add_evidence(
            current_user, answer, filename=upload.filename, stream=upload.stream
        ),
        load=lambda: answer,
        success=_("Evidence attached."),
        redirect_to=back,
    )


@bp.get("/evidence/<int:file_id>")
@login_required
def evidence_file(file_id: int):
    file = db.get_or_404(EvidenceFile, file_id)
    if not services.can_view_assessment(current_user, file.answer.assessment):
        abort(404)
    path = services.evidence_folder() / file.stored_name
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=file.mimetype, as_attachment=True, download_name=file.filename)


@bp.post("/evidence/<int:file_id>/remove")
@login_required
def evidence_remove(file_id: int):
    file = db.get_or_404(EvidenceFile, file_id)
    assessment = file.answer.assessment
    if not services.can_view_assessment(current_user, assessment):
        abort(404)
    if not services.can_fill(current_user, assessment.enterprise_id):
        abort(403)
    back = url_for("readiness.assessment", assessment_id=assessment.id)
    return act(
        lambda file, _f: services.remove_evidence(current_user, file),
        load=lambda: file,
        confirm=lambda file, _f: confirmation_page(
            ButtonForm(),
            title=_("Remove evidence"),
            question=_("Remove %(name)s from this item?", name=file.filename),
            submit_label=_("Remove"),
            back_url=back,
        ),
        success=_("Evidence removed."),
        redirect_to=back,
        after_commit=lambda stored: (services.evidence_folder() / stored).unlink(missing_ok=True),
    )


@bp.post("/assessments/<int:assessment_id>/assign")
@role_required(*STAFF)
def assign(assessment_id: int):
    assessment = _assessment_or_404(assessment_id)
    expert_id = request.form.get("expert_id", type=int)
    expert = db.session.get(User, expert_id) if expert_id else None
    if expert_id and expert is None:
        abort(400)
    return act(
        lambda assessment, _f: services.assign_expert(current_user, assessment, expert),
        load=lambda: assessment,
        success=_("Reviewer assigned.") if expert else _("Reviewer removed."),
        redirect_to=url_for("readiness.assessment", assessment_id=assessment.id),
    )


@bp.route("/assessments/<int:assessment_id>/review", methods=["GET", "POST"])
@login_required
def review(assessment_id: int):
    assessment = _assessment_or_404(assessment_id)
    if not services.can_review(current_user, assessment):
        abort(403)
    problems: dict = {}
    status = 200
    if request.method == "POST":
        decisions = {}
        for answer in assessment.answers:
            own = request.form.get(f"review-{answer.item_code}") or None
            if own == "agree":
                own = None
            decisions[answer.item_code] = (own, request.form.get(f"reason-{answer.item_code}", ""))
        try:
            verdict = services.review_assessment(
                current_user, assessment, decisions, request.form.get("review_note", "")
            )
        except InvalidInput as error:
            db.session.rollback()
            problems = {k: str(v) for k, v in getattr(error, "problems", {}).items()}
            flash(str(error), "error")
            status = 400
            db.session.refresh(assessment)
        except DomainError as error:
            refuse(error)
            return redirect(url_for("readiness.assessment", assessment_id=assessment.id))
        else:
            db.session.commit()
            flash(
                _(
                    "Review recorded in the evidence ledger: %(verdict)s, total %(total)s.",
                    verdict=_("passes") if verdict.passed else _("does not pass"),
                    total=verdict.total,
                ),
                "success",
            )
            return redirect(url_for("readiness.assessment", assessment_id=assessment.id))
    if assessment.state != "submitted":
        flash(_("Only a submitted assessment can be reviewed."), "info")
        return redirect(url_for("readiness.assessment", assessment_id=assessment.id))
    return (
        render_template(
            "readiness/review.html",
            assessment=assessment,
            data=assessment.standard.data,
            items=all_items(assessment.standard.data),
            verdict=services.self_verdict(assessment),
            problems=problems,
            posted=request.form if request.method == "POST" else {},
            form=ButtonForm(),
        ),
        status,
    )


# -- the jurisdiction's heat map -----------------------------------------------------------------------------


@bp.get("/map")
@role_required(*STAFF)
def heatmap():
    unit = None
    unit_id = int_arg("unit")
    if unit_id is not None:
        unit = db.session.get(CustomsUnit, unit_id)
        if unit is None or unit.id not in {u.id for u in units_in_scope(current_user)}:
            abort(404)
    level = request.args.get("level", "modules")
    if level not in ("modules", "items"):
        level = "modules"
    sort = request.args.get("sort", "gap")
    if sort not in ("gap", "name", "total"):
        sort = "gap"
    rows = maps.heat_rows(current_user, unit=unit, sort=sort)
    columns = maps.item_columns(rows) if level == "items" else None
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return exports.heatmap_export(rows, level, columns, fmt)
    if fmt:
        abort(400)
    return render_template(
        "readiness/map.html",
        rows=rows,
        level=level,
        sort=sort,
        unit=unit,
        units=units_in_scope(current_user),
        columns=columns,
        modules=maps.MODULES,
        applies=applicable_version(),
    )


@bp.post("/cases/<int:case_id>/adopt")
@role_required(*STAFF)
def adopt(case_id: int):
    case = db.session.get(CultivationCase, case_id)
    if case is None or not enterprise_in_scope(current_user, case.enterprise_id):
        abort(404)
    return act(
        lambda case, _f: paths.adopt_path(current_user, case),
        load=lambda: case,
        refused=back_to(request.form.get("next") or url_for("cultivation.case_detail", case_id=case.id)),
        success=lambda added: _(
            "Recommended path adopted into the plan: %(courses)s course(s) and %(sessions)s session(s) "
            "added.",
            courses=added[0],
            sessions=added[1],
        ),
        redirect_to=url_for("cultivation.case_detail", case_id=case.id),
    )


# -- effect on the standard ----------------------------------------------------------------------------------


def _day(name: str) -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@bp.get("/effect")
@role_required(*STAFF)
def effect():
    by = request.args.get("by", "course")
    if by not in effect_module.DIMENSIONS:
        by = "course"
    start, end = _day("start"), _day("end")
    bad_dates = (request.args.get("start") and start is None) or (request.args.get("end") and end is None)
    if bad_dates or (start and end and start > end):
        flash(_("Dates must be given as YYYY-MM-DD, the start not after the end."), "error")
        return render_template("readiness/effect.html", rows=[], by=by, start=None, end=None, total=0), 400
    moves = effect_module.moves_after_training(current_user, start, end)
    rows = effect_module.effect_table(moves, by)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return exports.effect_export(rows, by, fmt)
    return render_template("readiness/effect.html", rows=rows, by=by, start=start, end=end, total=len(moves))
