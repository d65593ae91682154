"""The case list's queries, with plain sqlite3: a page of cases at a time, newest first, filtered in SQL.

The Cases screen shows its first rows without reading every case: a page is one query that walks the
`cases_for_the_list` index (updated_at, id, search) from the newest case and stops after `limit` rows,
and the next page starts where the last one ended (keyset paging on (updated_at, id)), so a page costs
the same at 10 cases and at 100,000. Filtering as the officer types is a query too: every word typed
must appear in the case's `search` column, which the store keeps as the casefolded reference, name,
preferred name and area (`search_text`); it is in the index, so cases that do not match are skipped
without being read. Progress (answered / declined / not yet discussed over the questions that apply
to the person) is kept on the case row as answers are saved (store_progress.py); a row whose count is
missing or was made with another question bank is counted again when it is shown.

It needs neither pydantic nor sqlite-utils nor the question bank, so the Cases screen can show the
cases while those are still loading.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from oasys_diversity.store_open import StoreError

if TYPE_CHECKING:
    import sqlite_utils

# The questions whose answers the case list shows.
PREFERRED_NAME = "person.preferred_name"
AREA = "person.area"
# Rows per page: more than any terminal shows at once, so scrolling asks for the next page only near the end.
PAGE_SIZE = 100

# One row per case: preferred name and area are one primary-key lookup each.
_COLUMNS = """
    cases.id, cases.reference, cases.name, cases.officer, cases.updated_at, cases.position,
    (SELECT value FROM answers AS named
        WHERE named.case_id = cases.id AND named.question_id = :preferred_name AND named.status = 'answered'),
    (SELECT value FROM answers AS area
        WHERE area.case_id = cases.id AND area.question_id = :area AND area.status = 'answered'),
    EXISTS (SELECT 1 FROM plans WHERE plans.case_id = cases.id),
    cases.progress_answered, cases.progress_declined, cases.progress_not_discussed, cases.progress_total,
    cases.progress_bank
"""
# Answer rows per case and status, for `case_rows` (the screen does not need them).
_STORED_COUNTS = "SELECT case_id, status, count(*) FROM answers GROUP BY case_id, status"
NEWEST_FIRST = "ORDER BY cases.updated_at DESC, cases.id DESC"


class CaseRow(NamedTuple):
    """One case as stored.

    `stored_*` count the answer rows (`case_rows` only; 0 from `case_page`); `answered`, `declined`, `not_discussed` and `total` are the
    progress kept over the questions that apply to the person, counted with the bank whose stamp is in
    `progress_bank` (all None until first counted).
    """

    id: int
    reference: str
    name: str
    preferred_name: str | None
    area: str | None
    officer: str
    updated_at: datetime
    position: str | None
    has_plan: bool
    stored_answered: int = 0
    stored_declined: int = 0
    stored_not_discussed: int = 0
    stored_total: int = 0
    answered: int | None = None
    declined: int | None = None
    not_discussed: int | None = None
    total: int | None = None
    progress_bank: str | None = None
    # updated_at exactly as stored: where the next page starts (a reformatted time could sort differently).
    updated_text: str = ""


class After(NamedTuple):
    """Where the next page starts: just older than this case."""

    updated_at: str
    id: int


def search_text(reference: str, name: str, preferred_name: str | None, area: str | None) -> str:
    """What the filter searches for one case: the four values, casefolded, one space between."""
    return " ".join(part for part in (reference, name, preferred_name or "", area or "") if part).casefold()


def filter_words(text: str) -> list[str]:
    """The words typed into the filter, casefolded: a case matches when every one appears in its search text."""
    return text.casefold().split()


def matches(row: CaseRow, text: str) -> bool:
    """What the filter's query finds, for a row already in hand: every word typed appears in its search text."""
    haystack = search_text(row.reference, row.name, row.preferred_name, row.area)
    return all(word in haystack for word in filter_words(text))


def _where(words: list[str], after: After | None) -> tuple[str, dict[str, object]]:
    terms: list[str] = []
    values: dict[str, object] = {}
    for number, word in enumerate(words):
        terms.append(f"instr(cases.search, :word{number}) > 0")
        values[f"word{number}"] = word
    if after is not None:
        terms.append("(cases.updated_at, cases.id) < (:after_updated_at, :after_id)")
        values.update(after_updated_at=after.updated_at, after_id=after.id)
    return (f"WHERE {' AND '.join(terms)}" if terms else ""), values


def case_page(
    db: sqlite3.Connection | sqlite_utils.Database,
    words: list[str] | None = None,
    *,
    after: After | None = None,
    limit: int | None = PAGE_SIZE,
) -> list[CaseRow]:
    """Up to `limit` cases (None: all) whose search text holds every word, newest first, older than `after`.

    A stored value another program has broken raises StoreError naming the case and field, never the value.
    """
    where, values = _where(words or [], after)
    sql = f"SELECT {_COLUMNS} FROM cases {where} {NEWEST_FIRST}"
    if limit is not None:
        sql += " LIMIT :limit"
        values["limit"] = limit
    rows = db.execute(sql, {"preferred_name": PREFERRED_NAME, "area": AREA, **values}).fetchall()
    return [_case_row(row) for row in rows]


def next_page_after(row: CaseRow) -> After:
    """The `after` that continues the list below `row`."""
    return After(row.updated_text, row.id)


def count_cases(db: sqlite3.Connection | sqlite_utils.Database, words: list[str] | None = None) -> int:
    """How many cases the words match (all cases for none: the number triggers keep in `meta`, not a count)."""
    if not words:
        kept = db.execute("SELECT value FROM meta WHERE key = 'cases'").fetchone()
        if kept is not None and str(kept[0]).isdigit():
            return int(kept[0])
    where, values = _where(words or [], None)
    return db.execute(f"SELECT count(*) FROM cases {where}", values).fetchone()[0]


def case_rows(db: sqlite3.Connection | sqlite_utils.Database) -> list[CaseRow]:
    """Every case, most recently updated first, with its stored answers counted (the command line's `cases
    list`; the screen pages instead)."""
    stored: dict[int, dict[str, int]] = {}
    for case_id, status, count in db.execute(_STORED_COUNTS):
        stored.setdefault(case_id, {})[status] = count
    rows = []
    for row in case_page(db, limit=None):
        counts = stored.get(row.id, {})
        rows.append(
            row._replace(
                stored_answered=counts.get("answered", 0),
                stored_declined=counts.get("declined", 0),
                stored_not_discussed=counts.get("not_discussed", 0),
                stored_total=sum(counts.values()),
            )
        )
    return rows


def _text_answer(value_json: str | None) -> str | None:
    value = None if value_json is None else json.loads(value_json)
    if value is None or value == "" or value == []:
        return None
    return value if isinstance(value, str) else str(value)


def _case_row(row: tuple) -> CaseRow:
    field = "reference"
    try:
        if not all(isinstance(text, str) for text in (row[1], row[2], row[3])):
            raise TypeError
        field = f"answer to {PREFERRED_NAME}"
        preferred_name = _text_answer(row[6])
        field = f"answer to {AREA}"
        area = _text_answer(row[7])
        field = "updated_at"
        updated_at = datetime.fromisoformat(row[4])
        field = "progress"
        if not all(count is None or isinstance(count, int) for count in row[9:13]):
            raise TypeError
    except (TypeError, ValueError):
        raise StoreError(
            f"case {row[0]}: the stored {field} cannot be read (was the database changed by another program?)"
        ) from None
    return CaseRow(
        id=row[0],
        reference=row[1],
        name=row[2],
        preferred_name=preferred_name,
        area=area,
        officer=row[3],
        updated_at=updated_at,
        position=row[5],
        has_plan=bool(row[8]),
        answered=row[9],
        declined=row[10],
        not_discussed=row[11],
        total=row[12],
        progress_bank=row[13] if isinstance(row[13], str) else None,
        updated_text=row[4],
    )


def refresh_search(db: sqlite3.Connection | sqlite_utils.Database, case_id: int) -> None:
    """Write the case's search text again from its reference, name and the two answers the list shows.

    Called inside the store's write transactions whenever one of those changes."""
    row = db.execute(
        f"SELECT {_COLUMNS} FROM cases WHERE cases.id = :case_id",
        {"preferred_name": PREFERRED_NAME, "area": AREA, "case_id": case_id},
    ).fetchone()
    if row is None:
        return
    case = _case_row(row)
    db.execute(
        "UPDATE cases SET search = ? WHERE id = ?",
        [search_text(case.reference, case.name, case.preferred_name, case.area), case_id],
    )


def case_ids(db: sqlite3.Connection | sqlite_utils.Database) -> list[int]:
    """Every case id, oldest first (for whole-database reports; the screen pages through case_page)."""
    return [row[0] for row in db.execute("SELECT id FROM cases ORDER BY id").fetchall()]
