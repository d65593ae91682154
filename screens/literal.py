"""Person and file text as literal Textual/Rich objects: never parsed as markup, control characters visible.

Screens build what they show from these rather than from strings, so a name such as `Priya Shah [/]`
or `[@click=app.quit]z[/]` is shown exactly as typed and an ESC from an imported file reaches the
terminal only as the visible `\\u001b` (see `oasys_diversity.safe_text`).
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from oasys_diversity.safe_text import for_terminal


def literal(text: object) -> Content:
    """Text shown exactly as it is, with control characters as visible placeholders."""
    return Content(for_terminal(text))


def cell(text: object) -> Text:
    """A DataTable cell: a Rich `Text`, because the table reads a plain string as Rich markup."""
    return Text(for_terminal(text), end="")


def assemble(*parts: str | Content | tuple[str, str]) -> Content:
    """`Content.assemble` with every string part made safe (styles are ours, the words may not be)."""
    safe: list[str | Content | tuple[str, str]] = []
    for part in parts:
        if isinstance(part, str):
            safe.append(for_terminal(part))
        elif isinstance(part, tuple):
            safe.append((for_terminal(part[0]), part[1]))
        else:
            safe.append(part)
    return Content.assemble(*safe)
