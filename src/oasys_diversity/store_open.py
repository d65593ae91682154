"""Opening the case database: the one place a connection is made.

Everything that touches SQLite goes through `open_db`. Databases are encrypted with SQLCipher
(`sqlcipher3`, which bundles SQLCipher and its crypto) under a raw 256-bit key from `store_key`.
A file is checked read-only before anything is written: something that is not a regular file, a
file that is not SQLite, an SQLite file that is not ours, a damaged file, one made by a newer
version of the app, one the key does not open, or a plain (unencrypted) database is refused with a
one-line `StoreError` and left exactly as it was, with nothing new created beside it.

`open_connection` does all of that and `open_db` wraps the result in a `sqlite_utils.Database`. The
app's first screen reads through the plain connection, so start-up does not wait for sqlite-utils to
import; it is imported here only when a migration has to run.

sqlcipher3's exception classes are not sqlite3's: catch `DB_ERRORS` (both), never `sqlite3.Error`
alone.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlcipher3 import dbapi2 as sqlcipher

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

    from oasys_diversity.store_key import DatabaseKey

log = logging.getLogger(__name__)

DB_FILENAME = "cases.db"
# Long enough for another process's save (or an erasure's VACUUM) to finish; a wait, not a failure.
BUSY_TIMEOUT_SECONDS = 30.0
SQLITE_HEADER = b"SQLite format 3\x00"
# The database and its -wal and -shm companions: owner read/write only.
OWNER_ONLY = 0o600
COMPANION_SUFFIXES = ("", "-wal", "-shm", "-journal")
# Every database error, from either driver: code that catches only sqlite3's misses SQLCipher's.
DB_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher.Error)
# The page cache, in KiB, for each connection.
CACHE_KIB = 32 * 1024
# Less free space than this when SQLite reports an I/O error: the disk is full, whatever SQLite called it.
NEARLY_FULL_BYTES = 1024 * 1024
# Files up to this size are read in whole to check them when opened (about 40 ms; some 2,000 cases).
CHECK_AT_OPEN_BYTES = 8 * 1024 * 1024


class StoreError(Exception):
    """A problem with the case database, in one line that never contains answer text or names."""


class WrongKey(StoreError):
    """No key we have opens the file: a wrong key or passphrase, or a file that is not ours."""


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


def _reason(error: Exception) -> str:
    """SQLite's own words for an error: they name tables and columns, never bound values."""
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _error_name(error: Exception) -> str:
    return getattr(error, "sqlite_errorname", "") or ""


def disk_is_full(error: Exception, path: Path) -> bool:
    """SQLITE_FULL or ENOSPC, or an I/O error while the disk holding `path` has (almost) no room left."""
    if _error_name(error).startswith("SQLITE_FULL") or getattr(error, "errno", None) == errno.ENOSPC:
        return True
    if not _error_name(error).startswith("SQLITE_IOERR"):
        return False
    try:
        return shutil.disk_usage(path.parent).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def full_disk_error(path: Path) -> StoreError:
    return StoreError(f"the disk holding {path} is full; free some space and try again (nothing was changed)")


def describe(what: str, error: Exception, path: Path | None = None) -> StoreError:
    """One line for a database error: a full disk is called a full disk, never damage."""
    if path is not None and disk_is_full(error, path):
        return full_disk_error(path)
    if _error_name(error).startswith("SQLITE_FULL"):
        return StoreError(f"{what}: the disk is full; free some space and try again")
    return StoreError(f"{what}: {_reason(error)}")


def connect(target: str, *, uri: bool = False) -> sqlcipher.Connection:
    """A SQLCipher connection (no key yet). SQLCipher's own logging would print to the terminal: off."""
    conn = sqlcipher.connect(target, uri=uri, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
    conn.execute("PRAGMA cipher_log_level = NONE")
    return conn


def apply_key(conn: sqlcipher.Connection, key: DatabaseKey, salt: bytes) -> None:
    """Key the connection; `salt` is the file's first 16 bytes (or a new one for a new file)."""
    conn.execute(f'PRAGMA key = "{key.pragma(salt)}"')


_KINDS = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket",
}


def refuse_non_regular(path: Path) -> None:
    """A folder, named pipe, device or socket at the path (or at a companion's) is refused before opening.

    SQLite would block for ever opening a named pipe, so this must come before any connection.
    """
    for suffix in COMPANION_SUFFIXES:
        companion = path.with_name(path.name + suffix)
        try:
            mode = os.stat(companion).st_mode
        except FileNotFoundError:
            continue
        except OSError as error:
            raise StoreError(f"cannot look at {companion}: {error.strerror}") from None
        if stat.S_ISDIR(mode):
            raise StoreError(f"{companion} is a folder, not a database file")
        if not stat.S_ISREG(mode):
            kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
            raise StoreError(f"{companion} is {kind}, not a database file; refusing to open it")


def read_header(path: Path) -> bytes:
    """The first 16 bytes: SQLite's magic string for a plain file, SQLCipher's salt for an encrypted one."""
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER))


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
    except DB_ERRORS:
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


@contextmanager
def _read_only_uri(path: Path) -> Iterator[str]:
    """A URI that reads the database without creating anything beside it.

    With no -wal beside it nobody has the file open in WAL mode, and `immutable` lets SQLite read it
    without creating companions. With a -wal and its -shm (open elsewhere, or left by a crash) a plain
    read-only connection reads the log in. A -wal without its -shm would make SQLite create one, so
    the file and its log are copied to a private temporary folder and read there.
    """
    wal = path.with_name(path.name + "-wal")
    shm = path.with_name(path.name + "-shm")
    if not wal.exists():
        yield f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        return
    if shm.exists():
        yield f"{path.resolve().as_uri()}?mode=ro"
        return
    with tempfile.TemporaryDirectory(prefix="oasys-diversity-check-") as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        yield f"{copy.as_uri()}?mode=ro"


def checked_at_open(path: Path) -> bool:
    """True when opening the file reads all of it to check it (quick_check): files up to CHECK_AT_OPEN_BYTES.

    A larger file (a team's thousands of cases) is checked page by page as it is read (SQLCipher refuses a
    page whose checksum is wrong), and in whole by `check_whole_file` after the app has started."""
    try:
        return path.stat().st_size <= CHECK_AT_OPEN_BYTES
    except OSError:
        return True


def _check_contents(
    conn: sqlite3.Connection | sqlcipher.Connection,
    path: Path,
    *,
    full: bool = False,
    whole: bool = False,
    stop: threading.Event | None = None,
) -> None:
    """The schema check, and quick_check (integrity_check when `full`) when the file is small or `whole` is asked for,
    on a connection that reads the file. Setting `stop` interrupts the check (SQLITE_INTERRUPT)."""
    conn.execute("PRAGMA trusted_schema = OFF")
    if not (full or whole or checked_at_open(path)):
        check_schema(conn, path)
        return
    if stop is not None:
        # Every million steps (a few milliseconds): the handler takes the GIL each time it runs, and the officer's
        # keystrokes need it more than the check does.
        conn.set_progress_handler(stop.is_set, 1_000_000)
    result = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
    if result != [("ok",)]:
        check = "integrity_check" if full else "quick_check"
        raise StoreError(f"{path} failed SQLite's integrity check ({check}); refusing to open it")
    check_schema(conn, path)


def _refusal(error: Exception, path: Path) -> StoreError:
    """One line for an error met while reading a file to decide whether to open it."""
    name = _error_name(error)
    if disk_is_full(error, path):
        return full_disk_error(path)
    if isinstance(error, OSError):
        return StoreError(f"cannot read {path}: {error.strerror}")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreError(f"{path} is busy: another program is holding it; try again")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or (
        not name and isinstance(error, sqlite3.DatabaseError | sqlcipher.DatabaseError)
    ):
        return StoreError(f"{path} is damaged ({_reason(error)}); refusing to open it")
    return StoreError(f"cannot read {path}: {_reason(error)}")


def inspect_plain(path: Path) -> None:
    """Every check a plain (unencrypted) SQLite file gets before `db encrypt` converts it. Reads only."""
    try:
        with _read_only_uri(path) as uri:
            conn = connect(uri, uri=True)
            try:
                _check_contents(conn, path)
            finally:
                conn.close()
    except (*DB_ERRORS, OSError) as error:
        raise _refusal(error, path) from None


def open_encrypted(
    path: Path,
    keys: list[DatabaseKey],
    *,
    full: bool = False,
    whole: bool = False,
    stop: threading.Event | None = None,
) -> tuple[DatabaseKey, bytes]:
    """Check an encrypted file read-only with each key in turn; the key that opens it, and its salt.

    Refuses a file no key opens, a damaged one and one that is not ours or is newer. A large file is
    read in whole only with `whole` or `full` (see `checked_at_open`).
    """
    salt = read_header(path)
    try:
        with _read_only_uri(path) as uri:
            for key in keys:
                conn = connect(uri, uri=True)
                try:
                    apply_key(conn, key, salt)
                    try:
                        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                    except DB_ERRORS as error:
                        if _error_name(error).startswith("SQLITE_NOTADB"):
                            continue  # not this key: try the next
                        raise
                    _check_contents(conn, path, full=full, whole=whole, stop=stop)
                    return key, salt
                finally:
                    conn.close()
    except (*DB_ERRORS, OSError) as error:
        raise _refusal(error, path) from None
    raise WrongKey(
        f"{path} does not open with {keys[0].source}: the key is wrong, or the file is damaged or not an oasys-diversity database"
    )


def is_plain_sqlite(path: Path) -> bool:
    return path.stat().st_size > 0 and read_header(path) == SQLITE_HEADER


def _inspect_existing(path: Path) -> tuple[DatabaseKey, bytes] | None:
    """Every refusal, decided read-only before anything is written. The key and salt; None for an empty file."""
    from oasys_diversity.store_key import database_keys

    size = path.stat().st_size
    if not size:
        return None  # an empty file: ours to set up
    if read_header(path) == SQLITE_HEADER:
        inspect_plain(path)  # a foreign, damaged or newer plain file is refused for that reason first
        raise StoreError(f"{path} is not encrypted; run `oasys-diversity db encrypt --db {path}` once to encrypt it")
    # An encrypted file is whole pages (at least 512 bytes each): anything else is not a database.
    if size % 512:
        raise StoreError(f"{path} is not an SQLite database; refusing to open it")
    return open_encrypted(path, database_keys(new_database=False))


def check_whole_file(path: str | os.PathLike[str], stop: threading.Event | None = None) -> bool:
    """quick_check over every page of a database already opened (read-only, with the key that opened it).

    Raises StoreError naming the file when it is damaged. For the app to run in a background thread on a
    file too large to check at open (about 3 s for 100,000 cases); setting `stop` ends it early, and it
    then returns False."""
    from oasys_diversity.store_key import database_keys

    path = Path(path).expanduser()
    try:
        if read_header(path) == SQLITE_HEADER:
            inspect_plain(path)
        else:
            open_encrypted(path, database_keys(new_database=False), whole=True, stop=stop)
    except StoreError:
        if stop is not None and stop.is_set():
            return False  # interrupted, not damaged
        raise
    return True


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


def _journal_mode(conn: sqlcipher.Connection) -> str:
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
        except DB_ERRORS as error:
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
    # Pages are decrypted as they are read: a larger cache (32 MiB) keeps decrypted pages for the next save.
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
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


def open_connection(path: str | os.PathLike[str], kind: str = "live") -> sqlcipher.Connection:
    """`open_db`'s checked, configured and migrated connection, without the sqlite-utils wrapper.

    For reading at start-up (the case list); `as_database(conn)` wraps it for the store's other functions.
    Raises `store_key.KeyNeeded` (a `StoreError`) when a passphrase must be asked for first.
    """
    return open_keyed(path, kind)[0]


def _set_up(target: Path, key: DatabaseKey, salt: bytes) -> sqlcipher.Connection:
    """Connect, key, configure and migrate; one line on failure, the connection closed."""
    try:
        conn = connect(str(target))
    except DB_ERRORS as error:
        raise describe(f"cannot open {target}", error, target) from None
    try:
        apply_key(conn, key, salt)
        _configure(conn, target)
        _migrate(conn, target)
    except StoreError:
        conn.close()
        raise
    except DB_ERRORS as error:
        conn.close()
        raise describe(f"cannot set up {target}", error, target) from None
    return conn


def _create(path: Path) -> None:
    """Make a new database complete under a temporary name, then link it into place.

    Another process opening the same new path at that moment sees no file or a whole one, never an
    empty file it would give a salt of its own (SQLCipher keeps the salt in the first page).
    """
    from oasys_diversity.store_key import database_keys, new_salt

    temporary = path.with_name(f".{path.name}.new-{os.getpid()}")
    try:
        _set_up(temporary, database_keys(new_database=True)[0], new_salt()).close()
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: open theirs
        except OSError:
            if not path.exists():  # a file system without hard links
                os.replace(temporary, path)
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise full_disk_error(path) from None
        raise StoreError(f"cannot create {path}: {error.strerror}") from None
    finally:
        for suffix in COMPANION_SUFFIXES:
            temporary.with_name(temporary.name + suffix).unlink(missing_ok=True)


def open_keyed(path: str | os.PathLike[str], kind: str = "live") -> tuple[sqlcipher.Connection, DatabaseKey]:
    """`open_connection`, and the key that opened the file (backups and rekeying need it). `kind` is the mode
    asking (live, practice or demo): a database of another kind is refused (store_kind.py)."""
    from oasys_diversity.store_key import database_keys, new_salt

    path = Path(path).expanduser()
    refuse_non_regular(path)
    created = not path.exists() or path.stat().st_size == 0
    with _owner_only_umask():
        if not path.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as error:
                if error.errno == errno.ENOSPC:
                    raise full_disk_error(path) from None
                raise StoreError(f"cannot create the folder {path.parent}: {error.strerror}") from None
            if not os.access(path.parent, os.W_OK):
                raise StoreError(f"the folder {path.parent} is read-only; the app needs to write there")
            _create(path)
        found = _inspect_existing(path)
        if _is_read_only(path):
            raise StoreError(f"{path} is read-only; the app needs to write to it")
        if not os.access(path.parent, os.W_OK):
            raise StoreError(f"the folder {path.parent} is read-only; the app needs to write there")
        # An empty file is ours to set up, with a new salt.
        key, salt = found if found is not None else (database_keys(new_database=True)[0], new_salt())
        conn = _set_up(path, key, salt)
        try:
            ensure_kind(conn, path, kind, created)
        except WrongKind as error:
            conn.close()
            raise StoreError(str(error)) from None
    _make_owner_only(path)
    return conn, key
