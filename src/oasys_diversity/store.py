"""The answer store: cases, answers, plans and their audit trail in SQLite, through sqlite-utils.

Small functions that take a `Database` (from `open_db`) and plain values. Every write is its own
transaction and is committed before the function returns, so an answer that has been acknowledged
survives the app being killed. Every change is written to the append-only `audit` table.

Errors are `StoreError` with one line that names a case id, question id or field — never the
answer text or a person's name.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, computed_field

from oasys_diversity.model import (
    QUESTION_ID,
    Answer,
    AnswerValue,
    Assessment,
    Case,
    Plan,
    QuestionBank,
    too_long,
)
from oasys_diversity.store_case_list import AREA, PREFERRED_NAME, case_rows, refresh_search, search_text
from oasys_diversity.store_open import DB_ERRORS, StoreError, default_db_path, describe, open_db, writing
from oasys_diversity.store_progress import Progress, forget_progress, keep_progress, progress_of

if TYPE_CHECKING:
    # Only for type hints: the store's functions use the Database they are given, never the module.
    import sqlite_utils

__all__ = [
    "CaseSummary",
    "StoreError",
    "audit_trail",
    "create_case",
    "default_db_path",
    "erase_case",
    "get_case",
    "get_position",
    "import_assessment",
    "list_cases",
    "load_assessment",
    "load_plan",
    "open_db",
    "save_answer",
    "save_plan",
    "set_position",
    "update_case",
]

CASE_FIELDS = ("reference", "name", "officer", "assessed_on")


class CaseSummary(BaseModel):
    """One row of the case list. Counts are over the visible questions when a bank is given."""

    id: int
    reference: str
    name: str
    preferred_name: str | None = None
    area: str | None = None
    officer: str
    updated_at: datetime
    answered: int = 0
    declined: int = 0
    not_discussed: int = 0
    total: int = 0
    position: str | None = None
    has_plan: bool = False

    @computed_field  # so `cases list --json` carries it too
    @property
    def progress_text(self) -> str:
        """Questions dealt with (answered, declined or not applicable) out of the total, e.g. "12/40"."""
        return f"{self.total - self.not_discussed}/{self.total}"


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _now() -> str:
    """UTC with microseconds: sorts as text, so `ORDER BY updated_at` is chronological."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _state(status: str, value_json: str | None, note: str | None) -> dict[str, Any]:
    """An answer as the audit trail records it."""
    return {"status": status, "value": _from_json(value_json), "note": note}


def _clean_note(note: str | None) -> str | None:
    # The person's words are kept verbatim; only an empty box counts as no note.
    return note if note is not None and note.strip() else None


def _officer(officer: str | None, what: str) -> str:
    if officer is None or not officer.strip():
        raise StoreError(f"{what} needs the officer's name")
    return officer.strip()


def _check_question_id(question_id: str) -> None:
    if not QUESTION_ID.match(question_id):
        raise StoreError(f"{question_id!r} is not a question id (expected domain.name in snake_case)")


def _failed(what: str, error: Exception) -> StoreError:
    # SQLite's messages name tables, columns and constraints, never bound values; a full disk says so.
    return describe(what, error)


def _unreadable(case_id: int, field: str) -> StoreError:
    """A stored value that does not parse (the file was changed by another program). Names the place only:
    the value, and pydantic's message that would quote it, are never shown."""
    return StoreError(
        f"case {case_id}: the stored {field} cannot be read (was the database changed by another program?)"
    )


def _require_case(db: sqlite_utils.Database, case_id: int) -> None:
    if db.execute("SELECT 1 FROM cases WHERE id = ?", [case_id]).fetchone() is None:
        raise StoreError(f"there is no case {case_id}")


def _audit(
    db: sqlite_utils.Database,
    case_id: int,
    question_id: str | None,
    field: str,
    old: Any,
    new: Any,
    changed_at: str,
    officer: str | None,
) -> None:
    db.execute(
        "INSERT INTO audit (case_id, question_id, field, old_value, new_value, changed_at, officer) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            case_id,
            question_id,
            field,
            None if old is None else _to_json(old),
            None if new is None else _to_json(new),
            changed_at,
            officer,
        ],
    )


def _touch(db: sqlite_utils.Database, case_id: int, when: str) -> None:
    db.execute("UPDATE cases SET updated_at = ? WHERE id = ?", [when, case_id])


def _case_fields(case: Case) -> dict[str, str]:
    return {
        "reference": case.reference,
        "name": case.name,
        "officer": case.officer,
        "assessed_on": case.assessed_on.isoformat(),
    }


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


def _insert_case(db: sqlite_utils.Database, case: Case, officer: str, when: str) -> int:
    fields = _case_fields(case)
    cursor = db.execute(
        "INSERT INTO cases (reference, name, officer, assessed_on, created_at, updated_at, search) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            fields["reference"],
            fields["name"],
            fields["officer"],
            fields["assessed_on"],
            when,
            when,
            search_text(fields["reference"], fields["name"], None, None),
        ],
    )
    case_id = int(cursor.lastrowid)
    _audit(db, case_id, None, "case", None, fields, when, officer)
    return case_id


def create_case(db: sqlite_utils.Database, case: Case) -> int:
    """Store a new case (its `id` is ignored) and return the id it was given."""
    try:
        with writing(db):
            return _insert_case(db, case, case.officer, _now())
    except DB_ERRORS as error:
        raise _failed("could not create the case", error) from None


def get_case(db: sqlite_utils.Database, case_id: int) -> Case:
    row = db.execute("SELECT id, reference, name, officer, assessed_on FROM cases WHERE id = ?", [case_id]).fetchone()
    if row is None:
        raise StoreError(f"there is no case {case_id}")
    try:
        assessed_on = date.fromisoformat(row[4])
    except (TypeError, ValueError):
        raise _unreadable(case_id, "assessed_on") from None
    try:
        return Case(id=row[0], reference=row[1], name=row[2], officer=row[3], assessed_on=assessed_on)
    except ValueError as error:  # pydantic's ValidationError: report the fields, never the values
        fields = ", ".join(sorted({str(detail["loc"][0]) for detail in error.errors()})) or "case"
        raise _unreadable(case_id, fields) from None


def update_case(db: sqlite_utils.Database, case: Case, *, officer: str | None = None) -> None:
    """Change a case's reference, name, officer or date; each changed field is audited.

    `officer` is who made the change (default: the case's officer).
    """
    if case.id is None:
        raise StoreError("update_case needs a case with an id")
    new = _case_fields(case)
    who = _officer(officer or case.officer, "changing a case")
    try:
        with writing(db):
            row = db.execute(
                "SELECT reference, name, officer, assessed_on FROM cases WHERE id = ?", [case.id]
            ).fetchone()
            if row is None:
                raise StoreError(f"there is no case {case.id}")
            old = dict(zip(CASE_FIELDS, row, strict=True))
            changed = [field for field in CASE_FIELDS if old[field] != new[field]]
            if not changed:
                return
            now = _now()
            for field in changed:
                _audit(db, case.id, None, f"case.{field}", old[field], new[field], now, who)
            db.execute(
                "UPDATE cases SET reference = ?, name = ?, officer = ?, assessed_on = ?, updated_at = ? WHERE id = ?",
                [new["reference"], new["name"], new["officer"], new["assessed_on"], now, case.id],
            )
            refresh_search(db, case.id)
    except DB_ERRORS as error:
        raise _failed(f"could not update case {case.id}", error) from None


def set_position(db: sqlite_utils.Database, case_id: int, question_id: str | None) -> None:
    """Remember where the conversation is, so it can resume there. Not audited: it is not a record."""
    if question_id is not None:
        _check_question_id(question_id)
    try:
        with writing(db):
            _require_case(db, case_id)
            db.execute("UPDATE cases SET position = ? WHERE id = ?", [question_id, case_id])
    except DB_ERRORS as error:
        raise _failed(f"could not save the position for case {case_id}", error) from None


def get_position(db: sqlite_utils.Database, case_id: int) -> str | None:
    row = db.execute("SELECT position FROM cases WHERE id = ?", [case_id]).fetchone()
    if row is None:
        raise StoreError(f"there is no case {case_id}")
    return row[0]


# ---------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------


def _row_to_answer(
    question_id: str, status: str, value: str | None, note: str | None, at: str, officer: str | None
) -> Answer:
    return Answer(
        question_id=question_id,
        status=status,
        value=_from_json(value),
        note=note,
        answered_at=datetime.fromisoformat(at),
        officer=officer,
    )


def _upsert_answer(
    db: sqlite_utils.Database,
    case_id: int,
    question_id: str,
    status: str,
    value_json: str | None,
    note: str | None,
    at: str,
    officer: str | None,
) -> None:
    db.execute(
        "INSERT INTO answers (case_id, question_id, status, value, note, answered_at, officer) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (case_id, question_id) DO UPDATE SET status = excluded.status, value = excluded.value, "
        "note = excluded.note, answered_at = excluded.answered_at, officer = excluded.officer",
        [case_id, question_id, status, value_json, note, at, officer],
    )


def save_answer(
    db: sqlite_utils.Database, case_id: int, answer: Answer, *, officer: str, bank: QuestionBank | None = None
) -> Answer:
    """Store one answer and return it as stored; it is committed to disk before this returns.

    The answer is stamped with the time and the officer. Saving what is already stored changes
    nothing and writes no audit row; any change writes one with the old and new status, value and
    note. A question never saved reads as `not_discussed`. With the bank, the case's kept progress is
    counted again in the same transaction; without it, the kept count is marked out of date.
    """
    question_id = answer.question_id
    _check_question_id(question_id)
    who = _officer(officer, f"saving the answer to {question_id}")
    note = _clean_note(answer.note)
    for what, text in (("note", note), ("answer", answer.value if isinstance(answer.value, str) else None)):
        if (problem := too_long(text)) is not None:
            raise StoreError(f"{question_id}: the {what} {problem}")
    value_json = None if answer.value is None else _to_json(answer.value)
    try:
        with writing(db):
            _require_case(db, case_id)
            row = db.execute(
                "SELECT status, value, note, answered_at, officer FROM answers WHERE case_id = ? AND question_id = ?",
                [case_id, question_id],
            ).fetchone()
            if row is None:
                unchanged = (answer.status, value_json, note) == ("not_discussed", None, None)
                if unchanged:
                    return Answer(question_id=question_id)
                old = None
            else:
                if (row[0], row[1], row[2]) == (answer.status, value_json, note):
                    return _row_to_answer(question_id, *row)
                old = _state(row[0], row[1], row[2])
            now = _now()
            _upsert_answer(db, case_id, question_id, answer.status, value_json, note, now, who)
            _audit(db, case_id, question_id, "answer", old, _state(answer.status, value_json, note), now, who)
            _touch(db, case_id, now)
            _after_answers_changed(db, case_id, bank, names_changed=question_id in (PREFERRED_NAME, AREA))
    except DB_ERRORS as error:
        raise _failed(f"could not save the answer to {question_id} for case {case_id}", error) from None
    return _row_to_answer(question_id, answer.status, value_json, note, now, who)


def _after_answers_changed(
    db: sqlite_utils.Database, case_id: int, bank: QuestionBank | None, *, names_changed: bool
) -> None:
    """Keep what the case list reads in step with the answers: the search text and the progress count."""
    if names_changed:
        refresh_search(db, case_id)
    if bank is not None:
        keep_progress(db, bank, [case_id])
    else:
        forget_progress(db, case_id)


def load_assessment(db: sqlite_utils.Database, case_id: int) -> Assessment:
    """The case and every stored answer. Questions with no row are `not_discussed`."""
    case = get_case(db, case_id)
    rows = db.execute(
        "SELECT question_id, status, value, note, answered_at, officer FROM answers WHERE case_id = ? "
        "ORDER BY question_id",
        [case_id],
    ).fetchall()
    answers = {}
    for row in rows:
        try:
            answers[row[0]] = _row_to_answer(*row)
        except (TypeError, ValueError):  # not JSON, a bad time, or a status/value pydantic refuses
            raise _unreadable(case_id, f"answer to {_id_text(row[0])}") from None
    return Assessment(case=case, answers=answers)


def _id_text(question_id: object) -> str:
    """A stored question id to name in a message, when it looks like one."""
    return question_id if isinstance(question_id, str) and QUESTION_ID.match(question_id) else "a question"


def _checked_value(bank: QuestionBank, question_id: str, answer: Answer) -> AnswerValue:
    """The value in its stored shape. The message names the question, never the value itself."""
    if not bank.has(question_id):
        raise StoreError(f"{question_id}: not a question in this question bank")
    if answer.status != "answered" or answer.value is None:
        return answer.value
    question = bank.question(question_id)
    try:
        return question.check_value(answer.value)
    except ValueError:
        codes = question.codes()
        expected = f"; expected one of {', '.join(codes)}" if codes else ""
        raise StoreError(f"{question_id}: the value does not fit a {question.kind} question{expected}") from None


def import_assessment(
    db: sqlite_utils.Database,
    assessment: Assessment,
    bank: QuestionBank | None = None,
    officer: str | None = None,
    *,
    source: str | None = None,
) -> int:
    """Store an assessment as a new case with its answers, all or nothing; return the case id.

    With a bank, every question id and value is checked first. `officer` is who imported it
    (default: the case's officer): the audit and access log record them, while the case keeps the
    officer named in the file as who assessed it. Answers keep their own time and officer when they
    have them. `source` (the file's path) goes in the access log's location.
    """
    from oasys_diversity.store_access import insert_access

    who = _officer(officer or assessment.case.officer, "importing an assessment")
    rows: list[tuple[str, str, str | None, str | None, str | None, str | None]] = []
    for question_id, answer in assessment.answers.items():
        _check_question_id(question_id)
        if answer.question_id != question_id:
            raise StoreError(f"{question_id}: the answer is filed under a different question ({answer.question_id})")
        value = _checked_value(bank, question_id, answer) if bank is not None else answer.value
        note = _clean_note(answer.note)
        value_json = None if value is None else _to_json(value)
        if (answer.status, value_json, note) == ("not_discussed", None, None):
            continue  # the same as no row at all
        at = answer.answered_at.astimezone(UTC).isoformat(timespec="microseconds") if answer.answered_at else None
        rows.append((question_id, answer.status, value_json, note, at, answer.officer))
    try:
        with writing(db):
            now = _now()
            case_id = _insert_case(db, assessment.case, who, now)
            for question_id, status, value_json, note, at, answer_officer in rows:
                _upsert_answer(db, case_id, question_id, status, value_json, note, at or now, answer_officer or who)
                _audit(db, case_id, question_id, "answer", None, _state(status, value_json, note), now, who)
            insert_access(db, case_id, "imported", who, {"answers": len(rows)}, source, now)
            _after_answers_changed(db, case_id, bank, names_changed=True)
    except DB_ERRORS as error:
        raise _failed("could not import the assessment", error) from None
    return case_id


# ---------------------------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------------------------


def save_plan(db: sqlite_utils.Database, case_id: int, plan: Plan, *, officer: str) -> None:
    """Store the case's plan (one per case), committed before returning; a change is audited."""
    who = _officer(officer, f"saving the plan for case {case_id}")
    plan_json = plan.model_dump_json()
    try:
        with writing(db):
            _require_case(db, case_id)
            row = db.execute("SELECT plan FROM plans WHERE case_id = ?", [case_id]).fetchone()
            if row is not None and row[0] == plan_json:
                return
            try:
                old = None if row is None else json.loads(row[0])
            except (TypeError, ValueError):  # another program broke it: say so rather than overwrite it unseen
                raise _unreadable(case_id, "plan") from None
            now = _now()
            db.execute(
                "INSERT INTO plans (case_id, plan, updated_at, officer) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (case_id) DO UPDATE SET plan = excluded.plan, updated_at = excluded.updated_at, "
                "officer = excluded.officer",
                [case_id, plan_json, now, who],
            )
            _audit(db, case_id, None, "plan", old, json.loads(plan_json), now, who)
            _touch(db, case_id, now)
    except DB_ERRORS as error:
        raise _failed(f"could not save the plan for case {case_id}", error) from None


def load_plan(db: sqlite_utils.Database, case_id: int) -> Plan | None:
    """The case's saved plan, or None when there is none yet."""
    row = db.execute("SELECT plan FROM plans WHERE case_id = ?", [case_id]).fetchone()
    if row is None:
        return None
    try:
        return Plan.model_validate_json(row[0])
    except (TypeError, ValueError):  # pydantic's message would quote the stored plan
        raise _unreadable(case_id, "plan") from None


# ---------------------------------------------------------------------------------------------
# Audit trail and erasure
# ---------------------------------------------------------------------------------------------


def audit_trail(db: sqlite_utils.Database, case_id: int) -> list[dict[str, Any]]:
    """Every recorded change for a case, oldest first, with old and new values decoded from JSON."""
    rows = db.query(
        "SELECT id, case_id, question_id, field, old_value, new_value, changed_at, officer FROM audit "
        "WHERE case_id = ? ORDER BY id",
        [case_id],
    )
    return [
        {**row, "old_value": _from_json(row["old_value"]), "new_value": _from_json(row["new_value"])} for row in rows
    ]


def erase_case(
    db: sqlite_utils.Database, case_id: int, *, officer: str | None = None, reason: str | None = None
) -> None:
    """Erase a case: its answers, plan and audit trail, leaving no copy in the file or its journal.

    `erasures` keeps only the case id, when and by whom; the access log keeps who looked and when,
    forgets where exports went (a file name can hold a reference) and gains an `erased` row with
    `reason` (e.g. "retention"). `officer` None: the OS account. Afterwards the database is vacuumed and
    the write-ahead log checkpointed and truncated, so no answer text survives in free pages. If
    another program holds the database open the clean-up cannot finish; running the erase again
    for the same id finishes it.
    """
    from oasys_diversity.store_access import blank_locations, insert_access, officer_or_os_user

    try:
        with writing(db):
            has_rows = any(
                db.execute(f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1", [case_id]).fetchone()
                for table, column in (
                    ("cases", "id"),
                    ("answers", "case_id"),
                    ("plans", "case_id"),
                    ("audit", "case_id"),
                    ("sessions", "case_id"),
                )
            )
            if has_rows:
                db.execute(
                    "INSERT INTO erasures (case_id, erased_at, officer) VALUES (?, ?, ?)",
                    [case_id, _now(), officer.strip() if officer and officer.strip() else None],
                )
                db.execute("DELETE FROM answers WHERE case_id = ?", [case_id])
                db.execute("DELETE FROM plans WHERE case_id = ?", [case_id])
                db.execute("DELETE FROM sessions WHERE case_id = ?", [case_id])
                db.execute("DELETE FROM deeper_choices WHERE case_id = ?", [case_id])
                db.execute("DELETE FROM cases WHERE id = ?", [case_id])
                db.execute("DELETE FROM audit WHERE case_id = ?", [case_id])
                blank_locations(db, case_id)
                insert_access(db, case_id, "erased", officer_or_os_user(officer), {"reason": reason} if reason else None)
            elif db.execute("SELECT 1 FROM erasures WHERE case_id = ?", [case_id]).fetchone() is None:
                raise StoreError(f"there is no case {case_id}")
    except DB_ERRORS as error:
        raise _failed(f"could not erase case {case_id}", error) from None
    _scrub(db, case_id)


def _scrub(db: sqlite_utils.Database, case_id: int) -> None:
    """Rewrite the file without free pages and empty the write-ahead log."""
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.vacuum()
        busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    except DB_ERRORS as error:
        raise _failed(f"case {case_id} was erased, but the clean-up did not finish; erase it again", error) from None
    if busy:
        raise StoreError(
            f"case {case_id} was erased, but another program has the database open so old copies may remain in "
            "its journal; close the other program and erase it again"
        )


# ---------------------------------------------------------------------------------------------
# The case list
# ---------------------------------------------------------------------------------------------


def list_cases(db: sqlite_utils.Database | sqlite3.Connection, bank: QuestionBank | None = None) -> list[CaseSummary]:
    """Every case, most recently updated first (the Cases screen pages through `store_case_list` instead).

    With a bank, counts are over the questions visible for the case's answers (a question with no answer
    is not yet discussed): the progress kept on each case when it was counted with this bank, counted
    afresh (not written) for the rest. Without one, over the answers stored. It only reads, so a plain
    connection from `open_connection` will do as well as a `Database`.
    """
    rows = case_rows(db)
    counted = progress_of(db, bank, rows) if bank is not None else {}
    summaries: list[CaseSummary] = []
    for row in rows:
        progress = counted.get(row.id) or Progress(
            row.stored_answered, row.stored_declined, row.stored_not_discussed, row.stored_total
        )
        try:
            summary = CaseSummary(
                id=row.id,
                reference=row.reference,
                name=row.name,
                officer=row.officer,
                updated_at=row.updated_at,
                position=row.position,
                answered=progress.answered,
                declined=progress.declined,
                not_discussed=progress.not_discussed,
                total=progress.total,
                preferred_name=row.preferred_name,
                area=row.area,
                has_plan=row.has_plan,
            )
        except ValueError:  # pydantic: a stored field of the wrong type; its message would quote the value
            raise _unreadable(row.id, "case row") from None
        summaries.append(summary)
    return summaries
