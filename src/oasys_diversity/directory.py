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

import csv
import json
import os
import re
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from oasys_diversity.bank import CANONICAL
from oasys_diversity.model import Answer

DIRECTORY_FILE = "directory.toml"

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
    source_line: int | None = Field(default=None, exclude=True)

    @field_validator("id", "name", "organization_id")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

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
    directory, problems = _read_toml(where)
    if problems or directory is None:
        raise DirectoryError(f"the referral directory {where} has {len(problems)} problem(s)", problems)
    return directory


# ---------------------------------------------------------------------------------------------
# Reading and checking our TOML form
# ---------------------------------------------------------------------------------------------


def _table_lines(text: str, name: str) -> list[int]:
    pattern = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
    return [i for i, line in enumerate(text.splitlines(), start=1) if pattern.match(line)]


def _read_toml(path: Path) -> tuple[Directory | None, list[str]]:
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
    """Entries that load but can never be suggested, or name a need tag nobody emits (reported by
    `check`, never fatal: one untidy entry must not stop a plan being built)."""
    problems: list[str] = []
    for service in directory.services:
        at = f"{where}:{service.source_line or 1}: service {service.id}"
        for need in service.needs:
            if needs is not None and need not in needs:
                problems.append(f"{at}: unknown need tag {need!r} (see questions/rules/needs.toml)")
        if not service.needs:
            problems.append(f"{at}: needs is empty, so the plan can never suggest it")
        if not service.service_areas:
            problems.append(f'{at}: service_areas is empty; name its areas, or "National"')
    return problems


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
    """Every problem in a directory file (or in each `*.toml` of a folder), as `FILE:LINE: message`.
    Staleness is not a problem (it is reported by `directory list` and on plans)."""
    where = resolve_directory_path(path)
    if where.suffix.lower() == ".json" or (where.is_dir() and (where / "datapackage.json").exists()):
        try:
            import_hsds(where)
        except DirectoryError as error:
            return error.problems
        return []
    files = sorted(where.glob("*.toml")) if where.is_dir() else [where]
    vocabulary = _need_vocabulary(where)
    problems: list[str] = []
    for file in files:
        directory, file_problems = _read_toml(file)
        problems.extend(file_problems)
        if directory is not None:
            problems.extend(_entry_problems(directory, str(file), vocabulary))
    return problems


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
    if service.status != "active":
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


# ---------------------------------------------------------------------------------------------
# Importing Open Referral HSDS (JSON, or CSV tables + datapackage.json)
# ---------------------------------------------------------------------------------------------


def import_hsds(path: Path) -> Directory:
    """Read HSDS 3.0 JSON (a service, a list of services, `{"services": [...]}` or a paginated
    `{"contents": [...]}`) or the tabular form (a folder or datapackage.json beside CSV files).

    Everything is validated before anything is returned; problems name the file, the row or item, and the
    field, and raise DirectoryError with all of them.
    """
    path = Path(path)
    if path.is_dir():
        package = path / "datapackage.json"
        if not package.exists():
            raise DirectoryError(f"{path}: no datapackage.json in this folder (HSDS tabular form needs one)")
        return _import_tabular(package)
    if not path.exists():
        raise DirectoryError(f"{path}: no such file")
    if path.name == "datapackage.json":
        return _import_tabular(path)
    if path.suffix.lower() != ".json":
        raise DirectoryError(f"{path}: expected HSDS JSON (.json) or a datapackage.json with its CSV files")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DirectoryError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise DirectoryError(f"{path}:{error.lineno}: bad JSON: {error.msg}") from None
    if isinstance(data, dict) and "contents" in data:
        raw_services, raw_orgs = data["contents"], data.get("organizations", [])
    elif isinstance(data, dict) and "services" in data:
        raw_services, raw_orgs = data["services"], data.get("organizations", [])
    elif isinstance(data, dict) and "id" in data:
        raw_services, raw_orgs = [data], []
    elif isinstance(data, list):
        raw_services, raw_orgs = data, []
    else:
        raise DirectoryError(f'{path}: not HSDS: expected a service, a list of services, or {{"services": [...]}}')
    if not isinstance(raw_services, list) or not isinstance(raw_orgs, list):
        raise DirectoryError(f"{path}: services and organizations must be lists")
    records = [(f"{path}: services[{i}]", s) for i, s in enumerate(raw_services)]
    orgs = [(f"{path}: organizations[{i}]", o) for i, o in enumerate(raw_orgs)]
    return _build_directory(records, orgs, str(path))


def _import_tabular(package: Path) -> Directory:
    try:
        meta = json.loads(package.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        raise DirectoryError(f"{package}: cannot read") from None
    except json.JSONDecodeError as error:
        raise DirectoryError(f"{package}:{error.lineno}: bad JSON: {error.msg}") from None
    resources = meta.get("resources") if isinstance(meta, dict) else None
    if not isinstance(resources, list):
        raise DirectoryError(f"{package}: resources: expected a list of tables")
    tables: dict[str, tuple[Path, list[dict[str, str]]]] = {}
    problems: list[str] = []
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
            problems.append(f"{package}: resources[{index}]: path: missing")
            continue
        name = str(resource.get("name") or Path(resource["path"]).stem)
        file = (package.parent / resource["path"]).resolve()
        if package.parent.resolve() not in file.parents:
            problems.append(f"{package}: resources[{index}]: path: must stay inside the package folder")
            continue
        if not file.exists():
            problems.append(f"{package}: resources[{index}]: path: {resource['path']} does not exist")
            continue
        try:
            with file.open(encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            problems.append(f"{file}: cannot read as CSV: {error.__class__.__name__}")
            continue
        tables[_table_key(name)] = (file, rows)
    if problems:
        raise DirectoryError(f"{package}: {len(problems)} problem(s)", problems)
    if "service" not in tables:
        raise DirectoryError(f"{package}: no services table (a resource named service or services)")

    def rows_of(key: str) -> list[tuple[str, dict[str, str]]]:
        file, rows = tables.get(key, (package, []))
        # Row 1 is the header, so the first record is row 2, as a spreadsheet shows it.
        return [
            (f"{file}: row {i + 2}", {k: (v or "").strip() for k, v in row.items() if k}) for i, row in enumerate(rows)
        ]

    terms = {row.get("id", ""): row for _, row in rows_of("taxonomy_term")}
    locations = {row.get("id", ""): row for _, row in rows_of("location")}
    addresses: dict[str, list[dict[str, str]]] = {}
    for _, row in rows_of("address"):
        addresses.setdefault(row.get("location_id", ""), []).append(row)
    by_service: dict[str, dict[str, list[Any]]] = {}

    def attach(service_id: str, key: str, item: Any) -> None:
        by_service.setdefault(service_id, {}).setdefault(key, []).append(item)

    for _, row in rows_of("service_area"):
        attach(row.get("service_id", ""), "service_areas", {"name": row.get("name", "")})
    for _, row in rows_of("language"):
        attach(row.get("service_id", ""), "languages", {"name": row.get("name", ""), "code": row.get("code", "")})
    for _, row in rows_of("phone"):
        if row.get("service_id"):
            attach(row["service_id"], "phones", {"number": row.get("number", "")})
    for where, row in rows_of("attribute"):
        term = terms.get(row.get("taxonomy_term_id", ""))
        if term is None:
            problems.append(f"{where}: taxonomy_term_id: {row.get('taxonomy_term_id')!r} is not in taxonomy_terms")
            continue
        attach(row.get("link_id", ""), "attributes", {"taxonomy_term": term, "value": row.get("value", "")})
    for where, row in rows_of("service_at_location"):
        location = locations.get(row.get("location_id", ""))
        if location is None:
            problems.append(f"{where}: location_id: {row.get('location_id')!r} is not in locations")
            continue
        attach(
            row.get("service_id", ""),
            "service_at_locations",
            {"location": {**location, "addresses": addresses.get(location.get("id", ""), [])}},
        )
    service_ids = {row.get("id", "") for _, row in rows_of("service")}
    for key, items in (
        ("service_area", rows_of("service_area")),
        ("language", rows_of("language")),
        ("service_at_location", rows_of("service_at_location")),
    ):
        for where, row in items:
            if row.get("service_id") not in service_ids:
                problems.append(f"{where}: service_id: {row.get('service_id')!r} is not in services ({key})")
    records: list[tuple[str, dict[str, Any]]] = []
    for where, row in rows_of("service"):
        record: dict[str, Any] = {k: v for k, v in row.items() if v != ""}
        record.update(by_service.get(row.get("id", ""), {}))
        records.append((where, record))
    orgs = [(where, {k: v for k, v in row.items() if v != ""}) for where, row in rows_of("organization")]
    return _build_directory(records, orgs, str(package), problems)


def _table_key(name: str) -> str:
    """'services' / 'service' / 'taxonomy_terms' → the HSDS table name."""
    name = name.lower().strip()
    for table in (
        "organization",
        "service_at_location",
        "service_area",
        "service",
        "taxonomy_term",
        "attribute",
        "language",
        "location",
        "address",
        "phone",
    ):
        if name in (table, table + "s", table + "es"):
            return table
    return name


def _build_directory(
    records: list[tuple[str, Any]],
    raw_orgs: list[tuple[str, Any]],
    source: str,
    earlier: list[str] | None = None,
) -> Directory:
    """Turn HSDS records into our Directory, collecting every problem (with any `earlier` ones from reading
    the tables) before failing, so one run lists everything to fix."""
    from oasys_diversity.rules import RulesError, load_rules

    try:
        vocabulary: set[str] | None = load_rules().need_ids()
    except RulesError:
        vocabulary = None
    problems: list[str] = list(earlier or [])
    organizations: dict[str, Organization] = {}

    def add_org(where: str, raw: Any) -> str | None:
        if not isinstance(raw, dict):
            problems.append(f"{where}: organization: expected an object")
            return None
        try:
            org = Organization(
                id=str(raw.get("id") or ""),
                name=str(raw.get("name") or ""),
                description=raw.get("description") or None,
                website=raw.get("website") or raw.get("url") or None,
                email=raw.get("email") or None,
            )
        except ValidationError as error:
            for detail in error.errors():
                problems.append(f"{where}: organization.{'.'.join(str(p) for p in detail['loc'])}: {detail['msg']}")
            return None
        organizations.setdefault(org.id, org)
        return org.id

    for where, raw in raw_orgs:
        add_org(where, raw)
    services: list[Service] = []
    seen: set[str] = set()
    for where, raw in records:
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected an object")
            continue
        org_id = raw.get("organization_id")
        if isinstance(raw.get("organization"), dict):
            org_id = add_org(where, raw["organization"]) or org_id
        if not org_id:
            problems.append(f"{where}: organization_id: missing (each service needs its organisation)")
            continue
        if str(org_id) not in organizations:
            problems.append(f"{where}: organization_id: {org_id!r} is not in organizations")
            continue
        fields, field_problems = _service_fields(raw)
        problems.extend(f"{where}: {p}" for p in field_problems)
        try:
            service = Service(organization_id=str(org_id), **fields)
        except ValidationError as error:
            for detail in error.errors():
                problems.append(f"{where}: {'.'.join(str(p) for p in detail['loc'])}: {detail['msg']}")
            continue
        if service.id in seen:
            problems.append(f"{where}: id: duplicate service id {service.id!r}")
        seen.add(service.id)
        if (
            service.minimum_age is not None
            and service.maximum_age is not None
            and service.minimum_age > service.maximum_age
        ):
            problems.append(f"{where}: minimum_age: above maximum_age")
        if vocabulary is not None:
            for need in service.needs:
                if need not in vocabulary:
                    problems.append(f"{where}: attributes: unknown need tag {need!r} in {TAXONOMY_NEEDS}")
        services.append(service)
    if not records:
        problems.append(f"{source}: no services to import")
    if problems:
        raise DirectoryError(f"{source}: {len(problems)} problem(s); nothing was imported", problems)
    return Directory(organizations=list(organizations.values()), services=services, source=source)


def _service_fields(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """HSDS service → our Service fields (validation of values is left to pydantic)."""
    problems: list[str] = []
    fields: dict[str, Any] = {}
    for key in (
        "id",
        "name",
        "description",
        "status",
        "url",
        "email",
        "application_process",
        "interpretation_services",
        "eligibility_description",
        "assurer_email",
    ):
        if raw.get(key) not in (None, ""):
            fields[key] = raw[key] if key != "id" else str(raw[key])
    for key in ("minimum_age", "maximum_age"):
        value = raw.get(key)
        if value in (None, ""):
            continue
        try:
            fields[key] = float(value)
        except (TypeError, ValueError):
            problems.append(f"{key}: not a number")
    assured = raw.get("assured_date")
    if assured not in (None, ""):
        try:
            fields["assured_date"] = date.fromisoformat(str(assured)[:10])
        except ValueError:
            problems.append("assured_date: not a date (YYYY-MM-DD)")
    if fields.get("email") and "@" not in str(fields["email"]):
        problems.append("email: not an email address")
    fields["languages"] = _names(raw.get("languages"), "languages", problems, ("name", "code"))
    areas = _names(raw.get("service_areas"), "service_areas", problems, ("name",))
    for index, sal in enumerate(raw.get("service_at_locations") or []):
        location = sal.get("location") if isinstance(sal, dict) else None
        if not isinstance(location, dict):
            problems.append(f"service_at_locations[{index}].location: missing")
            continue
        for address in location.get("addresses") or []:
            if isinstance(address, dict):
                areas.extend(a for a in (address.get("city"), address.get("region")) if a and a not in areas)
    fields["service_areas"] = areas
    fields["phones"] = _names(raw.get("phones"), "phones", problems, ("number",))
    extension: dict[str, list[str]] = {"needs": [], "genders": [], "faiths": [], "communities": []}
    taxonomies = {
        TAXONOMY_NEEDS: "needs",
        TAXONOMY_GENDER: "genders",
        TAXONOMY_FAITH: "faiths",
        TAXONOMY_COMMUNITY: "communities",
    }
    attributes = raw.get("attributes") or []
    if not isinstance(attributes, list):
        problems.append("attributes: expected a list")
        attributes = []
    for index, attribute in enumerate(attributes):
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if not isinstance(term, dict):
            problems.append(f"attributes[{index}].taxonomy_term: missing")
            continue
        taxonomy = term.get("taxonomy")
        if isinstance(taxonomy, dict):
            taxonomy = taxonomy.get("name")
        if not taxonomy and isinstance(term.get("taxonomy_detail"), dict):
            taxonomy = term["taxonomy_detail"].get("name")
        target = taxonomies.get(str(taxonomy or ""))
        if target is None:
            continue  # another taxonomy (e.g. a local one): not ours to read
        code = term.get("code") or term.get("name")
        if not code:
            problems.append(f"attributes[{index}].taxonomy_term.code: missing")
            continue
        if code not in extension[target]:
            extension[target].append(str(code))
        if target == "communities" and attribute.get("link_type") == "eligibility":
            fields["community_only"] = True
    fields.update(extension)
    return fields, problems


def _names(raw: Any, key: str, problems: list[str], keys: tuple[str, ...]) -> list[str]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        problems.append(f"{key}: expected a list")
        return []
    found: list[str] = []
    for index, item in enumerate(raw):
        if isinstance(item, str):
            text = item
        elif isinstance(item, dict):
            text = next((str(item[k]) for k in keys if item.get(k) not in (None, "")), "")
        else:
            text = ""
        if not text.strip():
            problems.append(f"{key}[{index}].{keys[0]}: missing")
            continue
        if text.strip() not in found:
            found.append(text.strip())
    return found


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


def merge_directories(base: Directory, incoming: Directory) -> tuple[Directory, int, int]:
    """Imported entries replace entries with the same id; the rest are kept. Returns (merged, new, updated)."""
    orgs = {o.id: o for o in base.organizations}
    orgs.update({o.id: o for o in incoming.organizations})
    services = {s.id: s for s in base.services}
    new = sum(1 for s in incoming.services if s.id not in services)
    updated = len(incoming.services) - new
    services.update({s.id: s for s in incoming.services})
    merged = Directory(note=base.note, organizations=list(orgs.values()), services=list(services.values()))
    return merged, new, updated


# ---------------------------------------------------------------------------------------------
# The `directory` subcommands
# ---------------------------------------------------------------------------------------------


def run_command(args: Any) -> int:
    """`directory import FILE [--into PATH]`, `directory check`, `directory list`. Problems go to stderr,
    one line each (file, row or line, field), and the exit code is 1."""
    try:
        return _run(args)
    except DirectoryError as error:
        for line in error.problems:
            print(line, file=sys.stderr)
        if error.problems != [str(error)]:
            print(str(error), file=sys.stderr)
        return 1


def _run(args: Any) -> int:
    command = args.directory_command
    if command == "import":
        return _cmd_import(args)
    if command == "check":
        where = resolve_directory_path(getattr(args, "directory", None))
        problems = check_directory(where)
        for line in problems:
            print(line)
        if problems:
            return 1
        directory = load_directory(where)
        print(f"directory OK: {where} ({len(directory.services)} services)")
        return 0
    if command == "list":
        return _cmd_list(args)
    raise DirectoryError(f"unknown directory command {command!r}")


def _cmd_import(args: Any) -> int:
    incoming = import_hsds(args.file)  # raises before anything is written
    target = Path(args.into) if getattr(args, "into", None) else local_directory_path()
    if target.exists():
        base, problems = _read_toml(target)
        if problems or base is None:
            raise DirectoryError(
                f"{target} has problems, so nothing was imported; fix it or import --into another file", problems
            )
    else:
        base = Directory(note="Local referral directory. Check each entry and update assured_date when you do.")
    merged, new, updated = merge_directories(base, incoming)
    write_directory(merged, target)
    print(f"imported {len(incoming.services)} services ({new} new, {updated} updated) into {target}")
    return 0


def _cmd_list(args: Any) -> int:
    where = resolve_directory_path(getattr(args, "directory", None))
    directory = load_directory(where)
    today = date.today()
    out = sys.stdout
    print(f"{where}", file=out)
    if directory.note:
        print(directory.note.strip(), file=out)
    print(file=out)
    print(f"{'last checked':<13} {'':<6} {'service':<52} areas", file=out)
    for service in directory.services:
        checked = service.assured_date.isoformat() if service.assured_date else "never"
        flags = "STALE" if is_stale(service, today) else ""
        name = ("[example] " if directory.is_example(service) else "") + service.name
        if len(name) > 52:
            name = name[:51] + "…"
        areas = ", ".join(service.service_areas[:3]) or "-"
        if len(service.service_areas) > 3:
            areas += f" and {len(service.service_areas) - 3} more"
        status = "" if service.status == "active" else f" [{service.status}]"
        print(f"{checked:<13} {flags:<6} {name:<52} {areas}{status}", file=out)
    stale = sum(1 for s in directory.services if is_stale(s, today))
    print(file=out)
    print(f"{len(directory.services)} services; {stale} last checked over 12 months ago (STALE).", file=out)
    return 0
