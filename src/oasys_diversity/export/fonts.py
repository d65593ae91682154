"""The fonts the PDF export draws with: only the Noto fonts shipped in `oasys_diversity/fonts/`, never the
system's, so a PDF looks the same on every machine.

Noto Sans carries Latin (all the accents), Greek and Cyrillic; each other script has its own Noto font, used
for the characters Noto Sans lacks, so a line can mix scripts. `missing_characters` says whether some text
holds characters none of them can draw (read from each font's character map), so the PDF can say so.
"""

from __future__ import annotations

import struct
import unicodedata
from bisect import bisect_right
from functools import cache
from importlib import resources
from pathlib import Path

MAIN_FAMILY = "Noto Sans"
MAIN_FILE = "NotoSans-Regular.ttf"
# Typst family names, in the order tried for a character the ones before lack.
FAMILIES = [
    "Noto Sans",
    "Noto Sans Arabic",  # Arabic, Urdu, Persian, Pashto, Kurdish (Sorani)
    "Noto Sans Bengali",  # Bengali, Sylheti written in Bengali script
    "Noto Sans Gurmukhi",  # Punjabi
    "Noto Sans Devanagari",  # Hindi, Nepali, Marathi
    "Noto Sans Gujarati",
    "Noto Sans Tamil",
    "Noto Sans Ethiopic",  # Tigrinya, Amharic
    "Noto Sans Hebrew",
]


class FontsMissing(Exception):
    """The shipped fonts are not where they should be: the PDF cannot be made."""


def bundled_dir() -> Path:
    return Path(str(resources.files("oasys_diversity") / "fonts"))


def font_folder(folder: Path | None = None) -> Path:
    """The folder of shipped fonts, checked to hold at least the main one."""
    folder = folder if folder is not None else bundled_dir()
    if not (folder / MAIN_FILE).is_file():
        raise FontsMissing(
            f"the PDF export needs the Noto Sans font ({MAIN_FILE}) in {folder}: reinstall oasys-diversity"
        )
    return folder


def _ignorable(ch: str) -> bool:
    # Spaces, line breaks and invisible format characters (joiners, direction marks) need no glyph.
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs")


def missing_characters(text: str, folder: Path | None = None) -> set[str]:
    """The characters of `text` that none of the shipped fonts can draw."""
    wanted = {ch for ch in text if not ch.isascii() and not _ignorable(ch)}
    if not wanted:
        return set()  # Noto Sans has every printable ASCII character
    maps = [_coverage(path) for path in sorted(font_folder(folder).glob("*.ttf"))]
    return {ch for ch in wanted if not any(_covers(starts, ends, ord(ch)) for starts, ends in maps)}


def _covers(starts: tuple[int, ...], ends: tuple[int, ...], code: int) -> bool:
    at = bisect_right(starts, code) - 1
    return at >= 0 and code <= ends[at]


@cache
def _coverage(path: Path) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The code points a TrueType font maps to glyphs, as sorted (starts, ends) of ranges."""
    data = path.read_bytes()
    tables = struct.unpack_from(">H", data, 4)[0]
    cmap = next(
        (
            offset
            for tag, offset in (struct.unpack_from(">4s4xI4x", data, 12 + 16 * n) for n in range(tables))
            if tag == b"cmap"
        ),
        None,
    )
    if cmap is None:
        return (), ()
    subtables = {}
    for n in range(struct.unpack_from(">H", data, cmap + 2)[0]):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * n)
        subtables[(platform, encoding)] = cmap + offset
    ranges: list[tuple[int, int]] = []
    full = subtables.get((3, 10)) or subtables.get((0, 4)) or subtables.get((0, 6))
    basic = subtables.get((3, 1)) or subtables.get((0, 3))
    if full is not None and struct.unpack_from(">H", data, full)[0] == 12:
        groups = struct.unpack_from(">I", data, full + 12)[0]
        for n in range(groups):
            start, end, _ = struct.unpack_from(">III", data, full + 16 + 12 * n)
            ranges.append((start, end))
    elif basic is not None and struct.unpack_from(">H", data, basic)[0] == 4:
        segments = struct.unpack_from(">H", data, basic + 6)[0] // 2
        ends = struct.unpack_from(f">{segments}H", data, basic + 14)
        starts = struct.unpack_from(f">{segments}H", data, basic + 16 + 2 * segments)
        ranges = [(s, e) for s, e in zip(starts, ends, strict=True) if s != 0xFFFF]
    ranges.sort()
    return tuple(s for s, _ in ranges), tuple(e for _, e in ranges)
