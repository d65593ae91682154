"""Encryption at rest: what is on disk, where the key comes from, wrong keys, plain files, `db encrypt` and `db rekey`.

Also proves that a failing write under SQLCipher (whose exception classes are not sqlite3's) is
reported, rolls back only its own transaction and loses nothing committed before it.
"""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

import pytest
from crypt_support import decrypted_pages, raw

from oasys_diversity import store_key
from oasys_diversity.cli import main
from oasys_diversity.model import Answer, Case
from oasys_diversity.store import (
    StoreError,
    create_case,
    get_case,
    list_cases,
    load_assessment,
    open_db,
    save_answer,
)
from oasys_diversity.store_key import KEY_FILE_ENV, KeyNeeded, set_passphrase
from oasys_diversity.store_open import DB_ERRORS, SQLITE_HEADER, describe, writing

MARKER = "Marker-Oyelaran-7731"
OFFICER = "Sam Officer"


def a_case(name: str = MARKER, reference: str = "X123456") -> Case:
    return Case(reference=reference, name=name, officer=OFFICER, assessed_on=date(2025, 3, 14))


def on_disk(path: Path) -> bytes:
    """The database and its companions exactly as they lie on disk."""
    return b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name) and p.is_file())


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "cases.db"


def a_filled_database(path: Path) -> int:
    db = open_db(path)
    try:
        case_id = create_case(db, a_case())
        save_answer(
            db,
            case_id,
            Answer(question_id="culture.family", status="answered", value=MARKER + " words"),
            officer=OFFICER,
        )
        return case_id
    finally:
        db.close()


def a_plain_copy(encrypted: Path, plain: Path) -> None:
    """What an older version of the app left: the same database, unencrypted."""
    plain.parent.mkdir(parents=True, exist_ok=True)
    conn = raw(encrypted)
    conn.execute("ATTACH DATABASE ? AS plain KEY ''", [str(plain)])
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute("DETACH DATABASE plain")
    conn.close()


@pytest.fixture
def no_key_anywhere(monkeypatch):
    """No key file and no keyring: only a passphrase can open a database."""
    import keyring
    from keyring.backends import fail

    monkeypatch.delenv(KEY_FILE_ENV)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)
    store_key.forget_passphrase()


# ---------------------------------------------------------------------------------------------
# What is on disk
# ---------------------------------------------------------------------------------------------


def test_the_file_on_disk_holds_none_of_a_stored_marker(db_path):
    db = open_db(db_path)
    case_id = create_case(db, a_case())
    save_answer(db, case_id, Answer(question_id="culture.family", status="answered", value=MARKER), officer=OFFICER)
    # While the app is open (the -wal holds the latest pages) …
    assert MARKER.encode() not in on_disk(db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    # … and once it is closed: encrypted from the first byte, yet the words are there for the key's holder.
    assert MARKER.encode() not in on_disk(db_path)
    assert not db_path.read_bytes().startswith(SQLITE_HEADER)
    assert MARKER.encode() in decrypted_pages(db_path)
    assert oct(db_path.stat().st_mode & 0o777) == "0o600"


def test_a_new_key_file_is_private_and_holds_a_256_bit_key(db_path):
    a_filled_database(db_path)
    key_file = Path(os.environ[KEY_FILE_ENV])
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert len(bytes.fromhex(key_file.read_text().strip())) == 32


# ---------------------------------------------------------------------------------------------
# Wrong or missing key
# ---------------------------------------------------------------------------------------------


def test_a_wrong_key_is_one_line_and_changes_nothing(db_path, tmp_path, monkeypatch, capfd):
    a_filled_database(db_path)
    other_key = tmp_path / "other.key"
    other_key.write_text("11" * 32)
    monkeypatch.setenv(KEY_FILE_ENV, str(other_key))
    before = files_in(db_path.parent)
    assert main(["--db", str(db_path), "cases", "list"]) == 1
    out, err = capfd.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "key is wrong" in err and str(other_key) in err
    assert "Traceback" not in err and MARKER not in err
    assert files_in(db_path.parent) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")
def test_a_key_file_that_is_a_named_pipe_is_refused_not_waited_on(db_path, tmp_path, monkeypatch):
    a_filled_database(db_path)
    pipe = tmp_path / "pipe.key"
    os.mkfifo(pipe)
    monkeypatch.setenv(KEY_FILE_ENV, str(pipe))
    with pytest.raises(StoreError, match="not a regular file"):
        open_db(db_path)


def test_sqlite_utils_uses_the_sqlcipher_connection_as_given(db_path):
    """sqlite-utils wraps the connection it is handed (no new one) and only sets recursive_triggers.
    Its probes that catch sqlite3.OperationalError alone (upsert's ON CONFLICT and STRICT checks)
    succeed on SQLCipher's SQLite, so they never meet an exception they would miss."""
    db = open_db(db_path)
    try:
        assert type(db.conn).__module__ == "sqlcipher3.dbapi2"
        assert db.conn.execute("PRAGMA cipher_version").fetchone()[0]
        assert db.execute("PRAGMA recursive_triggers").fetchone()[0] == 1
        assert db.supports_on_conflict and db.supports_strict
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        db.close()


def test_a_missing_key_file_for_an_existing_database_is_one_line(db_path, tmp_path, monkeypatch):
    a_filled_database(db_path)
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "nowhere.key"))
    with pytest.raises(StoreError, match="does not exist"):
        open_db(db_path)
    assert not (tmp_path / "nowhere.key").exists()


def test_with_no_key_file_or_keyring_a_passphrase_is_needed_and_opens_the_file(db_path, no_key_anywhere):
    with pytest.raises(KeyNeeded) as needed:
        open_db(db_path)
    assert needed.value.new and not db_path.exists()
    set_passphrase("correct horse battery staple")
    a_filled_database(db_path)
    store_key.forget_passphrase()
    with pytest.raises(KeyNeeded) as needed:
        open_db(db_path)
    assert not needed.value.new
    set_passphrase("the wrong one")
    with pytest.raises(StoreError, match="passphrase: the key is wrong"):
        open_db(db_path)
    store_key.forget_passphrase()
    set_passphrase("correct horse battery staple")
    db = open_db(db_path)
    assert list_cases(db)[0].name == MARKER
    db.close()
    # The key is derived with the salt SQLCipher keeps in the file's first 16 bytes: nothing else is stored.
    assert sorted(p.name for p in db_path.parent.iterdir() if not p.name.endswith(("-wal", "-shm"))) == ["cases.db"]


def test_the_cli_without_a_terminal_says_how_to_give_a_key(db_path, no_key_anywhere, capfd, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["--db", str(db_path), "cases", "list"]) == 1
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and KEY_FILE_ENV in err
    assert not db_path.exists()


def test_the_keyring_keeps_a_new_key_and_opens_with_it(db_path, monkeypatch):
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1
        entries: dict[tuple[str, str], str] = {}

        def get_password(self, service, username):
            return self.entries.get((service, username))

        def set_password(self, service, username, password):
            self.entries[(service, username)] = password

        def delete_password(self, service, username):
            self.entries.pop((service, username), None)

    monkeypatch.delenv(KEY_FILE_ENV)
    # A desktop session: on Linux the keyring is looked for only where a session bus exists.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/test/bus")
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        a_filled_database(db_path)
        stored = MemoryKeyring.entries[("oasys-diversity", "database-key")]
        assert len(bytes.fromhex(stored)) == 32
        assert MARKER.encode() in decrypted_pages(db_path, bytes.fromhex(stored))
        db = open_db(db_path)
        assert list_cases(db)[0].name == MARKER
        db.close()
    finally:
        keyring.set_keyring(previous)


# ---------------------------------------------------------------------------------------------
# Plain databases and `db encrypt`
# ---------------------------------------------------------------------------------------------


def test_a_plain_database_is_refused_with_a_hint_then_db_encrypt_converts_it(db_path, tmp_path, capfd):
    case_id = a_filled_database(tmp_path / "source.db")
    a_plain_copy(tmp_path / "source.db", db_path)
    assert db_path.read_bytes().startswith(SQLITE_HEADER) and MARKER.encode() in db_path.read_bytes()
    before = files_in(db_path.parent)
    assert main(["--db", str(db_path), "cases", "list"]) == 1
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and "not encrypted" in err and "db encrypt" in err
    assert files_in(db_path.parent) == before

    assert main(["--db", str(db_path), "db", "encrypt"]) == 0
    out = capfd.readouterr().out
    assert "now encrypted (1 cases" in out
    assert MARKER.encode() not in on_disk(db_path)
    # The plain copy kept while the new file was checked is gone.
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["cases.db"]
    db = open_db(db_path)
    assert get_case(db, case_id).name == MARKER
    assert load_assessment(db, case_id).answers["culture.family"].value == MARKER + " words"
    db.close()
    # Running it again changes nothing.
    assert main(["--db", str(db_path), "db", "encrypt"]) == 1
    assert "already encrypted" in capfd.readouterr().err


def test_db_encrypt_refuses_while_the_database_is_open_elsewhere(db_path, tmp_path):
    from oasys_diversity.store_admin import encrypt_database

    a_filled_database(tmp_path / "source.db")
    a_plain_copy(tmp_path / "source.db", db_path)
    elsewhere = raw(db_path)
    elsewhere.execute("PRAGMA journal_mode = WAL")
    elsewhere.execute("SELECT count(*) FROM cases").fetchone()
    try:
        with pytest.raises(StoreError, match="in use: close the app"):
            encrypt_database(db_path)
    finally:
        elsewhere.close()
    assert db_path.read_bytes().startswith(SQLITE_HEADER)
    assert not db_path.with_name("cases.db.plain-backup").exists()


@pytest.mark.parametrize("failing", ["the copy's check", "the final open"])
def test_db_encrypt_puts_the_plain_original_back_when_the_encrypted_copy_fails(db_path, tmp_path, monkeypatch, failing):
    from oasys_diversity import store_admin

    a_filled_database(tmp_path / "source.db")
    a_plain_copy(tmp_path / "source.db", db_path)
    original = db_path.read_bytes()

    def broken(*_args, **_kwargs):
        raise StoreError("the check failed")

    monkeypatch.setattr(store_admin, "_verify" if failing == "the copy's check" else "open_connection", broken)
    with pytest.raises(StoreError):
        store_admin.encrypt_database(db_path)
    assert db_path.read_bytes() == original
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["cases.db"]


def test_db_encrypt_refuses_a_plain_database_that_is_not_ours(tmp_path, capfd):
    path = tmp_path / "other.db"
    conn = raw(path, plain=True)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.close()
    before = path.read_bytes()
    assert main(["--db", str(path), "db", "encrypt"]) == 1
    assert "not an oasys-diversity" in capfd.readouterr().err
    assert path.read_bytes() == before


# ---------------------------------------------------------------------------------------------
# db rekey
# ---------------------------------------------------------------------------------------------


def test_db_rekey_changes_the_key_and_keeps_the_old_one_for_older_backups(db_path, tmp_path, capfd):
    case_id = a_filled_database(db_path)
    key_file = Path(os.environ[KEY_FILE_ENV])
    old_key = key_file.read_text()
    assert main(["--db", str(db_path), "backup", "--out", str(tmp_path / "before.db")]) == 0
    assert main(["--db", str(db_path), "db", "rekey"]) == 0
    assert key_file.read_text() != old_key
    assert key_file.with_name(key_file.name + ".previous").read_text() == old_key
    assert not key_file.with_name(key_file.name + ".next").exists()
    assert MARKER.encode() in decrypted_pages(db_path, bytes.fromhex(key_file.read_text().strip()))
    db = open_db(db_path)
    assert get_case(db, case_id).name == MARKER
    db.close()
    capfd.readouterr()
    assert main(["backup", "--check", str(tmp_path / "before.db")]) == 0
    assert ".previous" in capfd.readouterr().out


def test_db_rekey_of_a_passphrase_database_asks_for_a_new_passphrase(db_path, no_key_anywhere, monkeypatch):
    from oasys_diversity import cli_store

    typed = iter(["first passphrase", "second passphrase", "second passphrase"])
    monkeypatch.setattr(cli_store, "ask_passphrase", lambda prompt, *, confirm: next(typed))
    set_passphrase("first passphrase")
    a_filled_database(db_path)
    store_key.forget_passphrase()
    assert main(["--db", str(db_path), "db", "rekey"]) == 0
    store_key.forget_passphrase()
    set_passphrase("first passphrase")
    with pytest.raises(StoreError, match="key is wrong"):
        open_db(db_path)
    store_key.forget_passphrase()
    set_passphrase("second passphrase")
    open_db(db_path).close()


# ---------------------------------------------------------------------------------------------
# Failing writes under SQLCipher
# ---------------------------------------------------------------------------------------------


def test_a_failing_write_inside_a_transaction_is_reported_and_loses_nothing_committed(db_path):
    db = open_db(db_path)
    case_id = create_case(db, a_case())
    save_answer(db, case_id, Answer(question_id="faith.religion", status="answered", value="muslim"), officer=OFFICER)
    audit_rows = db["audit"].count
    # A transaction that writes, then hits a trigger's refusal: the error reaches the caller (it is
    # one of DB_ERRORS, though not a sqlite3 class) and the whole transaction, and only it, is undone.
    with pytest.raises(DB_ERRORS, match="append-only"):
        with writing(db):
            db.execute("UPDATE cases SET name = 'changed' WHERE id = ?", [case_id])
            db.execute("UPDATE audit SET officer = 'someone else'")
    assert not db.conn.in_transaction
    assert get_case(db, case_id).name == MARKER
    assert db["audit"].count == audit_rows
    # The store turns the same kind of failure into one StoreError line naming the question, not the words.
    with pytest.raises(StoreError) as caught:
        save_answer(db, 999, Answer(question_id="faith.religion", status="answered", value=MARKER), officer=OFFICER)
    assert MARKER not in str(caught.value)
    assert not db.conn.in_transaction
    # Everything committed before is still there, and the next save works.
    assert load_assessment(db, case_id).answers["faith.religion"].value == "muslim"
    save_answer(db, case_id, Answer(question_id="faith.religion", status="declined"), officer=OFFICER)
    db.close()
    db = open_db(db_path)
    assert load_assessment(db, case_id).answers["faith.religion"].status == "declined"
    db.close()


def test_a_full_database_is_called_full_and_the_earlier_answers_stay(db_path):
    db = open_db(db_path)
    case_id = create_case(db, a_case())
    save_answer(db, case_id, Answer(question_id="faith.religion", status="answered", value="muslim"), officer=OFFICER)
    # SQLite reports SQLITE_FULL when the file may not grow: what a full disk looks like to it.
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match="full") as caught:
        for number in range(200):
            save_answer(
                db,
                case_id,
                Answer(question_id=f"culture.q{number}", status="answered", value="x" * 2000),
                officer=OFFICER,
            )
    assert "damaged" not in str(caught.value)
    assert not db.conn.in_transaction
    assert load_assessment(db, case_id).answers["faith.religion"].value == "muslim"
    db.close()


def test_an_io_error_on_a_full_disk_is_called_a_full_disk(tmp_path, monkeypatch):
    from collections import namedtuple

    from sqlcipher3 import dbapi2

    error = dbapi2.OperationalError("disk I/O error")
    error.sqlite_errorname = "SQLITE_IOERR_WRITE"
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr("shutil.disk_usage", lambda _path: usage(100, 100, 0))
    assert "is full" in str(describe("cannot set up", error, tmp_path / "cases.db"))
    monkeypatch.setattr("shutil.disk_usage", lambda _path: usage(10**12, 1, 10**12))
    assert "disk I/O error" in str(describe("cannot set up", error, tmp_path / "cases.db"))
