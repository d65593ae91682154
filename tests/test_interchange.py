"""The assessment interchange file: JSON or TOML in, every problem at once, the same data out again."""

from __future__ import annotations

import json
import stat
import tomllib
from datetime import date
from pathlib import Path

import pytest

from oasys_diversity.bank import load_bank
from oasys_diversity.interchange import (
    InterchangeError,
    assessment_to_dict,
    parse_assessment,
    read_assessment_file,
    to_toml,
    write_assessment_file,
)
from oasys_diversity.model import ASSESSMENT_FORMAT, Answer, Assessment, Case

BANK_DIR = Path(__file__).parent / "fixtures" / "banks" / "valid"
# Words that stand in for a person's own account: they must never appear in an error message.
PRIVATE = "My uncle was attacked outside the mosque in 2019"


@pytest.fixture(scope="module")
def bank():
    return load_bank(BANK_DIR)


def good_data() -> dict:
    return {
        "format": ASSESSMENT_FORMAT,
        "case": {"reference": "X123456", "name": "Sam Example", "officer": "J. Officer", "assessed_on": "2025-03-14"},
        "answers": {
            "person.preferred_name": {"status": "answered", "value": "Sam"},
            "person.age": {"status": "answered", "value": 34},
            "faith.religion": {"status": "answered", "value": "muslim", "note": "Prays at the local mosque"},
            "faith.practice_needs": {"status": "answered", "value": ["prayer_times", "fasting"]},
            "discrimination.experiences": {"status": "answered", "value": []},
            "immigration.status": {"status": "declined"},
            "immigration.next_date": {"status": "answered", "value": "2025-06-02"},
            "language.interpreter_needed": {"status": "answered", "value": "no"},
            "culture.reconnect": {"status": "not_applicable", "note": "No ties to reconnect with"},
            "trauma.experiences": {"status": "not_discussed"},
        },
    }


def problems_of(data, bank) -> list[str]:
    with pytest.raises(InterchangeError) as caught:
        parse_assessment(data, bank)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


# ---------------------------------------------------------------------------------------------
# Good files
# ---------------------------------------------------------------------------------------------


def test_parse_good_data(bank):
    assessment = parse_assessment(good_data(), bank)
    assert assessment.case == Case(
        reference="X123456", name="Sam Example", officer="J. Officer", assessed_on=date(2025, 3, 14)
    )
    assert assessment.value("person.age") == 34
    assert assessment.value("faith.practice_needs") == ["prayer_times", "fasting"]
    assert assessment.answer("faith.religion").note == "Prays at the local mosque"
    assert assessment.status("immigration.status") == "declined"
    assert assessment.value("immigration.status") is None
    assert assessment.status("culture.reconnect") == "not_applicable"
    # Discussed with nothing to add is an answer; silence is not.
    assert assessment.status("discrimination.experiences") == "answered"
    assert assessment.value("discrimination.experiences") == []
    # Absent, or written out as not_discussed: the same thing, and not stored as an answer.
    assert assessment.status("person.gender") == "not_discussed"
    assert assessment.status("trauma.experiences") == "not_discussed"
    assert "trauma.experiences" not in assessment.answers


def test_json_and_toml_files_read_the_same(bank, tmp_path):
    as_json = tmp_path / "a.json"
    as_json.write_text(json.dumps(good_data()), encoding="utf-8")
    as_toml = tmp_path / "a.toml"
    as_toml.write_text(
        """format = "oasys-diversity/assessment@1"

[case]
reference = "X123456"
name = "Sam Example"
officer = "J. Officer"
assessed_on = 2025-03-14   # a TOML date; a quoted "2025-03-14" works too

[answers."person.preferred_name"]
status = "answered"
value = "Sam"

[answers."person.age"]
status = "answered"
value = 34

[answers."faith.religion"]
status = "answered"
value = "muslim"
note = "Prays at the local mosque"

[answers."faith.practice_needs"]
status = "answered"
value = ["prayer_times", "fasting"]

[answers."discrimination.experiences"]
status = "answered"
value = []

[answers."immigration.status"]
status = "declined"

[answers."immigration.next_date"]
status = "answered"
value = 2025-06-02

[answers."language.interpreter_needed"]
status = "answered"
value = "no"

[answers."culture.reconnect"]
status = "not_applicable"
note = "No ties to reconnect with"

[answers."trauma.experiences"]
status = "not_discussed"
""",
        encoding="utf-8",
    )
    assert (
        read_assessment_file(as_json, bank)
        == read_assessment_file(as_toml, bank)
        == parse_assessment(good_data(), bank)
    )


def test_extra_top_level_keys_are_ignored(bank):
    data = good_data() | {"plan": {"objectives": []}, "exported_at": "2025-03-15T10:00:00Z"}
    assert parse_assessment(data, bank) == parse_assessment(good_data(), bank)


def test_empty_answers_means_nothing_discussed_yet(bank):
    data = good_data() | {"answers": {}}
    assessment = parse_assessment(data, bank)
    assert assessment.answers == {}
    assert all(assessment.status(q.id) == "not_discussed" for q in bank.questions)


def test_a_byte_order_mark_is_tolerated(bank, tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(good_data()).encode("utf-8"))
    assert read_assessment_file(path, bank).case.reference == "X123456"


# ---------------------------------------------------------------------------------------------
# Rejections: each names the question id or field, never the text
# ---------------------------------------------------------------------------------------------


def with_answer(qid: str, entry) -> dict:
    data = good_data()
    data["answers"] = {qid: entry}
    return data


@pytest.mark.parametrize(
    ("qid", "entry", "expected"),
    [
        (
            "immigration.status",
            {"status": "declined", "value": "refugee"},
            "immigration.status: a declined answer carries no value",
        ),
        (
            "culture.reconnect",
            {"status": "not_applicable", "value": "no"},
            "culture.reconnect: a not_applicable answer carries no value",
        ),
        (
            "faith.religion",
            {"status": "not_discussed", "value": "sikh"},
            "faith.religion: a not_discussed answer carries no value",
        ),
        (
            "faith.denomination",
            {"status": "answered", "value": "x"},
            "answers: unknown question id 'faith.denomination'",
        ),
        (
            "faith.religion",
            {"status": "answered", "value": "pastafarian"},
            "faith.religion: unknown code 'pastafarian'; expected one of no_religion, christian, buddhist, hindu, "
            "jewish, muslim, sikh, other",
        ),
        (
            "faith.practice_needs",
            {"status": "answered", "value": ["diet", "singing"]},
            "faith.practice_needs: unknown code 'singing'",
        ),
        (
            "faith.practice_needs",
            {"status": "answered", "value": "diet"},
            "faith.practice_needs: expected a list of codes",
        ),
        ("person.age", {"status": "answered", "value": "thirty"}, "person.age: expected a number"),
        ("person.age", {"status": "answered", "value": True}, "person.age: expected a number"),
        ("person.age", {"status": "answered", "value": 7}, "person.age: must be at least 10"),
        ("person.preferred_name", {"status": "answered", "value": 12}, "person.preferred_name: expected text"),
        (
            "immigration.next_date",
            {"status": "answered", "value": "14/03/2025"},
            "immigration.next_date: expected a date as YYYY-MM-DD",
        ),
        ("faith.religion", {"status": "answered"}, "faith.religion: an answered question needs a value"),
        ("faith.religion", {"status": "answered", "value": None}, "faith.religion: an answered question needs a value"),
        (
            "faith.religion",
            {"value": "muslim"},
            "faith.religion: missing status (answered, declined, not_discussed, not_applicable)",
        ),
        (
            "faith.religion",
            {"status": "no_issues"},
            "faith.religion: 'no_issues' is not a status; use one of answered, declined, not_discussed, not_applicable",
        ),
        (
            "faith.religion",
            {"status": "answered", "value": "muslim", "notes": "typo"},
            "faith.religion: unknown field 'notes'; expected status, value, note",
        ),
        ("faith.religion", {"status": "declined", "note": 5}, "faith.religion: note must be text"),
        ("faith.religion", "muslim", "faith.religion: must be an object (a table) with a status"),
    ],
)
def test_each_rejection_names_the_question(bank, qid, entry, expected):
    assert problems_of(with_answer(qid, entry), bank) == [expected]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"case": None}, "case: missing; it needs reference, name, officer, assessed_on"),
        ({"case": "X123"}, "case: must be an object (a table) with reference, name, officer, assessed_on"),
        ({"answers": None}, "answers: missing; use an empty object (table) when nothing has been discussed yet"),
        ({"answers": []}, "answers: must be an object (a table) keyed by question id"),
    ],
)
def test_missing_or_malformed_sections(bank, change, expected):
    data = good_data() | change
    data = {k: v for k, v in data.items() if v is not None}
    assert problems_of(data, bank) == [expected]


@pytest.mark.parametrize(
    ("case_change", "expected"),
    [
        ({"name": "   "}, "case.name: must not be blank"),
        ({"name": 42}, "case.name: must be text"),
        ({"officer": None}, "case.officer: is missing"),
        ({"assessed_on": "14 March"}, "case.assessed_on: must be a date (YYYY-MM-DD)"),
        ({"id": 7}, "case: unknown field 'id'; expected reference, name, officer, assessed_on"),
    ],
)
def test_case_fields(bank, case_change, expected):
    data = good_data()
    data["case"] = {k: v for k, v in (data["case"] | case_change).items() if v is not None}
    assert problems_of(data, bank) == [expected]


def test_every_problem_is_reported_at_once(bank):
    data = good_data()
    data["case"]["assessed_on"] = "yesterday"
    data["answers"]["faith.religion"] = {"status": "declined", "value": "muslim"}
    data["answers"]["person.age"] = {"status": "answered", "value": "old"}
    data["answers"]["no.such_question"] = {"status": "declined"}
    assert problems_of(data, bank) == [
        "case.assessed_on: must be a date (YYYY-MM-DD)",
        "person.age: expected a number",
        "faith.religion: a declined answer carries no value",
        "answers: unknown question id 'no.such_question'",
    ]


def test_free_text_is_never_echoed(bank):
    data = good_data()
    data["case"]["name"] = 3.5
    data["answers"] = {
        "faith.religion": {"status": "answered", "value": PRIVATE},
        "faith.practice_needs": {"status": "answered", "value": ["diet", PRIVATE]},
        "culture.reconnect": {"status": PRIVATE},
        PRIVATE: {"status": "answered", "value": PRIVATE},
        "person.gender": {"status": "answered", "value": "woman", PRIVATE: "x"},
    }
    problems = problems_of(data, bank)
    assert len(problems) == 6
    assert all("uncle" not in line and "mosque" not in line for line in problems)
    assert "3.5" not in "\n".join(problems)
    assert problems == [
        "case.name: must be text",
        "faith.religion: the value is not one of its codes; expected one of no_religion, christian, buddhist, hindu, "
        "jewish, muslim, sikh, other",
        "faith.practice_needs: a value in the list is not one of its codes; expected one of prayer_times, holy_days, "
        "fasting, diet, place_of_worship",
        "culture.reconnect: the status must be one of answered, declined, not_discussed, not_applicable",
        "answers: unknown question id (a key that is not a question id or field name)",
        "person.gender: unknown field (a key that is not a question id or field name); expected status, value, note",
    ]


# ---------------------------------------------------------------------------------------------
# Format versions
# ---------------------------------------------------------------------------------------------


def test_missing_format_names_the_expected_one_and_goes_on_checking(bank):
    data = good_data()
    del data["format"]
    data["answers"]["person.age"] = {"status": "answered", "value": "old"}
    assert problems_of(data, bank) == [
        "format: missing; expected 'oasys-diversity/assessment@1'",
        "person.age: expected a number",
    ]


def test_unknown_format(bank):
    assert problems_of(good_data() | {"format": "hsds/service@3"}, bank) == [
        "format: 'hsds/service@3' is not an assessment interchange file; expected 'oasys-diversity/assessment@1'"
    ]


def test_a_newer_format_says_so_and_nothing_else(bank):
    data = good_data() | {"format": "oasys-diversity/assessment@2", "answers": {"new.shape": []}}
    assert problems_of(data, bank) == [
        "format: 'oasys-diversity/assessment@2' was made by a newer version of oasys-diversity; "
        "this version reads 'oasys-diversity/assessment@1' (update oasys-diversity to import it)"
    ]


def test_not_an_object(bank):
    assert problems_of([good_data()], bank) == ["the file must hold one object (a table) with format, case and answers"]


# ---------------------------------------------------------------------------------------------
# Reading files: one clear line each
# ---------------------------------------------------------------------------------------------


def test_missing_file(bank, tmp_path):
    path = tmp_path / "nowhere.json"
    with pytest.raises(InterchangeError) as caught:
        read_assessment_file(path, bank)
    assert caught.value.problems == [f"{path}: no such file"]


def test_bad_json_gives_the_line(bank, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "format": "oasys-diversity/assessment@1",\n  "case": {,\n}\n', encoding="utf-8")
    with pytest.raises(InterchangeError) as caught:
        read_assessment_file(path, bank)
    assert caught.value.problems == [
        f"{path}:3: not valid JSON: Expecting property name enclosed in double quotes (column 12)"
    ]


def test_bad_toml_gives_the_line(bank, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('format = "oasys-diversity/assessment@1"\n\n[case]\nname = = "x"\n', encoding="utf-8")
    with pytest.raises(InterchangeError) as caught:
        read_assessment_file(path, bank)
    (line,) = caught.value.problems
    assert line.startswith(f"{path}:4: not valid TOML: ")


def test_other_suffixes_and_folders(bank, tmp_path):
    for path, expected in [
        (tmp_path / "a.yaml", "use a .json or .toml file (an assessment interchange file)"),
        (tmp_path, "use a .json or .toml file (an assessment interchange file)"),
    ]:
        with pytest.raises(InterchangeError) as caught:
            read_assessment_file(path, bank)
        assert caught.value.problems == [f"{path}: {expected}"]
    folder = tmp_path / "looks_like.json"
    folder.mkdir()
    with pytest.raises(InterchangeError) as caught:
        read_assessment_file(folder, bank)
    assert caught.value.problems == [f"{folder}: is a folder, not a file"]


def test_problems_in_a_file_start_with_its_path(bank, tmp_path):
    path = tmp_path / "a.json"
    path.write_text(
        json.dumps(with_answer("faith.religion", {"status": "declined", "value": "muslim"})), encoding="utf-8"
    )
    with pytest.raises(InterchangeError) as caught:
        read_assessment_file(path, bank)
    assert caught.value.problems == [f"{path}: faith.religion: a declined answer carries no value"]


def test_a_toml_datetime_is_not_a_date(bank, tmp_path):
    path = tmp_path / "a.toml"
    text = to_toml(good_data()).replace("assessed_on = 2025-03-14", "assessed_on = 2025-03-14T09:30:00")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InterchangeError) as caught:
        read_assessment_file(path, bank)
    assert caught.value.problems == [f"{path}: case.assessed_on: must be a date (YYYY-MM-DD), without a time"]


# ---------------------------------------------------------------------------------------------
# Writing and the round trip
# ---------------------------------------------------------------------------------------------


def tricky_assessment() -> Assessment:
    words = 'She said: "I\'m not sure" \\ then\n\tpaused — ünïcödé, 中文, emoji 🙂, bell \x07 and del \x7f'
    answers = {
        "person.preferred_name": Answer(question_id="person.preferred_name", status="answered", value=words),
        "person.age": Answer(question_id="person.age", status="answered", value=41.5),
        "faith.practice_needs": Answer(question_id="faith.practice_needs", status="answered", value=[]),
        "discrimination.experiences": Answer(
            question_id="discrimination.experiences", status="answered", value=["police", "courts"], note=words
        ),
        "immigration.status": Answer(question_id="immigration.status", status="declined", note="Would rather not"),
        "culture.reconnect": Answer(question_id="culture.reconnect", status="not_applicable"),
        "immigration.next_date": Answer(question_id="immigration.next_date", status="answered", value="2025-06-02"),
        # Not discussed, but the person said something: the words are kept.
        "trauma.support_wanted": Answer(question_id="trauma.support_wanted", status="not_discussed", note=words),
    }
    case = Case(reference="R/2025\\07", name='Ana "Nan" O\'Neil', officer="K. Officer", assessed_on=date(2025, 1, 2))
    return Assessment(case=case, answers=answers)


def test_round_trip_in_memory(bank):
    original = tricky_assessment()
    assert parse_assessment(assessment_to_dict(original), bank) == original
    again = parse_assessment(good_data(), bank)
    assert parse_assessment(assessment_to_dict(again), bank) == again


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_round_trip_through_files(bank, tmp_path, suffix):
    original = tricky_assessment()
    folder = tmp_path / "out"
    folder.mkdir()
    path = write_assessment_file(original, folder / f"case{suffix}", bank)
    assert read_assessment_file(path, bank) == original
    # Owner-only whatever the umask: this is special category data.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Writing again replaces the file in one step and leaves nothing behind.
    write_assessment_file(original, path, bank)
    assert [p.name for p in folder.iterdir()] == [path.name]


def test_the_toml_written_is_plain_toml(bank):
    data = assessment_to_dict(tricky_assessment(), bank)
    loaded = tomllib.loads(to_toml(data))
    assert loaded["case"]["assessed_on"] == date(2025, 1, 2)
    assert loaded["answers"] == data["answers"]
    assert tomllib.loads(to_toml(assessment_to_dict(Assessment(case=tricky_assessment().case), bank)))["answers"] == {}


def test_to_dict_shape_and_order(bank):
    assessment = parse_assessment(good_data(), bank)
    assessment.answers["person.gender"] = Answer(question_id="person.gender", status="not_discussed")
    data = assessment_to_dict(assessment, bank)
    assert list(data) == ["format", "case", "answers"]
    assert data["format"] == ASSESSMENT_FORMAT
    assert data["case"] == {
        "reference": "X123456",
        "name": "Sam Example",
        "officer": "J. Officer",
        "assessed_on": "2025-03-14",
    }
    bank_order = [q.id for q in bank.questions]
    assert list(data["answers"]) == sorted(data["answers"], key=bank_order.index)
    assert list(data["answers"])[:4] == ["person.preferred_name", "person.age", "culture.reconnect", "faith.religion"]
    # not_discussed answers without words are silence: left out. A None note is left out.
    assert "person.gender" not in data["answers"]
    assert data["answers"]["immigration.status"] == {"status": "declined"}
    assert data["answers"]["faith.religion"] == {
        "status": "answered",
        "value": "muslim",
        "note": "Prays at the local mosque",
    }
    assert json.loads(json.dumps(data)) == data


def test_to_dict_without_a_bank_keeps_the_stored_order(bank):
    assessment = parse_assessment(good_data(), bank)
    assert list(assessment_to_dict(assessment)["answers"]) == list(assessment.answers)


def test_an_export_with_extra_keys_imports_again(bank, tmp_path):
    data = assessment_to_dict(parse_assessment(good_data(), bank), bank) | {"plan": {"objectives": []}}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert read_assessment_file(path, bank) == parse_assessment(good_data(), bank)


def test_write_refuses_other_suffixes(bank, tmp_path):
    with pytest.raises(InterchangeError):
        write_assessment_file(tricky_assessment(), tmp_path / "case.csv", bank)
