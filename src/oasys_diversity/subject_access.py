"""A subject access pack: everything held about one person, for them (UK GDPR Art. 15 / DPA 2018 s45).

`write_pack` writes a new folder with
- `summary-for-person.md`: the summary written for the person (the Export screen's "for the person"),
- `held-about-you.json`: the case details, every answer and note, the saved plan, every recorded
  change (with old and new values: they are the person's own data), and every look at the case
  (opened, exported — with where — imported, earlier subject access requests).

The folder must not exist yet, or be empty; nothing is written into a folder that holds anything.
The files are staged in a hidden folder beside it and moved into place only once complete, after the
request is recorded in the access log: a failed request leaves nothing behind and nothing unrecorded.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from oasys_diversity.model import QuestionBank

PACK_FORMAT = "oasys-diversity/subject-access@1"
SUMMARY_FILE = "summary-for-person.md"
DATA_FILE = "held-about-you.json"


class SubjectAccessError(Exception):
    """One line naming the case id or folder, never what is held."""


def _check_folder(folder: Path) -> None:
    if folder.is_symlink():
        raise SubjectAccessError(f"refusing to write into {folder}: it is a symbolic link; name a real folder")
    if folder.exists():
        if not folder.is_dir():
            raise SubjectAccessError(f"refusing to write into {folder}: it is a file, not a folder")
        if any(folder.iterdir()):
            raise SubjectAccessError(f"refusing to write into {folder}: it is not empty; name a new or empty folder")
    parent = folder.parent if str(folder.parent) else Path(".")
    if not parent.is_dir():
        raise SubjectAccessError(f"cannot write {folder}: the folder {parent} does not exist")


def held_data(db: Any, bank: QuestionBank, case_id: int) -> dict[str, Any]:
    """Everything the database holds about the case, as plain JSON-ready values."""
    from oasys_diversity.store import StoreError, audit_trail, load_assessment, load_plan
    from oasys_diversity.store_access import access_log

    try:
        assessment = load_assessment(db, case_id)
        plan = load_plan(db, case_id)
    except StoreError as error:
        raise SubjectAccessError(str(error)) from None
    created, updated = db.execute("SELECT created_at, updated_at FROM cases WHERE id = ?", [case_id]).fetchone()
    case = assessment.case
    answers = []
    for question_id, answer in sorted(assessment.answers.items()):
        answers.append(
            {
                "question_id": question_id,
                "question": bank.question(question_id).prompt if bank.has(question_id) else None,
                "status": answer.status,
                "value": answer.value,
                "note": answer.note,
                "answered_at": answer.answered_at.isoformat() if answer.answered_at else None,
                "officer": answer.officer,
            }
        )
    looks = access_log(db, case_id)
    return {
        "format": PACK_FORMAT,
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "case": {
            "id": case_id,
            "reference": case.reference,
            "name": case.name,
            "assessed_by": case.officer,
            "assessed_on": case.assessed_on.isoformat(),
            "created_at": created,
            "updated_at": updated,
        },
        "answers": answers,
        "plan": None if plan is None else plan.model_dump(mode="json"),
        "changes": audit_trail(db, case_id),
        "access": looks,
        "exports": [row for row in looks if row["action"] == "exported"],
    }


def _person_summary(db: Any, bank: QuestionBank, case_id: int, directory_path: Path | None, today: date) -> str:
    from oasys_diversity.export import ExportError, build_summary, load_case, render

    try:
        assessment, plan, suggested = load_case(db, bank, case_id, directory_path, today)
        summary = build_summary(assessment, plan, bank, plan_suggested=suggested, for_person=True, today=today)
        content = render(summary, "md")
    except ExportError as error:
        raise SubjectAccessError(str(error)) from None
    assert isinstance(content, str)
    return content


def _write(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())


def write_pack(
    db: Any,
    bank: QuestionBank,
    case_id: int,
    folder: Path,
    *,
    officer: str | None,
    directory_path: Path | None = None,
    today: date | None = None,
) -> list[Path]:
    """Write the pack into `folder` (new, or empty) and record the request; return the files written."""
    from oasys_diversity.export.destination import DestinationRefused, check_protected, protected_paths
    from oasys_diversity.store_access import record_access
    from oasys_diversity.store_open import StoreError

    folder = Path(folder)
    _check_folder(folder)
    try:
        protected = protected_paths(db, directory_path, bank.source_dir)
        for name in ("", SUMMARY_FILE, DATA_FILE):
            check_protected(folder / name if name else folder, protected)
    except DestinationRefused as error:
        raise SubjectAccessError(str(error)) from None
    data = held_data(db, bank, case_id)
    summary = _person_summary(db, bank, case_id, directory_path, today or date.today())
    parent = folder.parent if str(folder.parent) else Path(".")
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=parent))
    except OSError as error:
        raise SubjectAccessError(f"cannot write {folder}: {error.strerror}") from None
    try:
        _write(staging / SUMMARY_FILE, summary)
        _write(staging / DATA_FILE, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        record_access(
            db,
            case_id,
            "subject_access",
            officer=officer,
            detail={"files": 2},
            location=os.path.abspath(folder),
        )
        # rename() onto an empty folder replaces it; onto one that gained a file meanwhile it fails.
        os.rename(staging, folder)
    except StoreError as error:
        raise SubjectAccessError(f"nothing written: {error}") from None
    except OSError as error:
        raise SubjectAccessError(f"cannot write {folder}: {error.strerror}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [folder / SUMMARY_FILE, folder / DATA_FILE]
