"""The referral directory: the shipped example, matching, staleness, HSDS import (good and broken files)
and the `directory` commands."""

from __future__ import annotations

import re
import shutil
import tomllib
from datetime import date

import pytest
from planning_support import HSDS, TODAY, assessment, directory, person, plan_for, rules

from oasys_diversity.cli import main
from oasys_diversity.directory import (
    Directory,
    DirectoryError,
    Organization,
    PersonFacts,
    Service,
    check_directory,
    directory_to_toml,
    eligible,
    import_hsds,
    is_stale,
    load_directory,
    local_directory_path,
    match_services,
    resolve_directory_path,
    shipped_directory_path,
)


def one_org(*services: Service) -> Directory:
    return Directory(organizations=[Organization(id="org", name="Org")], services=list(services))


def service(service_id: str, **fields) -> Service:
    values = {"organization_id": "org", "name": service_id, "needs": ["mentoring"], "service_areas": ["Leeds"]}
    values.update(fields)
    return Service(id=service_id, **values)


# --- The shipped example directory --------------------------------------------------------------


def test_shipped_directory_is_clearly_an_example_without_invented_contacts():
    shipped = directory()
    assert "EXAMPLE" in shipped.note and "VERIFY LOCALLY" in shipped.note
    assert check_directory(shipped_directory_path()) == []
    assert len(shipped.services) >= 20
    for entry in shipped.services:
        assert shipped.is_example(entry), entry.id
        assert entry.name and entry.description and entry.needs and entry.service_areas
        assert not entry.phones and not entry.email and not entry.url, entry.id
        assert not re.search(r"\d{4,}", entry.contact or ""), entry.id  # no phone numbers
        assert "to be completed locally" in (entry.contact or "").lower(), entry.id
    for org in shipped.organizations:
        assert org.example and org.name.startswith("Example:"), org.id


def test_a_shipped_service_for_men_or_women_says_so_in_its_genders():
    # A service of a project for men (or women) without `genders` was offered to everyone: the young adults'
    # mentoring of the Birmingham project for Black men reached women as a further service.
    shipped = directory()
    organisations = {org.id: org for org in shipped.organizations}
    for entry in shipped.services:
        org = organisations[entry.organization_id]
        said = " ".join([org.name, org.description or "", entry.name, entry.eligibility_description or ""]).lower()
        if re.search(r"\bwomen\b", said) and "men and for women" not in said:
            assert entry.genders == ["woman"], entry.id
        elif re.search(r"\b(?:black |young )?men\b", said) and "men and for women" not in said:
            assert entry.genders == ["man"], entry.id
    young_men = next(s for s in shipped.services if s.id == "example-young-adults-birmingham")
    assert not eligible(young_men, PersonFacts(area="Birmingham", age=23, gender="woman"))
    assert eligible(young_men, PersonFacts(area="Birmingham", age=23, gender="man"))
    fullest = plan_for(person("fullest_somali_woman_birmingham"))
    offered = [r.id for r in fullest.referrals + fullest.further_referrals]
    assert offered and "example-young-adults-birmingham" not in offered


def test_shipped_directory_covers_what_the_inspection_named():
    shipped = directory()

    def has(need: str, area: str | None = None) -> bool:
        return any(need in s.needs and (area is None or s.serves_area(area) or s.national) for s in shipped.services)

    assert has("culturally_specific_mental_health", "Bradford")  # South Asian support in Yorkshire
    assert has("cultural_community", "Tower Hamlets")  # Bangladeshi community work
    assert has("womens_resettlement", "Bradford")  # Muslim women's resettlement
    assert has("womens_services", "Birmingham") and has("womens_services", "Lambeth")
    assert any(s.genders == ["man"] and s.serves_area("Birmingham") for s in shipped.services)  # Black men, Birmingham
    for need in ("interpreting", "immigration_advice", "refugee_mental_health", "hate_crime_reporting", "mentoring"):
        assert has(need), need
    assert any(s.national for s in shipped.services)


def test_every_need_a_shipped_rule_asks_for_has_an_example_service():
    emitted = {need for rule in rules().objectives for need in rule.needs}
    emitted |= {need for rule in rules().objectives for extra in rule.extra_needs for need in extra.needs}
    emitted |= {item.need for guard in rules().guards for item in guard.must if item.need}
    served = {need for entry in directory().services for need in entry.needs}
    assert emitted - served == set()
    # Low mood and help with reading can come up anywhere: there is a national example for each.
    for need in ("mental_health_support", "literacy_support"):
        assert any(need in s.needs and s.national for s in directory().services), need


def test_several_shipped_entries_are_stale_and_shown_not_hidden():
    shipped = directory()
    stale = [s for s in shipped.services if is_stale(s, TODAY)]
    assert len(stale) >= 5
    assert len(stale) < len(shipped.services)


# --- Where the directory comes from -------------------------------------------------------------


def test_the_local_directory_wins_over_the_shipped_example(tmp_path, monkeypatch):
    assert resolve_directory_path() == shipped_directory_path()
    local = local_directory_path()
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_text(directory_to_toml(one_org(service("mine"))), encoding="utf-8")
    assert resolve_directory_path() == local
    assert [s.id for s in load_directory().services] == ["mine"]
    monkeypatch.delenv("OASYS_DIVERSITY_HOME")
    assert local_directory_path().name == "directory.toml"  # then the user data directory


def test_writing_and_reading_back_keeps_every_field():
    written = directory_to_toml(directory())
    again = Directory.model_validate(tomllib.loads(written))
    assert [s.model_dump() for s in again.services] == [s.model_dump() for s in directory().services]
    assert again.note == directory().note


# --- Matching -----------------------------------------------------------------------------------


def test_matching_prefers_the_persons_area_then_national():
    listing = one_org(
        service("national", service_areas=["National"]),
        service("elsewhere", service_areas=["Bristol"]),
        service("local", service_areas=["Bradford and Calderdale"]),
    )
    assert [s.id for s in match_services(listing, "mentoring", PersonFacts(area="Bradford"))] == [
        "local",
        "national",
    ]
    assert [s.id for s in match_services(listing, "mentoring", PersonFacts())] == ["national"]


def test_matching_respects_gender_and_age_eligibility():
    women = service("women", genders=["woman"])
    young = service("young", minimum_age=18, maximum_age=25)
    listing = one_org(women, young)
    assert eligible(women, PersonFacts(gender="woman"))
    assert not eligible(women, PersonFacts(gender="man"))
    assert not eligible(women, PersonFacts(gender=None))
    assert eligible(young, PersonFacts(age=25))
    assert not eligible(young, PersonFacts(age=26))
    assert not eligible(young, PersonFacts(age=None))  # an unknown age never passes an upper limit
    assert [s.id for s in match_services(listing, "mentoring", PersonFacts(area="Leeds", age=40, gender="man"))] == []


def test_matching_ranks_language_faith_and_community_and_respects_community_only_services():
    plain = service("plain", assured_date=date(2026, 10, 1))
    urdu = service("urdu", languages=["English", "Urdu"], assured_date=date(2025, 1, 1))
    community = service("community", communities=["asian_pakistani"], community_only=True)
    listing = one_org(plain, urdu, community)
    speaker = PersonFacts(area="Leeds", languages=["Urdu (Mirpuri dialect)"], community="white_other")
    assert [s.id for s in match_services(listing, "mentoring", speaker, limit=3)] == ["urdu", "plain"]
    member = PersonFacts(area="Leeds", community="asian_pakistani")
    assert [s.id for s in match_services(listing, "mentoring", member, limit=3)][0] == "community"


def test_inactive_services_are_never_suggested():
    listing = one_org(service("closed", status="defunct"))
    assert match_services(listing, "mentoring", PersonFacts(area="Leeds")) == []


def test_staleness_is_over_twelve_months_before_the_plan_date():
    assert not is_stale(service("a", assured_date=date(2025, 11, 23)), TODAY)
    assert is_stale(service("b", assured_date=date(2025, 11, 22)), TODAY)
    assert is_stale(service("c"), TODAY)  # never checked


def test_a_plan_marks_stale_referrals_and_warns():
    # Her complaint's only service is stale, so it is in the plan, marked, with a warning. (A fresher service
    # is chosen where there is one: Bradford's stale women's centre is a further service for the woman there.)
    plan = plan_for(person("fullest_somali_woman_birmingham"))
    stale = [r for r in plan.referrals if r.stale]
    assert stale
    for referral in stale:
        assert any(referral.service in w and "over 12 months ago" in w for w in plan.warnings)
    assert any("shipped example directory" in w for w in plan.warnings)
    # A stale further service is marked too, but the officer need not act on it now: no warning names it.
    bradford = plan_for(person("bradford_woman_interpreter"))
    further = [r for r in bradford.further_referrals if r.stale]
    assert further and not any(r.service in w for r in further for w in bradford.warnings)


def test_person_facts_come_only_from_answers():
    facts = PersonFacts.from_answers(
        assessment({"person.gender": "woman", "person.age": 30, "language.first_language": "Sylheti"}).answers
    )
    assert facts.gender == "woman" and facts.age == 30 and facts.languages == ["Sylheti"]
    assert PersonFacts.from_answers(assessment({"person.gender": "declined"}).answers).gender is None


# --- HSDS import ---------------------------------------------------------------------------------


def test_import_hsds_json_reads_services_organisations_and_our_attributes():
    imported = import_hsds(HSDS / "services.json")
    by_id = {s.id: s for s in imported.services}
    mentoring = by_id["svc-leeds-young-adults"]
    assert mentoring.needs == ["mentoring", "young_adults"]  # a local taxonomy term is ignored
    assert mentoring.languages == ["English", "Polish"]
    assert (mentoring.minimum_age, mentoring.maximum_age) == (18, 25)
    assert imported.organisation_name(mentoring) == "Leeds young adults' project (fictional)"
    womens = by_id["svc-leeds-womens-centre"]
    assert womens.genders == ["woman"] and womens.serves_area("Leeds")  # area from the location's address
    national = by_id["svc-national-reporting"]
    assert national.national and national.contact_text() == "0113 496 0000"
    assert not any(imported.is_example(s) for s in imported.services)


def test_import_hsds_tabular_form_from_the_folder_or_the_datapackage():
    for path in (HSDS / "tabular", HSDS / "tabular" / "datapackage.json"):
        imported = import_hsds(path)
        by_id = {s.id: s for s in imported.services}
        esol = by_id["svc-sheff-esol"]
        assert esol.needs == ["english_classes", "volunteering"]
        assert esol.serves_area("Rotherham") and esol.serves_area("Sheffield")
        assert esol.languages == ["English", "Arabic"]
        assert by_id["svc-leeds-faith"].faiths == ["muslim"]
        assert by_id["svc-leeds-closed"].status == "defunct"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("broken_fields.json", ["services[1]: assured_date: not a date", "services[2]: name: Field required"]),
        ("broken_unknown_need.json", ["services[0]: attributes: unknown need tag 'housing_help'"]),
        ("broken_syntax.json", ["broken_syntax.json:78: bad JSON"]),
        (
            "tabular_broken",
            ["services.csv: row 3: assured_date: not a date", "attributes.csv: row 7: taxonomy_term_id: 't-99'"],
        ),
    ],
)
def test_broken_hsds_gives_clear_errors_naming_file_row_and_field(name, expected):
    with pytest.raises(DirectoryError) as caught:
        import_hsds(HSDS / name)
    joined = "\n".join(caught.value.problems)
    for fragment in expected:
        assert fragment in joined, joined


def test_broken_import_leaves_the_target_exactly_as_it_was(tmp_path, capsys):
    folder = tmp_path / "target"
    folder.mkdir()
    target = folder / "directory.toml"
    shutil.copy(shipped_directory_path(), target)
    before = target.read_bytes()
    for name in ("broken_fields.json", "broken_unknown_need.json", "broken_syntax.json", "tabular_broken"):
        assert main(["directory", "import", str(HSDS / name), "--into", str(target)]) == 1
        assert target.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["directory.toml"]  # no temporary files left
    err = capsys.readouterr().err
    assert "services[1]: assured_date" in err and "nothing was imported" in err
    missing = folder / "new.toml"
    assert main(["directory", "import", str(HSDS / "broken_fields.json"), "--into", str(missing)]) == 1
    assert not missing.exists()


def test_import_merges_into_the_target_and_the_result_checks_and_lists(tmp_path, capsys):
    target = tmp_path / "directory.toml"
    shutil.copy(shipped_directory_path(), target)
    assert main(["directory", "import", str(HSDS / "services.json"), "--into", str(target)]) == 0
    assert "imported 3 services from services.json" in capsys.readouterr().out
    assert main(["directory", "import", str(HSDS / "tabular"), "--into", str(target)]) == 0
    assert main(["directory", "import", str(HSDS / "services.json"), "--into", str(target)]) == 0
    assert "0 added, 0 changed, 3 unchanged, 0 withdrawn" in capsys.readouterr().out.splitlines()[-1]
    merged = load_directory(target)
    assert len(merged.services) == len(directory().services) + 6
    assert merged.note == directory().note
    assert main(["directory", "check", "--directory", str(target)]) == 0
    assert "directory OK" in capsys.readouterr().out
    assert main(["directory", "list", "--directory", str(target)]) == 0
    listing = capsys.readouterr().out
    assert "STALE" in listing and "[example]" in listing and "Peer mentoring for young adults" in listing


def test_import_into_the_local_directory_by_default(capsys):
    assert main(["directory", "import", str(HSDS / "services.json")]) == 0
    local = local_directory_path()
    assert local.exists()
    assert {s.id for s in load_directory().services} == {
        "svc-leeds-young-adults",
        "svc-leeds-womens-centre",
        "svc-national-reporting",
    }
    plan = plan_for(assessment({"person.gender": "woman", "person.area": "Leeds"}), listing=load_directory())
    assert [r.id for r in plan.referrals] == ["svc-leeds-womens-centre"]
    assert plan.referrals[0].stale


def test_directory_check_reports_problems_with_lines(tmp_path, capsys):
    broken = tmp_path / "directory.toml"
    broken.write_text(
        """note = "Test"

[[organizations]]
id = "org"
name = "Org"

[[services]]
id = "a"
organization_id = "org"
name = "A"
needs = ["mentoring"]
service_areas = ["Leeds"]
genders = ["women"]

[[services]]
id = "b"
organization_id = "nobody"
name = "B"
needs = ["not_a_need"]
""",
        encoding="utf-8",
    )
    problems = check_directory(broken)
    joined = "\n".join(problems)
    assert f"{broken}:7: service a: genders" in joined
    assert "organization_id 'nobody' is not in [[organizations]]" in joined
    assert main(["directory", "check", "--directory", str(broken)]) == 1
    assert "genders" in capsys.readouterr().out
    with pytest.raises(DirectoryError):
        load_directory(broken)
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("[[services]\n", encoding="utf-8")
    assert check_directory(bad_toml)[0].startswith(f"{bad_toml}:1: bad TOML")
