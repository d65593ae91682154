"""The local referral directory: organisations and the services they run, in Open Referral HSDS 3.0 terms.

The directory is a TOML file a probation region keeps up to date by hand or by importing an HSDS export.
Field names are HSDS 3.0's (`organization`, `service` with `name`, `description`, `url`, `email`, `status`,
`application_process`, `eligibility_description`, `minimum_age`, `maximum_age`, `assured_date`, `languages`,
`service_areas`), flattened so a practitioner can edit them: a service's `languages` and `service_areas` are
lists of names, and `organization_id` points at an `[[organizations]]` entry.

Our extension (documented in docs/planner.md) adds what matching needs and HSDS keeps in `attributes`:
`needs` (need tags from questions/rules/needs.toml), `genders` (who the service is only for), `faiths` and
`communities` (what it is rooted in, used to rank, never to exclude), `contact` (free text) and `example`
(a shipped entry nobody has verified locally). On import these come from HSDS `attributes` whose taxonomy
term belongs to one of the `oasys-diversity/...` taxonomies below.

Matching prefers the person's area, then national services; a women-only service is offered only to a woman;
an age range is respected; services in the person's language, faith or community rank first; a service last
checked over 12 months ago is marked stale, never hidden.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from oasys_diversity.bank import CANONICAL
from oasys_diversity.directory_values import clean_area, clean_email, clean_phone, clean_url, is_area_name, strip_quotes
from oasys_diversity.model import Answer

DIRECTORY_FILE = "directory.toml"
TAXONOMY_MAP_FILE = "taxonomy_map.toml"  # beside the shipped directory: published terms → need tags

# HSDS attributes carry our extension under these taxonomies (taxonomy_term.taxonomy).
TAXONOMY_NEEDS = "oasys-diversity/needs"
TAXONOMY_GENDER = "oasys-diversity/gender"
TAXONOMY_FAITH = "oasys-diversity/faith"
TAXONOMY_COMMUNITY = "oasys-diversity/community"

# Canonical answer codes (bank.CANONICAL, issue 2's table) that eligibility and fit refer to.
GENDER_CODES = CANONICAL["person.gender"][1]
FAITH_CODES = CANONICAL["faith.religion"][1]
COMMUNITY_CODES = CANONICAL["ethnicity.ons_category"][1]
# A service area with one of these names serves everyone, wherever they live.
NATIONAL_AREAS = {"national", "england and wales", "england & wales", "uk", "united kingdom", "great britain"}
STALE_AFTER_MONTHS = 12

ServiceStatus = Literal["active", "inactive", "defunct", "temporarily closed"]


class DirectoryError(Exception):
    """The directory cannot be read or imported. `.problems` has one line per problem (file, row, field)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class Organization(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    description: str | None = None
    website: str | None = None
    email: str | None = None
    example: bool = False

    @field_validator("id", "name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("website")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        return clean_url(value) if value else None

    @field_validator("email")
    @classmethod
    def _email_address(cls, value: str | None) -> str | None:
        return clean_email(value) if value else None


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    organization_id: str
    name: str
    description: str = ""
    status: ServiceStatus = "active"
    url: str | None = None
    email: str | None = None
    application_process: str | None = None  # how to refer
    interpretation_services: str | None = None
    eligibility_description: str | None = None
    minimum_age: float | None = Field(default=None, ge=0, le=120)
    maximum_age: float | None = Field(default=None, ge=0, le=120)
    assured_date: date | None = None  # when the entry was last checked
    assurer_email: str | None = None
    languages: list[str] = Field(default_factory=list)
    service_areas: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    # Our extension (HSDS attributes on import).
    contact: str | None = None
    needs: list[str] = Field(default_factory=list)
    genders: list[str] = Field(default_factory=list)
    faiths: list[str] = Field(default_factory=list)
    communities: list[str] = Field(default_factory=list)
    # True when the service is only for people whose recorded ethnicity is one of `communities`.
    community_only: bool = False
    example: bool = False
    # From an imported feed (docs/directory.md): where it came from, when it left the feed, what the feed did
    # not say that matching needs, and the officer's own note (kept when the feed is imported again).
    feed: str | None = None
    withdrawn_on: date | None = None  # gone from its feed: never suggested, kept so old plans read true
    area_description: str | None = None  # a feed's sentence about the area, kept out of service_areas
    unnamed_languages: list[str] = Field(default_factory=list)  # language ids the feed gave without a name
    unmapped_terms: list[str] = Field(default_factory=list)  # taxonomy terms no line of taxonomy_map.toml maps
    local_note: str | None = None
    source_line: int | None = Field(default=None, exclude=True)

    @field_validator("id", "name", "organization_id")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        return clean_url(value) if value else None

    @field_validator("email", "assurer_email")
    @classmethod
    def _email_address(cls, value: str | None) -> str | None:
        return clean_email(value) if value else None

    @field_validator("phones")
    @classmethod
    def _phone_numbers(cls, value: list[str]) -> list[str]:
        return [clean_phone(number) for number in value]

    @model_validator(mode="before")
    @classmethod
    def _sentences_are_not_areas(cls, data: Any) -> Any:
        """A sentence about the area ("Open to everyone in Leeds. Ring first.") is kept as the area's
        description, never matched as a place name (older imports stored such sentences as areas)."""
        if isinstance(data, dict) and isinstance(data.get("service_areas"), list):
            areas = [a for a in data["service_areas"] if not isinstance(a, str) or is_area_name(strip_quotes(a))]
            sentences = [a.strip() for a in data["service_areas"] if isinstance(a, str) and a not in areas]
            if sentences:
                described = [data.get("area_description") or "", *sentences]
                data = {**data, "service_areas": areas, "area_description": " ".join(d for d in described if d)}
        return data

    @field_validator("service_areas")
    @classmethod
    def _area_names(cls, value: list[str]) -> list[str]:
        return [clean_area(area) for area in value]

    @field_validator("genders")
    @classmethod
    def _known_genders(cls, value: list[str]) -> list[str]:
        return _known(value, GENDER_CODES, "gender")

    @field_validator("faiths")
    @classmethod
    def _known_faiths(cls, value: list[str]) -> list[str]:
        return _known(value, FAITH_CODES, "faith")

    @field_validator("communities")
    @classmethod
    def _known_communities(cls, value: list[str]) -> list[str]:
        return _known(value, COMMUNITY_CODES, "community")

    @property
    def national(self) -> bool:
        return any(_norm(area) in NATIONAL_AREAS for area in self.service_areas)

    def contact_text(self) -> str | None:
        """Everything we know about how to get in touch, on one line; None if nothing is recorded."""
        parts = [p for p in (self.contact, self.email, ", ".join(self.phones) or None, self.url) if p]
        return "; ".join(parts) if parts else None

    def serves_area(self, area: str | None) -> bool:
        return area is not None and any(_area_match(area, own) for own in self.service_areas)


def _known(values: list[str], allowed: tuple[str, ...], what: str) -> list[str]:
    for value in values:
        if value not in allowed:
            raise ValueError(f"unknown {what} code {value!r}; expected one of {', '.join(allowed)}")
    return values


class Directory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = None  # shown at the top of `directory list` (the shipped file says it is an example)
    organizations: list[Organization] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    source: str | None = Field(default=None, exclude=True)

    def organization(self, organization_id: str) -> Organization | None:
        return next((o for o in self.organizations if o.id == organization_id), None)

    def organisation_name(self, service: Service) -> str:
        found = self.organization(service.organization_id)
        return found.name if found is not None else service.organization_id

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)

    def is_example(self, service: Service) -> bool:
        found = self.organization(service.organization_id)
        return service.example or (found is not None and found.example)


# ---------------------------------------------------------------------------------------------
# Where the directory lives
# ---------------------------------------------------------------------------------------------


def shipped_directory_path() -> Path:
    from oasys_diversity.questions import DIRECTORY_DIR

    return DIRECTORY_DIR / "default.toml"


def local_directory_path() -> Path:
    """The officer's own directory: $OASYS_DIVERSITY_HOME/directory.toml, else in the user data directory."""
    home = os.environ.get("OASYS_DIVERSITY_HOME")
    if home:
        return Path(home) / DIRECTORY_FILE
    from platformdirs import user_data_dir

    return Path(user_data_dir("oasys-diversity")) / DIRECTORY_FILE


def resolve_directory_path(path: Path | None = None) -> Path:
    """The directory file in use: `path`, else the local directory if there is one, else the shipped example."""
    if path is not None:
        return Path(path)
    local = local_directory_path()
    return local if local.exists() else shipped_directory_path()


def load_directory(path: Path | None = None) -> Directory:
    """Load a directory (None = the local one if present, else the shipped example). A `.json` file or a
    folder holding `datapackage.json` is read as HSDS. Raises DirectoryError naming each problem."""
    where = resolve_directory_path(path)
    if (where.is_dir() and (where / "datapackage.json").exists()) or where.suffix.lower() == ".json":
        return import_hsds(where)
    if where.is_dir():
        where = where / "default.toml"
    directory, problems = read_directory_file(where)
    if problems or directory is None:
        raise DirectoryError(f"the referral directory {where} has {len(problems)} problem(s)", problems)
    return directory


# ---------------------------------------------------------------------------------------------
# Reading and checking our TOML form
# ---------------------------------------------------------------------------------------------


def _table_lines(text: str, name: str) -> list[int]:
    pattern = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
    return [i for i, line in enumerate(text.splitlines(), start=1) if pattern.match(line)]


def read_directory_file(path: Path) -> tuple[Directory | None, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [f"{path}:1: no such file"]
    except (OSError, UnicodeDecodeError) as error:
        return None, [f"{path}:1: cannot read: {error.__class__.__name__}"]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or 1
        return None, [f"{path}:{line}: bad TOML: {getattr(error, 'msg', str(error))}"]
    problems: list[str] = []
    unknown = sorted(set(data) - {"note", "organizations", "services"})
    for key in unknown:
        problems.append(f"{path}:1: unknown key {key!r}; a directory has note, [[organizations]] and [[services]]")
    organizations: list[Organization] = []
    services: list[Service] = []
    for key, model, bucket in (("organizations", Organization, organizations), ("services", Service, services)):
        entries = data.get(key, [])
        lines = _table_lines(text, key)
        if not isinstance(entries, list):
            problems.append(f"{path}:1: write {key} as [[{key}]] tables")
            continue
        for index, entry in enumerate(entries):
            line = lines[index] if index < len(lines) else 1
            if not isinstance(entry, dict):
                problems.append(f"{path}:{line}: each of {key} must be a table")
                continue
            label = entry.get("id", f"#{index + 1}")
            try:
                item = model.model_validate(entry)
            except ValidationError as error:
                for detail in error.errors():
                    where = ".".join(str(p) for p in detail["loc"]) or "entry"
                    problems.append(f"{path}:{line}: {key[:-1]} {label}: {where}: {detail['msg']}")
                continue
            if isinstance(item, Service):
                item.source_line = line
            bucket.append(item)
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        problems.append(f"{path}:1: note must be text")
        note = None
    directory = Directory(note=note, organizations=organizations, services=services, source=str(path))
    problems.extend(_consistency_problems(directory, str(path)))
    return directory, problems


def _consistency_problems(directory: Directory, where: str) -> list[str]:
    """Problems that make a directory unusable: duplicate ids, a service pointing at an organisation that is
    not there, an impossible age range."""
    problems: list[str] = []
    seen_orgs: set[str] = set()
    for org in directory.organizations:
        if org.id in seen_orgs:
            problems.append(f"{where}:1: duplicate organization id {org.id!r}")
        seen_orgs.add(org.id)
    seen: set[str] = set()
    for service in directory.services:
        at = f"{where}:{service.source_line or 1}: service {service.id}"
        if service.id in seen:
            problems.append(f"{at}: duplicate service id")
        seen.add(service.id)
        if service.organization_id not in seen_orgs:
            problems.append(f"{at}: organization_id {service.organization_id!r} is not in [[organizations]]")
        if (
            service.minimum_age is not None
            and service.maximum_age is not None
            and service.minimum_age > service.maximum_age
        ):
            problems.append(f"{at}: minimum_age is above maximum_age")
    return problems


def _entry_problems(directory: Directory, where: str, needs: set[str] | None) -> list[str]:
    """Need tags nobody emits (a typo in a tag would silently match nothing)."""
    problems: list[str] = []
    if needs is None:
        return problems
    for service in directory.services:
        at = f"{where}:{service.source_line or 1}: service {service.id}"
        for need in service.needs:
            if need not in needs:
                problems.append(f"{at}: unknown need tag {need!r} (see questions/rules/needs.toml)")
    return problems


def to_tag_locally(directory: Directory, where: str) -> list[str]:
    """What matching needs but an entry does not say yet: listed by `directory check` for the officer to add,
    never a reason to refuse the entry (a feed is imported as it is published)."""
    notes: list[str] = []
    for service in directory.services:
        if service.withdrawn_on is not None:
            continue
        at = f"{where}:{service.source_line or 1}: service {service.id}"
        if not service.needs:
            line = f"{at}: no need tags, so no plan can suggest it; add needs (questions/rules/needs.toml)"
            if service.unmapped_terms:
                terms = ", ".join(repr(t) for t in service.unmapped_terms[:5])
                more = f" and {len(service.unmapped_terms) - 5} more" if len(service.unmapped_terms) > 5 else ""
                line += f"; its feed's terms {terms}{more} are not in taxonomy_map.toml"
            notes.append(line)
        if not service.service_areas:
            notes.append(f'{at}: no area; add service_areas (a place, or "National")')
        if service.unnamed_languages and not service.languages:
            count = len(service.unnamed_languages)
            notes.append(f"{at}: the feed gives {count} language(s) by id only; name them in languages")
    return notes


def _need_vocabulary(path: Path) -> set[str] | None:
    """The need tags beside this directory (a bank folder's rules/), else the shipped ones."""
    from oasys_diversity.rules import RulesError, load_rules

    folder = path if path.is_dir() else path.parent
    candidates = [folder.parent] if folder.name == "directory" and (folder.parent / "rules").is_dir() else []
    try:
        ruleset = load_rules(candidates[0]) if candidates else load_rules()
    except RulesError:
        return None
    return ruleset.need_ids()


def check_directory(path: Path | None = None) -> list[str]:
    """Every problem in a directory file (or in each `*.toml` of a folder, the taxonomy map included), as
    `FILE:LINE: message`. Staleness and entries still to tag locally are not problems (see
    `directory_report`)."""
    return directory_report(path)[0]


def directory_report(path: Path | None = None) -> tuple[list[str], list[str]]:
    """(problems, still to tag locally) for a directory file, a folder of them, or an HSDS file."""
    where = resolve_directory_path(path)
    if where.suffix.lower() == ".json" or (where.is_dir() and (where / "datapackage.json").exists()):
        try:
            imported = import_hsds(where)
        except DirectoryError as error:
            return error.problems, []
        return [], to_tag_locally(imported, str(where))
    files = sorted(where.glob("*.toml")) if where.is_dir() else [where]
    vocabulary = _need_vocabulary(where)
    problems: list[str] = []
    notes: list[str] = []
    for file in files:
        if file.name == TAXONOMY_MAP_FILE:
            from oasys_diversity.taxonomy import check_taxonomy_map

            problems.extend(check_taxonomy_map(file, vocabulary))
            continue
        directory, file_problems = read_directory_file(file)
        problems.extend(file_problems)
        if directory is not None:
            problems.extend(_entry_problems(directory, str(file), vocabulary))
            notes.extend(to_tag_locally(directory, str(file)))
    return problems, notes


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


# The answers `PersonFacts.from_answers` reads to match referrals (`questions check` counts them as feeding the plan).
MATCHING_QUESTIONS = (
    "person.age",
    "person.area",
    "person.gender",
    "language.interpreter_language",
    "language.preferred_language",
    "language.first_language",
    "faith.religion",
    "ethnicity.ons_category",
)


@dataclass
class PersonFacts:
    """What matching may use, taken only from answered questions (never inferred from a name)."""

    gender: str | None = None
    age: float | None = None
    area: str | None = None
    languages: list[str] = field(default_factory=list)
    faith: str | None = None
    community: str | None = None

    @classmethod
    def from_answers(cls, answers: dict[str, Answer]) -> PersonFacts:
        def value(question_id: str) -> Any:
            answer = answers.get(question_id)
            return answer.value if answer is not None and answer.status == "answered" else None

        age = value("person.age")
        languages = [
            v
            for v in (
                value(q)
                for q in ("language.interpreter_language", "language.preferred_language", "language.first_language")
            )
            if isinstance(v, str) and v.strip()
        ]
        area = value("person.area")
        return cls(
            gender=value("person.gender") if isinstance(value("person.gender"), str) else None,
            age=float(age) if isinstance(age, int | float) and not isinstance(age, bool) else None,
            area=area.strip() if isinstance(area, str) and area.strip() else None,
            languages=languages,
            faith=value("faith.religion") if isinstance(value("faith.religion"), str) else None,
            community=value("ethnicity.ons_category") if isinstance(value("ethnicity.ons_category"), str) else None,
        )


def _norm(text: str) -> str:
    text = text.lower().replace("&", " and ")
    return " ".join(re.findall(r"[a-z0-9']+", text))


def _area_match(person_area: str, service_area: str) -> bool:
    """'Bradford' matches 'Bradford and Calderdale' and the other way round (whole words, in order)."""
    a, b = _norm(person_area).split(), _norm(service_area).split()
    if not a or not b:
        return False
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return any(long[i : i + len(short)] == short for i in range(len(long) - len(short) + 1))


def _speaks(service: Service, languages: list[str]) -> bool:
    offered = {_norm(lang) for lang in service.languages}
    for spoken in languages:
        words = set(_norm(spoken).split())
        if _norm(spoken) in offered or any(o in words for o in offered if " " not in o):
            return True
    return False


def eligible(service: Service, person: PersonFacts) -> bool:
    """Whether the service may be offered at all: active, gender-specific services only to that gender
    (an unrecorded gender never gets one), community-specific ones only to people who told us they belong
    to that community, and an age range respected (an unrecorded age only passes an
    adult service with no upper limit)."""
    if service.status != "active" or service.withdrawn_on is not None:
        return False
    if service.genders and person.gender not in service.genders:
        return False
    if service.community_only and person.community not in service.communities:
        return False
    if person.age is not None:
        if service.minimum_age is not None and person.age < service.minimum_age:
            return False
        if service.maximum_age is not None and person.age > service.maximum_age:
            return False
    elif service.maximum_age is not None or (service.minimum_age or 0) > 18:
        return False
    return True


def is_stale(service: Service, today: date) -> bool:
    """Last checked over 12 months before `today`, or never checked."""
    from oasys_diversity.rules import add_months

    return service.assured_date is None or service.assured_date < add_months(today, -STALE_AFTER_MONTHS)


def match_services(directory: Directory, need: str, person: PersonFacts, limit: int = 2) -> list[Service]:
    """The best services for one need: in the person's area first, then national; within each, services in
    the person's language, then faith, then community first; recently checked before stale. Stale services
    are kept (the plan marks them), never hidden."""
    ranked: list[tuple[tuple[int, ...], Service]] = []
    for index, service in enumerate(directory.services):
        if need not in service.needs or not eligible(service, person):
            continue
        local = service.serves_area(person.area)
        if not local and not service.national:
            continue
        key = (
            0 if local else 1,
            0 if _speaks(service, person.languages) else 1,
            0 if person.faith is not None and person.faith in service.faiths else 1,
            0 if person.community is not None and person.community in service.communities else 1,
            0 if service.assured_date is not None else 1,
            -(service.assured_date.toordinal() if service.assured_date else 0),
            index,
        )
        ranked.append((key, service))
    ranked.sort(key=lambda pair: pair[0])
    return [service for _, service in ranked[:limit]]


def service_fits(service: Service, person: PersonFacts) -> list[str]:
    """How a service fits what the person told us, in short words for the officer: its area ("in
    Birmingham"), their language other than English ("in Somali"), a service for their gender ("for women"),
    their community ("culturally specific") or their faith ("faith-specific"). Only answered questions count."""
    fits: list[str] = []
    if person.area is not None:
        fits += [f"in {own}" for own in service.service_areas if _area_match(person.area, own)][:1]
    # The service's own name for the language (directory data), never the person's typed words.
    spoken = [(_norm(lang), set(_norm(lang).split())) for lang in person.languages]
    for offered in service.languages:
        name = _norm(offered)
        if name != "english" and any(name == whole or (" " not in name and name in words) for whole, words in spoken):
            fits.append(f"in {offered}")
            break
    if service.genders and person.gender in service.genders:
        fits.append({"woman": "for women", "man": "for men"}.get(person.gender or "", "gender-specific"))
    if person.community is not None and person.community in service.communities:
        fits.append("culturally specific")
    if person.faith is not None and person.faith in service.faiths:
        fits.append("faith-specific")
    return fits


# ---------------------------------------------------------------------------------------------
# Importing Open Referral HSDS / Open Referral UK (the reading lives in hsds.py)
# ---------------------------------------------------------------------------------------------


def import_hsds(path: Path) -> Directory:
    """Read an HSDS 3.0 / Open Referral UK file or tabular package (see hsds.py for the shapes read)."""
    from oasys_diversity.hsds import import_hsds as read

    return read(path)


# ---------------------------------------------------------------------------------------------
# Writing our TOML form (atomically: a reader never sees half a file)
# ---------------------------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def directory_to_toml(directory: Directory) -> str:
    lines: list[str] = []
    if directory.note:
        lines += [f"note = {_toml_value(directory.note)}", ""]
    for org in directory.organizations:
        lines.append("[[organizations]]")
        for key, value in org.model_dump(exclude_defaults=True).items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    for service in directory.services:
        lines.append("[[services]]")
        for key, value in service.model_dump(exclude_defaults=True).items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def write_directory(directory: Directory, path: Path) -> None:
    """Write atomically: a temporary file in the same folder, flushed, then renamed over the target."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = directory_to_toml(directory)
    handle, temp = tempfile.mkstemp(prefix=".directory-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
