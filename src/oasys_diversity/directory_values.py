"""Cleaning the values a directory holds: phone numbers, emails, web addresses and area names.

One set of rules, used twice: the directory's pydantic model runs them on every entry it reads (so
`directory check` and the planner see clean values), and HSDS import runs them first so that a value the
rules cannot use is left out with a note for the officer instead of refusing the whole feed.

Each `clean_*` function returns the cleaned value, or raises ValueError saying what is wrong (never
echoing a long value back).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Quotes a feed sometimes leaves around a value (one published example stores "\"+44 1234 234567\"").
_QUOTES = "\"'`“”‘’«»"
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-.]{4,24}[0-9)]$")
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x)\s*(\d{1,6})\s*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)+$")
# An area name is a place ("Bradford", "West Yorkshire", "England and Wales"), not a sentence.
AREA_NAME_MAX_WORDS = 6
AREA_NAME_MAX_CHARS = 60


def strip_quotes(value: str) -> str:
    """Whitespace and any stray quotes around a value, however many layers."""
    text = value.strip()
    while len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text.strip(_QUOTES + " \t\r\n")


def clean_phone(value: str) -> str:
    """'"+44 1234 234567"' → '+44 1234 234567'; an extension is kept as ' ext. 100'."""
    text = " ".join(strip_quotes(str(value)).split())
    if text.lower().startswith("tel:"):
        text = text[4:].strip()
    extension = ""
    found = _EXTENSION.search(text)
    if found:
        extension = f" ext. {found.group(1)}"
        text = text[: found.start()].strip()
    if not _PHONE.match(text) or sum(c.isdigit() for c in text) < 5:
        raise ValueError("not a phone number (digits, spaces, brackets, + and - only)")
    return text + extension


def clean_email(value: str) -> str:
    text = strip_quotes(str(value))
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.strip()
    if len(text) > 254 or not _EMAIL.match(text):
        raise ValueError("not an email address")
    return text


def clean_url(value: str) -> str:
    """A web address with http or https; 'www.example.org' gains 'https://'."""
    text = strip_quotes(str(value))
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", text) and re.match(r"^[\w\-]+(\.[\w\-]+)+(/|$)", text):
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise ValueError("not a web address (http:// or https://)")
    return text


def is_area_name(value: str) -> bool:
    """Short and without sentence punctuation: a place, not a description of one."""
    text = value.strip()
    words = text.split()
    return (
        0 < len(words) <= AREA_NAME_MAX_WORDS
        and len(text) <= AREA_NAME_MAX_CHARS
        and not re.search(r"[.;:!?]\s|[.;:!?]$", text)
    )


def clean_area(value: str) -> str:
    text = " ".join(strip_quotes(str(value)).split())
    if not is_area_name(text):
        raise ValueError(
            f"an area is a place name of at most {AREA_NAME_MAX_WORDS} words; put a description in area_description"
        )
    return text
