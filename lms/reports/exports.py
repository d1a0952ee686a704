"""CSV and XLSX downloads of the report tables, built from the same rows as the pages.

CSV is streamed row by row (long tables are read a chunk of keys at a time), with a byte-order mark so that
spreadsheet programs read Chinese as UTF-8. XLSX is streamed too: openpyxl makes the workbook with its header
row (styles, sheet, workbook parts), and the rows are written into that sheet part as they are read, inside a
zip archive written to the response (zip data descriptors: no part needs its size in advance). The first
bytes leave before the first figure is computed, and memory stays flat whatever the length.
Text that a spreadsheet would read as a formula gets a leading apostrophe in CSV, and is stored as a text
cell (an inline string, never a formula) in XLSX.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from xml.sax.saxutils import escape

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lms.core.replica import reading_from_replica
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


def _as_a_report(pieces: Iterator) -> Iterator:
    """A download's pieces, made after its view has returned and so outside what marked the request as a
    report's: its queries read as the report pages' do (from the replica, each planned for the values asked,
    never prepared: :mod:`lms.core.pgconn`)."""
    with reading_from_replica():
        yield from pieces


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
        stream_with_context(_as_a_report(generate())),
        mimetype="text/csv",
        headers=_disposition(filename(report, name, "csv")),
    )


SHEET_PART = "xl/worksheets/sheet1.xml"
FLUSH_BYTES = 64 * 1024


def _workbook_with_header(name: str, columns: list[Column]) -> bytes:
    """The whole workbook but its rows: openpyxl's parts, the sheet holding the bold header row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_SHEET_UNSAFE.sub(" ", str(TABLES[name].title))[:31] or name)
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell_xml(ref: str, column: Column, value) -> str:
    value = plain(value)
    if value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if column.kind != "text" and isinstance(value, Decimal | int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _row_xml(number: int, letters: list[str], columns: list[Column], row) -> bytes:
    cells = "".join(
        _cell_xml(f"{letter}{number}", column, row.values.get(column.key))
        for letter, column in zip(letters, columns, strict=True)
    )
    return f'<row r="{number}">{cells}</row>'.encode()


class _Chunks:
    """A write-only, unseekable file the zip archive writes into; the response takes what it holds."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> Iterator[bytes]:
        if self.parts:
            data, self.parts, self.size = b"".join(self.parts), [], 0
            yield data


def xlsx_chunks(report: Report, name: str) -> Iterator[bytes]:
    """The XLSX file of table ``name``, in pieces, the rows read as the pieces go."""
    columns = _columns_for_export(report, name)
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    made = zipfile.ZipFile(io.BytesIO(_workbook_with_header(name, columns)))
    head, tail = made.read(SHEET_PART).split(b"</sheetData>")
    out = _Chunks()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in made.infolist():
            if info.filename != SHEET_PART:
                archive.writestr(info.filename, made.read(info.filename))
        with archive.open(SHEET_PART, "w", force_zip64=True) as part:
            part.write(head)
            yield from out.take()
            for number, row in enumerate(iter_rows(report, name), start=2):
                part.write(_row_xml(number, letters, columns, row))
                if out.size >= FLUSH_BYTES:
                    yield from out.take()
            part.write(b"</sheetData>" + tail)
    yield from out.take()


def xlsx_response(report: Report, name: str) -> Response:
    return Response(
        stream_with_context(_as_a_report(xlsx_chunks(report, name))),
        mimetype=XLSX_MIMETYPE,
        headers=_disposition(filename(report, name, "xlsx")),
    )


def _columns_for_export(report: Report, name: str) -> list[Column]:
    return TABLES[name].columns()
