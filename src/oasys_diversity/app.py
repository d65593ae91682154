"""The officer's Textual app: wires the store, the question bank and the directory into the screens.

The app object is what every screen reaches for: `app.db`, `app.bank`, `app.questions_dir`,
`app.directory_path`, `app.officer` and `app.banner`, plus the moves between screens (`open_case`,
`open_question`, `show_review`, `show_plan`, `show_export`). Screens never open files themselves.

Only this module and `screens/` import Textual. Start-up comes in two steps, so the officer can see
and use the list of cases sooner: the database is opened with a bare (SQLCipher) connection and the Cases screen lists
the cases; once that is on screen, a background thread loads the question bank (pydantic) and imports
the store and sqlite-utils, while the screen already answers keys. When the bank is in, the progress
column is counted. Anything that needs the bank first waits for it (`finish_loading`). The planner,
the exports and the demo builder are imported when first used.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen

import oasys_diversity.screens

SCREENS_DIR = Path(oasys_diversity.screens.__file__).parent
# A database too large to check at open is checked in the background this long after the first screen is up.
CHECK_AFTER_SECONDS = 1.0

NOT_SAVED_NOT_MOVED = "Something on screen is not saved yet, so the app stayed where it is. Fix it or press ctrl+s."

if TYPE_CHECKING:
    import sqlite3

    import sqlite_utils
    from textual.command import Provider

    from oasys_diversity.model import QuestionBank
    from oasys_diversity.sessions import ConversationSession


def case_commands() -> type[Provider]:
    """The command palette's provider, imported when the palette first opens (not at start-up)."""
    from oasys_diversity.commands import CaseCommands

    return CaseCommands


class OasysApp(App[int]):
    """One officer, one database, one question bank: the screens do the rest."""

    TITLE = "oasys-diversity"
    SUB_TITLE = "Guided diversity conversations"
    CSS = """
    Screen { background: $background; }
    """
    # The Cases screen is the app's default screen (below), and Textual reads a default screen's
    # CSS_PATH only if it is pushed again: its stylesheet is read here, with the app's own, which also
    # spares re-parsing every stylesheet when the screen appears.
    CSS_PATH = [SCREENS_DIR / "cases.tcss"]
    COMMANDS = App.COMMANDS | {case_commands}
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help", key_display="F1"),
        # `?` is a separate binding so it types normally in text boxes and still opens help elsewhere.
        Binding("question_mark", "help", "Help", id="app.help_question_mark", key_display="?"),
        # Shown in the footer only where there is room (the Cases screen); it works everywhere.
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, show=False),
    ]

    def __init__(
        self,
        db_path: Path,
        questions_dir: Path | None = None,
        directory_path: Path | None = None,
        *,
        demo_folder: Path | None = None,
        practice: bool = False,
    ) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.questions_dir: Path | None = Path(questions_dir) if questions_dir is not None else None
        self.directory_path: Path | None = Path(directory_path) if directory_path is not None else None
        # Set when the app runs on the throwaway demo database; the Cases screen says so on screen.
        self.demo_folder: Path | None = demo_folder
        # The open database, from the first moment: all the Cases screen needs to list the cases.
        self.connection: sqlite3.Connection | None = None
        # Set by `finish_loading`; None until then, or when the bank could not be loaded.
        self.bank: QuestionBank | None = None
        # The background check of a large database (see _check_whole_file), while it runs.
        self._checking: tuple[threading.Thread, threading.Event] | None = None
        self._db: sqlite_utils.Database | None = None
        # The background load of the bank: its result, or the BankError that stopped it.
        self._loading: Future[QuestionBank] | None = None
        # Who is at the keyboard: typed on Start, or taken from the case when one is opened.
        self.officer: str = ""
        # A practice mode sets "PRACTICE"; screens and exports stamp it wherever it is set.
        self.banner: str | None = None
        self._officer_from_start = False
        # A browser session (`oasys-diversity serve --officer NAME`) runs as the officer it was started for.
        served_for = os.environ.get("OASYS_DIVERSITY_OFFICER", "").strip()
        if served_for:
            self.set_officer(served_for)
        # Which database this app may open (store_kind.py); practice and demo stamp every screen and export.
        self.db_kind: str = "demo" if demo_folder is not None else "live"
        # This sitting's language and interpreter for each case opened (recorded before its conversation).
        self.sessions: dict[int, ConversationSession] = {}
        # An unexpected error writes a crash report (its path, or None if it could not be written) and
        # closes the app; `debug_tracebacks` shows Textual's traceback instead (it may hold personal data).
        self.crash_report: Path | None | Literal[False] = False
        self.debug_tracebacks = False
        if demo_folder is not None:
            self.sub_title = "DEMO — fictional people"
            self.set_banner("DEMO — fictional people")
        if practice:
            self.db_kind = "practice"
            self.set_banner("PRACTICE — fictional person")
        # Practice scenarios, loaded with the bank when first needed (practice_app.py).
        self.scenarios: list[Any] | None = None

    def set_banner(self, banner: str) -> None:
        """Stamp every screen (the header's title) and every export (`banner`) with e.g. PRACTICE."""
        self.banner = banner
        self.title = banner

    def show_scenarios(self) -> None:
        """The practice scenario picker (practice mode only; the live app says how to start practice)."""
        if self.db_kind != "practice":
            self.notify("Practice runs on its own database: quit and run `oasys-diversity practice`.", markup=False)
            return
        from oasys_diversity.screens.practice import ScenarioScreen

        self.push_screen(ScenarioScreen())

    def show_feedback(self, case_id: int) -> None:
        if self.db_kind != "practice" or not self._flush_open_screens():
            return
        from oasys_diversity.screens.practice import FeedbackScreen

        self.push_screen(FeedbackScreen(case_id))

    # ------------------------------------------------------------------------------------------
    # Text on screen: whatever a message or title holds (a name, a path, an error) is shown literally.
    # ------------------------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification is plain text: messages carry names, paths and errors, never markup. A screen with
        a status line of its own (the interview) shows notices there, never over its words."""
        from oasys_diversity.safe_text import for_markup, for_terminal

        notice = getattr(self.screen, "notify", None)
        if getattr(self.screen, "show_notice", None) is not None and notice is not None:
            notice(for_terminal(message), title=for_terminal(title), severity=severity)
            return
        super().notify(
            for_markup(message) if markup else for_terminal(message),
            title=for_terminal(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    async def on_event(self, event: events.Event) -> None:
        # Pasted text may carry escape sequences (copied from a web page or another terminal): every box
        # gets it with control characters made visible, as stored text is shown (see safe_text).
        if isinstance(event, events.Paste) and not event.is_forwarded:
            from oasys_diversity.safe_text import for_terminal

            event.text = for_terminal(event.text)
        await super().on_event(event)

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header's title: literal (Textual's default), and with control characters made visible."""
        from oasys_diversity.safe_text import for_terminal

        return super().format_title(for_terminal(title), for_terminal(sub_title))

    def _handle_exception(self, error: Exception) -> None:
        """An unexpected error: no traceback on the terminal (its messages and locals may hold a name)."""
        if self.debug_tracebacks:
            super()._handle_exception(error)
            return
        from oasys_diversity.crash import write_crash_report

        self._return_code = 1
        if self._exception is None:
            # Pilot tests re-raise it, so a crash still fails the test that caused it.
            self._exception = error
            self._exception_event.set()
        if self.crash_report is False:
            self.crash_report = write_crash_report(error)
        self._close_messages_no_wait()

    # ------------------------------------------------------------------------------------------
    # Start-up: open the database and the bank, or say clearly why not.
    # ------------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._screen_changed)
        if self.db_kind == "practice":
            self.show_scenarios()

    def get_default_screen(self) -> Screen[Any]:
        """The Cases screen, at the bottom of the stack: it opens the database as it mounts."""
        from oasys_diversity.screens.cases import CasesScreen

        return CasesScreen()

    def open_database(self) -> bool:
        """Open the database (once). False, with an error screen the officer can act on, if it cannot be."""
        if self.connection is not None:
            return True
        from oasys_diversity.store_key import KeyNeeded, forget_passphrase, has_passphrase
        from oasys_diversity.store_open import StoreError, WrongKey, open_connection

        try:
            self.connection = open_connection(self.db_path, self.db_kind)
        except KeyNeeded as needed:
            self._ask_passphrase(needed.new)
            return False
        except (StoreError, OSError) as error:
            if isinstance(error, WrongKey) and has_passphrase():
                forget_passphrase()
                self._ask_passphrase(False, "That passphrase does not open this case database. Try again.")
                return False
            self._show_startup_error(
                "The case database could not be opened",
                f"Database: {self.db_path}\nNothing has been changed. Check the file can be written "
                "(not read-only, disk not full), then press r to try again.",
                [str(error)],
            )
            return False
        # A moment after the first screen is painted: the check reads the whole file, and must not slow the list.
        self.call_after_refresh(lambda: self.set_timer(CHECK_AFTER_SECONDS, self._check_whole_file))
        return True

    class DatabaseDamaged(Message):
        """The background check of a large database found it damaged."""

        def __init__(self, problem: str) -> None:
            super().__init__()
            self.problem = problem

    def _check_whole_file(self) -> None:
        """A database too large to read in whole at open (store_open.checked_at_open) is checked in the background."""
        from oasys_diversity.store_open import checked_at_open

        if checked_at_open(Path(self.db_path)) or self._checking is not None:
            return
        stop = threading.Event()

        def check() -> None:
            from oasys_diversity.store_open import StoreError, check_whole_file

            if sys.platform == "linux":
                # On Linux a thread's own id renices just this thread: the screen and the bank come first.
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
            try:
                check_whole_file(self.db_path, stop)
            except StoreError as error:
                try:
                    self.post_message(self.DatabaseDamaged(str(error)))
                except RuntimeError:
                    return  # the app has already closed
            finally:
                self._checking = None

        thread = threading.Thread(target=check, name="check-database")
        self._checking = (thread, stop)
        thread.start()

    def on_unmount(self) -> None:
        # Quitting while a large database is being checked: stop the check rather than wait for it.
        checking = self._checking
        if checking is not None:
            thread, stop = checking
            stop.set()
            thread.join()

    def on_oasys_app_database_damaged(self, message: DatabaseDamaged) -> None:
        # Nothing more is written to it: the connection is closed, and "try again" opens and checks it afresh.
        if self.connection is not None:
            self.connection.close()
        self.connection, self._db = None, None
        self._show_startup_error(
            "The case database is damaged",
            f"Database: {self.db_path}\nStop using it: restore the latest backup (`oasys-diversity backup "
            "--restore`), or ask your IT service. Press r to check it again, or q to quit.",
            [message.problem],
        )

    def _ask_passphrase(self, new: bool, problem: str = "") -> None:
        """No key file or keyring: the officer types the passphrase (twice for a new database), then we open again."""
        from oasys_diversity.screens.passphrase import PassphraseScreen
        from oasys_diversity.store_key import set_passphrase

        def entered(passphrase: str | None) -> None:
            if passphrase is None:
                self.exit(1, return_code=1)  # the officer chose not to unlock: nothing was opened
                return
            set_passphrase(passphrase)
            self.load_data()

        if not isinstance(self.screen, PassphraseScreen):
            self.push_screen(PassphraseScreen(self.db_path, new=new, problem=problem), entered)

    def load_data(self) -> None:
        """Open the database and load the bank, then list the cases: the error screen's "try again"."""
        from oasys_diversity.screens.cases import CasesScreen

        if not self.open_database():
            return
        for screen in self.screen_stack:
            if isinstance(screen, CasesScreen):
                screen.refresh_cases()
                if self.finish_loading():
                    screen.show_counts()

    @property
    def db(self) -> sqlite_utils.Database | None:
        """The open database wrapped for the store's functions (sqlite-utils is imported on first use)."""
        if self._db is None and self.connection is not None:
            from oasys_diversity.store_open import as_database

            self._db = as_database(self.connection)
        return self._db

    class BankLoaded(Message):
        """The background thread has finished loading the bank (or found it broken)."""

    def start_loading(self) -> None:
        """Load the bank in a background thread, once; `finish_loading` collects it."""
        if self._loading is not None:
            return
        loading: Future[QuestionBank] = Future()
        self._loading = loading
        # Not a daemon: quitting in the first moments waits for it, rather than cutting an import short.
        threading.Thread(target=self._load_in_background, args=(loading,), name="load-bank").start()

    def _load_in_background(self, loading: Future[QuestionBank]) -> None:
        """In the thread: no screen work here, and the database connection is left to the app's thread."""
        try:
            from oasys_diversity.bank import load_bank

            bank = load_bank(self.questions_dir)
            import oasys_diversity.store  # noqa: F401 - the case list counts with it next
        except BaseException as error:  # handed to the app's thread, which reports or raises it
            loading.set_exception(error)
        else:
            loading.set_result(bank)
        try:
            self.post_message(self.BankLoaded())
        except RuntimeError:
            return  # the app has already closed
        # Imported now, while the officer reads the list, so opening a case does not wait for it.
        import sqlite_utils  # noqa: F401

    def on_oasys_app_bank_loaded(self, _message: BankLoaded) -> None:
        from oasys_diversity.screens.cases import CasesScreen

        if self.finish_loading():
            for screen in self.screen_stack:
                if isinstance(screen, CasesScreen):
                    screen.show_counts()

    def finish_loading(self) -> bool:
        """Wait for the bank (loading it if nothing has started it yet). True when it is loaded.

        Everything that needs the bank calls this first, so nothing depends on when the background
        load ends. When the bank cannot be loaded, the error screen says why and this returns False;
        calling it again (the error screen's "try again") loads the bank afresh.
        """
        if self.bank is not None:
            return True
        if not self.open_database():
            return False
        from oasys_diversity.bank import BankError

        self.start_loading()
        assert self._loading is not None
        try:
            bank = self._loading.result()
        except BankError as error:
            self._loading = None
            self._show_startup_error(
                "The question bank could not be loaded",
                "Nothing has been changed. Fix the problems below (or run "
                "`oasys-diversity questions check`), then press r to try again.",
                list(error.problems) or [str(error)],
            )
            return False
        self.bank = bank
        return True

    def _show_startup_error(self, title: str, advice: str, problems: list[str]) -> None:
        from oasys_diversity.screens.dialogs import StartupErrorScreen

        if not isinstance(self.screen, StartupErrorScreen):
            self.push_screen(StartupErrorScreen(title, advice, problems))

    # ------------------------------------------------------------------------------------------
    # Moving between screens. The review, plan and export screens are imported when first shown.
    # ------------------------------------------------------------------------------------------

    def set_officer(self, name: str) -> None:
        """The officer typed their name on Start: it stands for this session, whichever case is opened."""
        self.officer = name.strip()
        self._officer_from_start = True

    def _back_to_cases(self) -> None:
        """Close everything above the Cases screen (each screen saves what it holds as it closes)."""
        from oasys_diversity.screens.cases import CasesScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, CasesScreen):
            self.pop_screen()

    def _flush_open_screens(self) -> bool:
        """Ask every open screen to save what it holds. False if something could not be saved."""
        saved = True
        for screen in self.screen_stack:
            flush = getattr(screen, "flush", None)
            if callable(flush) and flush() is False:
                saved = False
        return saved

    def open_case(self, case_id: int) -> None:
        """Open a case's interview exactly where it was left."""
        self._open_interview(case_id, None)

    def open_question(self, case_id: int, question_id: str) -> None:
        """Open a case's interview at one question (Review's "change this answer")."""
        self._open_interview(case_id, question_id)

    def _open_interview(self, case_id: int, question_id: str | None) -> None:
        if not self.finish_loading():
            return
        from oasys_diversity.screens.interview import InterviewScreen
        from oasys_diversity.store import StoreError, get_case

        if not self._flush_open_screens():
            self.notify(NOT_SAVED_NOT_MOVED, severity="error")
            return
        try:
            case = get_case(self.db, case_id)
        except (StoreError, KeyError, LookupError) as error:
            self.notify(f"Case {case_id} could not be opened: {error}", severity="error", timeout=10)
            return
        if not self._officer_from_start:
            self.officer = case.officer
        if case_id not in self.sessions and not self._same_day_session(case_id):
            # Language first: which language this sitting is in, and the interpreter, before anything is asked.
            self.ask_language(case_id, then=lambda: self._open_interview(case_id, question_id))
            return
        if not self._record_open(case_id):
            return
        self._back_to_cases()
        self.push_screen(InterviewScreen(case_id, question_id=question_id))

    def _record_open(self, case_id: int) -> bool:
        """Record that the officer opened the case (DPA 2018 s62), unless it is already open on screen.

        False, with a message, when the record cannot be written: no look goes unrecorded.
        """
        if any(getattr(screen, "case_id", None) == case_id for screen in self.screen_stack):
            return True
        from oasys_diversity.store import StoreError
        from oasys_diversity.store_access import record_access

        try:
            record_access(self.db, case_id, "opened", officer=self.officer or None, detail={"via": "app"})
        except StoreError as error:
            self.notify(f"Case {case_id} was not opened: {error}", severity="error", timeout=10)
            return False
        return True

    def _push_case_screen(self, case_id: int, make_screen: Callable[[int], Screen[Any]]) -> None:
        """Show review/plan/export on top of the interview, replacing another of the three if it is showing."""
        if not self.finish_loading():
            return
        from oasys_diversity.screens.cases import CasesScreen
        from oasys_diversity.screens.interview import InterviewScreen

        if not self._flush_open_screens():
            self.notify(NOT_SAVED_NOT_MOVED, severity="error")
            return
        if not self.officer:
            # Reached without Start or open_case (the command palette, a test): changes are still
            # recorded against a named officer, the one on the case.
            from oasys_diversity.store import StoreError, get_case

            try:
                self.officer = get_case(self.db, case_id).officer
            except (StoreError, KeyError, LookupError) as error:
                self.notify(f"Case {case_id} could not be opened: {error}", severity="error", timeout=10)
                return
        if not self._record_open(case_id):
            return
        while len(self.screen_stack) > 1 and not isinstance(self.screen, CasesScreen | InterviewScreen):
            self.pop_screen()
        self.push_screen(make_screen(case_id))

    def show_review(self, case_id: int) -> None:
        from oasys_diversity.screens.review import ReviewScreen

        self._push_case_screen(case_id, ReviewScreen)

    def show_plan(self, case_id: int) -> None:
        from oasys_diversity.screens.plan import PlanScreen

        self._push_case_screen(case_id, PlanScreen)

    def show_export(self, case_id: int) -> None:
        from oasys_diversity.screens.export import ExportScreen

        self._push_case_screen(case_id, ExportScreen)

    def show_report(self) -> None:
        """The team report for this database (counts by ethnic group; nothing that names a person)."""
        from oasys_diversity.screens.report import ReportScreen

        self.push_screen(ReportScreen())

    # ------------------------------------------------------------------------------------------
    # The sitting: its language and interpreter, and the banner while an interpreter is missing.
    # ------------------------------------------------------------------------------------------

    def ask_language(self, case_id: int, then: Callable[[], None] | None) -> None:
        """Ask (or change) this sitting's language and interpreter for a case, then carry on with `then`."""
        from oasys_diversity.screens.language import LanguageScreen

        def done(recorded: bool | None) -> None:
            if recorded and then is not None:
                # Once this screen has gone: opening the interview rearranges the screens below it.
                self.call_later(then)

        self.push_screen(LanguageScreen(case_id), done)

    def _same_day_session(self, case_id: int) -> bool:
        """A sitting recorded earlier today (the app was closed and opened again) carries on: not asked twice."""
        from datetime import date

        from oasys_diversity.store import StoreError
        from oasys_diversity.store_sessions import latest_session

        try:
            latest = latest_session(self.db, case_id)
        except StoreError:
            return False
        if latest is None or latest.started_at is None or latest.started_at.astimezone().date() != date.today():
            return False
        self.sessions[case_id] = latest
        return True

    def record_session(self, session: ConversationSession) -> ConversationSession:
        """Save this sitting's language and interpreter (a new session, or a change to this one).

        Raises StoreError when it cannot be saved; the caller says so and keeps what was typed.
        """
        from oasys_diversity.sessions import prefill_answers
        from oasys_diversity.store import load_assessment, save_answer
        from oasys_diversity.store_sessions import start_session, update_session

        current = self.sessions.get(session.case_id)
        if current is not None:
            session = session.model_copy(update={"id": current.id, "started_at": current.started_at})
            update_session(self.db, session, officer=self.officer)
        else:
            session = start_session(self.db, session, officer=self.officer)
        answers = load_assessment(self.db, session.case_id).answers
        for answer in prefill_answers(session, answers, self.bank):
            save_answer(self.db, session.case_id, answer, officer=self.officer, bank=self.bank)
        self.sessions[session.case_id] = session
        self._screen_changed(self.screen)
        return session

    def interpreter_missing(self, case_id: int) -> bool:
        """True while this sitting needs an interpreter who is not here: nothing may be treated as agreed."""
        session = self.sessions.get(case_id)
        return session is not None and session.interpreter_missing

    def _screen_changed(self, screen: Screen[Any]) -> None:
        """Every screen of a case says so at the top while an interpreter is needed and not here."""
        self.call_after_refresh(self._show_banner, screen)

    async def _show_banner(self, screen: Screen[Any]) -> None:
        from textual.widgets import Static

        from oasys_diversity.sessions import NO_INTERPRETER_BANNER

        if not screen.is_attached:
            return
        case_id = getattr(screen, "case_id", None)
        wanted = isinstance(case_id, int) and self.interpreter_missing(case_id)
        shown = screen.query("#session-banner")
        if wanted and not shown:
            banner = Static(NO_INTERPRETER_BANNER, id="session-banner", markup=False)
            banner.styles.background = "darkred"
            banner.styles.color = "white"
            banner.styles.text_style = "bold"
            banner.styles.padding = (0, 1)
            await screen.mount(banner, before=0)
        elif not wanted and shown:
            await shown.remove()

    def new_case(self) -> None:
        if not self.finish_loading():
            return
        from oasys_diversity.screens.start import StartScreen

        self._back_to_cases()
        self.push_screen(StartScreen())

    def switch_case(self) -> None:
        """Back to the Cases screen (the command palette's "switch case")."""
        if not self._flush_open_screens():
            self.notify(NOT_SAVED_NOT_MOVED, severity="error")
            return
        self._back_to_cases()

    # ------------------------------------------------------------------------------------------
    # Keys every screen shares.
    # ------------------------------------------------------------------------------------------

    def action_show_report(self) -> None:
        self.show_report()

    def action_help(self) -> None:
        from oasys_diversity.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.screen))

    async def action_quit(self) -> None:
        """Save whatever is on screen, then leave. If saving fails, say so and stay."""
        if not self._flush_open_screens():
            self.notify(
                "Not everything could be saved, so the app is still open. Fix the problem shown, "
                "or press ctrl+q again to leave anyway (the unsaved answer will be lost).",
                severity="error",
                timeout=15,
            )
            if getattr(self, "_quit_warned", False):
                self.exit(1)
            self._quit_warned = True
            return
        self.exit(0)


def create_app(
    db_path: Path | str,
    questions_dir: Path | str | None = None,
    directory_path: Path | str | None = None,
    *,
    demo_folder: Path | None = None,
    practice: bool = False,
) -> OasysApp:
    """Build the app against the given files (tests and the demo use their own, never the officer's)."""
    return OasysApp(
        Path(db_path),
        Path(questions_dir) if questions_dir is not None else None,
        Path(directory_path) if directory_path is not None else None,
        demo_folder=demo_folder,
        practice=practice,
    )


def run_app(
    db_path: Path | None = None,
    questions_dir: Path | None = None,
    directory_path: Path | None = None,
    demo: bool = False,
    debug: bool = False,
    practice: bool = False,
) -> int:
    """Run the app until the officer quits; the exit code for the command line.

    An unexpected error closes the app with one line and a crash report without personal data;
    with `debug` Textual's own traceback is shown instead.
    """
    demo_folder: Path | None = None
    if demo:
        import sys

        from oasys_diversity.demo import DemoError, build_demo

        try:
            demo_folder, db_path = build_demo(questions_dir=questions_dir, directory_path=directory_path)
        except DemoError as error:
            print(f"oasys-diversity: the demo could not be built: {error}", file=sys.stderr)
            return 1
    elif db_path is None and practice:
        from oasys_diversity.practice import practice_db_path

        db_path = practice_db_path()
    elif db_path is None:
        from oasys_diversity.store import default_db_path

        db_path = default_db_path()
    try:
        app = create_app(db_path, questions_dir, directory_path, demo_folder=demo_folder, practice=practice)
        app.debug_tracebacks = debug
        result = app.run()
    finally:
        if demo_folder is not None:
            # The demo is throwaway: nothing of it outlives the session.
            shutil.rmtree(demo_folder, ignore_errors=True)
    if app.crash_report is not False:
        import sys

        from oasys_diversity.crash import crash_line

        print(crash_line(app.crash_report), file=sys.stderr)
        return 1
    if isinstance(result, int):
        return result
    return app.return_code or 0
