"""PDF through fpdf2, with HarfBuzz shaping and Noto fallback fonts so every script is drawn and
can be copied back out as text. fpdf2 is imported only when a PDF is asked for.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from oasys_diversity.export.document import Block, Bullets, Field, Heading, build_document, quoted
from oasys_diversity.export.fonts import MAIN_FAMILY, fallback_fonts, main_fonts
from oasys_diversity.export.summary import Summary, long_date

if TYPE_CHECKING:
    from fpdf import FPDF

# Layout, in millimetres and points. A4 portrait.
MARGIN = 20
LABEL_WIDTH = 46
BODY_SIZE = 10.5
LINE = 5.2
INK = (33, 37, 41)
QUIET = (90, 96, 104)
ACCENT = (24, 66, 110)
NOTICE_FILL = (253, 243, 214)
BANNER_FILL = (160, 28, 36)
# The page-count alias: a private-use character nobody types into a note (fpdf2 replaces it in any text).
PAGES_ALIAS = "\ue000"

MISSING_GLYPHS = (
    "Some characters in this record cannot be drawn with the fonts available, so they may be missing "
    "from this PDF. The Word, Markdown and text exports keep them exactly."
)


@contextmanager
def _quiet_libraries() -> Iterator[None]:
    """fpdf2 can log the characters a font lacks (and fontTools the glyphs it keeps), which would put the
    person's words in a log. Not while a summary is being drawn."""
    loggers = [logging.getLogger(name) for name in ("fpdf", "fontTools")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def render(summary: Summary) -> bytes:
    with _quiet_libraries():
        return _render(summary)


def _render(summary: Summary) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    title = "What we talked about and agreed" if summary.for_person else "Diversity and identity summary"

    class SummaryPDF(FPDF):
        def header(self) -> None:
            if summary.banner:
                self.set_xy(MARGIN, 8)
                self.set_font(MAIN_FAMILY, "B", 11)
                self.set_fill_color(*BANNER_FILL)
                self.set_text_color(255, 255, 255)
                self.multi_cell(0, 7, summary.banner, align="C", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                self.set_text_color(*INK)
            self.set_y(self.t_margin)

        def footer(self) -> None:
            self.set_y(-13)
            self.set_font(MAIN_FAMILY, "", 8)
            self.set_text_color(*QUIET)
            self.cell(0, 5, f"{title}, prepared {long_date(summary.prepared_on)}", align="L")
            self.set_x(MARGIN)
            self.cell(0, 5, f"Page {self.page_no()} of {PAGES_ALIAS}", align="R")
            self.set_text_color(*INK)

    pdf = SummaryPDF(format="A4")
    pdf.alias_nb_pages(PAGES_ALIAS)
    pdf.set_margins(MARGIN, 24 if summary.banner else 18, MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(title)
    pdf.set_creator("oasys-diversity")
    pdf.set_lang("en-GB")
    for style, path in main_fonts().items():
        pdf.add_font(MAIN_FAMILY, style, str(path))
    blocks = build_document(summary)
    text = _all_text(summary, blocks)
    fallbacks = []
    for family, path in fallback_fonts():
        pdf.add_font(family, "", str(path))
        fallbacks.append(family)
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks, exact_match=False)
    pdf.set_text_shaping(True)
    pdf.add_page()
    pdf.set_text_color(*INK)
    if _missing(pdf, text):
        _notice(pdf, MISSING_GLYPHS)
    for number, block in enumerate(blocks):
        following = blocks[number + 1] if number + 1 < len(blocks) else None
        _block(pdf, block, _row_height(pdf, following) if isinstance(following, Field) else LINE)
    return bytes(pdf.output())


def _ignorable(ch: str) -> bool:
    # Spaces, line breaks and invisible format characters (joiners, direction marks) need no glyph.
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs")


def _missing(pdf: FPDF, text: str) -> bool:
    fonts = list(pdf.fonts.values())
    return any(not _ignorable(ch) and not any(ord(ch) in f.cmap for f in fonts) for ch in set(text))


def _all_text(summary: Summary, blocks: list[Block]) -> str:
    parts = [summary.banner or ""]
    for block in blocks:
        if isinstance(block, Field):
            parts += [block.label, block.value]
        elif isinstance(block, Bullets):
            parts += list(block.items)
        else:
            parts.append(block.text)
    return "".join(set("".join(parts)))


def _keep_room(pdf: FPDF, height: float) -> None:
    """Start a new page rather than leave a heading or a row split from what follows it."""
    at_top = pdf.get_y() <= pdf.t_margin + 1
    if not at_top and pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()


def _height(pdf: FPDF, width: float, text: str) -> float:
    from fpdf.enums import MethodReturnValue

    return pdf.multi_cell(width, LINE, text, align="L", dry_run=True, output=MethodReturnValue.HEIGHT)


def _row_height(pdf: FPDF, block: Field) -> float:
    """How tall a label-and-value row will be."""
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font(MAIN_FAMILY, "B", 9.5)
    label = _height(pdf, LABEL_WIDTH - 2, block.label)
    pdf.set_font(MAIN_FAMILY, "I" if block.quote else "", BODY_SIZE)
    value = _height(pdf, width - LABEL_WIDTH, quoted(block.value) if block.quote else block.value)
    return max(label, value)


def _block(pdf: FPDF, block: Block, next_height: float = LINE) -> None:
    """Draw one block. `next_height` is what follows, so a heading or title never ends a page alone."""
    from fpdf.enums import XPos, YPos

    width = pdf.w - pdf.l_margin - pdf.r_margin
    if isinstance(block, Heading):
        size, before, after = {1: (18, 0, 3), 2: (14, 6, 2), 3: (11.5, 4, 1.5)}.get(block.level, (11, 3, 1))
        _keep_room(pdf, before + size * 0.5 + 6 + next_height)
        if pdf.get_y() > pdf.t_margin + 1:
            pdf.ln(before)
        pdf.set_font(MAIN_FAMILY, "B", size)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, size * 0.5, block.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if block.level <= 2:
            pdf.set_draw_color(*ACCENT)
            pdf.set_line_width(0.4 if block.level == 1 else 0.2)
            pdf.line(pdf.l_margin, pdf.get_y() + 0.8, pdf.w - pdf.r_margin, pdf.get_y() + 0.8)
            pdf.ln(1.6)
        pdf.ln(after)
        pdf.set_text_color(*INK)
    elif isinstance(block, Field):
        pdf.set_font(MAIN_FAMILY, "B", 9.5)
        label_height = _height(pdf, LABEL_WIDTH - 2, block.label)
        value = quoted(block.value) if block.quote else block.value
        _keep_room(pdf, _row_height(pdf, block))
        top, page = pdf.get_y(), pdf.page
        pdf.set_font(MAIN_FAMILY, "B", 9.5)
        pdf.set_text_color(*QUIET)
        pdf.set_xy(pdf.l_margin, top)
        pdf.multi_cell(LABEL_WIDTH - 2, LINE, block.label, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
        pdf.page = page
        pdf.set_xy(pdf.l_margin + LABEL_WIDTH, top)
        pdf.set_font(MAIN_FAMILY, "I" if block.quote else "", BODY_SIZE)
        pdf.multi_cell(width - LABEL_WIDTH, LINE, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), top + label_height) if pdf.page == page else pdf.get_y())
        pdf.ln(0.8)
    elif isinstance(block, Bullets):
        pdf.set_font(MAIN_FAMILY, "", BODY_SIZE)
        for item in block.items:
            _keep_room(pdf, LINE)
            pdf.set_x(pdf.l_margin + 2)
            pdf.cell(4, LINE, "\u2022")
            pdf.multi_cell(width - 6, LINE, item, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(0.6)
        pdf.ln(1)
    elif block.kind == "notice":
        _notice(pdf, block.text)
    elif block.kind == "title":
        _keep_room(pdf, 3.5 + LINE + next_height)
        pdf.ln(2.5)
        pdf.set_font(MAIN_FAMILY, "B", BODY_SIZE)
        pdf.multi_cell(0, LINE, block.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    else:
        note = block.kind == "note"
        pdf.set_font(MAIN_FAMILY, "I" if note else "", 9.5 if note else BODY_SIZE)
        if note:
            pdf.set_text_color(*QUIET)
        pdf.ln(0.8)
        pdf.multi_cell(0, LINE, block.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
        pdf.ln(1.6)


def _notice(pdf: FPDF, text: str) -> None:
    from fpdf.enums import XPos, YPos

    pdf.set_font(MAIN_FAMILY, "B", 10)
    pdf.set_fill_color(*NOTICE_FILL)
    pdf.ln(1)
    pdf.multi_cell(0, LINE, text, fill=True, padding=2.5, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2.5)
