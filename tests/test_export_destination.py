"""`export --out`: never onto the case database, its journals, the directory or the bank; never over a file unasked.

Each refusal is one line naming the path and the reason, exit code 1, and leaves the database byte-identical.
"""

from __future__ import annotations

import gc
import io
import json
import os
import stat
from pathlib import Path

import pytest

from oasys_diversity.cli import main
from oasys_diversity.export.destination import publish, stage
from oasys_diversity.model import ASSESSMENT_FORMAT
from oasys_diversity.questions import QUESTIONS_DIR

NAME = "Farah Qureshi-Okafor"
WORDS = "I keep the fast with my mother every year"
ASSESSMENT = {
    "format": ASSESSMENT_FORMAT,
    "case": {"reference": "MCR-30517", "name": NAME, "officer": "Officer In The File", "assessed_on": "2026-02-02"},
    "answers": {"faith.religion": {"status": "answered", "value": "muslim", "note": WORDS}},
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def stored(tmp_path, capsys, monkeypatch) -> tuple[Path, int]:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "assessment.json"
    source.write_text(json.dumps(ASSESSMENT), encoding="utf-8")
    db = tmp_path / "c.db"
    code, out, err = run(capsys, "import", str(source), "--db", str(db), "--officer", "Importing Officer")
    assert code == 0, err
    return db, int(out.strip())


def snapshot(db: Path) -> dict[str, bytes | None]:
    """The database and its write-ahead log, byte for byte (None: absent), once every connection is closed.

    The commands run in this process: collecting their connections closes them, and the last to close
    folds the log into the file, so a write any command made would show here. Not the -shm: it is
    SQLite's shared-memory index, which every reader updates, and holds no data.
    """
    gc.collect()
    found: dict[str, bytes | None] = {}
    for suffix in ("", "-wal", "-journal"):
        path = db.with_name(db.name + suffix)
        found[suffix] = path.read_bytes() if path.exists() else None
    return found


def assert_refused(capsys, db: Path, case_id: int, out: str, reason: str, *options: str) -> str:
    before = snapshot(db)
    code, stdout, err = run(capsys, "export", str(case_id), "--out", out, "--db", str(db), *options)
    assert code == 1
    assert stdout == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert out in lines[0] and reason in lines[0]
    assert NAME not in err and WORDS not in err
    assert snapshot(db) == before
    return lines[0]


@pytest.mark.parametrize(
    ("suffix", "reason"),
    [
        ("", "the case database"),
        ("-wal", "write-ahead log"),
        ("-shm", "shared-memory file"),
        ("-journal", "journal"),
    ],
)
def test_never_onto_the_database_or_its_companions_even_with_force(stored, capsys, suffix, reason):
    db, case_id = stored
    assert_refused(capsys, db, case_id, f"c.db{suffix}", reason)
    assert_refused(capsys, db, case_id, f"c.db{suffix}", reason, "--force")
    assert_refused(capsys, db, case_id, str(db) + suffix, reason, "--force", "--format", "pdf")


def test_the_issue_command_leaves_every_case(stored, capsys):
    db, case_id = stored
    assert_refused(capsys, db, case_id, "c.db", "the case database")
    code, out, _ = run(capsys, "cases", "list", "--json", "--db", str(db))
    assert code == 0 and len(json.loads(out)) == 1


def test_never_through_a_symlink_or_hard_link_to_the_database(stored, tmp_path, capsys):
    db, case_id = stored
    (tmp_path / "link.md").symlink_to(db)
    os.link(db, tmp_path / "hard.md")
    (tmp_path / "wal-link.md").symlink_to(tmp_path / "c.db-wal")  # dangling: no -wal while nothing is open
    for name in ("link.md", "hard.md", "wal-link.md"):
        assert_refused(capsys, db, case_id, name, "case database", "--force")


def test_a_database_opened_through_a_symlink_is_protected_by_its_real_name(stored, tmp_path, capsys):
    db, case_id = stored
    (tmp_path / "alias.db").symlink_to(db)
    before = snapshot(db)
    code, _, err = run(capsys, "export", str(case_id), "--out", str(db), "--db", "alias.db", "--force")
    assert code == 1 and "the case database" in err
    assert snapshot(db) == before


def test_never_onto_the_directory_file(stored, tmp_path, capsys):
    db, case_id = stored
    directory = tmp_path / "directory.toml"
    directory.write_text("# the team's directory\n", encoding="utf-8")
    assert_refused(capsys, db, case_id, str(directory), "referral directory", "--directory", str(directory), "--force")
    assert directory.read_text(encoding="utf-8") == "# the team's directory\n"
    # The officer's own directory file is protected even when another is named for this run.
    local = Path(os.environ["OASYS_DIVERSITY_HOME"]) / "directory.toml"
    local.parent.mkdir(parents=True, exist_ok=True)
    assert_refused(capsys, db, case_id, str(local), "referral directory")


def test_never_into_the_question_bank(stored, tmp_path, capsys):
    db, case_id = stored
    bank_file = QUESTIONS_DIR / "faith.toml"
    before = bank_file.read_bytes()
    assert_refused(capsys, db, case_id, str(bank_file), "question bank", "--force")
    assert_refused(capsys, db, case_id, str(QUESTIONS_DIR / "new-summary.md"), "question bank")
    assert bank_file.read_bytes() == before
    assert not (QUESTIONS_DIR / "new-summary.md").exists()
    # A bank of the officer's own, by hard link from outside it.
    own_bank = tmp_path / "bank"
    own_bank.mkdir()
    for source in QUESTIONS_DIR.glob("*.toml"):
        (own_bank / source.name).write_bytes(source.read_bytes())
    os.link(own_bank / "faith.toml", tmp_path / "faith-copy.md")
    assert_refused(capsys, db, case_id, "faith-copy.md", "question bank", "--questions", str(own_bank), "--force")


def test_an_existing_file_needs_force(stored, tmp_path, capsys):
    db, case_id = stored
    out = tmp_path / "summary.md"
    out.write_text("an earlier export", encoding="utf-8")
    assert_refused(capsys, db, case_id, "summary.md", "already exists; add --force")
    assert out.read_text(encoding="utf-8") == "an earlier export"
    inode = out.stat().st_ino
    code, _, err = run(capsys, "export", str(case_id), "--out", "summary.md", "--db", str(db), "--force")
    assert code == 0, err
    assert NAME in out.read_text(encoding="utf-8")
    # Replaced by renaming a new file over it, never by writing into the old one.
    assert out.stat().st_ino != inode
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_force_replaces_a_symlink_not_the_file_it_points_to(stored, tmp_path, capsys):
    db, case_id = stored
    kept = tmp_path / "kept.md"
    kept.write_text("someone else's file", encoding="utf-8")
    (tmp_path / "pointer.md").symlink_to(kept)
    code, _, err = run(capsys, "export", str(case_id), "--out", "pointer.md", "--db", str(db), "--force")
    assert code == 0, err
    assert kept.read_text(encoding="utf-8") == "someone else's file"
    assert not (tmp_path / "pointer.md").is_symlink()


def test_a_read_only_file_is_never_replaced_even_with_force(stored, tmp_path, capsys):
    db, case_id = stored
    out = tmp_path / "locked.md"
    out.write_text("keep me", encoding="utf-8")
    out.chmod(0o400)
    assert_refused(capsys, db, case_id, "locked.md", "read-only", "--force")
    assert out.read_text(encoding="utf-8") == "keep me"


def test_a_folder_is_refused(stored, tmp_path, capsys):
    db, case_id = stored
    (tmp_path / "a-folder").mkdir()
    assert_refused(capsys, db, case_id, "a-folder", "is a folder", "--force")


def test_dash_means_standard_output(stored, tmp_path, capsys):
    db, case_id = stored
    code, out, err = run(capsys, "export", str(case_id), "--out", "-", "--db", str(db))
    assert code == 0, err
    assert NAME in out
    assert not (tmp_path / "-").exists()


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_pdf_to_a_terminal_is_refused(stored, tmp_path, monkeypatch, capsys):
    db, case_id = stored
    before = snapshot(db)
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stdout", terminal)
    code = main(["export", str(case_id), "--format", "pdf", "--out", "-", "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 1
    assert "terminal" in err and len(err.strip().splitlines()) == 1
    assert terminal.getvalue() == ""
    assert snapshot(db) == before
    assert not (tmp_path / "-").exists()


def test_pdf_to_a_pipe_is_written(stored, monkeypatch, capsys):
    db, case_id = stored
    pipe = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr("sys.stdout", pipe)
    code = main(["export", str(case_id), "--format", "pdf", "--out", "-", "--db", str(db)])
    assert code == 0, capsys.readouterr().err
    assert pipe.buffer.getvalue().startswith(b"%PDF")


def test_standard_output_appended_to_the_database_is_refused(stored, monkeypatch, capsys):
    db, case_id = stored
    before = snapshot(db)
    with open(db, "a", encoding="utf-8") as appending:
        monkeypatch.setattr("sys.stdout", appending)
        code = main(["export", str(case_id), "--db", str(db)])
    assert code == 1
    assert "standard output" in capsys.readouterr().err
    assert snapshot(db) == before


def test_a_refused_export_is_not_recorded_and_a_written_one_is(stored, capsys):
    db, case_id = stored
    assert_refused(capsys, db, case_id, "c.db", "the case database")
    code, out, _ = run(capsys, "cases", "audit", str(case_id), "--json", "--db", str(db))
    assert code == 0
    assert [row["action"] for row in json.loads(out)].count("exported") == 0
    before = snapshot(db)
    run(capsys, "export", str(case_id), "--out", "ok.md", "--db", str(db), "--officer", "Exporting Officer")
    assert snapshot(db) != before  # the snapshot sees a write: the record of this export
    code, out, _ = run(capsys, "cases", "audit", str(case_id), "--json", "--db", str(db))
    [row] = [row for row in json.loads(out) if row["action"] == "exported"]
    assert row["officer"] == "Exporting Officer"
    assert "format=md" in row["detail"] and "for=record" in row["detail"] and "redacted=no" in row["detail"]


def test_publish_without_replace_never_overwrites_a_file_that_appeared(tmp_path):
    out = tmp_path / "late.md"
    staged = stage(out, b"new")
    out.write_text("arrived first", encoding="utf-8")
    with pytest.raises(Exception, match="already exists"):
        publish(staged, out, replace=False)
    assert out.read_text(encoding="utf-8") == "arrived first"
    assert not staged.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "late.md"]


def test_a_failed_write_leaves_nothing_half_written(tmp_path, monkeypatch):
    from oasys_diversity.export.destination import DestinationRefused

    out = tmp_path / "summary.md"
    out.write_text("the old summary", encoding="utf-8")

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(DestinationRefused, match="No space left"):
        stage(out, b"x" * 1000)
    assert out.read_text(encoding="utf-8") == "the old summary"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "summary.md"]
