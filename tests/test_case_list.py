"""The case list at scale: pages that never read every case, filtering in SQL, and progress kept per case."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from crypt_support import decrypted_pages, raw

from oasys_diversity.bank import load_bank
from oasys_diversity.model import Answer, Case
from oasys_diversity.store import create_case, erase_case, list_cases, open_db, save_answer, update_case
from oasys_diversity.store_case_list import (
    PAGE_SIZE,
    case_page,
    case_rows,
    count_cases,
    filter_words,
    matches,
    next_page_after,
)
from oasys_diversity.store_migrations import migrations
from oasys_diversity.store_progress import bank_stamp, count_progress, progress_of

OFFICER = "Jo Officer"
PEOPLE = [
    # reference, recorded name, preferred name, area
    ("X100001", "Grace Adeyemi", "Grace", "Birmingham"),
    ("X100002", "Zoë Brontë", None, "Bradford"),
    ("X100003", "Straße Weiß", "Gus", "Leeds"),
    ("X100004", "ŞÜKRÜ YILMAZ", "Şükrü", None),
    ("Y200005", "Muhammad Ali Khan", "Ali", "Luton"),
    ("Y200006", "Priya Shah [/] [b]x", None, "Leicester"),
]
QUERIES = [
    "",
    "grace",
    "GRACE birm",
    "zoë",
    "ZOË brad",
    "strasse",
    "weiss",
    "şükrü",
    "şü",
    "ali",
    "khan lut",
    "x1000",
    "y2",
    "[/]",
    "leeds gus",
    "nobody",
    "a",
    "ss",
    "grace leeds",
]


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def answered(question_id: str, value: str) -> Answer:
    return Answer(question_id=question_id, status="answered", value=value)


def seed(db, bank, people=PEOPLE) -> dict[str, int]:
    ids = {}
    for reference, name, preferred, area in people:
        case_id = create_case(db, Case(reference=reference, name=name, officer=OFFICER, assessed_on=date(2025, 3, 1)))
        if preferred:
            save_answer(db, case_id, answered("person.preferred_name", preferred), officer=OFFICER, bank=bank)
        if area:
            save_answer(db, case_id, answered("person.area", area), officer=OFFICER, bank=bank)
        ids[reference] = case_id
    return ids


@pytest.mark.parametrize("query", QUERIES)
def test_filtering_in_sql_finds_exactly_what_the_screen_filter_finds(tmp_path: Path, bank, query: str):
    db = open_db(tmp_path / "cases.db")
    seed(db, bank)
    every = case_rows(db)
    expected = [row.id for row in every if matches(row, query)]
    words = filter_words(query)
    assert [row.id for row in case_page(db, words)] == expected
    assert count_cases(db, words) == len(expected)


def test_the_search_text_follows_renames_and_changed_answers(tmp_path: Path, bank):
    db = open_db(tmp_path / "cases.db")
    ids = seed(db, bank)
    case_id = ids["X100001"]
    update_case(
        db, Case(id=case_id, reference="Z900009", name="Grace Mensah", officer=OFFICER, assessed_on=date(2025, 3, 1))
    )
    save_answer(db, case_id, answered("person.area", "Coventry"), officer=OFFICER)
    save_answer(db, case_id, Answer(question_id="person.preferred_name", status="declined"), officer=OFFICER)
    assert [row.id for row in case_page(db, filter_words("z9000 mensah coventry"))] == [case_id]
    assert case_page(db, filter_words("adeyemi")) == [] and case_page(db, filter_words("x100001")) == []
    assert case_page(db, filter_words("grace birmingham")) == []


def test_pages_follow_each_other_newest_first_without_gaps_or_repeats(tmp_path: Path, bank):
    db = open_db(tmp_path / "cases.db")
    people = [(f"P{number:05d}", f"Person {number}", None, None) for number in range(PAGE_SIZE * 2 + 37)]
    seed(db, bank, people)
    # Touch an old case: it moves to the top.
    oldest = case_rows(db)[-1].id
    save_answer(db, oldest, answered("person.area", "Leeds"), officer=OFFICER, bank=bank)
    seen, after = [], None
    while page := case_page(db, after=after):
        assert len(page) <= PAGE_SIZE
        seen += [row.id for row in page]
        after = next_page_after(page[-1])
    assert seen == [row.id for row in case_rows(db)] and seen[0] == oldest
    assert len(seen) == len(set(seen)) == count_cases(db) == len(people)
    # Filtered pages too.
    words = filter_words("person 1")
    first = case_page(db, words)
    rest = case_page(db, words, after=next_page_after(first[-1]))
    assert [row.id for row in first + rest] == [row.id for row in case_rows(db) if matches(row, "person 1")]


def test_a_page_uses_the_index_and_never_reads_every_case(tmp_path: Path, bank):
    db = open_db(tmp_path / "cases.db")
    seed(db, bank)
    from oasys_diversity.store_case_list import _COLUMNS, NEWEST_FIRST

    plan = db.execute(
        f"EXPLAIN QUERY PLAN SELECT {_COLUMNS} FROM cases {NEWEST_FIRST} LIMIT 100",
        {"preferred_name": "person.preferred_name", "area": "person.area"},
    ).fetchall()
    details = " ".join(row[-1] for row in plan)
    assert "cases_for_the_list" in details and "TEMP B-TREE" not in details
    # The filter is matched in the index: a case that does not match is never read.
    plan = db.execute(
        f"EXPLAIN QUERY PLAN SELECT id FROM cases WHERE instr(search, 'x') > 0 {NEWEST_FIRST} LIMIT 100"
    ).fetchall()
    assert "COVERING INDEX cases_for_the_list" in " ".join(row[-1] for row in plan)


def test_progress_is_kept_as_answers_are_saved_and_matches_a_fresh_count(tmp_path: Path, bank):
    db = open_db(tmp_path / "cases.db")
    ids = seed(db, bank)
    case_id = ids["Y200005"]
    for answer in (
        answered("faith.religion", "muslim"),
        Answer(question_id="immigration.status", status="declined"),
        Answer(question_id="trauma.experiences", status="not_applicable"),
    ):
        save_answer(db, case_id, answer, officer=OFFICER, bank=bank)
    row = next(row for row in case_page(db) if row.id == case_id)
    fresh = count_progress(db, bank, [case_id])[case_id]
    assert (row.answered, row.declined, row.not_discussed, row.total) == tuple(fresh)
    assert row.progress_bank == bank_stamp(bank) and fresh.answered == 3 and fresh.declined == 1
    # A follow-up that appears with an answer changes the total, kept at once.
    before = row.total
    save_answer(db, case_id, answered("person.caring_responsibilities", "yes"), officer=OFFICER, bank=bank)
    row = next(row for row in case_page(db) if row.id == case_id)
    assert row.total == before + 1 and row.answered == fresh.answered + 1
    fresh = count_progress(db, bank, [case_id])[case_id]
    assert (row.answered, row.declined, row.not_discussed, row.total) == tuple(fresh)
    summary = next(s for s in list_cases(db, bank) if s.id == case_id)
    assert (summary.answered, summary.declined, summary.not_discussed, summary.total) == tuple(fresh)


def test_a_save_without_the_bank_marks_the_count_out_of_date_and_it_is_counted_when_shown(tmp_path: Path, bank):
    db = open_db(tmp_path / "cases.db")
    ids = seed(db, bank)
    case_id = ids["X100002"]
    save_answer(db, case_id, answered("faith.religion", "christian"), officer=OFFICER)
    row = next(row for row in case_page(db) if row.id == case_id)
    assert row.progress_bank is None
    counted = progress_of(db, bank, [row])[case_id]
    assert counted == count_progress(db, bank, [case_id])[case_id] and counted.answered == 2


def test_an_edited_bank_makes_the_kept_counts_out_of_date(tmp_path: Path, bank):
    db = open_db(tmp_path / "cases.db")
    seed(db, bank)
    follow_up = next(q for q in bank.questions if q.show_if is not None)
    edited = bank.model_copy(deep=True)
    for domain in edited.domains:
        domain.questions = [q for q in domain.questions if q.id != follow_up.id]
    assert bank_stamp(edited) != bank_stamp(bank)
    rows = case_page(db)
    assert all(row.progress_bank == bank_stamp(bank) for row in rows if row.total is not None)
    # Counted afresh with the edited bank, not read from the rows.
    assert progress_of(db, edited, rows) == count_progress(db, edited, [row.id for row in rows])


def test_the_migration_fills_the_search_text_of_existing_cases(tmp_path: Path):
    import sqlite_utils

    from oasys_diversity.store_open import open_connection

    path = tmp_path / "cases.db"
    conn = open_connection(path)
    conn.close()
    # Back to the schema before this migration, as a database made by the previous version would be.
    conn = raw(path)
    conn.execute("DROP TRIGGER cases_search_when_added")
    conn.execute("DROP TRIGGER cases_search_when_renamed")
    conn.execute("DROP TRIGGER cases_counted_when_added")
    conn.execute("DROP TRIGGER cases_counted_when_removed")
    conn.execute("DELETE FROM meta WHERE key = 'cases'")
    conn.execute("DROP INDEX cases_for_the_list")
    conn.execute("CREATE INDEX cases_by_updated_at ON cases (updated_at)")
    for column in (
        "search",
        "progress_answered",
        "progress_declined",
        "progress_not_discussed",
        "progress_total",
        "progress_bank",
    ):
        conn.execute(f"ALTER TABLE cases DROP COLUMN {column}")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_case_list'")
    conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    conn.execute(
        "INSERT INTO cases (reference, name, officer, assessed_on, created_at, updated_at) "
        "VALUES ('X1', 'Amina Hassan', 'Jo', '2025-03-01', '2025-03-01T10:00:00', '2025-03-01T10:00:00')"
    )
    conn.execute(
        "INSERT INTO answers (case_id, question_id, status, value, answered_at) "
        "VALUES (1, 'person.area', 'answered', '\"Sparkbrook\"', '2025-03-01T10:00:00')"
    )
    conn.commit()
    conn.close()
    assert "m004_case_list" in [m.name for m in migrations.pending(sqlite_utils.Database(memory=True))]
    db = open_db(path)
    assert [row.reference for row in case_page(db, filter_words("amina sparkbrook"))] == ["X1"]
    assert count_cases(db) == 1
    assert case_page(db)[0].progress_bank is None  # counted when first shown with the bank


def test_a_case_added_or_renamed_by_another_program_can_still_be_found(tmp_path: Path, bank):
    path = tmp_path / "cases.db"
    open_db(path).close()
    conn = raw(path)
    conn.execute(
        "INSERT INTO cases (reference, name, officer, assessed_on, created_at, updated_at) "
        "VALUES ('EXT-1', 'Olu Adeyemi', 'Jo', '2025-03-01', '2025-03-01T10:00:00', '2025-03-01T10:00:00')"
    )
    conn.commit()
    db = open_db(path)
    assert [row.reference for row in case_page(db, filter_words("ext-1 olu"))] == ["EXT-1"]
    conn.execute("UPDATE cases SET name = 'Olu Mensah' WHERE reference = 'EXT-1'")
    conn.commit()
    conn.close()
    assert [row.reference for row in case_page(db, filter_words("mensah"))] == ["EXT-1"]
    assert case_page(db, filter_words("adeyemi")) == []


def test_the_number_of_cases_is_kept_as_cases_come_and_go_whoever_adds_them(tmp_path: Path, bank):
    path = tmp_path / "cases.db"
    db = open_db(path)
    ids = seed(db, bank)
    assert count_cases(db) == len(PEOPLE)
    erase_case(db, ids["X100001"], officer=OFFICER)
    assert count_cases(db) == len(PEOPLE) - 1
    db.close()
    conn = raw(path)
    conn.execute(
        "INSERT INTO cases (reference, name, officer, assessed_on, created_at, updated_at) "
        "VALUES ('EXT-2', 'Added Elsewhere', 'Jo', '2025-03-01', '2025-03-01T10:00:00', '2025-03-01T10:00:00')"
    )
    conn.commit()
    assert conn.execute("SELECT value FROM meta WHERE key = 'cases'").fetchone()[0] == str(len(PEOPLE))
    conn.close()
    db = open_db(path)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        assert count_cases(db) == len(PEOPLE) == len(case_rows(db))
    finally:
        db.conn.set_trace_callback(None)
    # The number is read, not counted: no statement counts the cases table.
    assert not any("count(*) FROM cases" in statement for statement in statements)


def test_erasing_a_case_leaves_nothing_of_its_search_text(tmp_path: Path, bank):
    path = tmp_path / "cases.db"
    db = open_db(path)
    ids = seed(db, bank, [("Q777001", "Wilhelmina Okonkwo-Farrell", "Willa", "Middlesbrough")])
    erase_case(db, ids["Q777001"], officer=OFFICER)
    db.close()
    pages = decrypted_pages(path)
    for word in ("wilhelmina", "okonkwo", "willa", "middlesbrough", "q777001"):
        assert word.encode() not in pages.lower()


def test_counts_are_kept_when_the_file_can_be_written_and_still_given_when_it_cannot(tmp_path: Path, bank):
    from oasys_diversity.store_progress import count_and_keep

    db = open_db(tmp_path / "cases.db")
    ids = seed(db, bank)
    case_id = ids["X100002"]
    save_answer(db, case_id, answered("faith.religion", "christian"), officer=OFFICER)  # no bank: out of date
    fresh = count_progress(db, bank, [case_id])
    # Another connection holds the write lock: the counts come back all the same, and nothing is kept.
    other = open_db(tmp_path / "cases.db")
    other.execute("PRAGMA busy_timeout = 0")
    db.execute("PRAGMA busy_timeout = 0")
    other.conn.execute("BEGIN IMMEDIATE")
    assert count_and_keep(db, bank, [case_id]) == fresh
    other.conn.execute("ROLLBACK")
    assert next(row for row in case_page(db) if row.id == case_id).progress_bank is None
    assert count_and_keep(db, bank, [case_id]) == fresh
    assert next(row for row in case_page(db) if row.id == case_id).progress_bank == bank_stamp(bank)
