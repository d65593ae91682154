"""Markdown: the summary for the case record, readable as it is and in any Markdown viewer."""

from __future__ import annotations

import re

from oasys_diversity.export.document import Block, Bullets, Field, Heading, build_document, quoted
from oasys_diversity.export.summary import Summary

# Characters that would turn the person's words into formatting.
_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")


def escape(text: str) -> str:
    """Text shown exactly as typed, whatever Markdown characters it holds."""
    lines = [
        _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), _INLINE.sub(r"\\\1", line))
        for line in text.splitlines()
    ]
    # A hard line break that stays inside a list item.
    return "\\\n  ".join(lines)


def render(summary: Summary) -> str:
    out: list[str] = []
    if summary.banner:
        out += [f"**{escape(summary.banner)}**", "", "---"]
    previous: Block | None = None
    for block in build_document(summary):
        listy = isinstance(block, Field | Bullets)
        if out and not (listy and isinstance(previous, Field | Bullets)):
            out.append("")
        out += _block(block)
        previous = block
    if summary.banner:
        out += ["", "---", "", f"**{escape(summary.banner)}**"]
    return "\n".join(out).strip("\n") + "\n"


def _block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return ["#" * block.level + " " + escape(block.text)]
    if isinstance(block, Field):
        value = quoted(escape(block.value)) if block.quote else escape(block.value)
        return [f"- **{escape(block.label)}:** {value}"]
    if isinstance(block, Bullets):
        return [f"- {escape(item)}" for item in block.items]
    if block.kind == "note":
        return [f"_{escape(block.text)}_"]
    if block.kind == "title":
        return [f"**{escape(block.text)}**"]
    if block.kind == "notice":
        return [f"> **{escape(block.text)}**"]
    return [escape(block.text)]
