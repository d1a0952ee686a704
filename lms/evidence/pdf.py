"""The certificate as a PDF: one landscape A4 page with the facts, the verification code and a QR code.

Chinese names need a CJK font; reportlab's built-in CID font STSong-Light needs no font file on the server
(PDF readers supply the glyphs for it). Latin text is set in Helvetica, Chinese runs in STSong.
"""

from __future__ import annotations

import io
import re

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from lms.evidence.models import Certificate
from lms.evidence.services import display_code, verification_url

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
INK = colors.HexColor("#1d3557")
ACCENT = colors.HexColor("#a8833a")
MUTED = colors.HexColor("#5c6770")


def register_fonts() -> None:
    """Make the CJK font available to reportlab (idempotent). Other documents (dossiers) call it too."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def font_for(text: str, bold: bool = False) -> str:
    """One font for a whole string: Helvetica if it can draw every character, else the CJK font (which has
    Latin glyphs too). For mixed text drawn on a canvas, :func:`draw_text` switches font per run instead."""
    if all(_latin(ch) for ch in text):
        return LATIN_BOLD if bold else LATIN_FONT
    return CJK_FONT


def _latin(ch: str) -> bool:
    """Helvetica (WinAnsi) can draw it."""
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """Split text into (segment, font) runs: Latin in Helvetica, everything else (Chinese) in the CJK font."""
    runs: list[tuple[str, str]] = []
    latin_font = LATIN_BOLD if bold else LATIN_FONT
    for ch in text:
        font = latin_font if _latin(ch) else CJK_FONT
        if runs and runs[-1][1] == font:
            runs[-1] = (runs[-1][0] + ch, font)
        else:
            runs.append((ch, font))
    return runs


def text_width(text: str, size: float, bold: bool = False) -> float:
    return sum(pdfmetrics.stringWidth(segment, font, size) for segment, font in _runs(text, bold))


def _wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    """Greedy line breaking: Latin text breaks at spaces, Chinese text between any two characters."""
    lines, line = [], ""
    for token in re.findall(r"\s+|[A-Za-z0-9\u00c0-\u024f.,:;!?()'\-/&]+|.", text):
        candidate = line + token
        if line and text_width(candidate.rstrip(), size, bold) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


wrap_text = _wrap  # for other documents (the personal data export)


def draw_text(pdf: canvas.Canvas, x: float, y: float, text: str, size: float, bold: bool = False) -> None:
    """Draw mixed Latin and Chinese text, each run in its own font."""
    for segment, font in _runs(text, bold):
        pdf.setFont(font, size)
        pdf.drawString(x, y, segment)
        x += pdfmetrics.stringWidth(segment, font, size)


class _Page:
    def __init__(self, pdf: canvas.Canvas, width: float):
        self.pdf = pdf
        self.width = width

    def centred(
        self,
        top: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        colour=INK,
        max_width: float | None = None,
        leading: float = 1.3,
    ) -> float:
        """Draw ``text`` centred below ``top``, wrapped to ``max_width``; returns the y under it."""
        self.pdf.setFillColor(colour)
        baseline = top - size * 0.9
        for line in _wrap(text, size, max_width or self.width - 180, bold):
            draw_text(self.pdf, (self.width - text_width(line, size, bold)) / 2, baseline, line, size, bold)
            baseline -= size * leading
        return baseline + size * leading - size * 0.3


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """The PDF bytes of ``certificate`` in the current language."""
    register_fonts()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    title = _("Certificate of completion")
    pdf.setTitle(f"{title} {display_code(certificate.code)}")
    pdf.setAuthor(_("AEO Training Center"))
    pdf.setSubject(certificate.shown_course_title)
    pdf.setCreator("AEO Training Center LMS")

    pdf.setStrokeColor(INK)
    pdf.setLineWidth(3)
    pdf.rect(24, 24, width - 48, height - 48)
    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(1)
    pdf.rect(32, 32, width - 64, height - 64)

    page = _Page(pdf, width)
    y = page.centred(height - 70, _("AEO Training Center"), 14, colour=ACCENT)
    y = page.centred(y - 6, title, 32, bold=True)
    pdf.setStrokeColor(ACCENT)
    pdf.line(width / 2 - 90, y - 8, width / 2 + 90, y - 8)
    y = page.centred(y - 26, _("This certifies that"), 13, colour=MUTED)
    y = page.centred(y - 8, certificate.shown_trainee_name, 28, bold=True)
    if certificate.enterprise_name:
        y = page.centred(y - 6, certificate.enterprise_name, 14, colour=MUTED)
    y = page.centred(y - 18, _("has completed the course"), 13, colour=MUTED)
    y = page.centred(y - 8, certificate.shown_course_title, 21, bold=True)
    facts = _(
        "%(hours)s hours · completed on %(date)s",
        hours=format_decimal(certificate.hours),
        date=format_date(certificate.completed_at, "long"),
    )
    y = page.centred(y - 14, facts, 13)
    if certificate.shown_expert_names:
        page.centred(
            y - 8, _("Experts: %(names)s", names=", ".join(certificate.shown_expert_names)), 12, colour=MUTED
        )

    # Verification: the code and the address on the left, the QR code on the right.
    url = verification_url(certificate)
    left, bottom = 64, 60
    pdf.setFillColor(INK)
    draw_text(pdf, left, bottom + 50, _("Verification code"), 10)
    pdf.setFont("Courier-Bold", 18)
    pdf.drawString(left, bottom + 28, display_code(certificate.code))
    pdf.setFillColor(MUTED)
    draw_text(pdf, left, bottom + 12, _("Check this certificate at %(url)s", url=url), 9)
    draw_text(
        pdf, left, bottom - 2, _("Issued on %(date)s", date=format_date(certificate.issued_at, "long")), 9
    )
    credential = getattr(certificate, "credential", None)  # the verifiable credential, when issued
    if credential is not None:
        draw_text(pdf, left, bottom - 16, _("Digital credential: %(id)s", id=credential.uid), 9)

    size = 100
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, width - 60 - size, bottom - 16)

    if certificate.is_revoked:
        pdf.saveState()
        pdf.translate(width / 2, height / 2)
        pdf.rotate(20)
        pdf.setFillColor(colors.Color(0.7, 0.1, 0.1, alpha=0.35))
        stamp = _("REVOKED")
        draw_text(pdf, -text_width(stamp, 80, True) / 2, 0, stamp, 80, bold=True)
        note = _("Revoked on %(date)s", date=format_date(certificate.revoked_at, "long"))
        draw_text(pdf, -text_width(note, 18) / 2, -32, note, 18)
        pdf.restoreState()

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
