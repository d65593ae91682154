"""Word (.docx) through python-docx, imported only when a .docx is asked for.

Word draws every script with its own font fallback; what this module adds is marking right-to-left
words (Arabic, Urdu, Hebrew) as such, so they are laid out right to left inside English sentences.
"""

from __future__ import annotations

import io
import unicodedata
from typing import TYPE_CHECKING, Any

from oasys_diversity.export.document import Bullets, Field, Heading, Para, build_document, document_title, quoted
from oasys_diversity.export.summary import Summary, long_date

if TYPE_CHECKING:
    from docx.text.paragraph import Paragraph

ACCENT = "18426E"
QUIET = "5A6068"
BANNER = "A01C24"
NOTICE_FILL = "FDF3D6"

# Word is strict about the order of properties (ECMA-376 CT_RPr and CT_PPr): what may follow each element
# this module adds by hand.
_AFTER_SZCS = (
    "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em",
    "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip
_AFTER_SHD = (
    "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def direction_runs(text: str) -> list[tuple[str, bool]]:
    """Split text into (piece, is_right_to_left). Neutral characters (spaces, punctuation) belong to a
    right-to-left piece only when they sit between right-to-left letters, so quotation marks around an
    Arabic phrase stay where an English sentence puts them."""
    strong: list[bool | None] = []
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        strong.append(True if kind in ("R", "AL") else False if kind == "L" else None)
    resolved: list[bool] = []
    for i, value in enumerate(strong):
        if value is not None:
            resolved.append(value)
            continue
        before = next((s for s in reversed(strong[:i]) if s is not None), False)
        after = next((s for s in strong[i + 1 :] if s is not None), False)
        resolved.append(before and after)
    runs: list[tuple[str, bool]] = []
    for ch, rtl in zip(text, resolved, strict=True):
        if runs and runs[-1][1] == rtl:
            runs[-1] = (runs[-1][0] + ch, rtl)
        else:
            runs.append((ch, rtl))
    return runs


def render(summary: Summary) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    title = document_title(summary)
    doc = Document()
    props = doc.core_properties
    # Never a name in the file's properties: the template's author would otherwise be kept.
    props.author = "oasys-diversity"
    props.last_modified_by = ""
    props.title = title
    props.subject = ""
    props.comments = ""
    props.keywords = ""
    props.category = ""

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(20)

    normal = doc.styles["Normal"]
    # Easy read: larger type (14 pt) for the whole document.
    normal.font.size = Pt(14 if summary.easy_read else 10.5)
    _cs_size(normal.element.get_or_add_rPr(), 28 if summary.easy_read else 21)

    if summary.banner:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _shade(header, BANNER)
        _add_text(header, summary.banner, bold=True, color="FFFFFF", size=11)
    footer = section.footer.paragraphs[0]
    _add_text(footer, f"{title}, prepared {long_date(summary.prepared_on)}. Page ", size=8, color=QUIET)
    _field_code(footer, "PAGE")
    _add_text(footer, " of ", size=8, color=QUIET)
    _field_code(footer, "NUMPAGES")

    for block in build_document(summary):
        if isinstance(block, Heading):
            heading = doc.add_heading(level=0 if block.level == 1 else block.level - 1)
            _add_text(heading, block.text)
        elif isinstance(block, Field):
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(2)
            _add_text(paragraph, f"{block.label}: ", bold=True, color=QUIET)
            value = quoted(block.value) if block.quote else block.value
            _add_text(paragraph, value, italic=block.quote)
        elif isinstance(block, Bullets):
            for item in block.items:
                _add_text(doc.add_paragraph(style="List Bullet"), item)
        elif isinstance(block, Para):
            paragraph = doc.add_paragraph()
            if block.kind == "notice":
                _shade(paragraph, NOTICE_FILL)
                _add_text(paragraph, block.text, bold=True)
            elif block.kind == "title":
                paragraph.paragraph_format.space_before = Pt(8)
                paragraph.paragraph_format.keep_with_next = True
                _add_text(paragraph, block.text, bold=True)
            elif block.kind == "note":
                _add_text(paragraph, block.text, italic=True, color=QUIET, size=9.5)
            else:
                _add_text(paragraph, block.text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _add_text(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    color: str | None = None,
    size: float | None = None,
) -> None:
    """Add text as runs, marking right-to-left pieces; line breaks in the person's words are kept."""
    from docx.shared import Pt, RGBColor

    for line_number, line in enumerate(text.split("\n")):
        if line_number:
            paragraph.add_run().add_break()
        for piece, rtl in direction_runs(line):
            run = paragraph.add_run(piece)
            run.bold = bold or None
            # Italic is a Latin convention: right-to-left scripts stay upright.
            run.italic = (italic and not rtl) or None
            if color:
                run.font.color.rgb = RGBColor.from_string(color)
            rpr = run._r.get_or_add_rPr()
            if size:
                run.font.size = Pt(size)
                _cs_size(rpr, int(size * 2))
            if bold:
                rpr.get_or_add_bCs()
            if rtl:
                rpr.get_or_add_rtl()


def _cs_size(rpr: Any, half_points: int) -> None:
    """Complex scripts (Arabic, Bengali, Gurmukhi...) take their size from w:szCs, not w:sz."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for old in rpr.findall(qn("w:szCs")):
        rpr.remove(old)
    size = OxmlElement("w:szCs")
    size.set(qn("w:val"), str(half_points))
    rpr.insert_element_before(size, *_AFTER_SZCS)


def _shade(paragraph: Paragraph, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    paragraph._p.get_or_add_pPr().insert_element_before(shading, *_AFTER_SHD)


def _field_code(paragraph: Paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays out the pages."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), code)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "16")  # 8 pt, as the rest of the footer
    properties.append(size)
    run.append(properties)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
