"""Turning the taxonomy terms a published directory uses into the app's need tags.

Open Referral UK feeds describe services with terms from shared vocabularies (most often the LGA / esd
"service types" and "needs" lists); this app matches services by its own need tags
(questions/rules/needs.toml). `questions/directory/taxonomy_map.toml` says which terms mean which need.
It is data a practitioner edits: when `directory check` lists a term nobody has mapped, add it there.

A term matches an entry when its code equals one of the entry's `codes`, or its name equals one of the
entry's `terms` (ignoring case, punctuation and '&' vs 'and').
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from oasys_diversity.directory import TAXONOMY_MAP_FILE, DirectoryError


class TaxonomyError(DirectoryError):
    """The taxonomy map cannot be read. `.problems` has one `FILE:LINE: message` per problem."""


class TermMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    need: str
    terms: list[str] = Field(default_factory=list)  # term names, as feeds publish them
    codes: list[str] = Field(default_factory=list)  # term codes or identifiers
    source_line: int | None = Field(default=None, exclude=True)

    def name_keys(self) -> set[str]:
        return {normalise_term(t) for t in self.terms}

    def code_keys(self) -> set[str]:
        return {c.strip().lower() for c in self.codes}


class TaxonomyMap(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = None
    source: str | None = None  # where the vocabulary comes from
    mapping: list[TermMapping] = Field(default_factory=list)

    def needs_for(self, name: str | None, code: str | None) -> list[str]:
        """The need tags a term stands for ([] when no entry maps it)."""
        name_key = normalise_term(name or "")
        code_key = (code or "").strip().lower()
        found: list[str] = []
        for entry in self.mapping:
            if (name_key and name_key in entry.name_keys()) or (code_key and code_key in entry.code_keys()):
                if entry.need not in found:
                    found.append(entry.need)
        return found


def normalise_term(text: str) -> str:
    text = text.lower().replace("&", " and ")
    return " ".join(re.findall(r"[a-z0-9']+", text))


def shipped_taxonomy_map_path() -> Path:
    from oasys_diversity.questions import DIRECTORY_DIR

    return DIRECTORY_DIR / TAXONOMY_MAP_FILE


def _read(path: Path) -> tuple[TaxonomyMap | None, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        return None, [f"{path}:1: no such file"]
    except (OSError, UnicodeDecodeError) as error:
        return None, [f"{path}:1: cannot read: {error.__class__.__name__}"]
    except tomllib.TOMLDecodeError as error:
        return None, [f"{path}:{getattr(error, 'lineno', None) or 1}: bad TOML: {getattr(error, 'msg', error)}"]
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if re.match(r"^\s*\[\[\s*mapping\s*\]\]", line)]
    problems: list[str] = []
    entries: list[TermMapping] = []
    raw = data.get("mapping", [])
    for key in sorted(set(data) - {"note", "source", "mapping"}):
        problems.append(f"{path}:1: unknown key {key!r}; a taxonomy map has note, source and [[mapping]] tables")
    if not isinstance(raw, list):
        return None, [*problems, f"{path}:1: write mapping as [[mapping]] tables"]
    for index, entry in enumerate(raw):
        line = lines[index] if index < len(lines) else 1
        try:
            item = TermMapping.model_validate(entry)
        except ValidationError as error:
            for detail in error.errors():
                where = ".".join(str(p) for p in detail["loc"]) or "entry"
                problems.append(f"{path}:{line}: mapping: {where}: {detail['msg']}")
            continue
        if not item.terms and not item.codes:
            problems.append(f"{path}:{line}: mapping for {item.need!r} names no terms or codes")
        item.source_line = line
        entries.append(item)
    note = data.get("note") if isinstance(data.get("note"), str) else None
    source = data.get("source") if isinstance(data.get("source"), str) else None
    return TaxonomyMap(note=note, source=source, mapping=entries), problems


def load_taxonomy_map(path: Path | None = None) -> TaxonomyMap:
    """The mapping file (None = the shipped one). Raises TaxonomyError listing every problem."""
    where = Path(path) if path is not None else shipped_taxonomy_map_path()
    mapping, problems = _read(where)
    if problems or mapping is None:
        raise TaxonomyError(f"the taxonomy map {where} has {len(problems)} problem(s)", problems)
    return mapping


def check_taxonomy_map(path: Path, needs: set[str] | None) -> list[str]:
    """`FILE:LINE: message` for every problem, including need tags that no rule knows."""
    mapping, problems = _read(path)
    if mapping is None or needs is None:
        return problems
    seen: dict[str, str] = {}
    for entry in mapping.mapping:
        at = f"{path}:{entry.source_line or 1}"
        if entry.need not in needs:
            problems.append(f"{at}: unknown need tag {entry.need!r} (see questions/rules/needs.toml)")
        for term in entry.terms:
            key = normalise_term(term)
            if key in seen and seen[key] == entry.need:
                problems.append(f"{at}: term {term!r} is mapped to {entry.need!r} twice")
            seen[key] = entry.need
    return problems
