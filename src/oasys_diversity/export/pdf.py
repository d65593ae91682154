"""PDF through Typst: a fixed template (summary.typ) reads the summary's blocks as JSON from `sys.inputs`.

Nothing a person typed is ever written into Typst source, so no character of it can become markup or code.
Only the fonts shipped with the app are used. The PDF is tagged and PDF/UA-1 (title and language set), so a
screen reader can read it. The `typst` library is imported only when a PDF is asked for.
"""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime, time
from importlib import resources
from typing import Any

from oasys_diversity.export.document import Block, Bullets, Field, Heading, build_document, document_title
from oasys_diversity.export.fonts import FAMILIES, font_folder, missing_characters
from oasys_diversity.export.summary import Summary, long_date

TEMPLATE = "summary.typ"
REPLACEMENT = "\ufffd"
MISSING_GLYPHS = (
    "Some characters in this record cannot be drawn with the fonts available, so they may be missing "
    "from this PDF. The Word, Markdown and text exports keep them exactly."
)


class PdfFailed(Exception):
    """Typst could not make the PDF. The message never carries the summary's words."""


def render(summary: Summary) -> bytes:
    import typst

    folder = font_folder()
    data = pdf_data(summary, build_document(summary))
    missing = missing_characters(_all_text(data), folder)
    if missing:
        # Drawn as the replacement character (a tagged PDF may not hold a glyph no font has), and said so.
        data = _replaced(data, {ord(ch): REPLACEMENT for ch in missing})
        data["missing_glyphs"] = MISSING_GLYPHS
    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(folder)])
    template = resources.files("oasys_diversity.export").joinpath(TEMPLATE).read_bytes()
    options: dict[str, Any] = {
        "font_paths": fonts,
        "ignore_system_fonts": True,
        "sys_inputs": {"summary": json.dumps(data, ensure_ascii=False)},
        # The date prepared, not the moment: the same summary gives the same file.
        "timestamp": datetime.combine(summary.prepared_on, time(), tzinfo=UTC),
    }
    # Typst's messages and warnings can quote the document's text: never passed on or logged.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pdf = typst.compile(template, pdf_standards=["ua-1"], **options)
        except typst.TypstError:
            # PDF/UA-1 refused something in the text (a mark no font can place on its letter): still a tagged
            # PDF, without the PDF/UA-1 claim, rather than no PDF at all.
            try:
                pdf = typst.compile(template, **options)
            except typst.TypstError:
                raise PdfFailed(
                    "the PDF could not be typeset; the Word, Markdown and text exports still work"
                ) from None
    assert isinstance(pdf, bytes)
    return pdf


def pdf_data(summary: Summary, blocks: list[Block]) -> dict[str, Any]:
    """What the template reads: the blocks and how to lay them out."""
    title = document_title(summary)
    return {
        "title": title,
        "lang": "en",
        "region": "gb",
        "fonts": FAMILIES,
        "banner": summary.banner,
        "footer": f"{title}, prepared {long_date(summary.prepared_on)}",
        "easy_read": summary.easy_read,
        "missing_glyphs": None,
        "blocks": [_block(block) for block in blocks],
    }


def _block(block: Block) -> dict[str, Any]:
    if isinstance(block, Heading):
        return {"kind": "heading", "level": block.level, "text": block.text}
    if isinstance(block, Field):
        return {"kind": "field", "label": block.label, "value": block.value, "quote": block.quote}
    if isinstance(block, Bullets):
        return {"kind": "bullets", "items": list(block.items)}
    return {"kind": "para", "style": block.kind, "text": block.text}


def _replaced(value: Any, table: dict[int, str]) -> Any:
    if isinstance(value, str):
        return value.translate(table)
    if isinstance(value, list):
        return [_replaced(v, table) for v in value]
    if isinstance(value, dict):
        return {k: _replaced(v, table) for k, v in value.items()}
    return value


def _all_text(data: dict[str, Any]) -> str:
    parts = [data["banner"] or "", data["footer"]]
    for block in data["blocks"]:
        parts += [v for v in block.values() if isinstance(v, str)] + block.get("items", [])
    return "".join(parts)
