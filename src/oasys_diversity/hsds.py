"""Reading published service directories: Open Referral HSDS 3.0 and the Open Referral UK profile.

Every shape the standards publish is read:
- a single service (`service_full.json`), with its organisation nested inside it or named by id;
- a single organisation with its services nested inside it (`organization_full.json`): the services
  belong to that organisation;
- lists: a bare JSON list, `{"services": [...], "organizations": [...]}`, and the paginated API response
  (`contents`, `total_items`, `page_number`, …) holding services or organisations;
- the tabular data package (a folder, or its `datapackage.json`, beside CSV files).

What the standard makes optional is optional here. What matching needs but a feed lacks (an area, a need,
a language's name) is imported all the same and listed by `directory check` under "to tag locally"; a value
that cannot be used (a phone number that is not one, an email without an address) is left out and named in
`ImportResult.left_out`. Problems that make an entry unusable (no id or name, a broken file) are collected
and raised together, so one run lists everything to fix, and nothing is written.

The rules for values are the directory model's own (directory.Service), so anything import accepts,
`directory check` accepts.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from oasys_diversity.directory import (
    TAXONOMY_COMMUNITY,
    TAXONOMY_FAITH,
    TAXONOMY_GENDER,
    TAXONOMY_NEEDS,
    Directory,
    DirectoryError,
    Organization,
    Service,
)
from oasys_diversity.directory_values import (
    clean_area,
    clean_email,
    clean_phone,
    clean_url,
    is_area_name,
    strip_quotes,
)

# Limits on what one file or one API page may hold (documented in docs/directory.md).
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_PROBLEMS_SHOWN = 200

_OUR_TAXONOMIES = {
    TAXONOMY_NEEDS: "needs",
    TAXONOMY_GENDER: "genders",
    TAXONOMY_FAITH: "faiths",
    TAXONOMY_COMMUNITY: "communities",
}
# Keys only an organisation has (a service has `organization`, `organization_id`, `status`, areas…).
_ORGANISATION_KEYS = {
    "website",
    "legal_status",
    "tax_status",
    "tax_id",
    "year_incorporated",
    "logo",
    "parent_organization_id",
    "organization_identifiers",
    "additional_websites",
}


@dataclass
class ImportResult:
    """An imported directory and what was left out of it (values that could not be used)."""

    directory: Directory
    left_out: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def import_hsds(path: Path) -> Directory:
    """Read an HSDS / Open Referral UK file or tabular package. Raises DirectoryError listing every problem."""
    return read_hsds_file(path).directory


def read_hsds_file(path: Path, taxonomy_map: Any = None) -> ImportResult:
    path = Path(path)
    try:
        if path.is_dir():
            package = path / "datapackage.json"
            if not package.exists():
                raise DirectoryError(f"{path}: no datapackage.json in this folder (HSDS tabular form needs one)")
            return _read_tabular(package, taxonomy_map)
        if not path.exists():
            raise DirectoryError(f"{path}: no such file")
        if not path.is_file():
            raise DirectoryError(f"{path}: not a regular file")
    except (ValueError, OSError) as error:  # a NUL in the path, a name too long, no permission
        raise DirectoryError(f"{_safe_name(path)}: cannot open: {error.__class__.__name__}") from None
    if path.name == "datapackage.json":
        return _read_tabular(path, taxonomy_map)
    if path.suffix.lower() != ".json":
        raise DirectoryError(f"{path}: expected HSDS JSON (.json) or a datapackage.json with its CSV files")
    data = parse_json_bytes(_read_limited(path), str(path))
    return read_documents([(str(path), data)], str(path), taxonomy_map)


def _safe_name(path: Path) -> str:
    return repr(str(path).replace("\x00", "\\0"))[1:-1]


def _read_limited(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DirectoryError(f"{path}: {size:,} bytes is over the {MAX_FILE_BYTES // (1024 * 1024)} MB limit")
        return path.read_bytes()
    except OSError as error:
        raise DirectoryError(f"{path}: cannot read: {error.__class__.__name__}") from None


def parse_json_bytes(raw: bytes, where: str) -> Any:
    """JSON text → data, refusing what is not UTF-8, not JSON, or nested deeper than MAX_JSON_DEPTH."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DirectoryError(f"{where}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DirectoryError(f"{where}:{error.lineno}: bad JSON: {error.msg}") from None
    except RecursionError:
        raise DirectoryError(f"{where}: nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as error:  # e.g. an integer with too many digits
        raise DirectoryError(f"{where}: bad JSON: {error.__class__.__name__}") from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise DirectoryError(f"{where}: nested more than {MAX_JSON_DEPTH} levels deep")
    return data


def _depth(data: Any) -> int:
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_JSON_DEPTH:
            return level
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


# ---------------------------------------------------------------------------------------------
# JSON documents: every published shape
# ---------------------------------------------------------------------------------------------


def _is_organisation(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    if isinstance(item.get("services"), list):
        return True
    if "organization" in item or "organization_id" in item:
        return False
    return bool(_ORGANISATION_KEYS & set(item))


def split_document(data: Any, where: str) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """One parsed document → (services, organisations), each with where it came from. Services nested in
    an organisation get that organisation's id."""
    services: list[tuple[str, Any]] = []
    organisations: list[tuple[str, Any]] = []

    def take(item: Any, at: str, organisation: bool | None = None) -> None:
        if organisation or (organisation is None and _is_organisation(item)):
            organisations.append((at, item))
            nested = item.get("services") if isinstance(item, dict) else None
            if nested is None:
                return
            if not isinstance(nested, list):
                services.append((f"{at}.services", nested))
                return
            for index, service in enumerate(nested):
                if isinstance(service, dict) and not service.get("organization_id") and _text(item.get("id")):
                    service = {**service, "organization_id": item["id"]}
                services.append((f"{at}.services[{index}]", service))
        else:
            services.append((at, item))

    if isinstance(data, list):
        for index, item in enumerate(data):
            take(item, f"{where}: [{index}]")
    elif isinstance(data, dict) and "contents" in data:
        contents = data["contents"]
        if not isinstance(contents, list):
            raise DirectoryError(f"{where}: contents: expected a list")
        for index, item in enumerate(contents):
            take(item, f"{where}: contents[{index}]")
    elif isinstance(data, dict) and "id" not in data and ("services" in data or "organizations" in data):
        for key in ("organizations", "services"):
            value = data.get(key, [])
            if not isinstance(value, list):
                raise DirectoryError(f"{where}: {key}: expected a list")
            for index, item in enumerate(value):
                take(item, f"{where}: {key}[{index}]", organisation=key == "organizations")
    elif isinstance(data, dict) and "id" in data:
        take(data, f"{where}: " + ("organization" if _is_organisation(data) else "service"))
    else:
        raise DirectoryError(
            f"{where}: not HSDS: expected a service, an organisation, a list of them, or a page of results"
        )
    return services, organisations


def read_documents(documents: list[tuple[str, Any]], source: str, taxonomy_map: Any = None) -> ImportResult:
    """Parsed documents (a file, or every page of an API) → one directory, or DirectoryError with every
    problem."""
    services: list[tuple[str, Any]] = []
    organisations: list[tuple[str, Any]] = []
    for where, data in documents:
        found_services, found_orgs = split_document(data, where)
        services.extend(found_services)
        organisations.extend(found_orgs)
    return _build(services, organisations, source, taxonomy_map)


# ---------------------------------------------------------------------------------------------
# The tabular data package
# ---------------------------------------------------------------------------------------------


def _read_tabular(package: Path, taxonomy_map: Any) -> ImportResult:
    meta = parse_json_bytes(_read_limited(package), str(package))
    resources = meta.get("resources") if isinstance(meta, dict) else None
    if not isinstance(resources, list):
        raise DirectoryError(f"{package}: resources: expected a list of tables")
    tables: dict[str, tuple[Path, list[dict[str, str]]]] = {}
    problems: list[str] = []
    folder = package.parent.resolve()
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
            problems.append(f"{package}: resources[{index}]: path: missing")
            continue
        if "\x00" in resource["path"]:
            problems.append(f"{package}: resources[{index}]: path: contains a NUL character")
            continue
        name = str(resource.get("name") or Path(resource["path"]).stem)
        try:
            file = (package.parent / resource["path"]).resolve()
        except (OSError, ValueError, RuntimeError):
            problems.append(f"{package}: resources[{index}]: path: cannot be read")
            continue
        if folder not in file.parents:
            problems.append(f"{package}: resources[{index}]: path: must stay inside the package folder")
            continue
        if not file.is_file():
            problems.append(f"{package}: resources[{index}]: path: {resource['path']} does not exist")
            continue
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                problems.append(f"{file}: over the {MAX_FILE_BYTES // (1024 * 1024)} MB limit")
                continue
            with file.open(encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            problems.append(f"{file}: cannot read as CSV: {error.__class__.__name__}")
            continue
        tables[_table_key(name)] = (file, rows)
    if problems:
        raise DirectoryError(f"{package}: {len(problems)} problem(s)", problems)
    if "service" not in tables and "organization" not in tables:
        raise DirectoryError(f"{package}: no services table (a resource named service or services)")

    def rows_of(key: str) -> list[tuple[str, dict[str, str]]]:
        file, rows = tables.get(key, (package, []))
        # Row 1 is the header, so the first record is row 2, as a spreadsheet shows it.
        return [
            (f"{file}: row {i + 2}", {k: (v or "").strip() for k, v in row.items() if isinstance(k, str) and k})
            for i, row in enumerate(rows)
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
        attach(
            row.get("service_id", ""),
            "languages",
            {"id": row.get("id", ""), "name": row.get("name", ""), "code": row.get("code", "")},
        )
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
    for key in ("service_area", "language", "service_at_location"):
        for where, row in rows_of(key):
            if row.get("service_id") not in service_ids:
                problems.append(f"{where}: service_id: {row.get('service_id')!r} is not in services ({key})")
    records: list[tuple[str, Any]] = []
    for where, row in rows_of("service"):
        record: dict[str, Any] = {k: v for k, v in row.items() if v != ""}
        record.update(by_service.get(row.get("id", ""), {}))
        records.append((where, record))
    orgs = [(where, {k: v for k, v in row.items() if v != ""}) for where, row in rows_of("organization")]
    return _build(records, orgs, str(package), taxonomy_map, problems)


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


# ---------------------------------------------------------------------------------------------
# Records → our Directory
# ---------------------------------------------------------------------------------------------


def _build(
    records: list[tuple[str, Any]],
    raw_orgs: list[tuple[str, Any]],
    source: str,
    taxonomy_map: Any = None,
    earlier: list[str] | None = None,
) -> ImportResult:
    """Turn HSDS records into our Directory, collecting every problem (with any `earlier` ones from reading
    the tables) before failing, so one run lists everything to fix."""
    from oasys_diversity.rules import RulesError, load_rules

    if taxonomy_map is None:
        from oasys_diversity.taxonomy import TaxonomyError, TaxonomyMap, load_taxonomy_map

        try:
            taxonomy_map = load_taxonomy_map()
        except TaxonomyError:
            taxonomy_map = TaxonomyMap()
    try:
        vocabulary: set[str] | None = load_rules().need_ids()
    except RulesError:
        vocabulary = None
    problems: list[str] = list(earlier or [])
    left_out: list[str] = []
    organizations: dict[str, Organization] = {}

    def add_org(where: str, raw: Any) -> str | None:
        if not isinstance(raw, dict):
            problems.append(f"{where}: organization: expected an object")
            return None
        values: dict[str, Any] = {"id": _text(raw.get("id")), "name": _text(raw.get("name"))}
        if _text(raw.get("description")):
            values["description"] = _text(raw.get("description"))
        for key, raw_value, clean in (
            ("website", raw.get("website") or raw.get("url"), clean_url),
            ("email", raw.get("email"), clean_email),
        ):
            if _text(raw_value):
                try:
                    values[key] = clean(_text(raw_value))
                except ValueError as error:
                    left_out.append(f"{where}: organization.{key} left out: {error}")
        try:
            org = Organization(**values)
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
        org_id = _text(raw.get("organization_id"))
        if isinstance(raw.get("organization"), dict):
            org_id = add_org(where, raw["organization"]) or org_id
        if not org_id:
            problems.append(f"{where}: organization_id: missing (each service needs its organisation)")
            continue
        if org_id not in organizations:
            problems.append(f"{where}: organization_id: {org_id!r} is not in this feed's organisations")
            continue
        fields, field_problems, dropped = service_fields(raw, taxonomy_map)
        problems.extend(f"{where}: {p}" for p in field_problems)
        left_out.extend(f"{where}: {d}" for d in dropped)
        try:
            service = Service(organization_id=org_id, **fields)
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
    if not records and not organizations:
        problems.append(f"{source}: no services or organisations to import")
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"{source}: … and {len(problems) - len(shown)} more problem(s)")
        raise DirectoryError(f"{source}: {len(problems)} problem(s); nothing was imported", shown)
    directory = Directory(organizations=list(organizations.values()), services=services, source=source)
    return ImportResult(directory=directory, left_out=left_out)


def _text(value: Any) -> str:
    """A scalar as trimmed text ('' for None, lists and objects)."""
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value).strip()


_TEXT_FIELDS = (
    "id",
    "name",
    "description",
    "status",
    "application_process",
    "interpretation_services",
    "eligibility_description",
)


def service_fields(raw: dict[str, Any], taxonomy_map: Any) -> tuple[dict[str, Any], list[str], list[str]]:
    """HSDS service → (our Service fields, problems that stop it, values left out). Values are cleaned
    with the same rules `directory check` applies."""
    problems: list[str] = []
    dropped: list[str] = []
    fields: dict[str, Any] = {}
    for key in _TEXT_FIELDS:
        if _text(raw.get(key)):
            fields[key] = _text(raw.get(key))
    if "status" in fields:
        fields["status"] = fields["status"].lower()
    for key, clean in (("url", clean_url), ("email", clean_email), ("assurer_email", clean_email)):
        if _text(raw.get(key)):
            try:
                fields[key] = clean(_text(raw.get(key)))
            except ValueError as error:
                dropped.append(f"{key} left out: {error}")
    for key in ("minimum_age", "maximum_age"):
        value = raw.get(key)
        if value in (None, ""):
            continue
        try:
            fields[key] = float(value)
        except (TypeError, ValueError, OverflowError):
            problems.append(f"{key}: not a number")
    assured = raw.get("assured_date")
    if assured not in (None, ""):
        try:
            fields["assured_date"] = date.fromisoformat(str(assured)[:10])
        except ValueError:
            problems.append("assured_date: not a date (YYYY-MM-DD)")

    languages, unnamed = _languages(raw.get("languages"), problems)
    fields["languages"] = languages
    fields["unnamed_languages"] = unnamed
    areas, descriptions = _areas(raw, problems)
    fields["service_areas"] = areas
    if descriptions:
        fields["area_description"] = " ".join(descriptions)
    phones: list[str] = []
    for index, number in enumerate(_list(raw.get("phones"), "phones", problems)):
        text = _text(number.get("number")) if isinstance(number, dict) else _text(number)
        if not text:
            continue
        if isinstance(number, dict) and _text(number.get("extension")):
            text = f"{strip_quotes(text)} ext. {_text(number.get('extension'))}"
        try:
            cleaned = clean_phone(text)
        except ValueError as error:
            dropped.append(f"phones[{index}] left out: {error}")
            continue
        if cleaned not in phones:
            phones.append(cleaned)
    fields["phones"] = phones
    fields.update(_taxonomy_fields(raw, taxonomy_map, problems))
    return fields, problems, dropped


def _list(value: Any, key: str, problems: list[str]) -> list[Any]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        problems.append(f"{key}: expected a list")
        return []
    return value


def _languages(value: Any, problems: list[str]) -> tuple[list[str], list[str]]:
    """Language names (from `name`, else `code`); entries with only an id are kept aside to name locally."""
    names: list[str] = []
    unnamed: list[str] = []
    for item in _list(value, "languages", problems):
        if isinstance(item, str):
            name = item.strip()
        elif isinstance(item, dict):
            name = _text(item.get("name")) or _text(item.get("code"))
            if not name and _text(item.get("id")):
                unnamed.append(_text(item.get("id")))
                continue
        else:
            name = ""
        if name and name not in names:
            names.append(name)
    return names, unnamed


def _areas(raw: dict[str, Any], problems: list[str]) -> tuple[list[str], list[str]]:
    """Area names from service_areas and the locations' addresses; a sentence describing an area goes to
    the description, never the list of areas."""
    areas: list[str] = []
    descriptions: list[str] = []

    def add(text: str) -> None:
        text = " ".join(text.split())
        if not text:
            return
        if is_area_name(text):
            area = clean_area(text)
            if area not in areas:
                areas.append(area)
        elif text not in descriptions:
            descriptions.append(text)

    for item in _list(raw.get("service_areas"), "service_areas", problems):
        if isinstance(item, str):
            add(item)
        elif isinstance(item, dict):
            add(_text(item.get("name")) or _text(item.get("service_area")))
    for index, sal in enumerate(_list(raw.get("service_at_locations"), "service_at_locations", problems)):
        if not isinstance(sal, dict):
            problems.append(f"service_at_locations[{index}]: expected an object")
            continue
        location = sal.get("location")
        if not isinstance(location, dict):
            continue  # Open Referral UK may give only the id of the place: nothing to read here
        for address in _list(location.get("addresses"), f"service_at_locations[{index}].addresses", problems):
            if isinstance(address, dict):
                for key in ("city", "region"):
                    if _text(address.get(key)):
                        add(_text(address.get(key)))
    return areas, descriptions


def _taxonomy_fields(raw: dict[str, Any], taxonomy_map: Any, problems: list[str]) -> dict[str, Any]:
    """Our own extension terms (oasys-diversity/… taxonomies) and published terms mapped to need tags;
    published terms nobody has mapped are kept so `directory check` can list them."""
    extension: dict[str, list[str]] = {"needs": [], "genders": [], "faiths": [], "communities": []}
    unmapped: list[str] = []
    out: dict[str, Any] = {}
    terms: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for index, attribute in enumerate(_list(raw.get("attributes"), "attributes", problems)):
        if not isinstance(attribute, dict):
            problems.append(f"attributes[{index}]: expected an object")
            continue
        term = attribute.get("taxonomy_term")
        if isinstance(term, dict):
            terms.append((term, attribute))
        # An attribute with no term (Open Referral UK allows id and link_type only) says nothing to match on.
    for key in ("taxonomy_terms", "service_taxonomys"):  # other published spellings of the same link
        for item in _list(raw.get(key), key, problems):
            if isinstance(item, dict):
                term = item.get("taxonomy") if isinstance(item.get("taxonomy"), dict) else item
                terms.append((term, {}))
    for term, attribute in terms:
        taxonomy = term.get("taxonomy") or term.get("vocabulary")
        if isinstance(taxonomy, dict):
            taxonomy = taxonomy.get("name")
        if not taxonomy and isinstance(term.get("taxonomy_detail"), dict):
            taxonomy = term["taxonomy_detail"].get("name")
        code, name = _text(term.get("code")), _text(term.get("name"))
        target = _OUR_TAXONOMIES.get(_text(taxonomy))
        if target is not None:
            value = code or name
            if not value:
                problems.append(f"attributes: a term in {taxonomy} has no code")
                continue
            if value not in extension[target]:
                extension[target].append(value)
            if target == "communities" and attribute.get("link_type") == "eligibility":
                out["community_only"] = True
            continue
        needs = taxonomy_map.needs_for(name, code) if taxonomy_map is not None else []
        for need in needs:
            if need not in extension["needs"]:
                extension["needs"].append(need)
        label = name or code
        if not needs and label and label not in unmapped:
            unmapped.append(label)
    out.update(extension)
    out["unmapped_terms"] = unmapped
    return out
