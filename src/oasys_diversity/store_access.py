"""The record of every look at a case (DPA 2018 Part 3 s62): who opened, exported, imported or erased it, and when.

The `access_log` table (migration m002) holds one row per look: the officer running the app or the
command, the time (UTC), the action, and a small `detail` (format, for whom, redacted or not, how it
was reached) — never answers, notes or names. `location` is the path an export or import used; erasure
blanks it, because a file name can carry a reference, and keeps the rest.

`case_history` merges this with the change trail (`audit`) and the record of erasures into the rows
`cases audit ID` prints: time, officer, action, detail — question ids and field names, never values.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from oasys_diversity.store_open import DB_ERRORS, StoreError, as_database, writing

ACTIONS = ("opened", "exported", "imported", "erased", "subject_access")
UNKNOWN_OFFICER = "unknown user"


def os_user() -> str:
    """The account running the command: who is recorded when no officer is named."""
    import getpass

    try:
        return getpass.getuser() or UNKNOWN_OFFICER
    except (OSError, KeyError):
        return UNKNOWN_OFFICER


def officer_or_os_user(officer: str | None) -> str:
    return officer.strip() if officer and officer.strip() else os_user()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _database(db: Any) -> Any:
    return db if hasattr(db, "conn") else as_database(db)


def insert_access(
    db: Any,
    case_id: int,
    action: str,
    officer: str,
    detail: dict[str, Any] | None = None,
    location: str | None = None,
    at: str | None = None,
) -> None:
    """Add one row inside the caller's transaction (import and erasure record theirs with the change itself)."""
    if action not in ACTIONS:
        raise StoreError(f"{action!r} is not an action the access log records")
    db.execute(
        "INSERT INTO access_log (case_id, action, detail, location, at, officer) VALUES (?, ?, ?, ?, ?, ?)",
        [
            case_id,
            action,
            None if not detail else json.dumps(detail),
            location,
            at or _now(),
            officer_or_os_user(officer),
        ],
    )


def record_access(
    db: Any,
    case_id: int,
    action: str,
    *,
    officer: str | None,
    detail: dict[str, Any] | None = None,
    location: str | None = None,
) -> None:
    """Record one look at an existing case, committed before returning. `officer` None: the OS account."""
    database = _database(db)
    try:
        with writing(database):
            if database.execute("SELECT 1 FROM cases WHERE id = ?", [case_id]).fetchone() is None:
                raise StoreError(f"there is no case {case_id}")
            insert_access(database, case_id, action, officer_or_os_user(officer), detail, location)
    except DB_ERRORS as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise StoreError(f"could not record that case {case_id} was {action.replace('_', ' ')}: {reason}") from None


def access_log(db: Any, case_id: int) -> list[dict[str, Any]]:
    """The case's access rows, oldest first, with `detail` decoded."""
    rows = db.execute(
        "SELECT id, case_id, action, detail, location, at, officer FROM access_log WHERE case_id = ? ORDER BY id",
        [case_id],
    ).fetchall()
    keys = ("id", "case_id", "action", "detail", "location", "at", "officer")
    found = [dict(zip(keys, row, strict=True)) for row in rows]
    for row in found:
        row["detail"] = json.loads(row["detail"]) if row["detail"] else {}
    return found


def blank_locations(db: Any, case_id: int) -> None:
    """On erasure (after the case is gone and the erasure recorded): forget where its exports went."""
    db.execute("UPDATE access_log SET location = NULL WHERE case_id = ? AND location IS NOT NULL", [case_id])


# What each change-trail `field` means to a reader; the values themselves are never shown.
_CHANGE_ACTIONS = {"case": "case created", "answer": "answer recorded", "plan": "plan saved"}


def describe_detail(detail: dict[str, Any], location: str | None) -> str:
    """`format=pdf, for=person, redacted=no, where=/path` — the detail in one line."""
    parts = [f"{key}={'yes' if value is True else 'no' if value is False else value}" for key, value in detail.items()]
    if location:
        parts.append(f"where={location}")
    return ", ".join(parts)


def case_history(db: Any, case_id: int) -> list[dict[str, str]]:
    """Every audit row for a case, oldest first: {"at", "officer", "action", "detail"}, with no answer or name.

    Changes come from `audit` (question id or field name only), looks from `access_log`, and an
    erasure from `erasures` when the access log does not already hold it (erasures before m002).
    Raises StoreError when nothing at all is recorded for the id.
    """
    history: list[tuple[str, int, dict[str, str]]] = []
    for field, question_id, at, officer in db.execute(
        "SELECT field, question_id, changed_at, officer FROM audit WHERE case_id = ? ORDER BY id", [case_id]
    ).fetchall():
        if field.startswith("case."):
            action, detail = "case details changed", field.removeprefix("case.")
        else:
            action, detail = _CHANGE_ACTIONS.get(field, field), question_id or ""
        history.append((at, 0, {"at": at, "officer": officer or "", "action": action, "detail": detail}))
    logged_erasure = False
    for row in access_log(db, case_id):
        logged_erasure = logged_erasure or row["action"] == "erased"
        history.append(
            (
                row["at"],
                1,
                {
                    "at": row["at"],
                    "officer": row["officer"],
                    "action": row["action"].replace("_", " "),
                    "detail": describe_detail(row["detail"], row["location"]),
                },
            )
        )
    if not logged_erasure:
        for at, officer in db.execute(
            "SELECT erased_at, officer FROM erasures WHERE case_id = ? ORDER BY id", [case_id]
        ).fetchall():
            history.append((at, 2, {"at": at, "officer": officer or "", "action": "erased", "detail": ""}))
    if not history and db.execute("SELECT 1 FROM cases WHERE id = ?", [case_id]).fetchone() is None:
        raise StoreError(f"there is no case {case_id}, and nothing is recorded for that id")
    history.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in history]
