"""Where an export may be written, and writing it there without ever losing a file.

An export is never written onto the case database or its `-wal`/`-shm`/`-journal` files, the referral
directory file, or any file of the question bank — compared by resolved path and, where the file
exists, by inode, so a symlink or a hard link to one of them is refused too. An existing file is
replaced only when the caller says so (`--force`, or the officer's "Replace" in the app), never when
it is read-only, and then by renaming a finished temporary file over it: the target is never opened
for writing, so a failed export leaves the old file (or nothing) and never half a file.

`-` as the destination means standard output; PDF and Word are refused there when it is a terminal.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oasys_diversity.export import ExportError

STDOUT = "-"
# The database's companions, as SQLite names them beside the file.
DATABASE_FILES = (
    ("", "the case database"),
    ("-wal", "the case database's write-ahead log"),
    ("-shm", "the case database's shared-memory file"),
    ("-journal", "the case database's journal"),
)


class DestinationRefused(ExportError):
    """The export may not be written there. One line naming the path and the reason."""


@dataclass(frozen=True)
class Protected:
    """Files and folders an export must never be written onto."""

    files: tuple[tuple[Path, str], ...] = ()
    folders: tuple[tuple[Path, str], ...] = ()


def is_stdout(out: Path | str | None) -> bool:
    return out is not None and str(out) == STDOUT


def database_file(db: Any) -> Path | None:
    """The file behind an open database (a sqlite-utils Database or a sqlite3 connection); None in memory."""
    conn = getattr(db, "conn", db)
    try:
        rows = conn.execute("PRAGMA database_list").fetchall()
    except Exception:  # not a database we can ask: nothing to protect by name
        return None
    for _seq, name, file in rows:
        if name == "main" and file:
            return Path(file)
    return None


def protected_paths(db: Any, directory_path: Path | None, bank_folder: str | Path | None) -> Protected:
    """What an export must never overwrite: the open database, the directory file in use, the bank."""
    files: list[tuple[Path, str]] = []
    database = database_file(db)
    if database is not None:
        # Both the name it was opened by and the file it resolves to: SQLite keeps companions beside the real file.
        for base in {database, Path(os.path.realpath(database))}:
            files += [(base.with_name(base.name + suffix), reason) for suffix, reason in DATABASE_FILES]
    from oasys_diversity.directory import local_directory_path, shipped_directory_path

    for directory in (directory_path, local_directory_path(), shipped_directory_path()):
        if directory is not None:
            files.append((Path(directory), "the referral directory file"))
    folders: list[tuple[Path, str]] = []
    if bank_folder is None:
        from oasys_diversity.questions import QUESTIONS_DIR

        bank_folder = QUESTIONS_DIR
    folders.append((Path(bank_folder), "part of the question bank"))
    return Protected(tuple(files), tuple(folders))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _bank_files(folder: Path) -> Iterable[Path]:
    try:
        return [p for p in folder.rglob("*") if p.is_file()]
    except OSError:
        return []


def check_protected(out: Path, protected: Protected) -> None:
    """Refuse a destination that is (or links to) the database, its companions, the directory or the bank."""
    real = Path(os.path.realpath(out))
    exists = out.exists()
    for path, reason in protected.files:
        if real == Path(os.path.realpath(path)) or (exists and _same_file(out, path)):
            raise DestinationRefused(f"refusing to write {out}: it is {reason}")
    for folder, reason in protected.folders:
        real_folder = Path(os.path.realpath(folder))
        if _inside(real, real_folder) or (exists and any(_same_file(out, f) for f in _bank_files(real_folder))):
            raise DestinationRefused(f"refusing to write {out}: it is {reason} ({folder})")


def _read_only(path: Path) -> bool:
    """Mode bits as well as access(): root's access() ignores them, and read-only is the owner's wish."""
    mode = path.stat().st_mode
    return not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def check_destination(out: Path, protected: Protected, *, force: bool) -> None:
    """Every refusal for writing to `out`, decided before anything is read or written."""
    check_protected(out, protected)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise DestinationRefused(f"cannot write {out}: the folder {folder} does not exist")
    if not os.path.lexists(out):
        return
    if out.is_dir():
        raise DestinationRefused(f"refusing to write {out}: it is a folder")
    if out.exists():
        if not stat.S_ISREG(out.stat().st_mode):
            raise DestinationRefused(f"refusing to write {out}: it is not a regular file")
        if _read_only(out):
            raise DestinationRefused(
                f"refusing to replace {out}: it is read-only; choose another name, or make it writable first"
            )
    if not force:
        raise DestinationRefused(f"refusing to replace {out}: it already exists; add --force to replace it")


def stage(out: Path, data: bytes) -> Path:
    """Write `data` to an owner-only (0600) temporary file beside `out`, synced to disk; return its path."""
    folder = out.parent if str(out.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as error:
        raise DestinationRefused(f"cannot write {out}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise DestinationRefused(f"cannot write {out}: {error.strerror}") from None
    return Path(temporary)


def publish(temporary: Path, out: Path, *, replace: bool) -> None:
    """Move a staged file into place in one step. Without `replace`, never over a file that appeared meanwhile."""
    try:
        if replace:
            os.replace(temporary, out)
            return
        try:
            # A hard link fails if `out` exists, even one created a moment ago: no check-then-write race.
            os.link(temporary, out)
        except FileExistsError:
            raise DestinationRefused(
                f"refusing to replace {out}: it already exists; add --force to replace it"
            ) from None
        except OSError:
            # File systems without hard links: the check made just before is the best there is.
            if os.path.lexists(out):
                raise DestinationRefused(
                    f"refusing to replace {out}: it already exists; add --force to replace it"
                ) from None
            os.replace(temporary, out)
            return
        temporary.unlink()
    except OSError as error:
        raise DestinationRefused(f"cannot write {out}: {error.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)


def check_stdout(fmt: str, binary: bool, protected: Protected) -> None:
    """Standard output as a destination: not a terminal for binary formats, and never one of the protected files."""
    stream = sys.stdout
    if binary and stream.isatty():
        raise DestinationRefused(
            f"refusing to write the {fmt} export to the terminal: redirect it (> FILE) or use --out FILE"
        )
    try:
        status = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return  # not a real file descriptor (a test's capture): nothing on disk to protect
    # `export 1 --out - >> cases.db` must not append to the database either.
    for path, reason in protected.files:
        try:
            if os.path.samestat(status, os.stat(path)):
                raise DestinationRefused(f"refusing to write to standard output: it is {reason} ({path})")
        except OSError:
            continue


def write_stdout(content: str | bytes) -> None:
    if isinstance(content, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    sys.stdout.write(content)
    sys.stdout.flush()
