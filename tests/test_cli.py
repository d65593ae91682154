"""The `questions`, `import` and `cases list` commands, in-process and as the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from oasys_diversity.bank import BANK_FORMAT, check_bank, load_bank
from oasys_diversity.cli import main
from oasys_diversity.coverage import coverage as load_coverage
from oasys_diversity.model import ASSESSMENT_FORMAT

FIXTURES = Path(__file__).parent / "fixtures" / "banks"
# The console script installed beside the Python running the tests (the project's .venv).
SCRIPT = Path(sys.executable).with_name("oasys-diversity")
PRIVATE = "He told me about the night it happened"

# Only canonical question ids, so the file fits the shipped bank and the fixture bank alike.
ASSESSMENT = {
    "format": ASSESSMENT_FORMAT,
    "case": {"reference": "CLI-0001", "name": "Test Person", "officer": "A. Officer", "assessed_on": "2025-02-03"},
    "answers": {
        "person.preferred_name": {"status": "answered", "value": "Tee"},
        "person.area": {"status": "answered", "value": "Greater Manchester"},
        "faith.religion": {"status": "answered", "value": "sikh", "note": "Goes to the gurdwara most weeks"},
        "faith.practice_needs": {"status": "answered", "value": ["holy_days"]},
        "immigration.status": {"status": "declined"},
        "language.interpreter_needed": {"status": "answered", "value": "no"},
    },
    "exported_at": "2025-02-03T12:00:00Z",
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_assessment(tmp_path: Path, data: dict = ASSESSMENT, name: str = "case.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# questions check / dump
# ---------------------------------------------------------------------------------------------


def test_questions_check_passes_on_the_shipped_bank(capsys):
    code, out, err = run(capsys, "questions", "check")
    assert (code, err) == (0, "")
    bank = load_bank()
    coverage = load_coverage(bank)
    assert out == (
        f"question bank OK: {len(bank.domains)} domains, {len(bank.questions)} questions\n"
        f"{coverage.summary_line()}\n"
        "every question feeds the plan or is marked record_only with a reason\n"
    )


def test_questions_check_passes_on_a_valid_folder(capsys):
    code, out, _ = run(capsys, "questions", "check", str(FIXTURES / "valid"))
    assert code == 0
    assert out.startswith("question bank OK: 8 domains, ")


def test_questions_check_fails_with_one_line_per_problem(capsys):
    broken = FIXTURES / "broken"
    code, out, err = run(capsys, "questions", "check", str(broken))
    assert code == 1
    assert err == ""
    assert out.splitlines() == check_bank(broken)
    assert len(out.splitlines()) == 4
    assert all(line.startswith(str(broken)) and line.split(":")[1].isdigit() for line in out.splitlines())


def test_questions_check_uses_the_global_questions_option(capsys):
    code, out, _ = run(capsys, "--questions", str(FIXTURES / "broken"), "questions", "check")
    assert code == 1
    assert len(out.splitlines()) == 4


def test_questions_dump_json_parses(capsys):
    code, out, _ = run(capsys, "questions", "dump", "--format", "json")
    assert code == 0
    dumped = json.loads(out)
    assert dumped["format"] == BANK_FORMAT
    ids = [q["id"] for d in dumped["domains"] for q in d["questions"]]
    assert ids == [q.id for q in load_bank().questions]
    assert "faith.religion" in ids


def test_questions_dump_of_another_folder(capsys):
    code, out, _ = run(capsys, "questions", "dump", str(FIXTURES / "valid"))
    assert code == 0
    assert [d["id"] for d in json.loads(out)["domains"]][:2] == ["person", "ethnicity"]


def test_questions_dump_of_a_broken_folder_fails_clearly(capsys):
    code, out, err = run(capsys, "questions", "dump", str(FIXTURES / "broken"))
    assert (code, out) == (1, "")
    assert err.startswith("oasys-diversity: ")
    assert "duplicate question id 'faith.religion'" in err


# ---------------------------------------------------------------------------------------------
# import and cases list
# ---------------------------------------------------------------------------------------------


def test_import_prints_a_case_id_and_cases_list_shows_it(capsys, tmp_path):
    db = tmp_path / "cases.db"
    path = write_assessment(tmp_path)
    code, out, err = run(capsys, "--db", str(db), "import", str(path))
    assert (code, err) == (0, "")
    case_id = int(out.strip())

    code, out, _ = run(capsys, "--db", str(db), "cases", "list")
    assert code == 0
    row = next(line for line in out.splitlines() if "CLI-0001" in line)
    assert row.split()[0] == str(case_id)
    assert "Greater Manchester" in row

    code, out, _ = run(capsys, "--db", str(db), "cases", "list", "--json")
    (summary,) = json.loads(out)
    assert (summary["id"], summary["reference"], summary["area"]) == (case_id, "CLI-0001", "Greater Manchester")
    assert summary["answered"] == 5 and summary["declined"] == 1


def test_import_stores_every_answer_as_given(capsys, tmp_path):
    from oasys_diversity.store import load_assessment, open_db

    db = tmp_path / "cases.db"
    toml_file = tmp_path / "case.toml"
    from oasys_diversity.interchange import parse_assessment, write_assessment_file

    bank = load_bank()
    expected = parse_assessment(ASSESSMENT, bank)
    write_assessment_file(expected, toml_file, bank)
    code, out, _ = run(capsys, "--db", str(db), "import", str(toml_file))
    assert code == 0
    stored = load_assessment(open_db(db), int(out))
    assert stored.case.model_copy(update={"id": None}) == expected.case
    assert {qid: (a.status, a.value, a.note) for qid, a in stored.answers.items()} == {
        qid: (a.status, a.value, a.note) for qid, a in expected.answers.items()
    }


def test_import_with_another_bank(capsys, tmp_path):
    db = tmp_path / "cases.db"
    code, out, _ = run(
        capsys, "--questions", str(FIXTURES / "valid"), "--db", str(db), "import", str(write_assessment(tmp_path))
    )
    assert code == 0 and out.strip().isdigit()


def test_a_bad_file_is_refused_without_echoing_it_or_touching_the_database(capsys, tmp_path):
    db = tmp_path / "cases.db"
    data = json.loads(json.dumps(ASSESSMENT))
    data["answers"]["faith.religion"] = {"status": "answered", "value": PRIVATE}
    data["answers"]["immigration.status"] = {"status": "declined", "value": "refugee"}
    path = write_assessment(tmp_path, data)
    code, out, err = run(capsys, "--db", str(db), "import", str(path))
    assert (code, out) == (1, "")
    assert err.startswith(f"oasys-diversity: {path}: ")
    assert "faith.religion:" in err and "immigration.status: a declined answer carries no value" in err
    assert PRIVATE not in err and "night" not in err
    assert not db.exists()


def test_a_missing_file_is_one_line(capsys, tmp_path):
    code, out, err = run(capsys, "--db", str(tmp_path / "cases.db"), "import", str(tmp_path / "nope.json"))
    assert (code, out) == (1, "")
    assert err == f"oasys-diversity: {tmp_path / 'nope.json'}: no such file\n"


def test_cases_list_when_empty(capsys, tmp_path):
    code, out, _ = run(capsys, "--db", str(tmp_path / "cases.db"), "cases", "list")
    assert (code, out) == (0, "no cases yet\n")


def test_the_default_database_lives_under_the_private_home(capsys, tmp_path):
    code, out, _ = run(capsys, "import", str(write_assessment(tmp_path)))
    assert code == 0
    home = Path(os.environ["OASYS_DIVERSITY_HOME"])
    assert any(home.rglob("*.db"))
    code, out, _ = run(capsys, "cases", "list")
    assert "CLI-0001" in out


# ---------------------------------------------------------------------------------------------
# The real console script, in its own process
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_console_script_end_to_end(tmp_path):
    assert SCRIPT.exists(), f"the console script should be installed at {SCRIPT}"

    def script(*argv: str) -> subprocess.CompletedProcess[str]:
        # timeout= guards against a hang; it does not measure speed.
        return subprocess.run([str(SCRIPT), *argv], capture_output=True, text=True, timeout=120, env=os.environ.copy())

    ok = script("questions", "check")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("question bank OK")

    broken = script("questions", "check", str(FIXTURES / "broken"))
    assert broken.returncode == 1
    assert broken.stdout.splitlines() == check_bank(FIXTURES / "broken")

    dumped = script("questions", "dump", "--format", "json")
    assert json.loads(dumped.stdout)["format"] == BANK_FORMAT

    db = tmp_path / "cases.db"
    imported = script("--db", str(db), "import", str(write_assessment(tmp_path)))
    assert imported.returncode == 0, imported.stderr
    case_id = int(imported.stdout)
    listed = script("--db", str(db), "cases", "list")
    assert listed.returncode == 0
    assert any(line.split()[0] == str(case_id) and "CLI-0001" in line for line in listed.stdout.splitlines()[1:])
