"""python-pptx drawing helpers the deck and its native charts share: colours, text boxes, plain shapes."""

from __future__ import annotations

from timelines.text import shorten

FONT = "Arial"  # metric-compatible with Liberation Sans, the charts' font
EMU_PER_IN = 914400


def rgb(color: str):
    """A python-pptx colour from a hex colour, with or without its '#'."""
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(color.lstrip("#").upper())


def text_box(page, left, top, width, height, paragraphs, *, anchor="top", align=None, margins=(0.04, 0.02)):
    """A text box that wraps and never resizes, of (text, pt, bold, hex colour, space before in pt) paragraphs;
    a space before of None and an ``align`` of None leave the template's own. ``margins``: (left and right, top and
    bottom) in inches."""
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
    from pptx.util import Inches, Pt

    box = page.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap, frame.auto_size = True, MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}[anchor]
    frame.margin_left = frame.margin_right = Inches(margins[0])
    frame.margin_top = frame.margin_bottom = Inches(margins[1])
    for i, (text, pt, bold, color, before) in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        if before is not None:
            paragraph.space_before = Pt(before)
        if align is not None:
            paragraph.alignment = {"left": PP_ALIGN.LEFT, "right": PP_ALIGN.RIGHT, "center": PP_ALIGN.CENTER}[align]
        run = paragraph.add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.name = Pt(pt), bold, FONT
        run.font.color.rgb = rgb(color)
    return box


def shape(page, kind, left, top, width, height, fill: str | None, line: str | None = None, *, rotation=0,
          line_pt: float = 1.5, name: str = ""):
    """An autoshape (inches) filled (or not) and outlined (or not), without the template's shadow."""
    from pptx.oxml.ns import qn
    from pptx.util import Emu, Pt

    drawn = page.shapes.add_shape(kind, Emu(int(left * EMU_PER_IN)), Emu(int(top * EMU_PER_IN)),
                                  Emu(max(int(width * EMU_PER_IN), 1)), Emu(max(int(height * EMU_PER_IN), 1)))
    if fill is None:
        drawn.fill.background()
    else:
        drawn.fill.solid()
        drawn.fill.fore_color.rgb = rgb(fill)
    if line is None:
        drawn.line.fill.background()
    else:
        drawn.line.color.rgb = rgb(line)
        drawn.line.width = Pt(line_pt)
    # No theme style: its effect reference draws a shadow in some viewers, whatever the shape's own effects say.
    style = drawn._element.find(qn("p:style"))
    if style is not None:
        drawn._element.remove(style)
    drawn.rotation = rotation
    if name:
        drawn.name = shorten(name, 120)
    return drawn
