"""Opening the case database: the one place a connection is made.

Everything that touches SQLite goes through `open_db`, so an encrypting driver can be slotted in
here later without changing any caller. A file is checked read-only before anything is written:
a file that is not SQLite, an SQLite file that is not ours, a damaged file, or one made by a newer
version of the app is refused with a one-line `StoreError` and left exactly as it was.

`open_connection` does all of that with plain sqlite3 and `open_db` wraps the result in a
`sqlite_utils.Database`. The app's first screen reads through the plain connection, so start-up does
not wait for sqlite-utils to import; it is imported here only when a migration has to run.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from oasys_diversity.store_kind import WrongKind, ensure_kind
from oasys_diversity.store_migrations import (
    APP_MARKER,
    KNOWN_MIGRATIONS,
    MIGRATION_SET,
    MIGRATIONS_TABLE,
    SCHEMA_VERSION,
    migrations,
    pending,
)

if TYPE_CHECKING:
    import sqlite_utils

log = logging.getLogger(__name__)

DB_FILENAME = "cases.db"
# Long enough for another process's save (or an erasure's VACUUM) to finish; a wait, not a failure.
BUSY_TIMEOUT_SECONDS = 30.0
SQLITE_HEADER = b"SQLite format 3\x00"
# The database and its -wal and -shm companions: owner read/write only.
OWNER_ONLY = 0o600
COMPANION_SUFFIXES = ("", "-wal", "-shm", "-journal")


class StoreError(Exception):
    """A problem with the case database, in one line that never contains answer text or names."""


def default_db_path() -> Path:
    """`$OASYS_DIVERSITY_HOME/cases.db` if that is set, else `cases.db` in the user's data directory."""
    home = os.environ.get("OASYS_DIVERSITY_HOME")
    if home:
        return Path(home).expanduser() / DB_FILENAME
    import platformdirs

    return Path(platformdirs.user_data_dir("oasys-diversity", appauthor=False)) / DB_FILENAME


@contextmanager
def _owner_only_umask() -> Iterator[None]:
    """Files and folders created inside are private whatever the user's umask."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def _reason(error: sqlite3.Error) -> str:
    """SQLite's own words for an error: they name tables and columns, never bound values."""
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _error_name(error: sqlite3.Error) -> str:
    return getattr(error, "sqlite_errorname", "") or ""


def check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse an SQLite database that is not ours or is newer than this code. Reads only."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    tables.discard("sqlite_sequence")
    if not tables:
        return  # an empty database: ours to set up
    not_ours = StoreError(f"{path} is an SQLite database but not an oasys-diversity one; refusing to open it")
    if "meta" not in tables:
        raise not_ours
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error:
        raise not_ours from None
    if meta.get("app") != APP_MARKER:
        raise not_ours
    try:
        version = int(meta.get("schema_version", "0"))
    except ValueError:
        raise StoreError(f"{path} has an unreadable schema version; refusing to open it") from None
    unknown: list[str] = []
    if MIGRATIONS_TABLE in tables:
        applied = conn.execute(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", [MIGRATION_SET]
        ).fetchall()
        unknown = [name for (name,) in applied if name not in KNOWN_MIGRATIONS]
    if version > SCHEMA_VERSION or unknown:
        raise StoreError(
            f"{path} was made by a newer version of oasys-diversity (schema {version}, this version knows "
            f"{SCHEMA_VERSION}); refusing to open it — please upgrade"
        )


def _inspect_existing(path: Path) -> None:
    """Every refusal, decided on a read-only connection before anything is written."""
    if path.stat().st_size:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header != SQLITE_HEADER:
            raise StoreError(f"{path} is not an SQLite database; refusing to open it")
    # With no -wal beside it nobody has the file open in WAL mode, and `immutable` lets SQLite read
    # it without creating -wal/-shm companions: a refused file is left with nothing new beside it.
    # With a -wal (open elsewhere, or left by a crash) a plain read-only connection reads it in.
    wal = path.with_name(path.name + "-wal")
    options = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{options}", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open {path}: {_reason(error)}") from None
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        result = conn.execute("PRAGMA quick_check").fetchall()
        if result != [("ok",)]:
            raise StoreError(f"{path} failed SQLite's integrity check (quick_check); refusing to open it")
        check_schema(conn, path)
    except sqlite3.Error as error:
        name = _error_name(error)
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            raise StoreError(f"{path} is busy: another program is holding it; try again") from None
        if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or isinstance(error, sqlite3.DatabaseError):
            raise StoreError(f"{path} is damaged ({_reason(error)}); refusing to open it") from None
        raise StoreError(f"cannot read {path}: {_reason(error)}") from None
    finally:
        conn.close()


def _is_read_only(path: Path) -> bool:
    """True when we may not write the file. Mode bits too: root's os.access ignores them."""
    mode = path.stat().st_mode
    return not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def _make_owner_only(path: Path) -> None:
    for suffix in COMPANION_SUFFIXES:
        companion = path.with_name(path.name + suffix)
        try:
            if stat.S_IMODE(companion.stat().st_mode) != OWNER_ONLY:
                companion.chmod(OWNER_ONLY)
        except FileNotFoundError:
            continue
        except OSError as error:
            raise StoreError(f"cannot make {companion} private: {error.strerror}") from None


@contextmanager
def writing(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction, committed when the block ends.

    BEGIN IMMEDIATE takes the write lock up front, so a second process waits its turn (busy
    timeout) instead of failing part-way when a read turns into a write. Inside an open
    transaction it nests as a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    try:
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise


def _journal_mode(conn: sqlite3.Connection) -> str:
    return conn.execute("PRAGMA journal_mode").fetchone()[0]


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch to write-ahead logging unless the file already uses it.

    The switch needs the file to itself for a moment, and SQLite refuses at once (without waiting
    for the busy timeout) while another process is setting up the same new file; so wait and retry,
    as the busy timeout would. Nothing has been written yet, so no transaction is open, as the switch requires.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while _journal_mode(conn) != "wal":
        try:
            conn.execute("PRAGMA journal_mode = wal")
            return  # switched, or the file system cannot: the caller checks which
        except sqlite3.OperationalError as error:
            if not _error_name(error).startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _configure(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    # Never run functions or virtual tables named in the schema of a file someone handed us.
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA foreign_keys = ON")
    # As sqlite_utils.Database sets it, so the connection behaves the same before and after it is wrapped.
    conn.execute("PRAGMA recursive_triggers = ON")
    # Deleted answers are overwritten, and temporary sorts never land in /tmp.
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    _use_wal(conn)
    if _journal_mode(conn) != "wal":
        raise StoreError(f"{path} cannot use write-ahead logging on this file system; refusing to open it")
    # FULL: in WAL mode every commit is synced to disk before save_answer returns.
    conn.execute("PRAGMA synchronous = FULL")


def as_database(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """A connection from `open_connection`, wrapped for the store's functions (imports sqlite-utils)."""
    import sqlite_utils

    return sqlite_utils.Database(conn)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    if not pending(conn):
        return
    db = as_database(conn)
    with writing(db):
        # Another process may have set the file up while we waited for the lock.
        check_schema(conn, path)
        names = pending(conn)
        migrations.apply(db)
    log.info("applied schema migrations %s to %s", ", ".join(names), path)


def open_db(path: str | os.PathLike[str], kind: str = "live") -> sqlite_utils.Database:
    """Open (or create) the case database at `path`, ready for the store's functions.

    Refuses, without modifying it, a file that is not SQLite, is damaged (quick_check), is not an
    oasys-diversity database, was made by a newer version, or is read-only. `kind` is the mode asking
    ("live", "practice" or "demo"): a database of another kind is refused too (store_kind.py).
    """
    return as_database(open_connection(path, kind))


def open_connection(path: str | os.PathLike[str], kind: str = "live") -> sqlite3.Connection:
    """`open_db`'s checked, configured and migrated connection, without the sqlite-utils wrapper.

    For reading at start-up (the case list); `as_database(conn)` wraps it for the store's other functions.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file")
    created = not path.exists() or path.stat().st_size == 0
    with _owner_only_umask():
        if path.exists():
            _inspect_existing(path)
            if _is_read_only(path):
                raise StoreError(f"{path} is read-only; the app needs to write to it")
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as error:
                raise StoreError(f"cannot create the folder {path.parent}: {error.strerror}") from None
        if not os.access(path.parent, os.W_OK):
            raise StoreError(f"the folder {path.parent} is read-only; the app needs to write there")
        try:
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
        except sqlite3.Error as error:
            raise StoreError(f"cannot open {path}: {_reason(error)}") from None
        try:
            _configure(conn, path)
            _migrate(conn, path)
            ensure_kind(conn, path, kind, created)
        except WrongKind as error:
            conn.close()
            raise StoreError(str(error)) from None
        except StoreError:
            conn.close()
            raise
        except sqlite3.Error as error:
            conn.close()
            raise StoreError(f"cannot set up {path}: {_reason(error)}") from None
    _make_owner_only(path)
    return conn
