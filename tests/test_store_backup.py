"""`backup --out`, `--check` and `--restore`, and the files the store refuses before opening them.

Every refusal is one line on stderr, exit code 1, and leaves the files (and the folder) as they were.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from crypt_support import raw

from oasys_diversity.cli import main
from oasys_diversity.model import Answer, Case
from oasys_diversity.store import StoreError, create_case, get_case, list_cases, load_assessment, open_db, save_answer

MARKER = "Marker-Achterberg-5120"
OFFICER = "Sam Officer"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "cases.db"
    db = open_db(path)
    case_id = create_case(db, Case(reference="B1", name=MARKER, officer=OFFICER, assessed_on=date(2025, 3, 14)))
    save_answer(db, case_id, Answer(question_id="culture.family", status="answered", value=MARKER), officer=OFFICER)
    db.close()
    return path


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def refused(capfd, *argv: str, words: str) -> str:
    assert main(list(argv)) == 1
    out, err = capfd.readouterr()
    assert err.count("\n") == 1 and words in err, err
    assert "Traceback" not in err and MARKER not in err
    return err


def test_backup_check_and_restore_round_trip(db_path, tmp_path, capfd):
    backup = tmp_path / "backups" / "cases-backup.db"
    backup.parent.mkdir()
    assert main(["--db", str(db_path), "backup", "--out", str(backup)]) == 0
    assert "1 cases" in capfd.readouterr().out
    assert MARKER.encode() not in backup.read_bytes()
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    assert main(["backup", "--check", str(backup)]) == 0
    assert "integrity_check ok, 1 cases" in capfd.readouterr().out

    # After the backup: a second case, and the first one's answer changed.
    db = open_db(db_path)
    later = create_case(db, Case(reference="B2", name="Later Person", officer=OFFICER, assessed_on=date(2025, 4, 1)))
    save_answer(db, 1, Answer(question_id="culture.family", status="declined"), officer=OFFICER)
    db.close()
    backup_bytes = backup.read_bytes()

    assert main(["--db", str(db_path), "backup", "--restore", str(backup), "--yes"]) == 0
    out = capfd.readouterr().out
    assert "restored" in out and "before-restore" in out
    db = open_db(db_path)
    assert [c.name for c in list_cases(db)] == [MARKER]
    assert load_assessment(db, 1).answers["culture.family"].value == MARKER
    db.close()
    assert backup.read_bytes() == backup_bytes  # the backup itself is only read
    # The database it replaced is kept, encrypted, and still opens with everything it held.
    (kept,) = db_path.parent.glob("cases.db.before-restore-*")
    assert MARKER.encode() not in kept.read_bytes()
    db = open_db(kept)
    assert get_case(db, later).name == "Later Person"
    db.close()


def test_restore_onto_a_new_machine_with_no_database(db_path, tmp_path, capfd):
    backup = tmp_path / "backup.db"
    assert main(["--db", str(db_path), "backup", "--out", str(backup)]) == 0
    fresh = tmp_path / "elsewhere" / "cases.db"
    assert main(["--db", str(fresh), "backup", "--restore", str(backup), "--yes"]) == 0
    db = open_db(fresh)
    assert list_cases(db)[0].name == MARKER
    db.close()


def test_restore_refuses_while_the_app_has_the_database_open(db_path, tmp_path, capfd):
    backup = tmp_path / "backup.db"
    assert main(["--db", str(db_path), "backup", "--out", str(backup)]) == 0
    app = open_db(db_path)
    try:
        refused(capfd, "--db", str(db_path), "backup", "--restore", str(backup), "--yes", words="in use")
        assert list_cases(app)[0].name == MARKER
    finally:
        app.close()
    assert not list(db_path.parent.glob("*.before-restore-*"))


def test_backup_refuses_the_live_database_its_companions_and_an_existing_file(db_path, tmp_path, capfd):
    before = files_in(db_path.parent)
    for target in (db_path, db_path.with_name("cases.db-wal"), db_path.with_name("cases.db-shm")):
        refused(capfd, "--db", str(db_path), "backup", "--out", str(target), words="onto the case database")
    link = tmp_path / "link-to-db"
    link.symlink_to(db_path)
    refused(capfd, "--db", str(db_path), "backup", "--out", str(link), words="onto the case database")
    key_file = Path(os.environ["OASYS_DIVERSITY_KEY_FILE"])
    key = key_file.read_bytes()
    refused(capfd, "--db", str(db_path), "backup", "--out", str(key_file), "--force", words="onto the key file")
    assert key_file.read_bytes() == key
    existing = tmp_path / "existing.db"
    existing.write_text("keep me")
    refused(capfd, "--db", str(db_path), "backup", "--out", str(existing), words="--force")
    assert existing.read_text() == "keep me"
    assert files_in(db_path.parent) == before
    assert main(["--db", str(db_path), "backup", "--out", str(existing), "--force"]) == 0
    assert main(["backup", "--check", str(existing)]) == 0


@pytest.mark.parametrize("damage", ["truncated", "scribbled", "plain", "text"])
def test_backup_check_refuses_a_bad_backup_in_one_line(db_path, tmp_path, capfd, damage):
    backup = tmp_path / "backup.db"
    assert main(["--db", str(db_path), "backup", "--out", str(backup)]) == 0
    capfd.readouterr()
    data = backup.read_bytes()
    if damage == "truncated":
        backup.write_bytes(data[: len(data) // 2 + 100])
    elif damage == "scribbled":
        backup.write_bytes(data[:8192] + bytes(4096) + data[12288:])
    elif damage == "plain":
        backup.unlink()
        conn = raw(backup, plain=True)
        conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        conn.close()
    else:
        backup.write_text("not a backup\n" * 600)
    before = files_in(tmp_path)
    refused(capfd, "backup", "--check", str(backup), words=str(backup))
    assert files_in(tmp_path) == before


# ---------------------------------------------------------------------------------------------
# Files that are not regular files, and nothing created beside a refused one
# ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")
@pytest.mark.parametrize("where", ["cases.db", "cases.db-wal"])
def test_a_named_pipe_is_refused_before_opening(tmp_path, capfd, where):
    folder = tmp_path / "data"
    folder.mkdir()
    if where != "cases.db":
        shutil.copyfile(Path(__file__), folder / "cases.db")  # anything: the pipe is checked first
    os.mkfifo(folder / where)
    before = sorted(p.name for p in folder.iterdir())
    refused(capfd, "--db", str(folder / "cases.db"), "cases", "list", words="named pipe")
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_folder_and_a_device_are_refused(tmp_path, capfd):
    refused(capfd, "--db", str(tmp_path), "cases", "list", words="is a folder")
    device = tmp_path / "device.db"
    try:
        os.mknod(device, 0o600 | 0o020000, os.makedev(1, 3))  # a character device, like /dev/null
    except (PermissionError, AttributeError, OSError):
        pytest.skip("cannot make a device node here")
    refused(capfd, "--db", str(device), "cases", "list", words="a device")


def test_a_refused_file_with_a_log_but_no_shm_gets_nothing_new_beside_it(tmp_path):
    """A foreign WAL database left with its -wal (say, copied mid-write): refused, and no -shm appears."""
    source = tmp_path / "source"
    source.mkdir()
    writer = raw(source / "other.db", plain=True)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    writer.execute("INSERT INTO invoices (total) VALUES (1.5)")
    target = tmp_path / "target"
    target.mkdir()
    shutil.copyfile(source / "other.db", target / "other.db")
    shutil.copyfile(source / "other.db-wal", target / "other.db-wal")
    writer.close()
    before = files_in(target)
    with pytest.raises(StoreError, match="not an oasys-diversity"):
        open_db(target / "other.db")
    assert files_in(target) == before


# ---------------------------------------------------------------------------------------------
# A backup while another process is saving
# ---------------------------------------------------------------------------------------------

SAVER = r"""
import sys
from oasys_diversity.model import Answer
from oasys_diversity.store import open_db, save_answer

db = open_db(sys.argv[1])
number = 0
while True:
    save_answer(db, 1, Answer(question_id=f"busy.q{number % 30}", status="answered", value=f"save {number}"), officer="O")
    print(number, flush=True)
    number += 1
"""


@pytest.mark.slow
def test_a_backup_taken_while_another_process_saves_is_consistent(db_path, tmp_path):
    import subprocess
    import sys

    from oasys_diversity.store import audit_trail

    child = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(db_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        for round_number in range(3):
            # Wait for some saves to be acknowledged, then back up while the saver goes on.
            for _ in range(40):
                acknowledged = int(child.stdout.readline())
            backup = tmp_path / f"backup-{round_number}.db"
            assert main(["--db", str(db_path), "backup", "--out", str(backup)]) == 0
            assert main(["backup", "--check", str(backup)]) == 0
            copy = open_db(backup)
            try:
                answers = load_assessment(copy, 1).answers
                # Every save acknowledged before the backup began is in it …
                saved = {int(a.value.split()[1]) for a in answers.values() if a.value.startswith("save ")}
                assert max(saved) >= acknowledged
                # … and each answer matches the last audit row for it: no save is half in the copy.
                last_audit: dict[str, object] = {}
                for entry in audit_trail(copy, 1):
                    if entry["field"] == "answer":
                        last_audit[entry["question_id"]] = entry["new_value"]["value"]
                for question_id, answer in answers.items():
                    assert last_audit[question_id] == answer.value, question_id
            finally:
                copy.close()
    finally:
        child.kill()
        child.wait(timeout=60)
        child.stdout.close()
        child.stderr.close()
