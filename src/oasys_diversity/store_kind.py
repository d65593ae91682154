"""Which kind of database a file is: the live case record, a practice run, or the demo.

The kind is written into the database's own `meta` table when the file is created, so it travels with the
file: practice mode refuses a live database and the live app refuses a practice or demo one, in one line,
before anything is read or written by the caller. A database made before kinds existed holds real cases: it
counts as live (and is marked so the first time the live app opens it).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

DbKind = Literal["live", "practice", "demo"]
DB_KINDS: tuple[str, ...] = ("live", "practice", "demo")
KIND_KEY = "db_kind"
KIND_NAMES = {"live": "live case", "practice": "practice", "demo": "demo"}


class WrongKind(Exception):
    """The database is of another kind than the mode asking for it. One line, naming no case."""


def recorded_kind(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", [KIND_KEY]).fetchone()
    return row[0] if row else None


def ensure_kind(conn: sqlite3.Connection, path: Path, kind: str, created: bool) -> None:
    """Mark a new database with `kind`; refuse one of another kind. Raises WrongKind."""
    if kind not in DB_KINDS:
        raise ValueError(f"unknown database kind {kind!r}")
    found = recorded_kind(conn)
    if found is None and not created:
        found = "live"  # made before kinds existed: it can only hold real cases
    if found is not None and found != kind:
        raise WrongKind(
            f"{path} is a {KIND_NAMES.get(found, found)} database; refusing to open it in {KIND_NAMES[kind]} mode"
        )
    if recorded_kind(conn) is None:
        with conn:
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", [KIND_KEY, kind])
