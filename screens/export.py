"""Export: write the assessment summary to a file, in the format and for the reader the officer chooses.

The destination is prefilled with a sensible file in the officer's Documents (or home) folder and checked
before anything is written: a folder that cannot be written, a path that is a folder, or the case database,
the referral directory or the question bank gets a message naming the problem. An existing file is never
replaced silently: a dialog asks whether to replace it, choose another name, or cancel.
The writing runs in a worker thread, so a slow PDF never freezes the screen.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, RadioSet, Static

from oasys_diversity.safe_text import for_terminal
from oasys_diversity.sessions import export_banner

from .toggles import MarkedCheckbox, MarkedRadioButton

if TYPE_CHECKING:
    from oasys_diversity.app import OasysApp

# (format code for export_case, what the officer reads, file extension)
FORMATS: list[tuple[str, str, str]] = [
    ("md", "Markdown (.md)", ".md"),
    ("text", "Plain text by OASys box (.txt)", ".txt"),
    ("json", "JSON for other systems (.json)", ".json"),
    ("pdf", "PDF (.pdf)", ".pdf"),
    ("docx", "Word (.docx)", ".docx"),
]
EXTENSIONS = {code: ext for code, _label, ext in FORMATS}
EXPORT_FOLDER_NAME = "oasys-diversity-exports"


class DestinationError(Exception):
    """The chosen destination cannot be used; the message says why in plain words."""


def export_today() -> date:
    """The date in suggested file names (a function so tests can fix it)."""
    return date.today()


def export_folder(kind: str = "live") -> Path:
    """Where exports go by default: a folder in the officer's Documents, or in their home if there is none.
    Practice and demo exports go to a `practice` or `demo` folder inside it, never beside real records."""
    try:
        import platformdirs

        documents = Path(platformdirs.user_documents_dir())
    except Exception:  # platformdirs cannot always name a Documents folder (headless servers)
        documents = None
    base = documents if documents is not None and documents.is_dir() else Path.home()
    return base / EXPORT_FOLDER_NAME if kind == "live" else base / EXPORT_FOLDER_NAME / kind


def safe_file_part(text: str) -> str:
    """Letters, digits, '-' and '_' only, so a reference like 'X123/45' makes a valid file name."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "case"


def default_file_name(*, reference: str, case_id: int, fmt: str, on_day: date, for_person: bool, redact: bool) -> str:
    """'X123456-2025-03-01.md'; a redacted export never carries the reference, even in its name."""
    stem = f"case-{case_id}-redacted" if redact else safe_file_part(reference)
    if for_person:
        stem += "-for-person"
    return f"{stem}-{on_day.isoformat()}{EXTENSIONS[fmt]}"


def shown_path(path: Path) -> str:
    """A path as the officer reads it: the home folder as ~."""
    home = Path.home()
    try:
        return "~/" + path.relative_to(home).as_posix()
    except ValueError:
        return str(path)


def resolve_destination(text: str, *, default_name: str, fmt: str) -> Path:
    """Turn what was typed into the file to write, or raise DestinationError saying what is wrong.

    '~' is the home folder; a relative path is taken from the home folder; an existing folder gets the
    default file name inside it; a name without an extension gets the format's.
    """
    text = text.strip()
    if not text:
        raise DestinationError("Choose where to save the file: type a path in Save to.")
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = Path.home() / path
    if path.is_dir():
        path = path / default_name
    elif not path.suffix:
        path = path.with_suffix(EXTENSIONS[fmt])
    folder = path.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise DestinationError(f"{shown_path(existing)} is a file, so nothing can be saved inside it.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise DestinationError(f"You cannot save in {shown_path(existing)}: it is not writable. Choose another folder.")
    if path.exists() and not os.access(path, os.W_OK):
        raise DestinationError(f"{shown_path(path)} exists and cannot be replaced (it is read-only).")
    return path


INTERPRETER_REMINDER = (
    "Their preferred language is not English (or they need an interpreter): go through the person's version "
    "with them and an interpreter."
)


@dataclass(frozen=True)
class ExportRequest:
    fmt: str
    for_person: bool
    redact: bool
    out: Path
    easy_read: bool = False
    # True once the officer chose "Replace" for a file already there.
    replace: bool = False


class ExportScreen(Screen):
    """Screen 6: choose a format, a reader and a destination; see where the file went."""

    CSS_PATH = "export.tcss"
    HELP_TITLE = "Export"
    HELP = (
        "Choose the **format** (↑↓ within the list, Tab to move on), **who it is for** (the case record, or the "
        "shorter summary written for the person on probation), and whether to **redact** it (initials instead "
        "of names, no reference, none of their own words: for training or supervision outside the case). For "
        "the person, **Easy read** gives short sentences, one per line, in larger type.\n\n"
        "**Save to** is filled in for you; change it if you like. `~` is your home folder. If a file is already "
        "there, Export asks before replacing it.\n\n"
        "Press **ctrl+s** (or Enter in Save to, or the Export button) to write the file. Where it went is shown "
        "below the button."
    )
    BINDINGS = [
        Binding("ctrl+s", "export", "Export", id="export.run"),
        Binding("escape", "back", "Back", id="export.back"),
    ]

    class Finished(Message):
        """The worker is done: `where` is the file written, or `problem` says why not."""

        def __init__(self, where: Path | None, problem: str | None, notices: list[str] | None = None) -> None:
            super().__init__()
            self.where = where
            self.problem = problem
            self.notices = notices or []

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.reference = ""
        self.busy = False
        self._auto_destination = ""
        self.needs_interpreter = False

    @property
    def oasys(self) -> OasysApp:
        return cast("OasysApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="export-form"):
            yield Static("", id="export-heading", markup=False)
            with Horizontal(id="export-choices"):
                with RadioSet(id="export-format"):
                    for index, (code, label, _ext) in enumerate(FORMATS):
                        yield MarkedRadioButton(label, value=index == 0, name=code)
                with Vertical(id="export-options"):
                    with RadioSet(id="export-audience"):
                        yield MarkedRadioButton("The case record", value=True, name="record")
                        yield MarkedRadioButton("The person on probation", name="person")
                    yield MarkedCheckbox("Redact for sharing", id="export-redact")
                    yield Static("Initials for names, no reference, none of their words.", id="export-redact-hint")
                    yield MarkedCheckbox("Easy read (for the person)", id="export-easy", disabled=True)
            yield Static(INTERPRETER_REMINDER, id="export-interpreter", markup=False)
            yield Label("Save to (a file path; ~ is your home folder)", id="export-destination-label")
            yield Input(id="export-destination")
            with Horizontal(id="export-actions"):
                yield Button("Export", id="export-run", variant="primary")
                yield Static("", id="export-result", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        from oasys_diversity.store import StoreError, get_case

        self.query_one("#export-format", RadioSet).border_title = "Format"
        self.query_one("#export-audience", RadioSet).border_title = "Who it is for"
        try:
            case = get_case(self.oasys.db, self.case_id)
        except (StoreError, LookupError) as problem:
            heading = f"Case {self.case_id} could not be read: {problem}"
        else:
            self.reference = case.reference
            self.needs_interpreter = self._needs_interpreter()
            self.sub_title = f"Export — {case.name} ({case.reference})"
            heading = f"Export the assessment summary for {case.name} ({case.reference})."
        if self.oasys.banner:
            heading += f"\n{self.oasys.banner}: every page of this export will be marked {self.oasys.banner}."
        self.query_one("#export-heading", Static).update(for_terminal(heading))
        self._update_destination()
        self._update_person_options()

    def _needs_interpreter(self) -> bool:
        """Whether what is written for this person should be gone through with an interpreter."""
        from oasys_diversity.export.summary import language_needs
        from oasys_diversity.store import StoreError, load_assessment

        try:
            return language_needs(load_assessment(self.oasys.db, self.case_id))[1]
        except (StoreError, LookupError):
            return False

    def _update_person_options(self) -> None:
        """Easy read only for the person's version; the interpreter reminder whenever that is chosen."""
        for_person = self.choices()[1]
        self.query_one("#export-easy", MarkedCheckbox).disabled = not for_person
        self.query_one("#export-interpreter", Static).display = for_person and self.needs_interpreter

    # -- the choices -----------------------------------------------------------------------------

    def choices(self) -> tuple[str, bool, bool]:
        """(format code, for the person?, redact?) as chosen on screen."""
        fmt_button = self.query_one("#export-format", RadioSet).pressed_button
        audience = self.query_one("#export-audience", RadioSet).pressed_button
        fmt = fmt_button.name if fmt_button is not None and fmt_button.name else "md"
        for_person = audience is not None and audience.name == "person"
        return fmt, for_person, self.query_one("#export-redact", MarkedCheckbox).value

    def default_name(self) -> str:
        fmt, for_person, redact = self.choices()
        return default_file_name(
            reference=self.reference or f"case-{self.case_id}",
            case_id=self.case_id,
            fmt=fmt,
            on_day=export_today(),
            for_person=for_person,
            redact=redact,
        )

    def _update_destination(self) -> None:
        """Keep the suggested path in step with the choices, unless the officer typed their own."""
        destination = self.query_one("#export-destination", Input)
        suggested = shown_path(export_folder(self.oasys.db_kind) / self.default_name())
        fmt = self.choices()[0]
        if not destination.value or destination.value == self._auto_destination:
            destination.value = suggested
        else:
            typed = Path(destination.value)
            if typed.suffix in EXTENSIONS.values() and typed.suffix != EXTENSIONS[fmt]:
                destination.value = str(typed.with_suffix(EXTENSIONS[fmt]))
        self._auto_destination = suggested

    @on(RadioSet.Changed)
    @on(MarkedCheckbox.Changed)
    def _choices_changed(self) -> None:
        self._update_destination()
        self._update_person_options()

    # -- exporting -------------------------------------------------------------------------------

    def show_result(self, text: str, problem: bool = False) -> None:
        result = self.query_one("#export-result", Static)
        result.update(for_terminal(text))
        result.set_class(problem, "-problem")

    @on(Input.Submitted, "#export-destination")
    @on(Button.Pressed, "#export-run")
    def _export_pressed(self) -> None:
        self.action_export()

    def action_export(self) -> None:
        if self.busy:
            return
        fmt, for_person, redact = self.choices()
        try:
            out = resolve_destination(
                self.query_one("#export-destination", Input).value, default_name=self.default_name(), fmt=fmt
            )
            self.refuse_protected(out)
        except DestinationError as problem:
            self.show_result(f"Not exported: {problem}", problem=True)
            return
        easy = for_person and self.query_one("#export-easy", MarkedCheckbox).value
        request = ExportRequest(fmt, for_person, redact, out, easy_read=easy)
        if os.path.lexists(out):
            from oasys_diversity.screens.dialogs import ReplaceFileDialog

            self.show_result(f"A file already exists at {shown_path(out)}.", problem=True)
            self.app.push_screen(ReplaceFileDialog(shown_path(out)), partial(self._replace_answered, request))
            return
        self.start_export(request)

    def refuse_protected(self, out: Path) -> None:
        """Never the case database (or its journals), the referral directory or the question bank."""
        from oasys_diversity.export.destination import (
            DestinationRefused,
            check_destination,
            check_protected,
            protected_paths,
        )

        bank = self.oasys.bank
        protected = protected_paths(
            self.oasys.connection, self.oasys.directory_path, bank.source_dir if bank is not None else None
        )
        try:
            if out.parent.is_dir():
                # force: an existing file is the dialog's question; every other refusal is decided here.
                check_destination(out, protected, force=True)
            else:
                check_protected(out, protected)  # the folder is made when the export runs
        except DestinationRefused as problem:
            raise DestinationError(str(problem)) from None

    def _replace_answered(self, request: ExportRequest, answer: str | None) -> None:
        if answer == "replace":
            self.start_export(replace(request, replace=True))
            return
        destination = self.query_one("#export-destination", Input)
        if answer == "rename":
            self.show_result("Type another name in Save to, then export.")
            destination.focus()
            destination.action_end()
            return
        self.show_result(f"Not exported: {shown_path(request.out)} was left as it was.")

    def start_export(self, request: ExportRequest) -> None:
        out = request.out
        self.busy = True
        self.refresh_bindings()
        self.query_one("#export-run", Button).disabled = True
        self.show_result(f"Writing {shown_path(out)} …")
        self.run_export(request)

    @work(thread=True, exclusive=True, group="export")
    def run_export(self, request: ExportRequest) -> None:
        """Write the file off the screen's thread and report back with Finished (never raises)."""
        try:
            from oasys_diversity.export import ExportError, export_case
        except ImportError as problem:
            self.post_message(self.Finished(None, f"the export module could not be loaded ({problem.name})"))
            return
        folder = request.out.parent
        made_folder = not folder.exists()
        db, own_connection = None, False
        notices: list[str] = []
        try:
            db, own_connection = self._reading_connection()
            folder.mkdir(parents=True, exist_ok=True)
            where = export_case(
                db,
                self.oasys.bank,
                self.case_id,
                fmt=request.fmt,
                for_person=request.for_person,
                redact=request.redact,
                out=request.out,
                banner=export_banner(self.oasys.banner, self.oasys.interpreter_missing(self.case_id)),
                directory_path=self.oasys.directory_path,
                easy_read=request.easy_read,
                notices=notices,
                force=request.replace,
                officer=self.oasys.officer or None,
                via="app",
            )
        except Exception as problem:  # the officer gets a message, never a traceback; the case is untouched
            if made_folder:
                self._remove_if_empty(folder)
            self.post_message(self.Finished(None, self.describe_failure(problem, ExportError)))
        else:
            self.post_message(self.Finished(where or request.out, None, notices))
        finally:
            if own_connection and db is not None:
                db.close()

    def _reading_connection(self):
        """The worker's own connection to the case database, so it never shares one with the screens'
        thread (SQLite connections are not for sharing); the app's own when the file is not known."""
        from oasys_diversity.store import open_db

        path = getattr(self.oasys, "db_path", None)
        if path is None:
            return self.oasys.db, False
        return open_db(path, self.oasys.db_kind), True

    @staticmethod
    def describe_failure(problem: Exception, export_error: type[Exception]) -> str:
        """Why an export failed, in words an officer can act on (never answer text: errors name fields)."""
        if isinstance(problem, export_error):
            return str(problem)
        if isinstance(problem, ImportError):
            if (problem.name or "").startswith("oasys_diversity"):
                return f"part of the app is missing ({problem.name}); reinstall oasys-diversity"
            return f"this format needs the '{problem.name}' package: install oasys-diversity[export]"
        if isinstance(problem, OSError):
            return f"the file could not be written: {problem.strerror or type(problem).__name__}"
        return f"something went wrong while exporting ({type(problem).__name__})"

    @staticmethod
    def _remove_if_empty(folder: Path) -> None:
        """Do not leave behind an empty folder made for an export that failed."""
        try:
            folder.rmdir()
        except OSError:
            pass

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        self.busy = False
        self.refresh_bindings()
        self.query_one("#export-run", Button).disabled = False
        if message.problem is not None or message.where is None:
            self.show_result(f"Not exported: {message.problem}.", problem=True)
            self.notify("The export did not work; nothing in the case has changed.", severity="error")
            return
        self.show_result(f"Saved to {message.where}")
        self.notify(f"Saved to {shown_path(message.where)}", timeout=6)
        for notice in message.notices:  # e.g. entries left out of the person's version until checked
            self.notify(notice, title="Before you hand it over", severity="warning", timeout=15, markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export":
            return None if self.busy else True
        return True

    def action_back(self) -> None:
        self.app.pop_screen()
