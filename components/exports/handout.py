"""The PDF handout (fpdf2), A4 landscape, one page per slide of the slide model."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

from timelines.text import shorten

from .powerpoint import ZIP_EPOCH, session_slides
from .rendering import png_size
from .slides import EVENT_COLUMNS_IN, Slide, fit_text

# A4 landscape, one page per slide. fpdf2's built-in Helvetica needs no font file; it covers Windows-1252, so
# the few characters outside it are spelled out (PDF_TEXT) and any other is transliterated or replaced by '?'.
PDF_TEXT = {"−": "-", "≥": ">=", "≤": "<=", "→": "->", "←": "<-", "↑": "(high)", "↓": "(low)", "►": ">",
            "✓": "", "✗": "", "≈": "~", "′": "'", "″": '"', "α": "alpha", "β": "beta", "γ": "gamma",
            "δ": "delta", "ε": "epsilon", "κ": "kappa", "λ": "lambda", "μ": "micro", "σ": "sigma", "τ": "tau",
            "Δ": "Delta", "∶": ":", "⁺": "+", "⁻": "-", "₂": "2", "₃": "3", "²": "2", "³": "3"}
PAGE_W_MM, PAGE_H_MM, PDF_MARGIN_MM = 297.0, 210.0, 12.0


def pdf_text(text: object) -> str:
    """Text the PDF's built-in font can show (Windows-1252), the rest spelled out or transliterated."""
    out = []
    for char in str(text):
        if char in PDF_TEXT:
            out.append(PDF_TEXT[char])
            continue
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(plain or "?")
    return "".join(out)


def pdf_bytes(cases: list[list[Slide]], *, session_title: str | None = None) -> bytes:
    """A PDF of the slides of one or more cases (A4 landscape, one page per slide), without timestamps."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_auto_page_break(False)
    pdf.set_margins(PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM)
    pdf.set_title(pdf_text(session_title or (cases[0][0].title if cases and cases[0] else "")))
    pdf.set_author("")
    pdf.set_creator("")
    # A fixed date: fpdf2 derives the file's /ID from it (same case, same bytes); _without_dates drops it.
    pdf.set_creation_date(dt.datetime(*ZIP_EPOCH, tzinfo=dt.timezone.utc))
    slides = (session_slides(cases, session_title) if session_title is not None else []) + \
        [slide for case in cases for slide in case]
    for number, slide in enumerate(slides, 1):
        pdf.add_page()
        {"title": _pdf_title, "chart": _pdf_chart, "events": _pdf_events, "endpoints": _pdf_text, "source": _pdf_text,
         "findings": _pdf_text, "session": _pdf_text}[slide.kind](pdf, slide)
        _pdf_footer(pdf, slide.footer, f"{number} / {len(slides)}")
    return _without_dates(bytes(pdf.output()))


def _without_dates(pdf: bytes) -> bytes:
    """The PDF without the creation date fpdf2 always writes (pypdf rewrites the document information)."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    info = {k: v for k, v in (reader.metadata or {}).items() if k not in ("/CreationDate", "/ModDate")}
    writer.metadata = None
    writer.add_metadata({**info, "/Producer": "fpdf2"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_heading(pdf, text: str, size: float = 18) -> None:
    pdf.set_xy(PDF_MARGIN_MM, PDF_MARGIN_MM)
    pdf.set_font("helvetica", "B", size)
    pdf.set_text_color(34, 34, 34)
    width = PAGE_W_MM - 2 * PDF_MARGIN_MM
    pdf.multi_cell(width, size * 0.45, pdf_text(text), new_x="LMARGIN", new_y="NEXT", align="L")


def _pdf_footer(pdf, left: str, right: str) -> None:
    pdf.set_font("helvetica", "", 9)
    pdf.set_text_color(85, 85, 85)
    y = PAGE_H_MM - PDF_MARGIN_MM + 2
    pdf.set_xy(PDF_MARGIN_MM, y)
    pdf.cell(PAGE_W_MM - 2 * PDF_MARGIN_MM - 30, 5, pdf_text(shorten(left, 170)))
    pdf.set_xy(PAGE_W_MM - PDF_MARGIN_MM - 30, y)
    pdf.cell(30, 5, right, align="R")


def _pdf_chart(pdf, slide: Slide) -> None:
    _pdf_heading(pdf, slide.title, 16)
    top = pdf.get_y() + 2
    caption_h = 6 * len(slide.caption)
    box_w, box_h = PAGE_W_MM - 2 * PDF_MARGIN_MM, PAGE_H_MM - top - PDF_MARGIN_MM - 2 - caption_h
    png = slide.png()
    w, h = png_size(png)
    scale = min(box_w / w, box_h / h)
    pdf.image(io.BytesIO(png), x=PDF_MARGIN_MM + (box_w - w * scale) / 2, y=top, w=w * scale, h=h * scale)
    if slide.caption:
        pdf.set_xy(PDF_MARGIN_MM, top + h * scale + 2)
        for line in slide.caption:
            _pdf_paragraph(pdf, "item", line, PDF_MARGIN_MM, box_w)


_PDF_STYLE = {"big": (17, "B", (34, 34, 34), 1), "sub": (12, "", (85, 85, 85), 1),
              "heading": (14, "B", (47, 62, 78), 5), "item": (13, "", (34, 34, 34), 2),
              "value": (13, "B", (34, 34, 34), 0), "note": (11, "", (85, 85, 85), 4)}


def _pdf_lines(pdf, lines, x: float, width: float) -> None:
    """Paragraphs down the page, each cut to four lines; what does not fit above the footer is counted instead."""
    bottom = PAGE_H_MM - PDF_MARGIN_MM - 8
    for i, (style, text) in enumerate(lines):
        size, _, _, before = _PDF_STYLE[style]
        if pdf.get_y() + before + 2 * size * 0.48 > bottom:
            left_out = sum(1 for s, _ in lines[i:] if s == "item")
            _pdf_paragraph(pdf, "note", f"+{left_out} more not shown here (all are in the event table)", x, width)
            return
        _pdf_paragraph(pdf, style, text, x, width)


def _pdf_paragraph(pdf, style: str, text: str, x: float, width: float) -> None:
    size, weight, color, before = _PDF_STYLE[style]
    chars = int(width / (size * 0.3528 * 0.5))  # mm per character: half an em at this size
    pdf.set_y(pdf.get_y() + before)
    pdf.set_x(x)
    pdf.set_font("helvetica", weight, size)
    pdf.set_text_color(*color)
    pdf.multi_cell(width, size * 0.48, pdf_text(fit_text(text, chars, 4)), new_x="LEFT", new_y="NEXT", align="L")


def _pdf_title(pdf, slide: Slide) -> None:
    _pdf_heading(pdf, slide.title, 20)
    top = pdf.get_y() + 3
    width = PAGE_W_MM - 2 * PDF_MARGIN_MM
    left_w = width * 0.58
    pdf.set_xy(PDF_MARGIN_MM, top)
    _pdf_lines(pdf, slide.lines, PDF_MARGIN_MM, left_w)
    pdf.set_xy(PDF_MARGIN_MM + left_w + 8, top)
    _pdf_lines(pdf, slide.side, PDF_MARGIN_MM + left_w + 8, width - left_w - 8)


def _pdf_text(pdf, slide: Slide) -> None:
    _pdf_heading(pdf, slide.title, 20)
    pdf.set_y(pdf.get_y() + 4)
    _pdf_lines(pdf, slide.lines, PDF_MARGIN_MM, PAGE_W_MM - 2 * PDF_MARGIN_MM)


def _pdf_events(pdf, slide: Slide) -> None:
    _pdf_heading(pdf, slide.title, 16)
    pdf.set_y(pdf.get_y() + 3)
    pdf.set_font("helvetica", "", 11)
    pdf.set_text_color(34, 34, 34)
    widths = tuple(w / sum(EVENT_COLUMNS_IN) * (PAGE_W_MM - 2 * PDF_MARGIN_MM) for w in EVENT_COLUMNS_IN)
    with pdf.table(col_widths=widths, line_height=5.2, padding=1.4, first_row_as_headings=True,
                   headings_style=_pdf_headings(), cell_fill_color=(240, 243, 246), cell_fill_mode="ROWS",
                   borders_layout="HORIZONTAL_LINES", text_align="LEFT", v_align="TOP") as table:
        for cells in [slide.header] + slide.rows:
            row = table.row()
            for text in cells:
                row.cell(pdf_text(text))


def _pdf_headings():
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=(47, 62, 78))


