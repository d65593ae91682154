"""`oasys-diversity export` end to end: a case stored through the CLI, exported in every format, read back."""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path

import pytest
from export_samples import as_text, docx_text, pdf_pages, pdf_text

from oasys_diversity.bank import load_bank
from oasys_diversity.cli import main
from oasys_diversity.model import ASSESSMENT_FORMAT, Plan
from oasys_diversity.store import load_assessment, open_db, save_plan

NAME = "Zoë Ní Bhriain"
OFFICER = "Tendai Ashworth-Kowalczyk"
REFERENCE = "LDS-48213"
PREFERRED = "ਹਰਪ੍ਰੀਤ"  # Gurmukhi
QUOTES = {
    "ethnicity.self_description": "میں برطانوی پاکستانی ہوں",  # Urdu
    "faith.religion": "আমি প্রতি শুক্রবার মসজিদে যাই",  # Bengali, a note
    "language.first_language": "العربية والإنجليزية",  # Arabic
}
ASSESSMENT = {
    "format": ASSESSMENT_FORMAT,
    "case": {"reference": REFERENCE, "name": NAME, "officer": OFFICER, "assessed_on": "2026-03-03"},
    "answers": {
        "person.preferred_name": {"status": "answered", "value": PREFERRED},
        "person.area": {"status": "answered", "value": "West Yorkshire"},
        "ethnicity.self_description": {"status": "answered", "value": QUOTES["ethnicity.self_description"]},
        "ethnicity.ons_category": {"status": "answered", "value": "asian_pakistani"},
        "faith.religion": {"status": "answered", "value": "muslim", "note": QUOTES["faith.religion"]},
        "faith.practice_needs": {"status": "answered", "value": ["prayer_times", "fasting"]},
        "immigration.status": {"status": "declined"},
        "language.first_language": {"status": "answered", "value": QUOTES["language.first_language"]},
        "language.interpreter_needed": {"status": "answered", "value": "yes"},
        "trauma.experiences": {"status": "answered", "value": ["bereavement"]},
        "trauma.support_wanted": {"status": "answered", "value": "yes"},
    },
}
FORMATS = ["md", "text", "json", "pdf", "docx"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def stored(tmp_path, capsys) -> tuple[Path, int]:
    """A database holding one case, imported through the CLI as an officer would."""
    source = tmp_path / "assessment.json"
    source.write_text(json.dumps(ASSESSMENT, ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "cases.db"
    code, out, err = run(capsys, "import", str(source), "--db", str(db))
    assert code == 0, err
    return db, int(out.strip())


def export(capsys, db: Path, case_id: int, *options: str) -> tuple[int, str, str]:
    return run(capsys, "export", str(case_id), *options, "--db", str(db))


def test_every_format_from_the_cli(stored, tmp_path, capsys):
    db, case_id = stored
    for fmt in FORMATS:
        out = tmp_path / f"summary.{fmt}"
        code, stdout, err = export(capsys, db, case_id, "--format", fmt, "--out", str(out))
        assert code == 0, err
        assert stdout == ""
        assert f"written to {out}" in err
        # Special category data: readable by the owner only.
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        content = out.read_bytes() if fmt in ("pdf", "docx") else out.read_text(encoding="utf-8")
        text = as_text(fmt, content)
        assert NAME in text
        assert "no issues" not in text.lower()
        if fmt != "json":
            assert "Not yet discussed: nothing in this part has been talked about yet." in text.replace("\n", " ")


def test_markdown_to_standard_output(stored, capsys):
    db, case_id = stored
    code, out, err = export(capsys, db, case_id)
    assert code == 0, err
    assert out.startswith("# Diversity and identity summary")
    discrimination = out.split("### Discrimination and racism")[1].split("###")[0]
    assert "Not yet discussed: nothing in this part has been talked about yet." in discrimination
    assert "- **Declined to say:** Immigration status" in out
    assert f"\u201c{QUOTES['faith.religion']}\u201d" in out


def test_pdf_and_docx_need_a_file(stored, capsys):
    db, case_id = stored
    for fmt in ("pdf", "docx"):
        code, out, err = export(capsys, db, case_id, "--format", fmt)
        assert code == 1
        assert out == ""
        assert f"the {fmt} format needs --out FILE" in err


def test_unknown_case_is_one_clear_line(stored, capsys):
    db, _ = stored
    code, out, err = export(capsys, db, 999)
    assert code == 1
    assert err.strip() == "oasys-diversity: there is no case 999"


def test_a_missing_folder_is_one_clear_line(stored, tmp_path, capsys):
    db, case_id = stored
    code, _, err = export(capsys, db, case_id, "--out", str(tmp_path / "nowhere" / "summary.md"))
    assert code == 1
    assert "does not exist" in err
    assert NAME not in err


def test_without_a_saved_plan_the_export_suggests_one_and_says_so(stored, capsys):
    db, case_id = stored
    code, out, err = export(capsys, db, case_id)
    assert code == 0, err
    assert "Suggested plan, not yet reviewed" in out
    assert "Interpreter needed" in out.split("## Plan")[1]  # the planner's objective, with its "because"
    code, out, err = export(capsys, db, case_id, "--for-person")
    assert "This is a first draft of your plan." in out


def test_a_saved_plan_is_exported_as_saved(stored, capsys):
    db, case_id = stored
    plan = Plan(built_on=date(2026, 3, 3), agreement="agrees", agreement_reason="It fits around work")
    save_plan(open_db(db), case_id, plan, officer=OFFICER)
    code, out, err = export(capsys, db, case_id)
    assert code == 0, err
    assert "Suggested plan" not in out
    assert "No objectives in the plan yet." in out
    assert "Agrees with the plan" in out
    assert "\u201cIt fits around work\u201d" in out


def test_json_round_trip_through_the_cli(stored, tmp_path, capsys):
    """Export, import the export as a new case, export that: the same document."""
    db, case_id = stored
    first = tmp_path / "first.json"
    assert export(capsys, db, case_id, "--format", "json", "--out", str(first))[0] == 0
    code, out, err = run(capsys, "import", str(first), "--db", str(db))
    assert code == 0, err
    again = int(out.strip())
    assert again != case_id
    second = tmp_path / "second.json"
    assert export(capsys, db, again, "--format", "json", "--out", str(second))[0] == 0
    assert json.loads(second.read_text(encoding="utf-8")) == json.loads(first.read_text(encoding="utf-8"))
    stored_again = load_assessment(open_db(db), again)
    assert stored_again.answers["faith.religion"].note == QUOTES["faith.religion"]


def test_scripts_survive_pdf_and_docx_from_the_cli(stored, tmp_path, capsys):
    db, case_id = stored
    pdf, docx = tmp_path / "s.pdf", tmp_path / "s.docx"
    assert export(capsys, db, case_id, "--format", "pdf", "--out", str(pdf))[0] == 0
    assert export(capsys, db, case_id, "--format", "docx", "--out", str(docx))[0] == 0
    pdf_words = pdf_text(pdf.read_bytes())
    docx_words = docx_text(docx.read_bytes())
    for words in [NAME, PREFERRED, *QUOTES.values()]:
        assert words in docx_words, words
        for word in words.split():
            assert word in pdf_words, word


@pytest.mark.parametrize("for_person", [False, True])
def test_redacted_exports_from_the_cli(stored, tmp_path, capsys, for_person):
    db, case_id = stored
    secrets = [NAME, OFFICER, REFERENCE, PREFERRED, "West Yorkshire", *QUOTES.values()]
    secrets += [part for name in (NAME, OFFICER) for part in name.split()]
    secrets += [word for quote in QUOTES.values() for word in quote.split() if len(word) >= 4]
    for fmt in FORMATS:
        if fmt == "json" and for_person:
            continue  # the JSON export has no version for the person (refused, tested elsewhere)
        out = tmp_path / f"redacted.{fmt}"
        options = ["--format", fmt, "--redact", "--out", str(out)] + (["--for-person"] if for_person else [])
        code, _, err = export(capsys, db, case_id, *options)
        assert code == 0, err
        content = out.read_bytes() if fmt in ("pdf", "docx") else out.read_text(encoding="utf-8")
        text = as_text(fmt, content)
        for secret in secrets:
            assert secret not in text, (fmt, secret)


def test_banner_from_the_cli_on_every_page(stored, tmp_path, capsys):
    db, case_id = stored
    pdf = tmp_path / "practice.pdf"
    assert export(capsys, db, case_id, "--format", "pdf", "--banner", "PRACTICE", "--out", str(pdf))[0] == 0
    pages = pdf_pages(pdf.read_bytes())
    assert len(pages) >= 2
    assert all("PRACTICE" in page for page in pages)
    code, out, _ = export(capsys, db, case_id, "--format", "text", "--banner", "PRACTICE")
    assert out.splitlines()[1].strip() == "PRACTICE"


def test_export_uses_the_shipped_bank_labels(stored, capsys):
    db, case_id = stored
    bank = load_bank()
    code, out, _ = export(capsys, db, case_id, "--format", "text")
    assert code == 0
    label = bank.question("ethnicity.ons_category").option("asian_pakistani").label
    ethnic = out.split("OASys Offender details > Ethnic category")[1].split("OASys Offender details > Religion")[0]
    assert label in " ".join(ethnic.split())
