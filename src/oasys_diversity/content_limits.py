"""Limits on the content files (question bank, plan rules, directory TOML), checked before validation.

tomllib and pydantic recurse once per level of nesting, so a table nested a thousand deep, or a
`show_if` nested nine hundred deep, would end in a RecursionError. The shipped files are at most 9
levels deep; anything past `MAX_DEPTH` is refused with one line, and so is a file over `MAX_BYTES`.
The nesting is measured without recursion. docs/question-bank.md lists these limits.
"""

from __future__ import annotations

import tomllib
from typing import Any

from oasys_diversity.safe_text import is_clean

MAX_DEPTH = 32
MAX_BYTES = 16 * 1024 * 1024


class ContentLimitError(ValueError):
    """A content file is too deep or too large to be read; the message names the limit, not the content."""


def too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """True when tables and lists in `data` nest more than `limit` levels deep."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return False


def load_toml(text: str) -> dict[str, Any]:
    """`tomllib.loads` within the limits. Raises tomllib.TOMLDecodeError as it does, or ContentLimitError."""
    if len(text) > MAX_BYTES:
        raise ContentLimitError(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ContentLimitError(f"nested more than {MAX_DEPTH} levels deep") from None
    except tomllib.TOMLDecodeError:
        raise
    except ValueError as error:
        # int() refusing a number of thousands of digits (sys.get_int_max_str_digits)
        raise ContentLimitError(
            "holds a number with too many digits" if "digits" in str(error) else "cannot be read as TOML"
        ) from None
    if too_deep(data):
        raise ContentLimitError(f"nested more than {MAX_DEPTH} levels deep")
    return data


def control_character(data: Any, text: str) -> tuple[int, str] | None:
    """(line, "U+001B") for the first control character or lone surrogate in any key or string of `data`.

    Bank, rules and directory text is shown on screen and printed: it must be plain text (newlines and tabs
    are fine). The line is where the character stands in the file, or 1 when it was written as an escape.
    """
    stack: list[Any] = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and not is_clean(plain := value.replace("\r\n", "\n")):
            char = next(c for c in plain if not is_clean(c))
            at = text.find(char)
            return (text.count("\n", 0, at) + 1 if at >= 0 else 1), f"U+{ord(char):04X}"
    return None
