"""Published directories: HSDS 3.0 and Open Referral UK in every shape they publish, a council's API read
page by page from a local test server, the taxonomy map, values cleaned at the edge, and re-import keeping
the officer's local work."""

from __future__ import annotations

import json
import shutil
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planning_support import HSDS

from oasys_diversity.cli import main
from oasys_diversity.directory import (
    DirectoryError,
    PersonFacts,
    check_directory,
    directory_report,
    load_directory,
    match_services,
    write_directory,
)
from oasys_diversity.directory_values import clean_area, clean_email, clean_phone, clean_url, is_area_name
from oasys_diversity.hsds import import_hsds, read_documents, read_hsds_file
from oasys_diversity.taxonomy import check_taxonomy_map, load_taxonomy_map, shipped_taxonomy_map_path

STANDARDS = HSDS / "standards"


def by_id(directory):
    return {s.id: s for s in directory.services}


# --- Every published shape -----------------------------------------------------------------------


def test_an_organisation_with_its_services_nested_inside_it():
    result = read_hsds_file(STANDARDS / "organization_full.json")
    services = by_id(result.directory)
    assert set(services) == {"svc-krw-drop-in", "svc-krw-conversation-club"}
    for service in services.values():
        assert service.organization_id == "org-kirklees-refugee-welcome"  # inherited from the organisation
    drop_in = services["svc-krw-drop-in"]
    assert drop_in.phones == ["+44 1484 000001 ext. 12"]  # no literal quotes kept
    assert drop_in.service_areas == ["Kirklees"]  # the sentence is not an area name
    assert drop_in.area_description.startswith("The service is open to everyone living in Kirklees.")
    assert drop_in.needs == ["destitution_support"]  # two published terms, one need
    assert drop_in.languages == ["Arabic", "Kurdish (Sorani)", "English"]
    org = result.directory.organization("org-kirklees-refugee-welcome")
    assert org.email == "hello@example.org" and org.website == "https://www.example.org"
    assert services["svc-krw-conversation-club"].needs == ["english_classes"]


def test_a_single_service_with_its_organisation_nested():
    service = by_id(import_hsds(STANDARDS / "service_full.json"))["svc-calder-faith-befriending"]
    assert service.needs == ["faith_community", "mentoring"]
    assert service.unmapped_terms == ["Gardening"]
    assert service.service_areas == ["Calderdale", "Halifax", "West Yorkshire"]
    assert service.phones == ["01422 000000"] and service.minimum_age == 18


def test_a_paginated_list_of_services_and_one_of_organisations():
    services = by_id(import_hsds(STANDARDS / "service_list.json"))
    assert services["svc-wakefield-victims"].needs == ["victim_support"]
    assert services["svc-wakefield-interpreting"].needs == ["interpreting"]  # '&' and 'and' are the same
    organisations = import_hsds(STANDARDS / "organization_list.json")
    assert {o.id for o in organisations.organizations} == {"org-leeds-sikh-welfare", "org-leeds-mentors"}
    assert by_id(organisations)["svc-leeds-mentors-18-25"].organization_id == "org-leeds-mentors"


def test_an_open_referral_uk_service_with_id_only_languages_and_locations():
    result = read_hsds_file(STANDARDS / "oruk_service_full.json")
    service = by_id(result.directory)["svc-bradford-womens-wellbeing"]
    assert service.languages == [] and service.unnamed_languages == ["lang-b-1", "lang-b-2"]
    assert service.service_areas == [] and "Bradford district" in service.area_description
    assert service.url == "https://example.org/women"
    assert service.email is None
    assert any("email left out: not an email address" in line for line in result.left_out)
    problems, to_tag = directory_report(STANDARDS / "oruk_service_full.json")
    assert problems == []
    joined = "\n".join(to_tag)
    assert "no need tags" in joined and "no area" in joined and "2 language(s) by id only" in joined


@pytest.mark.parametrize(
    "name",
    [
        "standards/organization_full.json",
        "standards/service_full.json",
        "standards/service_list.json",
        "standards/organization_list.json",
        "standards/oruk_service_full.json",
        "services.json",
        "tabular",
    ],
)
def test_anything_import_accepts_check_accepts(name, tmp_path, capsys):
    target = tmp_path / "directory.toml"
    assert main(["directory", "import", str(HSDS / name), "--into", str(target)]) == 0
    assert check_directory(target) == []
    assert main(["directory", "check", "--directory", str(target)]) == 0
    assert "directory OK" in capsys.readouterr().out


def test_check_lists_what_to_tag_locally_and_the_terms_nobody_mapped(tmp_path, capsys):
    target = tmp_path / "directory.toml"
    assert main(["directory", "import", str(STANDARDS / "oruk_service_full.json"), "--into", str(target)]) == 0
    out = capsys.readouterr().out
    assert "email left out" in out and "to tag locally" in out
    assert main(["directory", "check", "--directory", str(target)]) == 0
    out = capsys.readouterr().out
    assert "To tag locally (3)" in out and "svc-bradford-womens-wellbeing" in out


# --- Bad files: one line each, nothing written -----------------------------------------------------


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"service_at_locations": True}, "service_at_locations: expected a list"),
        ({"languages": "Urdu"}, "languages: expected a list"),
        ({"attributes": {"id": "x"}}, "attributes: expected a list"),
        ({"minimum_age": "eighteen"}, "minimum_age: not a number"),
        ({"name": ""}, "name: Field required"),
    ],
)
def test_a_broken_field_is_named_and_nothing_is_written(change, expected, tmp_path, capsys):
    service = json.loads((STANDARDS / "service_full.json").read_text(encoding="utf-8"))
    service.update(change)
    if change.get("name") == "":
        del service["name"]
    broken = write_json(tmp_path / "broken.json", service)
    target = tmp_path / "directory.toml"
    assert main(["directory", "import", str(broken), "--into", str(target)]) == 1
    assert expected in capsys.readouterr().err
    assert not target.exists()
    assert any(expected in line for line in check_directory(broken))  # check refuses what import refuses


def test_deep_nesting_and_a_nul_in_a_package_path_are_refused_in_one_line(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(DirectoryError) as caught:
        import_hsds(deep)
    assert "nested more than" in caught.value.problems[0]
    package = tmp_path / "package"
    package.mkdir()
    write_json(package / "datapackage.json", {"resources": [{"name": "services", "path": "services\x00.csv"}]})
    with pytest.raises(DirectoryError) as caught:
        import_hsds(package)
    assert "contains a NUL character" in caught.value.problems[0]
    outside = tmp_path / "escape"
    outside.mkdir()
    write_json(outside / "datapackage.json", {"resources": [{"name": "services", "path": "../deep.json"}]})
    with pytest.raises(DirectoryError) as caught:
        import_hsds(outside)
    assert "must stay inside the package folder" in caught.value.problems[0]


def test_a_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    import oasys_diversity.hsds as hsds

    monkeypatch.setattr(hsds, "MAX_FILE_BYTES", 100)
    with pytest.raises(DirectoryError) as caught:
        import_hsds(STANDARDS / "service_full.json")
    assert "over the 0 MB limit" in caught.value.problems[0] or "bytes is over" in caught.value.problems[0]


# --- Values cleaned at the edge ---------------------------------------------------------------------


def test_values_are_cleaned_with_one_set_of_rules():
    assert clean_phone('"+44 1234 234567"') == "+44 1234 234567"
    assert clean_phone("“0113 496 0000”") == "0113 496 0000"
    assert clean_phone("tel:0113 496 0000 ext 4") == "0113 496 0000 ext. 4"
    for bad in ("call us", "12", "+44 (0)"):
        with pytest.raises(ValueError):
            clean_phone(bad)
    assert clean_email(" 'mailto:a.b@example.org' ") == "a.b@example.org"
    with pytest.raises(ValueError):
        clean_email("a.b at example.org")
    assert clean_url("example.org/path") == "https://example.org/path"
    with pytest.raises(ValueError):
        clean_url("javascript:alert(1)")
    assert clean_area(" 'West  Yorkshire' ") == "West Yorkshire"
    assert is_area_name("England and Wales")
    assert not is_area_name("Anyone who lives in Leeds. Call first.")


def test_a_hand_written_directory_is_held_to_the_same_rules(tmp_path):
    broken = tmp_path / "directory.toml"
    broken.write_text(
        """[[organizations]]
id = "org"
name = "Org"

[[services]]
id = "a"
organization_id = "org"
name = "A"
needs = ["mentoring"]
service_areas = ["Everyone who lives in Leeds and can get to us. Ring first."]
phones = ["ring reception"]
""",
        encoding="utf-8",
    )
    joined = "\n".join(check_directory(broken))
    assert "phones" in joined and "not a phone number" in joined
    broken.write_text(broken.read_text(encoding="utf-8").replace('phones = ["ring reception"]\n', ""), "utf-8")
    assert check_directory(broken) == []
    service = load_directory(broken).service("a")  # a sentence is kept as the description, never as a place
    assert service.service_areas == [] and service.area_description.startswith("Everyone who lives in Leeds")


# --- The taxonomy map --------------------------------------------------------------------------------


def test_the_shipped_taxonomy_map_covers_what_matters_and_checks_clean():
    from oasys_diversity.rules import load_rules

    needs = load_rules().need_ids()
    assert check_taxonomy_map(shipped_taxonomy_map_path(), needs) == []
    mapped = {entry.need for entry in load_taxonomy_map().mapping}
    for need in (
        "faith_community",
        "destitution_support",
        "immigration_advice",
        "interpreting",
        "victim_support",
        "womens_services",
        "mental_health_support",
        "mentoring",
        "hate_crime_reporting",
        "young_adults",
        "cultural_community",
    ):
        assert need in mapped, need
    assert load_taxonomy_map().source


def test_a_broken_taxonomy_map_is_reported_by_questions_check_with_its_line(tmp_path, capsys):
    bank = tmp_path / "bank"
    shutil.copytree(Path(shipped_taxonomy_map_path()).parent.parent, bank)
    (bank / "directory" / "taxonomy_map.toml").write_text(
        '[[mapping]]\nneed = "faith_community"\nterms = ["Faith groups"]\n\n[[mapping]]\nneed = "gardening"\n'
        'terms = ["Allotments"]\n',
        encoding="utf-8",
    )
    assert main(["questions", "check", str(bank)]) == 1
    out = capsys.readouterr()
    assert "taxonomy_map.toml:5: unknown need tag 'gardening'" in out.out + out.err


# --- Re-import keeps local work --------------------------------------------------------------------


def feed_version(services: list[dict]) -> dict:
    return {"organizations": [{"id": "org-f", "name": "Feed org (fictional)"}], "services": services}


def feed_service(service_id: str, **fields) -> dict:
    values = {
        "id": service_id,
        "organization_id": "org-f",
        "name": f"Service {service_id}",
        "status": "active",
        "assured_date": "2026-01-10",
        "service_areas": [{"name": "Leeds"}],
        "attributes": [{"taxonomy_term": {"name": "Mentoring", "taxonomy": "esdServiceTypes"}}],
    }
    values.update(fields)
    return values


def test_a_newer_feed_updates_by_id_keeps_local_work_and_marks_what_left(tmp_path, capsys):
    target = tmp_path / "directory.toml"
    first = write_json(tmp_path / "council.json", feed_version([feed_service("a"), feed_service("b")]))
    assert main(["directory", "import", str(first), "--into", str(target), "--feed", "leeds"]) == 0
    assert "2 added, 0 changed, 0 unchanged, 0 withdrawn" in capsys.readouterr().out
    # The officer's local work on entry a.
    local = load_directory(target)
    a = local.service("a")
    local.services[local.services.index(a)] = a.model_copy(
        update={
            "needs": [*a.needs, "young_adults"],
            "local_note": "Ask for Sam; they run the Tuesday group.",
            "contact": "Referral form on the shared drive",
            "assured_date": date(2026, 11, 2),
            "faiths": ["sikh"],
        }
    )
    write_directory(local, target)
    second = write_json(
        tmp_path / "council-2.json",
        feed_version(
            [
                feed_service("a", name="Mentoring (renamed)", description="Now on Saturdays too."),
                feed_service("c"),
            ]
        ),
    )
    assert main(["directory", "import", str(second), "--into", str(target), "--feed", "leeds"]) == 0
    out = capsys.readouterr().out
    assert "1 added, 1 changed, 0 unchanged, 1 withdrawn" in out and "withdrawn" in out and ": b" in out
    merged = load_directory(target)
    a = merged.service("a")
    assert a.name == "Mentoring (renamed)" and a.description == "Now on Saturdays too."  # the feed's words
    assert a.needs == ["mentoring", "young_adults"]  # the officer's tag kept
    assert a.local_note == "Ask for Sam; they run the Tuesday group."
    assert a.contact == "Referral form on the shared drive" and a.faiths == ["sikh"]
    assert a.assured_date == date(2026, 11, 2)  # the later check is kept
    b = merged.service("b")
    assert b is not None and b.withdrawn_on == date.today()  # kept, never deleted
    person = PersonFacts(area="Leeds", age=30)
    assert "b" not in {s.id for s in match_services(merged, "mentoring", person, limit=5)}
    assert main(["directory", "list", "--directory", str(target)]) == 0
    assert "[withdrawn" in capsys.readouterr().out
    # The same feed again: nothing changes, nothing is withdrawn twice.
    assert main(["directory", "import", str(second), "--into", str(target), "--feed", "leeds"]) == 0
    assert "0 added, 0 changed, 2 unchanged, 0 withdrawn" in capsys.readouterr().out
    # Entries from another feed are never withdrawn by this one.
    other = write_json(tmp_path / "other.json", feed_version([feed_service("z")]))
    assert main(["directory", "import", str(other), "--into", str(target), "--feed", "bradford"]) == 0
    assert load_directory(target).service("c").withdrawn_on is None


# --- A council's API, served from this machine --------------------------------------------------------


class FakeCouncil:
    """A local HTTP server answering `/api/services?page=N` from a table of pages."""

    def __init__(self) -> None:
        self.pages: dict[int, tuple[int, bytes, float]] = {}
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server name)
                owner.requests.append(self.path)
                query = parse_qs(urlsplit(self.path).query)
                page = int(query.get("page", ["1"])[0])
                status, body, delay = owner.pages.get(page, (404, b"{}", 0.0))
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api"

    def page(self, number: int, services: list[dict], total_pages: int, status: int = 200, delay: float = 0.0):
        body = {
            "total_items": total_pages * len(services),
            "total_pages": total_pages,
            "page_number": number,
            "size": len(services),
            "first_page": number == 1,
            "last_page": number == total_pages,
            "empty": not services,
            "contents": services,
        }
        self.pages[number] = (status, json.dumps(body).encode(), delay)


@pytest.fixture
def council():
    fake = FakeCouncil()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def api_service(service_id: str) -> dict:
    return {**feed_service(service_id), "organization": {"id": "org-api", "name": "API org (fictional)"}}


def test_an_api_is_read_page_by_page_then_written_once(council, tmp_path, capsys):
    for number in (1, 2, 3):
        council.page(number, [api_service(f"s{number}a"), api_service(f"s{number}b")], total_pages=3)
    target = tmp_path / "directory.toml"
    assert main(["directory", "import", council.url, "--allow-http", "--into", str(target)]) == 0
    assert "6 added" in capsys.readouterr().out
    assert len(load_directory(target).services) == 6
    assert [r.split("?")[0] for r in council.requests] == ["/api/services"] * 3
    assert all(load_directory(target).service("s2a").feed.startswith("http://127.0.0.1") for _ in [0])


def test_plain_http_needs_allowing(council, tmp_path, capsys):
    council.page(1, [api_service("s1")], total_pages=1)
    target = tmp_path / "directory.toml"
    assert main(["directory", "import", council.url, "--into", str(target)]) == 1
    assert "only https is used" in capsys.readouterr().err
    assert council.requests == [] and not target.exists()


@pytest.mark.parametrize("trouble", ["slow", "oversize", "broken", "server error", "endless"])
def test_a_bad_page_means_nothing_is_written(trouble, council, tmp_path, capsys):
    council.page(1, [api_service("s1")], total_pages=3)
    council.page(2, [api_service("s2")], total_pages=3)
    council.page(3, [api_service("s3")], total_pages=3)
    extra: list[str] = []
    if trouble == "slow":
        council.page(2, [api_service("s2")], total_pages=3, delay=2.0)
        extra = ["--timeout", "0.3"]
    elif trouble == "oversize":
        council.page(2, [api_service(f"s2-{i}") for i in range(200)], total_pages=3)
        extra = ["--max-bytes", "5000"]
    elif trouble == "broken":
        council.pages[2] = (200, b'{"contents": [', 0.0)
    elif trouble == "server error":
        council.page(2, [], total_pages=3, status=500)
    elif trouble == "endless":
        for number in (1, 2, 3):
            council.page(number, [api_service(f"e{number}")], total_pages=99)
        extra = ["--max-pages", "3"]
    folder = tmp_path / "local"
    folder.mkdir()
    target = folder / "directory.toml"
    target.write_text('note = "Mine"\n', encoding="utf-8")
    before = target.read_bytes()
    assert main(["directory", "import", council.url, "--allow-http", "--into", str(target), *extra]) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err or "bad JSON" in err
    assert "page" in err
    assert target.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["directory.toml"]  # no temporary file left


# --- Property: import and check agree ----------------------------------------------------------------

_words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=0, max_size=40)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(_words, min_size=1, max_size=4),
    areas=st.lists(_words, max_size=3),
    phones=st.lists(st.one_of(_words, st.from_regex(r"\A\+?[0-9 ]{6,14}\Z")), max_size=2),
    email=_words,
    url=_words,
    languages=st.lists(st.one_of(_words, st.fixed_dictionaries({"id": st.just("x")})), max_size=3),
)
def test_whatever_import_accepts_check_accepts(tmp_path, names, areas, phones, email, url, languages):
    services = [
        {
            "id": f"svc-{index}",
            "name": name or "unnamed",
            "organization": {"id": "org", "name": "Org"},
            "service_areas": [{"name": area} for area in areas],
            "phones": [{"number": phone} for phone in phones],
            "email": email,
            "url": url,
            "languages": [{"name": lang} if isinstance(lang, str) else lang for lang in languages],
        }
        for index, name in enumerate(names)
    ]
    try:
        result = read_documents([("generated", {"services": services})], "generated")
    except DirectoryError:
        return  # refused: nothing to check
    target = tmp_path / "generated.toml"
    write_directory(result.directory, target)
    assert check_directory(target) == []
