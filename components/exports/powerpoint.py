"""The 16:9 slide deck (python-pptx), from the slide model."""

from __future__ import annotations

import io
import zipfile

from timelines.text import shorten, wrap
from timelines.timeline import Timeline

from .case import prepare_case
from .rendering import png_size
from .shapes import FONT, rgb, text_box
from .slides import (
    BAND_RGB,
    BOX_H_IN,
    BOX_TOP_IN,
    BOX_W_IN,
    CELL_MARGIN_IN,
    DEIDENTIFIED_NOTE,
    EVENT_COLUMNS_IN,
    EVENT_PT,
    FOOTER_H_IN,
    HEADER_RGB,
    MARGIN_IN,
    MUTED_RGB,
    SLIDE_H_IN,
    SLIDE_W_IN,
    TEXT_RGB,
    TITLE_H_IN,
    TITLE_TOP_IN,
    Slide,
    _row_height_pt,
    case_slides,
    fit_text,
)


def deck_bytes(timeline: Timeline, *, deidentify: bool = False, axis: str = "calendar") -> bytes:
    """The case as a 16:9 PowerPoint deck (see ``case_slides`` for its pages)."""
    return pptx_bytes([case_slides(prepare_case(timeline, deidentify=deidentify, axis=axis))])


def pptx_bytes(cases: list[list[Slide]], *, session_title: str | None = None) -> bytes:
    """A deck of the slides of one or more cases; with ``session_title``, a session slide listing them first."""
    from pptx import Presentation
    from pptx.util import Emu

    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(12_192_000), Emu(6_858_000)
    _clear_metadata(prs, session_title or (cases[0][0].title if cases and cases[0] else ""))
    slides = (session_slides(cases, session_title) if session_title is not None else []) + \
        [slide for case in cases for slide in case]
    for number, slide in enumerate(slides, 1):
        page = prs.slides.add_slide(prs.slide_layouts[6])
        {"title": _pptx_title, "chart": _pptx_chart, "events": _pptx_events, "endpoints": _pptx_text,
         "source": _pptx_text, "findings": _pptx_text, "session": _pptx_text}[slide.kind](page, slide)
        _pptx_footer(page, slide.footer, f"{number} / {len(slides)}")
        _pptx_notes(page, slide.notes)
    out = io.BytesIO()
    prs.save(out)
    return _stable_zip(out.getvalue())


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry: no export date in the file


def _stable_zip(data: bytes) -> bytes:
    """The package with every entry dated ZIP_EPOCH (python-pptx stamps the time of export), so that the same
    case gives the same bytes; the template's 4:3 format name corrected."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            blob = source.read(info.filename)
            if info.filename == "docProps/app.xml":
                blob = blob.replace(b"On-screen Show (4:3)", b"Widescreen")
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            target.writestr(entry, blob)
    return out.getvalue()


SESSION_CASES = 8  # cases listed per session slide


def session_slides(cases: list[list[Slide]], title: str) -> list[Slide]:
    """The first slides of a session deck: one line per case (title and patient), SESSION_CASES a slide."""
    lines = [("item", f"{i}. {shorten(case[0].title, 150)} · {case[0].lines[0][1]}")
             for i, case in enumerate(cases, 1) if case]
    chunks = [lines[i:i + SESSION_CASES] for i in range(0, len(lines), SESSION_CASES)] or [[]]
    footer = f"{len(cases)} case{'s' * (len(cases) != 1)}"
    # Each case's file and citation (its source slide's notes), or that the case is de-identified.
    notes = [line for case in cases if case for line in case[-1].notes
             if line.startswith(("Case file:", "Source:")) or line == DEIDENTIFIED_NOTE]
    return [Slide("session", (title or "Tumor board") + (f" ({i}/{len(chunks)})" if len(chunks) > 1 else ""),
                  lines=chunk, footer=footer, notes=list(dict.fromkeys(notes)))
            for i, chunk in enumerate(chunks, 1)]


def _clear_metadata(prs, title: str) -> None:
    """Title set; author, description and every timestamp of the template removed (no date in any export)."""
    props = prs.core_properties
    props.title, props.author, props.last_modified_by, props.comments = shorten(title, 200), "", "", ""
    props.subject, props.keywords, props.category, props.revision = "", "", "", 1
    element = props._element  # python-pptx has no API to remove a date once set
    for child in list(element):
        if child.tag.rsplit("}", 1)[-1] in ("created", "modified", "lastPrinted"):
            element.remove(child)


def _textbox(page, left, top, width, height, paragraphs, *, anchor="top"):
    """A text box of (text, pt, bold, rgb, space_before_pt) paragraphs that wraps and never resizes."""
    return text_box(page, left, top, width, height, paragraphs, anchor=anchor)


def _slide_title(page, text: str, pt: int = 26) -> None:
    chars = int((SLIDE_W_IN - 2 * MARGIN_IN) * 72 / (pt * 0.55))
    _textbox(page, MARGIN_IN, TITLE_TOP_IN, SLIDE_W_IN - 2 * MARGIN_IN, TITLE_H_IN,
             [(fit_text(text, chars, 1), pt, True, TEXT_RGB, 0)], anchor="middle")


def _pptx_footer(page, left_text: str, right_text: str) -> None:
    from pptx.enum.text import PP_ALIGN

    top = SLIDE_H_IN - FOOTER_H_IN
    _textbox(page, MARGIN_IN, top, SLIDE_W_IN - 2 * MARGIN_IN - 1.2, FOOTER_H_IN,
             [(fit_text(left_text, 150, 1), 12, False, MUTED_RGB, 0)], anchor="middle")
    number = _textbox(page, SLIDE_W_IN - MARGIN_IN - 1.2, top, 1.2, FOOTER_H_IN,
                      [(right_text, 12, False, MUTED_RGB, 0)], anchor="middle")
    number.text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT


def picture_box(png: bytes) -> tuple[float, float, float, float]:
    """(left, top, width, height) in inches: the picture as large as the box allows, centred, aspect kept."""
    w, h = png_size(png)
    scale = min(BOX_W_IN / w, BOX_H_IN / h)
    width, height = w * scale, h * scale
    return MARGIN_IN + (BOX_W_IN - width) / 2, BOX_TOP_IN + (BOX_H_IN - height) / 2, width, height


def _pptx_chart(page, slide: Slide) -> None:
    """A chart slide: drawn as native shapes and charts when the slide can draw itself, else its picture."""
    from pptx.util import Inches

    _slide_title(page, slide.title)
    caption_h = 0.32 * len(slide.caption)
    if slide.draw is not None:
        slide.draw(page, (MARGIN_IN, BOX_TOP_IN, BOX_W_IN, BOX_H_IN - caption_h))
    else:
        left, top, width, height = picture_box(slide.picture)
        picture = page.shapes.add_picture(io.BytesIO(slide.picture), Inches(left), Inches(top), Inches(width),
                                          Inches(height))
        picture.name = slide.title  # a readable name in the selection pane, for screen readers too
    if slide.caption:
        _textbox(page, MARGIN_IN, BOX_TOP_IN + BOX_H_IN - caption_h, BOX_W_IN, caption_h,
                 [(fit_text(line, 120, 1), 14, False, TEXT_RGB, 0) for line in slide.caption])


def _pptx_notes(page, notes: list[str]) -> None:
    """The slide's speaker notes: one paragraph per source."""
    if not notes:
        return
    frame = page.notes_slide.notes_text_frame
    frame.text = notes[0]
    for note in notes[1:]:
        frame.add_paragraph().text = note


# Title slide: sizes tried from large to small until the text fits its column.
TITLE_SIZES = ((32, 24, 20), (30, 22, 19), (28, 20, 18), (28, 19, 17), (26, 18, 16), (24, 18, 15), (24, 17, 14))
LEFT_W_IN, SIDE_W_IN, GUTTER_IN = 7.05, 5.1, 0.45


def _pptx_title(page, slide: Slide) -> None:
    top = 0.35
    for title_pt, big_pt, body_pt in TITLE_SIZES:
        title_lines = len(wrap(slide.title, int(BOX_W_IN * 72 / (title_pt * 0.55))))
        left_h = _paragraphs_height(slide.lines, LEFT_W_IN, big_pt, body_pt)
        side_h = _paragraphs_height(slide.side, SIDE_W_IN, big_pt, body_pt)
        title_h = min(title_lines, 3) * title_pt * 1.2 / 72 + 0.15
        if top + title_h + max(left_h, side_h) <= SLIDE_H_IN - FOOTER_H_IN - 0.15:
            break
    chars = int(BOX_W_IN * 72 / (title_pt * 0.55))
    _textbox(page, MARGIN_IN, top, BOX_W_IN, title_h,
             [(fit_text(slide.title, chars, 3), title_pt, True, TEXT_RGB, 0)])
    body_top = top + title_h + 0.05
    body_h = SLIDE_H_IN - FOOTER_H_IN - 0.1 - body_top
    _textbox(page, MARGIN_IN, body_top, LEFT_W_IN, body_h,
             _styled(_fit_lines(slide.lines, LEFT_W_IN, big_pt, body_pt, body_h), big_pt, body_pt))
    _textbox(page, MARGIN_IN + LEFT_W_IN + GUTTER_IN, body_top, SIDE_W_IN, body_h,
             _styled(_fit_lines(slide.side, SIDE_W_IN, big_pt, body_pt, body_h), big_pt, body_pt))


def _style(style: str, big_pt: int, body_pt: int) -> tuple[int, bool, str, int]:
    """(pt, bold, colour, space before) of a paragraph style."""
    return {"big": (big_pt, True, TEXT_RGB, 0), "sub": (body_pt, False, MUTED_RGB, 2),
            "heading": (body_pt, True, HEADER_RGB, 12), "item": (body_pt, False, TEXT_RGB, 4),
            "value": (body_pt, True, TEXT_RGB, 0),
            "note": (max(14, body_pt - 1), False, MUTED_RGB, 10)}[style]


def _styled(lines, big_pt: int, body_pt: int):
    return [(text, *_style(style, big_pt, body_pt)) for style, text in lines]


def _paragraphs_height(lines, width_in: float, big_pt: int, body_pt: int) -> float:
    total = 0.0
    for style, text in lines:
        pt, _, _, before = _style(style, big_pt, body_pt)
        count = len(wrap(text, int((width_in - 0.1) * 72 / (pt * 0.53))))
        total += (count * pt * 1.2 + before) / 72
    return total + 0.1


def _fit_lines(lines, width_in: float, big_pt: int, body_pt: int, height_in: float):
    """Items cut to four lines each; while the text is too tall, the section (a heading's items) with the most
    items loses its last one, and a line under it counts what it left out."""
    chars = int((width_in - 0.1) * 72 / (body_pt * 0.53))
    lines = [(style, fit_text(text, chars, 4) if style in ("item", "value") else text) for style, text in lines]
    sections = _sections(lines)
    dropped = [0] * len(sections)
    fitted = lines
    while _paragraphs_height(fitted, width_in, big_pt, body_pt) > height_in:
        sizes = [sum(1 for entry in entries if entry[0][0] == "item") for _, entries in sections]
        if max(sizes) <= 1:
            break
        longest = sizes.index(max(sizes))
        entries = sections[longest][1]
        del entries[max(i for i, entry in enumerate(entries) if entry[0][0] == "item")]
        dropped[longest] += 1
        fitted = _joined(sections, dropped)
    return fitted


def _sections(lines) -> list[list]:
    """[[heading line or None, [entry, ...]], ...]; an entry is an item with its value line, or a note."""
    sections: list[list] = [[None, []]]
    for style, text in lines:
        if style == "heading":
            sections.append([(style, text), []])
        elif style == "value" and sections[-1][1]:
            sections[-1][1][-1].append((style, text))
        else:
            sections[-1][1].append([(style, text)])
    return sections


def _joined(sections, dropped: list[int]) -> list[tuple[str, str]]:
    lines = []
    for (heading, entries), count in zip(sections, dropped):
        lines += [heading] if heading else []
        last_item = max((i for i, entry in enumerate(entries) if entry[0][0] == "item"), default=-1)
        for i, entry in enumerate(entries):
            lines += entry
            if i == last_item and count:
                lines.append(("note", f"+{count} more not shown here (all are in the event table)"))
    return lines


def _pptx_text(page, slide: Slide) -> None:
    _slide_title(page, slide.title, 30)
    lines = _fit_lines(slide.lines, BOX_W_IN, 20, 18, BOX_H_IN - 0.2)
    _textbox(page, MARGIN_IN, BOX_TOP_IN + 0.2, BOX_W_IN, BOX_H_IN - 0.2, _styled(lines, 20, 18))


def _pptx_events(page, slide: Slide) -> None:
    from pptx.util import Inches, Pt

    _slide_title(page, slide.title)
    heights = [_row_height_pt(slide.header)] + [_row_height_pt(r) for r in slide.rows]
    shape = page.shapes.add_table(len(heights), 3, Inches(MARGIN_IN), Inches(BOX_TOP_IN), Inches(BOX_W_IN),
                                  Inches(sum(heights) / 72))
    table = shape.table
    table.first_row, table.horz_banding = True, False
    for column, width in zip(table.columns, EVENT_COLUMNS_IN):
        column.width = Inches(width)
    for r, (cells, height) in enumerate(zip([slide.header] + slide.rows, heights)):
        table.rows[r].height = Pt(height)
        for c, text in enumerate(cells):
            cell = table.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(CELL_MARGIN_IN)
            cell.margin_top = cell.margin_bottom = Inches(0.05)
            cell.fill.solid()
            cell.fill.fore_color.rgb = rgb(HEADER_RGB if r == 0 else (BAND_RGB if r % 2 == 0 else "FFFFFF"))
            frame = cell.text_frame
            frame.word_wrap = True
            frame.paragraphs[0].text = ""
            run = frame.paragraphs[0].add_run()
            run.text = text
            run.font.size, run.font.name, run.font.bold = Pt(EVENT_PT), FONT, r == 0
            run.font.color.rgb = rgb("FFFFFF" if r == 0 else TEXT_RGB)


