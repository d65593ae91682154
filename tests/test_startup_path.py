"""The app's first screen needs only plain sqlite3: opening a database and listing its cases import
neither pydantic nor sqlite-utils, and give the same answers as the full store."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import sqlite_utils
from crypt_support import raw

from oasys_diversity.bank import load_bank
from oasys_diversity.model import Answer, Case, Plan
from oasys_diversity.store import create_case, list_cases, open_db, save_answer, save_plan
from oasys_diversity.store_case_list import case_rows
from oasys_diversity.store_migrations import KNOWN_MIGRATIONS, SCHEMA_VERSION, migrations, pending
from oasys_diversity.store_open import open_connection

OFFICER = "Jo Officer"


def _seeded(path: Path) -> list[int]:
    db = open_db(path)
    first = create_case(
        db, Case(reference="X100001", name="Alex Example", officer=OFFICER, assessed_on=date(2025, 3, 1))
    )
    second = create_case(
        db, Case(reference="X200002", name="Sam Sample", officer=OFFICER, assessed_on=date(2025, 3, 2))
    )
    for answer in (
        Answer(question_id="person.preferred_name", status="answered", value="Lex"),
        Answer(question_id="person.area", status="answered", value="Leeds"),
        Answer(question_id="faith.religion", status="declined"),
        Answer(question_id="immigration.status", status="answered", value="refugee"),
    ):
        save_answer(db, first, answer, officer=OFFICER)
    save_answer(db, second, Answer(question_id="person.area", status="not_discussed"), officer=OFFICER)
    save_plan(db, second, Plan(built_on=date(2025, 3, 2)), officer=OFFICER)
    db.close()
    return [first, second]


def test_listing_the_cases_at_start_up_loads_neither_pydantic_nor_sqlite_utils(tmp_path: Path):
    path = tmp_path / "cases.db"
    _seeded(path)
    script = f"""
import json, sys
import oasys_diversity.app, oasys_diversity.screens.cases
from oasys_diversity.store_case_list import case_rows
from oasys_diversity.store_open import open_connection
rows = case_rows(open_connection({str(path)!r}))
heavy = ("pydantic", "sqlite_utils", "oasys_diversity.model", "oasys_diversity.bank", "oasys_diversity.store")
print(json.dumps([len(rows), [name for name in heavy if name in sys.modules]]))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == [2, []]


def test_case_rows_match_the_store_case_list(tmp_path: Path):
    path = tmp_path / "cases.db"
    _seeded(path)
    conn = open_connection(path)
    rows = case_rows(conn)
    db = open_db(path)
    summaries = list_cases(db)
    assert [row.id for row in rows] == [summary.id for summary in summaries]
    for row, summary in zip(rows, summaries, strict=True):
        assert (row.reference, row.name, row.preferred_name, row.area, row.officer) == (
            summary.reference,
            summary.name,
            summary.preferred_name,
            summary.area,
            summary.officer,
        )
        assert (row.updated_at, row.position, row.has_plan) == (summary.updated_at, summary.position, summary.has_plan)
        assert (row.stored_answered, row.stored_declined, row.stored_not_discussed, row.stored_total) == (
            summary.answered,
            summary.declined,
            summary.not_discussed,
            summary.total,
        )
    first = next(row for row in rows if row.reference == "X100001")
    assert (first.preferred_name, first.area, first.has_plan) == ("Lex", "Leeds", False)
    # With the bank, counting through the plain connection gives what counting through a Database gives.
    bank = load_bank()
    assert list_cases(conn, bank) == list_cases(db, bank)
    db.close()
    conn.close()


def test_the_migration_list_read_without_sqlite_utils_is_the_one_sqlite_utils_runs(tmp_path: Path):
    names = [m.name for m in migrations.pending(sqlite_utils.Database(memory=True, execute_plugins=False))]
    assert tuple(names) == KNOWN_MIGRATIONS
    assert SCHEMA_VERSION == len(KNOWN_MIGRATIONS)
    fresh = raw(tmp_path / "fresh.db")
    assert pending(fresh) == list(KNOWN_MIGRATIONS)
    fresh.close()
    open_db(tmp_path / "cases.db").close()
    done = raw(tmp_path / "cases.db")
    assert pending(done) == []
    done.close()


def test_open_connection_sets_up_a_new_database_like_open_db(tmp_path: Path):
    conn = open_connection(tmp_path / "new" / "cases.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 1
    assert pending(conn) == []
    assert case_rows(conn) == []
    conn.close()
