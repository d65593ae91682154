"""Encrypting, rekeying, backing up and restoring the case database.

Each one writes a complete new file with SQLCipher's `sqlcipher_export` into a temporary file
beside its target, checks the new file opens with its key and passes `PRAGMA integrity_check` with
the same number of rows in every table, and only then moves it into place with one atomic rename.
A failure at any point leaves the target as it was. Nothing here prints: the command line does.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from oasys_diversity.store_key import (
    NEXT,
    PREVIOUS,
    DatabaseKey,
    KeyChange,
    database_keys,
    key_file_path,
    new_key_like,
    new_salt,
)
from oasys_diversity.store_open import (
    COMPANION_SUFFIXES,
    DB_ERRORS,
    OWNER_ONLY,
    StoreError,
    _inspect_existing,
    _owner_only_umask,
    apply_key,
    connect,
    describe,
    inspect_plain,
    is_plain_sqlite,
    open_connection,
    open_encrypted,
    open_keyed,
    read_header,
    refuse_non_regular,
)

PLAIN_BACKUP_SUFFIX = ".plain-backup"


@dataclass(frozen=True)
class Verified:
    """A file that opened with its key and passed integrity_check."""

    path: Path
    cases: int
    key: DatabaseKey


def _temporary_beside(target: Path, what: str) -> Path:
    return target.with_name(f".{target.name}.{what}-{os.getpid()}")


def _counts(conn) -> dict[str, int]:
    """Rows per table of the connection's main database."""
    tables = [row[0] for row in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table' ORDER BY name")]
    return {table: conn.execute(f'SELECT count(*) FROM main."{table}"').fetchone()[0] for table in tables}


def _sync(path: Path) -> None:
    """Flush a file and its folder entry to disk, so a rename after it survives a power cut."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _export(conn, target: Path, key: DatabaseKey) -> dict[str, int]:
    """Copy the connection's database into a new file at `target` encrypted with `key`; its rows per table.

    The counts and the copy come from one read transaction: a save made meanwhile by another process
    is either wholly in both or in neither.
    """
    conn.execute("ATTACH DATABASE ? AS export KEY ?", [str(target), key.pragma(new_salt())])
    try:
        conn.execute("BEGIN")
        try:
            counts = _counts(conn)
            conn.execute("SELECT sqlcipher_export('export')").fetchall()
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("DETACH DATABASE export")
    target.chmod(OWNER_ONLY)
    _sync(target)
    return counts


def _verify(path: Path, keys: list[DatabaseKey], expected: dict[str, int] | None = None) -> Verified:
    """Opens with one of `keys`, passes integrity_check and the schema check, and holds `expected` rows."""
    key, salt = open_encrypted(path, keys, full=True)
    conn = connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        apply_key(conn, key, salt)
        counts = _counts(conn)
    finally:
        conn.close()
    if expected is not None and counts != expected:
        raise StoreError(f"the copy written to {path} does not hold every row; nothing was replaced")
    return Verified(path, counts.get("cases", 0), key)


def _alone(conn, path: Path) -> None:
    """Leave write-ahead logging and hold an exclusive lock on the file until the connection closes.

    Leaving WAL needs every other connection closed: this is how a conversion knows the app is not
    open on the file (its next save would go to the replaced file). The lock keeps everyone else out
    until the new file is in place.
    """
    conn.isolation_level = None
    busy = StoreError(f"{path} is in use: close the app (and anything else using it) and try again")
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except DB_ERRORS:
        raise busy from None
    if mode != "delete":
        raise busy


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _refuse_target(database: Path, target: Path, *, force: bool, what: str) -> None:
    """Never write onto the case database or its companions; never onto an existing file without --force."""
    for suffix in COMPANION_SUFFIXES:
        companion = database.with_name(database.name + suffix)
        if target.resolve() == companion.resolve() or _same_file(target, companion):
            raise StoreError(f"refusing to write {what} onto the case database {companion}")
    key_file = key_file_path()
    if key_file is not None:
        for kept in (key_file, *(key_file.with_name(f"{key_file.name}.{s}") for s in (NEXT, PREVIOUS))):
            if target.resolve() == kept.resolve() or _same_file(target, kept):
                raise StoreError(f"refusing to write {what} onto the key file {kept}")
    if target.is_dir():
        raise StoreError(f"{target} is a folder; name a file for {what}")
    if target.exists() or target.is_symlink():
        refuse_non_regular(target)
        if not force:
            raise StoreError(f"{target} already exists; add --force to replace it")


def _shred(path: Path) -> None:
    """Overwrite a plain copy with zeros before deleting it (on SSDs old blocks may still linger)."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        for _ in range(0, size, 1 << 20):
            handle.write(b"\0" * min(1 << 20, size - handle.tell()))
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()


# ---------------------------------------------------------------------------------------------
# db encrypt / db rekey
# ---------------------------------------------------------------------------------------------


def encrypt_database(path: Path) -> Verified:
    """Convert a plain database to an encrypted one in place.

    The plain original is kept as FILE.plain-backup until the encrypted file has been moved into
    place and opens through the store; then it is overwritten with zeros and deleted. If anything
    fails, the plain original is put back and the error says so.
    """
    path = Path(path).expanduser()
    refuse_non_regular(path)
    if not path.exists():
        raise StoreError(f"there is no database at {path}")
    if not is_plain_sqlite(path):
        raise StoreError(f"{path} is already encrypted (or is not an SQLite database)")
    backup = path.with_name(path.name + PLAIN_BACKUP_SUFFIX)
    if backup.exists():
        raise StoreError(f"{backup} is left from an earlier attempt; move it away first")
    inspect_plain(path)  # refuses a foreign, damaged or newer file before anything is written
    key = database_keys(new_database=True)[0]
    temporary = _temporary_beside(path, "encrypting")
    with _owner_only_umask():
        conn = connect(str(path))
        try:
            _alone(conn, path)
            _verify(temporary, [key], _export(conn, temporary, key))
            try:
                os.link(path, backup)
            except OSError as error:
                raise StoreError(f"cannot keep the original as {backup}: {error.strerror}") from None
            os.replace(temporary, path)
            _sync(path)
        except DB_ERRORS as error:
            raise describe(f"cannot encrypt {path}", error, path) from None
        finally:
            conn.close()
            temporary.unlink(missing_ok=True)
    try:
        open_connection(path).close()
    except StoreError as error:
        os.replace(backup, path)
        raise StoreError(f"the encrypted copy did not open ({error}); the plain original is back in place") from None
    _shred(backup)
    return _verify_live(path)


def _verify_live(path: Path) -> Verified:
    conn, key = open_keyed(path)
    try:
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        conn.close()
    return Verified(path, cases, key)


def rekey_database(path: Path, new_passphrase: str | None = None) -> Verified:
    """Re-encrypt the database with a new key (a new random key, or `new_passphrase` for a passphrase database).

    The new key is stored as "next" first, the file is replaced, then the new key becomes current
    and the old one is kept as "previous" (so older backups still open).
    """
    path = Path(path).expanduser()
    refuse_non_regular(path)
    if not path.exists():
        raise StoreError(f"there is no database at {path}")
    found = _inspect_existing(path)
    if found is None:
        raise StoreError(f"{path} is empty; there is nothing to rekey")
    old, salt = found
    change = KeyChange(old, new_key_like(old, new_passphrase))
    temporary = _temporary_beside(path, "rekeying")
    with _owner_only_umask():
        conn = connect(str(path))
        try:
            apply_key(conn, old, salt)
            _alone(conn, path)
            change.stage()
            try:
                _verify(temporary, [change.new], _export(conn, temporary, change.new))
                os.replace(temporary, path)
            except BaseException:
                change.abandon()
                raise
            _sync(path)
        except DB_ERRORS as error:
            raise describe(f"cannot rekey {path}", error, path) from None
        finally:
            conn.close()
            temporary.unlink(missing_ok=True)
    change.commit()
    return _verify_live(path)


# ---------------------------------------------------------------------------------------------
# backup --out / --check / --restore
# ---------------------------------------------------------------------------------------------


def backup_database(path: Path, out: Path, *, force: bool = False) -> Verified:
    """A consistent encrypted copy of the live database at `out` (same key), checked before it is kept."""
    path, out = Path(path).expanduser(), Path(out).expanduser()
    _refuse_target(path, out, force=force, what="a backup")
    conn, key = open_keyed(path)
    temporary = _temporary_beside(out, "backup")
    try:
        with _owner_only_umask():
            expected = _export(conn, temporary, key)
        _verify(temporary, [key], expected)
        os.replace(temporary, out)
        _sync(out)
    except DB_ERRORS as error:
        raise describe(f"cannot write the backup {out}", error, out) from None
    except OSError as error:
        raise StoreError(f"cannot write the backup {out}: {error.strerror}") from None
    finally:
        conn.close()
        temporary.unlink(missing_ok=True)
    return Verified(out, expected.get("cases", 0), key)


def check_backup(backup: Path) -> Verified:
    """Opens with the key (current, next or previous) and passes integrity_check. Reads only."""
    backup = Path(backup).expanduser()
    refuse_non_regular(backup)
    if not backup.exists():
        raise StoreError(f"there is no backup at {backup}")
    if not backup.stat().st_size:
        raise StoreError(f"{backup} is empty; it is not a backup")
    if is_plain_sqlite(backup):
        raise StoreError(f"{backup} is not encrypted; it is not a backup made by oasys-diversity")
    if backup.stat().st_size % 512:
        raise StoreError(f"{backup} is not an SQLite database")
    return _verify(backup, database_keys(new_database=False))


def restore_database(backup: Path, path: Path) -> tuple[Verified, Path | None]:
    """Replace the live database with a checked backup, re-encrypted with the current key.

    The database it replaces is kept beside it as FILE.before-restore-TIME (encrypted); the second
    value says where (None when there was no database).
    """
    backup, path = Path(backup).expanduser(), Path(path).expanduser()
    if _same_file(backup, path):
        raise StoreError(f"{backup} is the case database itself")
    checked = check_backup(backup)
    refuse_non_regular(path)
    kept: Path | None = None
    temporary = _temporary_beside(path, "restoring")
    with _owner_only_umask():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        live = None
        if path.exists() and path.stat().st_size:
            found = _inspect_existing(path)
            assert found is not None
            live = connect(str(path))
            apply_key(live, *found)
            _alone(live, path)  # the app must be closed: its next save would go to the replaced file
            key = found[0]
        else:
            key = database_keys(new_database=True)[0]
        source = connect(f"{backup.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            apply_key(source, checked.key, read_header(backup))
            _verify(temporary, [key], _export(source, temporary, key))
            if live is not None:
                kept = path.with_name(f"{path.name}.before-restore-{time.strftime('%Y%m%dT%H%M%S')}")
                os.link(path, kept)
            os.replace(temporary, path)
            _sync(path)
        except DB_ERRORS as error:
            raise describe(f"cannot restore {backup}", error, path) from None
        finally:
            source.close()
            if live is not None:
                live.close()
            temporary.unlink(missing_ok=True)
    return _verify_live(path), kept
