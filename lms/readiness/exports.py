"""CSV and XLSX of the heat map and of the effect table, like the reports' downloads (UTF-8 with a byte-order
mark; text that a spreadsheet would read as a formula is kept as text)."""

from __future__ import annotations

import csv
import io

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from lms.core.spreadsheet import formula_safe
from lms.readiness.models import JUDGEMENT_LABELS, item_title
from lms.readiness.standards import MODULES

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _label(judgement) -> str:
    return str(JUDGEMENT_LABELS[judgement]) if judgement in JUDGEMENT_LABELS else ""


def _module_titles() -> dict[str, str]:
    from lms.courses.models import TOPICS

    return {m: str(TOPICS[m]) for m in MODULES}


def _respond(header: list[str], body: list[list], name: str, fmt: str, sheet_title: str) -> Response:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in body:
            writer.writerow(["" if v is None else formula_safe(v) for v in row])
        return Response(
            "\ufeff" + buffer.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append(header)
    for row in body:
        cells = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=formula_safe(value))
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return Response(
        out.getvalue(),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


def heatmap_export(rows, level: str, columns, fmt: str) -> Response:
    header = [
        _("Enterprise"),
        _("Supervising customs"),
        _("Standard"),
        _("State"),
        _("Total"),
        _("Verdict"),
        _("Gap points"),
    ]
    if level == "items":
        header += [f"{c['code']} {item_title(c)}" for c in columns]
    else:
        titles = _module_titles()
        header += [titles[m] for m in MODULES]
    body = []
    for row in rows:
        line = [
            row.enterprise.name,
            row.enterprise.unit.name,
            row.assessment.standard.label,
            row.assessment.state_label,
            row.total,
            "" if row.passed is None else (_("passes") if row.passed else _("does not pass")),
            row.gaps,
        ]
        if level == "items":
            line += [_label(row.judgements.get(c["code"])) for c in columns]
        else:
            line += [_label(row.modules.get(m)) for m in MODULES]
        body.append(line)
    return _respond(header, body, f"readiness-map-{level}", fmt, _("Readiness map"))


def effect_export(rows, by: str, fmt: str) -> Response:
    header = [_("Group"), _("Items moved to meets after training"), _("Enterprises")]
    body = [[str(r.label), r.moves, r.enterprises] for r in rows]
    return _respond(header, body, f"readiness-effect-{by}", fmt, _("Effect on the standard"))
