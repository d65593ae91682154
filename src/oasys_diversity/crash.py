"""Crash reports without personal data.

An unexpected error must never print a traceback: its messages and local values can hold a name, a
reference or a person's words (a pydantic error quotes the stored value; a markup error quotes the
name it choked on). Instead the CLI and the app write a report holding only the exception TYPES and
the stack (file, line, function), and print one line saying where it is. `--debug` shows the real
traceback instead.

Reports go to `crash-reports/` in the user's data folder (beside the default database), one file per
crash, owner-only (0600) in an owner-only folder (0700).
"""

from __future__ import annotations

import os
import platform
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

# How many chained exceptions (raise … from …, or raised while handling another) a report follows.
MAX_CHAIN = 8


def crash_folder() -> Path:
    """`crash-reports/` beside the default case database (the user's data folder)."""
    from oasys_diversity.store_open import default_db_path

    return default_db_path().parent / "crash-reports"


def _type_name(error: BaseException) -> str:
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def describe(error: BaseException) -> str:
    """The report's text: exception types and frames (file, line, function). No messages, no values."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("oasys-diversity")
    except PackageNotFoundError:
        ours = "unknown"
    lines = [
        "oasys-diversity crash report",
        "It holds the kinds of error and where in the program they happened: no messages, values or data.",
        f"version: {ours}",
        f"python: {platform.python_version()} on {platform.system()}",
        f"time: {datetime.now(UTC).isoformat(timespec='seconds')}",
        "",
    ]
    seen: set[int] = set()
    current: BaseException | None = error
    for depth in range(MAX_CHAIN):
        if current is None or id(current) in seen:
            break
        seen.add(id(current))
        if depth:
            lines.append("which happened while handling, or was caused by:")
        lines.append(f"exception: {_type_name(current)}")
        for frame in traceback.extract_tb(current.__traceback__):
            lines.append(f"  {frame.filename}:{frame.lineno} in {frame.name}")
        current = current.__cause__ or current.__context__
    return "\n".join(lines) + "\n"


def write_crash_report(error: BaseException, folder: Path | None = None) -> Path | None:
    """Write the report for `error`; its path, or None if it could not be written (never raises)."""
    try:
        text = describe(error)
        where = folder or crash_folder()
        previous = os.umask(0o077)
        try:
            where.mkdir(parents=True, exist_ok=True, mode=0o700)
        finally:
            os.umask(previous)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = where / f"crash-{stamp}-{os.getpid()}.txt"
        suffix = 0
        while True:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                break
            except FileExistsError:
                suffix += 1
                path = where / f"crash-{stamp}-{os.getpid()}-{suffix}.txt"
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        return path
    except Exception:  # noqa: BLE001 - a report that cannot be written must not become a second crash
        return None


def crash_line(report: Path | None) -> str:
    """The one line printed instead of a traceback."""
    if report is None:
        return "oasys-diversity: something went wrong; no crash report could be written (run with --debug for details)"
    return f"oasys-diversity: something went wrong; a crash report without personal data is at {report}"


def report_crash(error: BaseException) -> int:
    """Write the report, print the one line on standard error, and return the exit code (1)."""
    print(crash_line(write_crash_report(error)), file=sys.stderr)
    return 1
