"""Text from people and files, made safe for the edge where it is shown.

A name, an answer, a note, a file path or a line from a bank or directory file is data: it must
never become an instruction to the terminal or to Rich/Textual markup. Each edge has one function:

- `for_terminal(text)` — anything written to a terminal or to a text export on standard output, and
  anything shown in a Textual widget. Every control character except newline and tab (C0, including
  NUL and ESC; DEL; C1) and every lone surrogate becomes a visible `\\uXXXX` placeholder, so
  `ESC ] 52 ; c ; … BEL` (which would write to the officer's clipboard) is shown as
  `\\u001b]52;c;…\\u0007` and does nothing. A carriage return before a newline is dropped
  (Windows line ends); any other one is shown. The placeholder is also a valid JSON string escape that
  decodes to the same character, so JSON printed through this loses nothing.
- `for_markup(text)` — where a string is unavoidably parsed as Textual content markup (the toast,
  palette and option list parsers): `for_terminal`, then every `[` written `\\[`, so `[/]`, `[b]`,
  `[@click=app.quit]`, `[link=…]` and `Ali Khan [aka Al]` all show literally. Textual's parser
  leaves other backslashes alone, so nothing else needs escaping; Rich's own markup parser (used by
  `DataTable` for plain strings) treats backslashes before `[` differently, so person text is never
  given to it as a string. Prefer passing `Text`/`Content` objects or `markup=False`, which need
  only `for_terminal`; `oasys_diversity.screens.literal` builds those.

`TerminalWriter` wraps a text stream (the CLI's standard output and error) so every write goes
through `for_terminal`. Nothing here imports Textual or Rich.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

# C0 controls except \t and \n, DEL, C1 controls, and UTF-16 surrogates (only ever lone in a Python str).
_UNSAFE = re.compile("(\r)(?=\n)|[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _placeholder(match: re.Match[str]) -> str:
    if match.group(1):
        return ""  # the \r of a \r\n line end
    return f"\\u{ord(match.group()):04x}"


def for_terminal(text: object) -> str:
    """`text` with every control character (but newline and tab) and lone surrogate shown as `\\uXXXX`."""
    return _UNSAFE.sub(_placeholder, str(text))


def for_markup(text: object) -> str:
    """`text` safe inside Textual content markup: control characters as in `for_terminal`, markup shown literally."""
    return for_terminal(text).replace("[", "\\[")


def is_clean(text: str) -> bool:
    """True when `text` holds nothing `for_terminal` would change (no control characters, no lone surrogates)."""
    return _UNSAFE.search(text) is None


def has_lone_surrogate(text: str) -> bool:
    """True when `text` cannot be written as UTF-8 (a lone surrogate, e.g. from a JSON `\\ud800`)."""
    return re.search("[\ud800-\udfff]", text) is not None


class TerminalWriter:
    """A text stream whose every write passes through `for_terminal` (the CLI wraps stdout and stderr in it)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(for_terminal(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        # flush, fileno, isatty, encoding, buffer…: the wrapped stream's own.
        return getattr(self.stream, name)


# Error output is capped: a file holding a 5 MB identifier must not print it thirty times over.
MAX_MESSAGE_CHARS = 500
MAX_MESSAGE_LINES = 200


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters not shown)"


def capped(lines: list[str], max_lines: int = MAX_MESSAGE_LINES, max_chars: int = MAX_MESSAGE_CHARS) -> list[str]:
    """At most `max_lines` problem lines of at most `max_chars` each, and a last line counting the rest."""
    shown = [clip(line, max_chars) for line in lines[:max_lines]]
    if len(lines) > max_lines:
        shown.append(f"… and {len(lines) - max_lines:,} more problems not shown")
    return shown
