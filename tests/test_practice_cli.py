"""The practice commands: stamped exports on every page, feedback files, and the trainer's cohort report."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from export_samples import docx_text, pdf_pages
from practice_support import model_answers, model_plan, scenario

from oasys_diversity.cli import main
from oasys_diversity.feedback import PRACTICE_BANNER
from oasys_diversity.practice import start_run
from oasys_diversity.store import open_db, save_answer, save_plan

STAMP = PRACTICE_BANNER


@pytest.fixture
def practice_run(tmp_path: Path) -> tuple[Path, int]:
    """A practice database holding a model run of the refused-asylum scenario, with its plan."""
    path = tmp_path / "practice.db"
    karim = scenario("no-right-to-work")
    db = open_db(path, "practice")
    case_id = start_run(db, karim, "Trainee")
    who = model_answers(karim)
    for answer in who.answers.values():
        save_answer(db, case_id, answer, officer="Trainee")
    save_plan(db, case_id, model_plan(who), officer="Trainee")
    db.close()
    return path, case_id


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["md", "text", "json", "pdf", "docx"])
def test_every_page_of_every_practice_export_carries_the_stamp(practice_run, tmp_path: Path, fmt: str):
    path, case_id = practice_run
    out = tmp_path / f"run.{fmt}"
    assert main(["practice", "export", str(case_id), "--db", str(path), "--format", fmt, "--out", str(out)]) == 0
    if fmt == "pdf":
        pages = pdf_pages(out.read_bytes())
        assert len(pages) >= 2
        assert all(STAMP in page for page in pages)
    elif fmt == "docx":
        from docx import Document

        document = Document(str(out))
        # The stamp is in every section's header, which Word repeats on every page.
        assert all(STAMP in "\n".join(p.text for p in s.header.paragraphs) for s in document.sections)
        assert STAMP in docx_text(out.read_bytes())
    elif fmt == "json":
        assert json.loads(out.read_text(encoding="utf-8"))["summary"]["banner"] == STAMP
    else:
        # Text has no pages: the stamp opens and closes it (inside a ruled band for the OASys text).
        lines = [line for line in out.read_text(encoding="utf-8").splitlines() if line.strip().strip("=")]
        assert STAMP in lines[0] and STAMP in lines[-1]


def test_practice_commands_refuse_a_live_database(tmp_path: Path, capsys):
    live = tmp_path / "cases.db"
    open_db(live).close()
    assert main(["practice", "runs", "--db", str(live)]) == 1
    assert "refusing to open it in practice mode" in capsys.readouterr().err


def test_feedback_files_make_a_cohort_report_without_trainees_words(practice_run, tmp_path: Path, capsys):
    path, case_id = practice_run
    good = tmp_path / "good.json"
    assert main(["practice", "feedback", str(case_id), "--db", str(path), "--format", "json", "--out", str(good)]) == 0
    assert json.loads(good.read_text(encoding="utf-8"))["overall"] == 100
    # A second trainee skipped the interpreter: their feedback names it.
    poor = json.loads(good.read_text(encoding="utf-8"))
    poor["overall"] = 80
    for criterion in poor["criteria"]:
        if criterion["id"] == "interpreter":
            criterion["score"] = 0
            criterion["checks"][0]["did"] = "A TRAINEE'S OWN WORDS"
    second = tmp_path / "poor.json"
    second.write_text(json.dumps(poor), encoding="utf-8")
    capsys.readouterr()
    assert main(["practice", "report", str(good), str(second)]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith(f"**{STAMP}**")
    assert "2 practice run(s); mean overall score 90%" in markdown
    assert "| Interpreter arranged when needed | 2 | 1 | 50% |" in markdown
    assert "TRAINEE" not in markdown
    assert main(["practice", "report", str(good), str(second), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    interpreter = [r for r in rows if r["criterion"] == "interpreter"]
    assert {(r["scenario"], r["missed"]) for r in interpreter} == {("all", "1"), ("no-right-to-work", "1")}


def test_a_file_that_is_not_feedback_is_named_and_refused(tmp_path: Path, capsys):
    other = tmp_path / "other.json"
    other.write_text('{"format": "something else"}', encoding="utf-8")
    assert main(["practice", "report", str(other)]) == 1
    assert "not a practice feedback file" in capsys.readouterr().err


def test_feedback_never_overwrites_a_file(practice_run, tmp_path: Path, capsys):
    path, case_id = practice_run
    taken = tmp_path / "taken.md"
    taken.write_text("keep me", encoding="utf-8")
    assert main(["practice", "feedback", str(case_id), "--db", str(path), "--out", str(taken)]) == 1
    assert taken.read_text(encoding="utf-8") == "keep me"
