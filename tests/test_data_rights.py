"""A record of every look (`cases audit`), subject access and retention, through the CLI and the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from crypt_support import decrypted_pages, raw

from oasys_diversity.cli import main
from oasys_diversity.model import ASSESSMENT_FORMAT
from oasys_diversity.retention import RETENTION_SETTING, RetentionError, cutoff, months_before, retention_months
from oasys_diversity.store import erase_case, open_db
from oasys_diversity.store_access import access_log, case_history, record_access
from oasys_diversity.store_open import DB_ERRORS

NAME = "Tomasz Wiśniewski-Adeyemi"
REFERENCE = "BRS-77120"
WORDS = "My grandmother taught me the prayers in Yoruba"
FILE_OFFICER = "Officer Named In The File"
ASSESSMENT = {
    "format": ASSESSMENT_FORMAT,
    "case": {"reference": REFERENCE, "name": NAME, "officer": FILE_OFFICER, "assessed_on": "2026-01-12"},
    "answers": {
        "faith.religion": {"status": "answered", "value": "christian", "note": WORDS},
        "immigration.status": {"status": "declined"},
    },
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "cases.db"


def import_case(capsys, tmp_path: Path, db_path: Path, *options: str) -> int:
    source = tmp_path / "assessment.json"
    source.write_text(json.dumps(ASSESSMENT, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "import", str(source), "--db", str(db_path), *options)
    assert code == 0, err
    return int(out.strip())


def audit_rows(capsys, db_path: Path, case_id: int) -> list[dict[str, str]]:
    code, out, err = run(capsys, "cases", "audit", str(case_id), "--json", "--db", str(db_path))
    assert code == 0, err
    return json.loads(out)


# ---------------------------------------------------------------------------------------------
# Import records who imported, not who is named in the file
# ---------------------------------------------------------------------------------------------


def test_import_records_the_officer_running_it(capsys, tmp_path, db_path):
    case_id = import_case(capsys, tmp_path, db_path, "--officer", "Priya Importer")
    rows = audit_rows(capsys, db_path, case_id)
    assert {row["officer"] for row in rows} == {"Priya Importer"}
    assert [row["action"] for row in rows if row["action"] == "imported"] == ["imported"]
    db = open_db(db_path)
    try:
        # The file's officer is kept as who assessed the person.
        assert db.execute("SELECT officer FROM cases WHERE id = ?", [case_id]).fetchone()[0] == FILE_OFFICER
        assert FILE_OFFICER not in {row["officer"] for row in access_log(db, case_id)}
    finally:
        db.close()


def test_import_without_officer_records_the_account(capsys, tmp_path, db_path, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "jdoe")
    case_id = import_case(capsys, tmp_path, db_path)
    assert {row["officer"] for row in audit_rows(capsys, db_path, case_id)} == {"jdoe"}


# ---------------------------------------------------------------------------------------------
# cases audit
# ---------------------------------------------------------------------------------------------


def test_audit_shows_exports_and_opens_but_never_answers_or_names(capsys, tmp_path, db_path):
    case_id = import_case(capsys, tmp_path, db_path, "--officer", "Sam Lee")
    out = tmp_path / "for-person.md"
    code, _, err = run(
        capsys, "export", str(case_id), "--for-person", "--redact", "--out", str(out), "--db", str(db_path),
        "--officer", "Sam Lee",
    )  # fmt: skip
    assert code == 0, err
    db = open_db(db_path)
    record_access(db, case_id, "opened", officer="Ali Khan", detail={"via": "app"})
    db.close()
    code, table, _ = run(capsys, "cases", "audit", str(case_id), "--db", str(db_path))
    assert code == 0
    assert table.splitlines()[0].split() == ["time", "officer", "action", "detail"]
    for expected in ("imported", "exported", "opened", "format=md", "for=person", "redacted=yes", str(out), "Ali Khan"):
        assert expected in table
    for private in (NAME, REFERENCE, WORDS, "christian"):
        assert private not in table
    rows = audit_rows(capsys, db_path, case_id)
    assert set(rows[0]) == {"at", "officer", "action", "detail"}
    assert [row["at"] for row in rows] == sorted(row["at"] for row in rows)


def test_audit_of_an_unknown_case_is_one_line(capsys, db_path):
    code, out, err = run(capsys, "cases", "audit", "404", "--db", str(db_path))
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "404" in err


def test_the_access_log_is_append_only(capsys, tmp_path, db_path):
    case_id = import_case(capsys, tmp_path, db_path)
    db = open_db(db_path)
    try:
        with pytest.raises(DB_ERRORS, match="append-only"):
            db.execute("UPDATE access_log SET officer = 'someone else'")
        with pytest.raises(DB_ERRORS, match="append-only"):
            db.execute("UPDATE access_log SET location = NULL WHERE case_id = ?", [case_id])  # not erased
        with pytest.raises(DB_ERRORS, match="append-only"):
            db.execute("DELETE FROM access_log")
    finally:
        db.close()


# ---------------------------------------------------------------------------------------------
# Erasure: no words left, only the fact
# ---------------------------------------------------------------------------------------------


def file_bytes(db_path: Path) -> bytes:
    """What the database file holds, decrypted page by page (free pages too), plus any journals as they are."""
    journals = b"".join(
        p.read_bytes() for p in db_path.parent.iterdir() if p.name.startswith(db_path.name + "-") and p.is_file()
    )
    return decrypted_pages(db_path) + journals


def test_an_erased_case_keeps_the_record_of_looks_and_of_its_erasure_and_none_of_its_words(capsys, tmp_path, db_path):
    case_id = import_case(capsys, tmp_path, db_path, "--officer", "Sam Lee")
    out = tmp_path / f"{REFERENCE}-summary.md"
    assert run(capsys, "export", str(case_id), "--out", str(out), "--db", str(db_path))[0] == 0
    code, _, err = run(capsys, "cases", "erase", str(case_id), "--yes", "--db", str(db_path), "--officer", "Jo Head")
    assert code == 0, err
    raw = file_bytes(db_path)
    for private in (NAME, REFERENCE, WORDS):
        assert private.encode() not in raw
    rows = audit_rows(capsys, db_path, case_id)
    assert [row["action"] for row in rows] == ["imported", "exported", "erased"]
    assert rows[-1]["officer"] == "Jo Head"
    assert all(str(out) not in row["detail"] for row in rows)  # where it went held the reference


def test_erasing_through_the_store_records_the_os_account_when_no_officer_is_named(
    capsys, tmp_path, db_path, monkeypatch
):
    monkeypatch.setattr("getpass.getuser", lambda: "kpatel")
    case_id = import_case(capsys, tmp_path, db_path, "--officer", "Sam Lee")
    db = open_db(db_path)
    try:
        erase_case(db, case_id)
        [erased] = [row for row in case_history(db, case_id) if row["action"] == "erased"]
        assert erased["officer"] == "kpatel"
    finally:
        db.close()


# ---------------------------------------------------------------------------------------------
# Subject access
# ---------------------------------------------------------------------------------------------


def test_subject_access_writes_everything_held_for_the_person(capsys, tmp_path, db_path):
    case_id = import_case(capsys, tmp_path, db_path, "--officer", "Sam Lee")
    export = tmp_path / "record.md"
    assert run(capsys, "export", str(case_id), "--out", str(export), "--db", str(db_path))[0] == 0
    folder = tmp_path / "sar"
    code, out, err = run(
        capsys, "cases", "subject-access", str(case_id), "--out", str(folder), "--db", str(db_path),
        "--officer", "DPO Desk",
    )  # fmt: skip
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == ["held-about-you.json", "summary-for-person.md"]
    assert all((folder / name).stat().st_mode & 0o077 == 0 for name in ("held-about-you.json", "summary-for-person.md"))
    held = json.loads((folder / "held-about-you.json").read_text(encoding="utf-8"))
    assert held["format"] == "oasys-diversity/subject-access@1"
    assert held["case"]["name"] == NAME and held["case"]["assessed_by"] == FILE_OFFICER
    by_question = {answer["question_id"]: answer for answer in held["answers"]}
    assert by_question["faith.religion"]["note"] == WORDS
    assert by_question["immigration.status"]["status"] == "declined"
    assert held["changes"], "every recorded change is in the pack"
    assert [row["location"] for row in held["exports"]] == [str(export)]
    assert "imported" in [row["action"] for row in held["access"]]
    person = (folder / "summary-for-person.md").read_text(encoding="utf-8")
    assert NAME in person or "Tomasz" in person
    # The request itself is recorded.
    assert "subject access" in [row["action"] for row in audit_rows(capsys, db_path, case_id)]


def test_subject_access_refuses_a_folder_that_holds_anything(capsys, tmp_path, db_path):
    case_id = import_case(capsys, tmp_path, db_path)
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine", encoding="utf-8")
    code, out, err = run(capsys, "cases", "subject-access", str(case_id), "--out", str(folder), "--db", str(db_path))
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "not empty" in err and str(folder) in err
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    assert "subject access" not in [row["action"] for row in audit_rows(capsys, db_path, case_id)]
    # An empty folder is fine.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(capsys, "cases", "subject-access", str(case_id), "--out", str(empty), "--db", str(db_path))[0] == 0
    assert len(list(empty.iterdir())) == 2


def test_subject_access_for_an_unknown_case_writes_nothing(capsys, tmp_path, db_path):
    import_case(capsys, tmp_path, db_path)
    code, _, err = run(capsys, "cases", "subject-access", "404", "--out", str(tmp_path / "sar"), "--db", str(db_path))
    assert code == 1 and "404" in err
    assert not (tmp_path / "sar").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".sar")] == []


# ---------------------------------------------------------------------------------------------
# Retention
# ---------------------------------------------------------------------------------------------


def age_case(db_path: Path, case_id: int, days: int) -> None:
    """Make a case look untouched for `days` (as if the clock had moved on)."""
    when = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="microseconds")
    conn = raw(db_path)
    conn.execute("UPDATE cases SET updated_at = ? WHERE id = ?", [when, case_id])
    conn.commit()
    conn.close()


def test_retention_lists_then_erases_with_yes(capsys, tmp_path, db_path):
    old = import_case(capsys, tmp_path, db_path, "--officer", "Sam Lee")
    recent = import_case(capsys, tmp_path, db_path, "--officer", "Sam Lee")
    age_case(db_path, old, 800)
    code, out, err = run(capsys, "cases", "retention", "--db", str(db_path))  # not a terminal, no --yes
    assert code == 0
    assert f"\n{old:>4}  {REFERENCE}" in out and f"\n{recent:>4}  " not in out
    assert "24 months" in out and RETENTION_SETTING in out
    assert "nothing erased" in err
    assert run(capsys, "cases", "audit", str(old), "--db", str(db_path))[0] == 0
    code, out, err = run(capsys, "cases", "retention", "--yes", "--officer", "Records Team", "--db", str(db_path))
    assert code == 0, err
    assert f"case {old} erased" in out and f"case {recent} erased" not in out
    [erased] = [row for row in audit_rows(capsys, db_path, old) if row["action"] == "erased"]
    assert erased["officer"] == "Records Team" and "retention" in erased["detail"]
    listed = json.loads(run(capsys, "cases", "list", "--json", "--db", str(db_path))[1])
    assert [case["id"] for case in listed] == [recent]
    assert WORDS.encode() in file_bytes(db_path)  # the recent case keeps its words
    db = open_db(db_path)
    try:
        assert db.execute("SELECT count(*) FROM answers WHERE case_id = ?", [old]).fetchone()[0] == 0
    finally:
        db.close()


def test_retention_counts_a_recent_open_as_a_touch(capsys, tmp_path, db_path):
    case_id = import_case(capsys, tmp_path, db_path)
    age_case(db_path, case_id, 800)
    db = open_db(db_path)
    record_access(db, case_id, "opened", officer="Sam Lee", detail={"via": "app"})
    db.close()
    code, out, _ = run(capsys, "cases", "retention", "--yes", "--db", str(db_path))
    assert code == 0 and "no cases untouched" in out


def test_retention_periods_from_options_and_setting(capsys, tmp_path, db_path, monkeypatch):
    case_id = import_case(capsys, tmp_path, db_path)
    age_case(db_path, case_id, 40)
    assert "no cases" in run(capsys, "cases", "retention", "--older-than", "60", "--db", str(db_path))[1]
    assert (
        f"{case_id:>4}  {REFERENCE}" in run(capsys, "cases", "retention", "--older-than", "30", "--db", str(db_path))[1]
    )
    assert f"{case_id:>4}  {REFERENCE}" in run(capsys, "cases", "retention", "--months", "1", "--db", str(db_path))[1]
    monkeypatch.setenv(RETENTION_SETTING, "1")
    assert "more than 1 months" in run(capsys, "cases", "retention", "--db", str(db_path))[1]
    monkeypatch.setenv(RETENTION_SETTING, "two years")
    code, _, err = run(capsys, "cases", "retention", "--db", str(db_path))
    assert code == 1 and RETENTION_SETTING in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exited:  # argparse: the two are exclusive
        main(["cases", "retention", "--older-than", "3", "--months", "2", "--db", str(db_path)])
    assert exited.value.code == 2


def test_retention_asks_at_a_terminal_and_erases_nothing_unless_told(capsys, tmp_path, db_path, monkeypatch):
    case_id = import_case(capsys, tmp_path, db_path)
    age_case(db_path, case_id, 800)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    code, out, _ = run(capsys, "cases", "retention", "--db", str(db_path))
    assert code == 1 and "nothing erased" in out
    monkeypatch.setattr("builtins.input", lambda prompt: "erase")
    code, out, _ = run(capsys, "cases", "retention", "--db", str(db_path))
    assert code == 0 and f"case {case_id} erased" in out


def test_retention_calendar():
    assert retention_months({}) == 24
    assert retention_months({RETENTION_SETTING: "36"}) == 36
    with pytest.raises(RetentionError):
        retention_months({RETENTION_SETTING: "0"})
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 24) == datetime(2024, 1, 15, tzinfo=UTC)
    now = datetime(2026, 5, 1, tzinfo=UTC)
    assert cutoff(now, days=10) == datetime(2026, 4, 21, tzinfo=UTC)
    with pytest.raises(RetentionError):
        cutoff(now, days=1, months=1)


def test_a_database_from_before_the_access_log_is_upgraded_and_keeps_its_cases(tmp_path):
    import sqlite_utils

    from oasys_diversity.store_migrations import SCHEMA_VERSION, migrations

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(raw(path))  # encrypted with the test's key, as the store would make it
    migrations.apply(old, stop_before="m002_access_log")
    old.execute(
        "INSERT INTO cases (reference, name, officer, assessed_on, created_at, updated_at) "
        "VALUES ('OLD-1', 'Someone', 'Sam Lee', '2024-01-01', '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00')"
    )
    old.conn.commit()
    assert "access_log" not in old.table_names()
    old.close()
    db = open_db(path)
    try:
        assert "access_log" in db.table_names()
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
        [case_id] = [row[0] for row in db.execute("SELECT id FROM cases").fetchall()]
        record_access(db, case_id, "opened", officer="Sam Lee", detail={"via": "app"})
        assert [row["action"] for row in case_history(db, case_id)] == ["opened"]
    finally:
        db.close()
