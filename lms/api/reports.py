"""/api/v1/reports: the headline figures of the report dashboard, with its filters.

The figures come from lms/reports' public interface (``parse_filters``, ``Report``, ``build_table``), not
from a copy of its queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from lms.api.core import MAX_ID, api_blueprint, current_actor, day_field, require_role
from lms.core.replica import reading_from_replica
from lms.reports.filters import PRESETS, parse_filters
from lms.reports.permissions import REPORT_ROLES, get_unit_or_404, root_unit
from lms.reports.tables import Report, build_table

reports = api_blueprint(
    "report-figures", "/reports", "The report dashboard's figures (officers and administrators)."
)


class FigureArgs(Schema):
    unit = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID))
    period = fields.String(load_default=None, validate=validate.OneOf(list(PRESETS)))
    start = day_field(load_default=None, metadata={"description": "With period=custom."})
    end = day_field(load_default=None, metadata={"description": "With period=custom."})
    course = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID))
    expert = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID))


class FigureSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    value = fields.Float(allow_none=True, required=True)


class FiguresSchema(Schema):
    unit_id = fields.Integer(required=True)
    period = fields.String(required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    figures = fields.List(fields.Nested(FigureSchema), required=True)


def _value(value):
    if value is None:
        return None
    if isinstance(value, Decimal | int | float):
        return float(value)
    return None


@reports.route("/figures")
class Figures(MethodView):
    @reports.arguments(FigureArgs, location="query")
    @reports.response(200, FiguresSchema)
    def get(self, args):
        """The headline figures of a unit's report page (the caller's top unit by default), for the same
        period, course and expert filters."""
        actor = current_actor()
        require_role(*REPORT_ROLES)
        unit = get_unit_or_404(actor, args["unit"]) if args["unit"] is not None else root_unit(actor)
        if unit is None:
            from flask_smorest import abort

            abort(404)
        query = {
            key: (value.isoformat() if isinstance(value, date) else str(value))
            for key, value in args.items()
            if key != "unit" and value is not None
        }
        with reading_from_replica():
            filters = parse_filters(query, actor)
            report = Report(actor, filters, unit=unit)
            rows = build_table(report, "summary", paginate_rows=False).rows
            figures = [
                {
                    "key": row.values["key"],
                    "label": str(row.values["label"]),
                    "value": _value(row.values["value"]),
                }
                for row in rows
            ]
        return {
            "unit_id": unit.id,
            "period": filters.preset,
            "start": filters.start,
            "end": filters.end,
            "figures": figures,
        }
