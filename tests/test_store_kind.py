"""Practice never writes to the live database and live never to the practice one: the file says its kind."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from oasys_diversity.model import Case
from oasys_diversity.store import StoreError, create_case, list_cases, open_db


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make(path: Path, kind: str) -> None:
    db = open_db(path, kind)
    create_case(
        db, Case(reference=f"{kind.upper()}-1", name="Someone", officer="Officer", assessed_on=date(2026, 11, 20))
    )
    db.close()


@pytest.mark.parametrize(
    ("made", "opened"), [("live", "practice"), ("practice", "live"), ("demo", "live"), ("live", "demo")]
)
def test_a_database_of_another_kind_is_refused_in_one_line_and_left_as_it_was(tmp_path: Path, made: str, opened: str):
    path = tmp_path / "cases.db"
    make(path, made)
    before = digest(path)
    with pytest.raises(StoreError) as refused:
        open_db(path, opened)
    message = str(refused.value)
    assert "\n" not in message and "refusing to open it" in message and f"in {opened}" in message
    assert digest(path) == before
    again = open_db(path, made)
    assert [c.reference for c in list_cases(again)] == [f"{made.upper()}-1"]
    again.close()


def test_a_database_from_before_kinds_counts_as_live(tmp_path: Path):
    path = tmp_path / "old.db"
    make(path, "live")
    db = open_db(path)
    db.execute("DELETE FROM meta WHERE key = 'db_kind'")
    db.conn.commit()
    db.close()
    with pytest.raises(StoreError, match="live case database"):
        open_db(path, "practice")
    open_db(path).close()


def test_practice_and_live_runs_never_touch_each_others_files(tmp_path: Path):
    live, practice = tmp_path / "cases.db", tmp_path / "practice" / "practice.db"
    make(live, "live")
    live_before = digest(live)
    make(practice, "practice")
    assert digest(live) == live_before
    practice_before = digest(practice)
    make(live, "live")
    assert digest(practice) == practice_before
