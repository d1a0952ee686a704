"""Reports pages: the jurisdiction dashboard, drill-down from unit to enterprise to trainee, exports, dossier.

Every page: officers and admins only (403 for others); a unit, enterprise or trainee outside the actor's
jurisdiction answers 404; bad filters show a message with status 400.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import role_required
from lms.auth.scopes import units_in_scope
from lms.core.replica import replica_blueprint
from lms.core.web import int_arg
from lms.errors import InvalidInput
from lms.extensions import db
from lms.org.models import CustomsUnit
from lms.privacy.services import log_access_now
from lms.reports import charts, dossier, exports, snapshot
from lms.reports.filters import PRESETS, course_choices, expert_choices, parse_filters
from lms.reports.metrics import DIMENSIONS
from lms.reports.permissions import (
    REPORT_ROLES,
    get_enterprise_or_404,
    get_trainee_or_404,
    get_unit_or_404,
    root_unit,
)
from lms.reports.tables import TABLES, Report, Table, build_table, tables_for

bp = replica_blueprint(Blueprint("reports", __name__, url_prefix="/reports"))  # reads from the replica


EXPORT_FORMATS = ("csv", "xlsx")


def _filters():
    """(filters, None) or (None, error) from the query arguments."""
    try:
        return parse_filters(request.args, current_user), None
    except InvalidInput as error:
        return None, error


def breadcrumbs(unit: CustomsUnit) -> list[CustomsUnit]:
    """The units from the top of the actor's jurisdiction down to ``unit``."""
    top = root_unit(current_user)
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    if top is not None and top.id in ids:
        ids = ids[ids.index(top.id) :]
    units = {
        u.id: u for u in db.session.execute(db.select(CustomsUnit).where(CustomsUnit.id.in_(ids))).scalars()
    }
    return [units[i] for i in ids if i in units]


def _charts(report: Report, tables: dict[str, Table]) -> dict[str, charts.Chart]:
    """The charts, drawn from the very rows of the tables beside them."""
    out = {}
    if "trend" in tables:
        rows = tables["trend"].rows
        out["trend"] = charts.column_chart(
            "trend",
            _("Enrolments made and completed per month"),
            [r.values["label"] for r in rows],
            [
                (_("Enrolments made"), [r.values["enrolments"] for r in rows]),
                (_("Enrolments completed"), [r.values["completions"] for r in rows]),
            ],
        )
    if "funnel" in tables:
        rows = tables["funnel"].rows
        out["funnel"] = charts.bar_chart(
            "funnel",
            _("Cultivation funnel"),
            [(r.values["label"], r.values["cases"], str(r.values["cases"])) for r in rows],
            max_value=rows[0].values["cases"] or 1,
        )
    if "scores" in tables:
        rows = tables["scores"].rows
        out["scores"] = charts.column_chart(
            "scores",
            _("Graded results per score band"),
            [r.values["label"] for r in rows],
            [(_("Graded results"), [r.values["results"] for r in rows])],
        )
    if "satisfaction" in tables:
        rows = tables["satisfaction"].rows
        out["satisfaction"] = charts.bar_chart(
            "satisfaction",
            _("Mean rating per question (1–5)"),
            [
                (
                    r.values["label"],
                    r.values["mean"],
                    "—" if r.values["mean"] is None else str(r.values["mean"]),
                )
                for r in rows
            ],
            max_value=5,
        )
    return out


def _render(report: Report | None, error, template_values: dict):
    tables: dict[str, Table] = {}
    snapshot.allow(fresh=request.args.get("fresh") == "1")
    if report is not None:
        for name in tables_for(report):
            tables[name] = build_table(report, name)
    headline = (
        {row.values["key"]: row.values["value"] for row in tables["summary"].rows}
        if "summary" in tables
        else {}
    )
    return render_template(
        "reports/report.html",
        report=report,
        error=error,
        tables=tables,
        headline=headline,
        charts=_charts(report, tables) if report is not None else {},
        presets=PRESETS,
        courses=course_choices(),
        experts=expert_choices(current_user, report.filters.expert_id if report is not None else None),
        args=request.args,
        dimensions=DIMENSIONS,
        as_of=snapshot.as_of(),
        computed_now=request.args.get("fresh") == "1",
        **template_values,
    ), (400 if error else 200)


@bp.route("/")
@role_required(*REPORT_ROLES)
def index():
    unit_id = int_arg("unit")
    unit = get_unit_or_404(current_user, unit_id) if unit_id is not None else root_unit(current_user)
    if unit is None:
        abort(404)
    return _unit_view(unit)


@bp.route("/units/<int:unit_id>")
@role_required(*REPORT_ROLES)
def unit_page(unit_id: int):
    return _unit_view(get_unit_or_404(current_user, unit_id))


def _unit_view(unit: CustomsUnit):
    filters, error = _filters()
    report = Report(current_user, filters, unit=unit) if filters is not None else None
    return _render(
        report,
        error,
        {"unit": unit, "crumbs": breadcrumbs(unit), "level": "unit", "units": units_in_scope(current_user)},
    )


@bp.route("/enterprises/<int:enterprise_id>")
@role_required(*REPORT_ROLES)
def enterprise_page(enterprise_id: int):
    enterprise = get_enterprise_or_404(current_user, enterprise_id)
    filters, error = _filters()
    report = Report(current_user, filters, enterprise=enterprise) if filters is not None else None
    return _render(
        report,
        error,
        {"enterprise": enterprise, "crumbs": breadcrumbs(enterprise.unit), "level": "enterprise"},
    )


@bp.route("/trainees/<int:user_id>")
@role_required(*REPORT_ROLES)
def trainee_page(user_id: int):
    trainee = get_trainee_or_404(current_user, user_id)
    log_access_now(current_user, trainee, "records")
    filters, error = _filters()
    report = Report(current_user, filters, trainee=trainee) if filters is not None else None
    return _render(
        report,
        error,
        {
            "trainee": trainee,
            "enterprise": trainee.enterprise,
            "crumbs": breadcrumbs(trainee.enterprise.unit),
            "level": "trainee",
        },
    )


def _report_for(level: str, subject_id: int, filters) -> Report:
    if level == "unit":
        return Report(current_user, filters, unit=get_unit_or_404(current_user, subject_id))
    if level == "enterprise":
        return Report(current_user, filters, enterprise=get_enterprise_or_404(current_user, subject_id))
    if level == "trainee":
        return Report(current_user, filters, trainee=get_trainee_or_404(current_user, subject_id))
    abort(404)


@bp.route("/<level>/<int:subject_id>/export/<table>.<fmt>")
@role_required(*REPORT_ROLES)
def export(level: str, subject_id: int, table: str, fmt: str):
    if fmt not in EXPORT_FORMATS or table not in TABLES:
        abort(404)
    report = _report_for(level, subject_id, None)  # jurisdiction first: 404 before any filter message
    filters, error = _filters()
    if error is not None:
        raise error
    report.filters = filters
    if table not in tables_for(report):
        abort(404)
    return exports.csv_response(report, table) if fmt == "csv" else exports.xlsx_response(report, table)


@bp.route("/enterprises/<int:enterprise_id>/dossier.pdf")
@role_required(*REPORT_ROLES)
def enterprise_dossier(enterprise_id: int):
    enterprise = get_enterprise_or_404(current_user, enterprise_id)
    filters, error = _filters()
    if error is not None:
        raise error
    report = Report(current_user, filters, enterprise=enterprise)
    pdf = dossier.render_dossier(report)
    name = f"dossier-{enterprise.customs_code}-{filters.start.isoformat()}-{filters.end.isoformat()}.pdf"
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
