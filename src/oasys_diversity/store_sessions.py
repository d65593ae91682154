"""Sessions (the language and interpreter of each sitting) and the choices to go deeper, in SQLite.

Like the rest of the store: small functions taking the `Database`, each write its own committed
transaction, every change in the audit trail, errors that name ids and fields but never what was said.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from oasys_diversity.sessions import ConversationSession
from oasys_diversity.steps import DEEPER_CHOICES, DeeperChoice
from oasys_diversity.store import _audit, _failed, _now, _officer, _require_case
from oasys_diversity.store_open import DB_ERRORS, StoreError, writing

if TYPE_CHECKING:
    import sqlite_utils

_COLUMNS = "id, case_id, started_at, officer, language, interpreter, interpreter_language, interpreter_mode"


def _fields(session: ConversationSession) -> dict[str, str | None]:
    return {
        "language": session.language,
        "interpreter": session.interpreter,
        "interpreter_language": session.interpreter_language,
        "interpreter_mode": session.interpreter_mode,
    }


def start_session(db: sqlite_utils.Database, session: ConversationSession, *, officer: str) -> ConversationSession:
    """Record a new sitting for the case; returns it with its id and start time."""
    who = _officer(officer, f"starting a session for case {session.case_id}")
    fields = _fields(session)
    try:
        with writing(db):
            _require_case(db, session.case_id)
            now = _now()
            cursor = db.execute(
                "INSERT INTO sessions (case_id, started_at, officer, language, interpreter, interpreter_language, "
                "interpreter_mode) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [session.case_id, now, who, *fields.values()],
            )
            _audit(db, session.case_id, None, "session", None, fields, now, who)
    except DB_ERRORS as error:
        raise _failed(f"could not start a session for case {session.case_id}", error) from None
    return session.model_copy(update={"id": int(cursor.lastrowid), "started_at": datetime.fromisoformat(now)})


def update_session(db: sqlite_utils.Database, session: ConversationSession, *, officer: str) -> None:
    """Change a sitting's language or interpreter (the interpreter joined late, or the first entry was wrong)."""
    if session.id is None:
        raise StoreError(f"case {session.case_id}: the session to update has no id")
    who = _officer(officer, f"updating session {session.id}")
    old = latest_session(db, session.case_id)
    fields = _fields(session)
    try:
        with writing(db):
            cursor = db.execute(
                "UPDATE sessions SET language = ?, interpreter = ?, interpreter_language = ?, interpreter_mode = ? "
                "WHERE id = ? AND case_id = ?",
                [*fields.values(), session.id, session.case_id],
            )
            if cursor.rowcount != 1:
                raise StoreError(f"case {session.case_id} has no session {session.id}")
            _audit(db, session.case_id, None, "session", _fields(old) if old else None, fields, _now(), who)
    except DB_ERRORS as error:
        raise _failed(f"could not update session {session.id}", error) from None


def latest_session(db: sqlite_utils.Database, case_id: int) -> ConversationSession | None:
    """The case's most recent sitting, or None before the first."""
    try:
        row = db.execute(
            f"SELECT {_COLUMNS} FROM sessions WHERE case_id = ? ORDER BY id DESC LIMIT 1", [case_id]
        ).fetchone()
    except DB_ERRORS as error:
        raise _failed(f"could not read the sessions of case {case_id}", error) from None
    if row is None:
        return None
    keys = [c.strip() for c in _COLUMNS.split(",")]
    return ConversationSession.model_validate(dict(zip(keys, row, strict=True)))


def set_deeper_choice(
    db: sqlite_utils.Database, case_id: int, domain_id: str, choice: DeeperChoice, *, session_id: int | None
) -> None:
    """Remember whether this domain's deeper questions are for now or for another session."""
    if choice not in DEEPER_CHOICES:
        raise StoreError(f"case {case_id}, domain {domain_id}: {choice!r} is not a choice to go deeper")
    try:
        with writing(db):
            _require_case(db, case_id)
            db.execute(
                "INSERT INTO deeper_choices (case_id, domain_id, choice, session_id, chosen_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (case_id, domain_id) DO UPDATE SET choice = excluded.choice, "
                "session_id = excluded.session_id, chosen_at = excluded.chosen_at",
                [case_id, domain_id, choice, session_id, _now()],
            )
    except DB_ERRORS as error:
        raise _failed(f"could not save the choice for domain {domain_id} of case {case_id}", error) from None


def deeper_choices(db: sqlite_utils.Database, case_id: int, session_id: int | None) -> dict[str, DeeperChoice]:
    """The choices that hold in this session: "now" stays until changed, so deeper questions begun carry on in
    the next session; "later" holds only in the session it was made in, so the next one offers them again."""
    try:
        rows = db.execute(
            "SELECT domain_id, choice, session_id FROM deeper_choices WHERE case_id = ?", [case_id]
        ).fetchall()
    except DB_ERRORS as error:
        raise _failed(f"could not read the choices of case {case_id}", error) from None
    return {
        domain: choice
        for domain, choice, chosen_in in rows
        if choice == "now" or (session_id is not None and chosen_in == session_id)
    }
