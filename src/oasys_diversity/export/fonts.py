"""Where the PDF export finds its fonts: the Noto fonts shipped in `oasys_diversity/fonts/` first,
then the system's Noto fonts (Debian/Ubuntu `fonts-noto-core`) for any file missing from the package.

Noto Sans carries Latin (all the accents), Greek and Cyrillic; each other script has its own Noto font,
used as a fallback for the characters Noto Sans lacks, so a line can mix scripts.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

MAIN_FAMILY = "NotoSans"
# style -> file for the main family.
MAIN_FILES = {"": "NotoSans-Regular.ttf", "B": "NotoSans-Bold.ttf", "I": "NotoSans-Italic.ttf"}
# (family, file) for each script, tried in this order for characters Noto Sans does not have.
FALLBACK_FILES = [
    ("NotoSansArabic", "NotoSansArabic-Regular.ttf"),  # Arabic, Urdu, Persian, Pashto, Kurdish (Sorani)
    ("NotoSansBengali", "NotoSansBengali-Regular.ttf"),  # Bengali, Sylheti written in Bengali script
    ("NotoSansGurmukhi", "NotoSansGurmukhi-Regular.ttf"),  # Punjabi
    ("NotoSansDevanagari", "NotoSansDevanagari-Regular.ttf"),  # Hindi, Nepali, Marathi
    ("NotoSansGujarati", "NotoSansGujarati-Regular.ttf"),
    ("NotoSansTamil", "NotoSansTamil-Regular.ttf"),
    ("NotoSansEthiopic", "NotoSansEthiopic-Regular.ttf"),  # Tigrinya, Amharic
    ("NotoSansHebrew", "NotoSansHebrew-Regular.ttf"),
]
SYSTEM_DIRS = [
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/noto"),
    Path("/usr/local/share/fonts/noto"),
]


class FontsMissing(Exception):
    """The main font is nowhere to be found: the PDF cannot be made."""


def bundled_dir() -> Path:
    return Path(str(resources.files("oasys_diversity") / "fonts"))


def find_font(filename: str, search: list[Path] | None = None) -> Path | None:
    for folder in search if search is not None else [bundled_dir(), *SYSTEM_DIRS]:
        candidate = folder / filename
        if candidate.is_file():
            return candidate
    return None


def main_fonts(search: list[Path] | None = None) -> dict[str, Path]:
    found = {style: find_font(name, search) for style, name in MAIN_FILES.items()}
    regular = found[""]
    if regular is None:
        raise FontsMissing(
            "the PDF export needs the Noto Sans font (NotoSans-Regular.ttf): reinstall oasys-diversity, "
            "or install the fonts-noto-core package"
        )
    # Bold and italic fall back to regular rather than failing.
    return {style: path or regular for style, path in found.items()}


def fallback_fonts(search: list[Path] | None = None) -> list[tuple[str, Path]]:
    found = [(family, find_font(name, search)) for family, name in FALLBACK_FILES]
    return [(family, path) for family, path in found if path is not None]
