"""Assessment summary exports: one summary (summary.py), one module per format.

`export_case` is what the CLI and the Export screen call. The PDF and Word libraries are imported only
when those formats are asked for, and the planner only when a case has no saved plan.
"""

from __future__ import annotations

import importlib
import os
from datetime import date
from pathlib import Path
from typing import Any

from oasys_diversity.export.fonts import FontsMissing
from oasys_diversity.export.pdf import PdfFailed
from oasys_diversity.export.summary import Summary, build_summary
from oasys_diversity.model import Assessment, Plan, QuestionBank

__all__ = ["BINARY_FORMATS", "FORMATS", "ExportError", "Summary", "build_summary", "export_case", "render"]

# format -> module that renders it (each has `render(summary) -> str | bytes`).
FORMATS = {
    "md": "markdown",
    "text": "oasys_text",
    "json": "json_export",
    "pdf": "pdf",
    "docx": "docx",
}
BINARY_FORMATS = ("pdf", "docx")
# Text exports a person reads in a terminal or editor: their control characters are made visible.
TEXT_EXPORTS = ("md", "text")
SUFFIXES = {"md": ".md", "text": ".txt", "json": ".json", "pdf": ".pdf", "docx": ".docx"}


class ExportError(Exception):
    """A problem the user can fix. The message names the case, field or file, never answer text."""


def render(summary: Summary, fmt: str) -> str | bytes:
    """The summary in one format: text for md, text and json; bytes for pdf and docx."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "json" and summary.for_person:
        raise ExportError(
            "the JSON export is the full record for other systems; the version for the person is "
            "available as md, text, pdf or docx"
        )
    module = importlib.import_module(f"oasys_diversity.export.{FORMATS[fmt]}")
    try:
        content = module.render(summary)
    except ImportError as error:
        raise ExportError(
            f"the {fmt} export needs the '{error.name}' library: install oasys-diversity[export]"
        ) from None
    except (FontsMissing, PdfFailed) as error:
        raise ExportError(str(error)) from None
    if fmt in TEXT_EXPORTS:
        from oasys_diversity.safe_text import for_terminal

        # Read with `cat` or pasted into a terminal: an escape sequence in a name must stay visible text.
        return for_terminal(content)
    return content


def export_case(
    db: Any,
    bank: QuestionBank,
    case_id: int,
    fmt: str = "md",
    for_person: bool = False,
    redact: bool = False,
    out: Path | None = None,
    banner: str | None = None,
    directory_path: Path | None = None,
    today: date | None = None,
    easy_read: bool = False,
    notices: list[str] | None = None,
    *,
    force: bool = False,
    officer: str | None = None,
    via: str = "cli",
) -> Path | None:
    """Render a stored case and write it to `out`, or to standard output (`out` None or `-`).

    Returns the path written, or None for standard output. PDF and Word need `out`. What the officer should
    know before handing the person's version over (an interpreter; entries left out) is added to `notices`.
    The destination is checked before the case is read (see `destination.py`): never the database, the
    directory or the bank, never an existing file unless `force`. The export is recorded in the access log
    (`officer`, or the OS account; `via` says from where) before the file appears, so no export goes
    unrecorded.
    """
    from oasys_diversity.export.destination import (
        DestinationRefused,
        check_destination,
        check_stdout,
        is_stdout,
        protected_paths,
        publish,
        stage,
        write_stdout,
    )

    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if out is None and fmt in BINARY_FORMATS:
        raise ExportError(f"the {fmt} format needs --out FILE (for example --out case-{case_id}{SUFFIXES[fmt]})")
    to_stdout = out is None or is_stdout(out)
    try:
        protected = protected_paths(db, directory_path, bank.source_dir)
        if to_stdout:
            check_stdout(fmt, fmt in BINARY_FORMATS, protected)
        else:
            check_destination(Path(out), protected, force=force)
    except DestinationRefused as error:
        raise ExportError(str(error)) from None
    today = today or date.today()
    assessment, plan, suggested = load_case(db, bank, case_id, directory_path, today)
    summary = build_summary(
        assessment,
        plan,
        bank,
        plan_suggested=suggested,
        for_person=for_person,
        redact=redact,
        banner=banner,
        today=today,
        easy_read=easy_read,
    )
    content = render(summary, fmt)
    if notices is not None:
        from oasys_diversity.export.person_version import officer_notices

        notices.extend(officer_notices(summary))
    detail = {"format": fmt, "for": "person" if for_person else "record", "redacted": redact, "via": via}
    if to_stdout:
        _record_export(db, case_id, officer, detail, "standard output")
        write_stdout(content)
        return None
    target = Path(out)
    try:
        staged = stage(target, content.encode("utf-8") if isinstance(content, str) else content)
    except DestinationRefused as error:
        raise ExportError(str(error)) from None
    try:
        _record_export(db, case_id, officer, detail, os.path.abspath(target))
        publish(staged, target, replace=force)
    except (ExportError, DestinationRefused) as error:
        staged.unlink(missing_ok=True)
        raise ExportError(str(error)) from None
    return target


def _record_export(db: Any, case_id: int, officer: str | None, detail: dict[str, Any], location: str) -> None:
    from oasys_diversity.store_access import record_access
    from oasys_diversity.store_open import StoreError

    try:
        record_access(db, case_id, "exported", officer=officer, detail=detail, location=location)
    except StoreError as error:
        raise ExportError(f"not exported: {error}") from None


def load_case(
    db: Any, bank: QuestionBank, case_id: int, directory_path: Path | None, today: date
) -> tuple[Assessment, Plan, bool]:
    """The case's assessment and plan. With no saved plan, a suggested one from the planner (flagged True)."""
    from oasys_diversity.store import StoreError, load_assessment, load_plan

    try:
        assessment = load_assessment(db, case_id)
        plan = load_plan(db, case_id)
    except StoreError as error:
        raise ExportError(str(error)) from None
    if plan is not None:
        return assessment, plan, False
    return assessment, suggest_plan(assessment, bank, directory_path, today), True


def suggest_plan(assessment: Assessment, bank: QuestionBank, directory_path: Path | None, today: date) -> Plan:
    from oasys_diversity.directory import DirectoryError, load_directory
    from oasys_diversity.planner import build_plan
    from oasys_diversity.rules import RulesError, load_rules

    try:
        # The rules beside the bank in use (a trainer's own bank brings its own rules).
        rules = load_rules(Path(bank.source_dir) if bank.source_dir else None)
        directory = load_directory(directory_path)
    except (RulesError, DirectoryError) as error:
        raise ExportError(f"could not build a suggested plan: {error}") from None
    return build_plan(assessment, bank, rules, directory, today)


def write_private(path: Path, data: bytes) -> None:
    """Write owner-only (0600) and atomically, replacing what is there: a half-written file never replaces a good one."""
    from oasys_diversity.export.destination import DestinationRefused, publish, stage

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        publish(stage(path, data), path, replace=True)
    except DestinationRefused as error:
        raise ExportError(str(error)) from None
