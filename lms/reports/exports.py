"""CSV and XLSX downloads of the report tables, built from the same rows as the pages.

CSV is streamed row by row (long tables are read a chunk of keys at a time), with a byte-order mark so that
spreadsheet programs read Chinese as UTF-8. XLSX uses openpyxl's write-only mode, which keeps memory flat.
Text that a spreadsheet would read as a formula gets a leading apostrophe in CSV, and is stored as a text
cell in XLSX.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from lms.core.spreadsheet import formula_safe
from lms.reports.tables import TABLES, Column, Report, iter_rows, plain

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def _cells(columns: list[Column], row) -> list:
    out = []
    for column in columns:
        value = plain(row.values.get(column.key))
        out.append(formula_safe(value) if column.kind == "text" else value)
    return out


def filename(report: Report, name: str, extension: str) -> str:
    filters = report.filters
    period = f"{filters.start.isoformat()}-{filters.end.isoformat()}"
    return f"{name}-{report.level}-{report.subject_id}-{period}.{extension}"


def _disposition(name: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def csv_response(report: Report, name: str) -> Response:
    columns = _columns_for_export(report, name)

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([str(c.label) for c in columns])
        yield "\ufeff" + buffer.getvalue()
        for row in iter_rows(report, name):
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(_cells(columns, row))
            yield buffer.getvalue()

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers=_disposition(filename(report, name, "csv")),
    )


def xlsx_bytes(report: Report, name: str) -> bytes:
    columns = _columns_for_export(report, name)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_SHEET_UNSAFE.sub(" ", str(TABLES[name].title))[:31] or name)
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in iter_rows(report, name):
        sheet.append([_xlsx_cell(sheet, column, row.values.get(column.key)) for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(sheet, column: Column, value):
    value = plain(value)
    if value == "":
        return None
    if column.kind != "text":
        return value
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"  # text stays text, even when it starts like a formula
    return cell


def xlsx_response(report: Report, name: str) -> Response:
    return Response(
        xlsx_bytes(report, name), mimetype=XLSX_MIMETYPE, headers=_disposition(filename(report, name, "xlsx"))
    )


def _columns_for_export(report: Report, name: str) -> list[Column]:
    return TABLES[name].columns()
