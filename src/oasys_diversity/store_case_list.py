"""The case list's one query, with plain sqlite3: a row per case, newest first.

It needs neither pydantic nor sqlite-utils nor the question bank, so the Cases screen can show the
cases while those are still loading. `store.list_cases` builds on it and adds progress counted over
the questions the bank shows for each person; the counts here are only over the answers stored.
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

# One query for every case: counts by SQL aggregation over the answers' (case, question, status)
# index, never one query per case.
_SUMMARY_SQL = """
SELECT
    cases.id, cases.reference, cases.name, cases.officer, cases.updated_at, cases.position,
    coalesce(sum(answers.status = 'answered'), 0),
    coalesce(sum(answers.status = 'declined'), 0),
    coalesce(sum(answers.status = 'not_discussed'), 0),
    count(answers.status),
    (SELECT value FROM answers AS named
        WHERE named.case_id = cases.id AND named.question_id = :preferred_name AND named.status = 'answered'),
    (SELECT value FROM answers AS area
        WHERE area.case_id = cases.id AND area.question_id = :area AND area.status = 'answered'),
    EXISTS (SELECT 1 FROM plans WHERE plans.case_id = cases.id)
FROM cases
LEFT JOIN answers ON answers.case_id = cases.id
GROUP BY cases.id
ORDER BY cases.updated_at DESC, cases.id DESC
"""


class CaseRow(NamedTuple):
    """One case as stored. The counts are of answer rows, not of the questions that apply to the person."""

    id: int
    reference: str
    name: str
    preferred_name: str | None
    area: str | None
    officer: str
    updated_at: datetime
    position: str | None
    stored_answered: int
    stored_declined: int
    stored_not_discussed: int
    stored_total: int
    has_plan: bool


def _text_answer(value_json: str | None) -> str | None:
    value = None if value_json is None else json.loads(value_json)
    if value is None or value == "" or value == []:
        return None
    return value if isinstance(value, str) else str(value)


def case_rows(db: sqlite3.Connection | sqlite_utils.Database) -> list[CaseRow]:
    """Every case, most recently updated first, from a connection (`open_connection`) or a `Database`.

    A stored value another program has broken raises StoreError naming the case and field, never the value.
    """
    rows = db.execute(_SUMMARY_SQL, {"preferred_name": PREFERRED_NAME, "area": AREA}).fetchall()
    return [_case_row(row) for row in rows]


def _case_row(row: tuple) -> CaseRow:
    field = "reference"
    try:
        if not all(isinstance(text, str) for text in (row[1], row[2], row[3])):
            raise TypeError
        field = f"answer to {PREFERRED_NAME}"
        preferred_name = _text_answer(row[10])
        field = f"answer to {AREA}"
        area = _text_answer(row[11])
        field = "updated_at"
        updated_at = datetime.fromisoformat(row[4])
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
        stored_answered=row[6],
        stored_declined=row[7],
        stored_not_discussed=row[8],
        stored_total=row[9],
        has_plan=bool(row[12]),
    )


def case_ids(db: sqlite3.Connection | sqlite_utils.Database) -> list[int]:
    """Every case id, oldest first (for whole-database reports; the screen pages through case_rows)."""
    return [row[0] for row in db.execute("SELECT id FROM cases ORDER BY id").fetchall()]
