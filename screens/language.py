"""Language first: which language this sitting is in and whether an interpreter is here, needed or not needed.

Asked before the opening words of a new case (a step of Start) and before the conversation whenever a case is
opened for a new sitting (its own screen, filled in from the last sitting so a repeat is one key). ctrl+l on
the interview changes it, for an interpreter who joins late.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, RadioSet, Static

from oasys_diversity.screens.toggles import MarkedRadioButton
from oasys_diversity.sessions import INTERPRETER_LABELS, MODE_LABELS, ConversationSession

LANGUAGE_HINT = (
    "Before the opening words: the language this conversation is in, and whether an interpreter is here, "
    "needed or not needed. If one is needed and not here, say so: the plan stays a draft until they are."
)


class LanguageForm(VerticalScroll):
    """The fields of the language step, with a message line under each."""

    def __init__(self, session: ConversationSession | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.previous = session

    def compose(self) -> ComposeResult:
        before = self.previous
        yield Static("Language and interpreter", classes="start-title", markup=False)
        yield Static(LANGUAGE_HINT, classes="start-hint", markup=False)
        with Horizontal(classes="field-row"):
            yield Label("Language of this conversation", classes="field-label")
            yield Input(
                before.language if before else "",
                id="session-language",
                classes="field-input",
                placeholder="for example English, Farsi, British Sign Language",
            )
        yield Static("", id="session-language-message", classes="field-message", markup=False)
        yield Label("Interpreter", classes="field-label")
        with RadioSet(id="interpreter"):
            for code, label in INTERPRETER_LABELS.items():
                yield MarkedRadioButton(label, name=code, value=before is not None and before.interpreter == code)
        yield Static("", id="interpreter-message", classes="field-message", markup=False)
        with Horizontal(classes="field-row", id="interpreter-language-row"):
            yield Label("Interpreter's language", classes="field-label")
            yield Input(
                (before.interpreter_language or "") if before else "",
                id="interpreter-language",
                classes="field-input",
                placeholder="if one is here or needed (and dialect)",
            )
        yield Static("", id="interpreter-language-message", classes="field-message", markup=False)
        yield Label("How the interpreter joined (if here)", classes="field-label")
        with RadioSet(id="interpreter-mode"):
            for code, label in MODE_LABELS.items():
                yield MarkedRadioButton(label, name=code, value=before is not None and before.interpreter_mode == code)
        yield Static("", id="interpreter-mode-message", classes="field-message", markup=False)
        with Horizontal(classes="start-buttons"):
            yield Button("Continue (ctrl+s)", id="language-continue", variant="primary")

    @on(RadioSet.Changed, "#interpreter")
    def _interpreter_changed(self) -> None:
        self._say("interpreter", "")

    @on(Input.Submitted)
    def _next_box(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_next()

    def _status(self) -> str | None:
        pressed = self.query_one("#interpreter", RadioSet).pressed_button
        return pressed.name if pressed is not None else None

    def _say(self, field: str, message: str) -> None:
        line = self.query_one(f"#{field}-message", Static)
        line.update(f"✗ {message}" if message else "")
        line.set_class(bool(message), "-shown")

    def read(self, case_id: int) -> ConversationSession | None:
        """The sitting as filled in, or None with a message beside each box that needs something."""
        language = self.query_one("#session-language", Input).value
        status = self._status()
        interpreter_language = self.query_one("#interpreter-language", Input).value
        mode_button = self.query_one("#interpreter-mode", RadioSet).pressed_button
        mode = mode_button.name if mode_button is not None else None
        problems = {
            "session-language": "" if language.strip() else "Type the language this conversation is in.",
            "interpreter": "" if status else "Choose whether an interpreter is here, needed or not needed.",
            "interpreter-language": (
                "Type the language the interpreter is for."
                if status in ("present", "needed") and not interpreter_language.strip()
                else ""
            ),
            "interpreter-mode": "Choose how the interpreter joined." if status == "present" and not mode else "",
        }
        for field, message in problems.items():
            self._say(field, message)
        wrong = [field for field, message in problems.items() if message]
        if wrong:
            self.query_one(f"#{wrong[0]}").focus()
            return None
        try:
            return ConversationSession(
                case_id=case_id,
                language=language,
                interpreter=status,  # type: ignore[arg-type]
                interpreter_language=interpreter_language if status != "not_needed" else None,
                interpreter_mode=mode if status == "present" else None,  # type: ignore[arg-type]
            )
        except ValidationError:
            self._say("session-language", "Check these details.")
            return None

    def focus_first(self) -> None:
        self.query_one("#session-language", Input).focus()


def record_from(form: LanguageForm, case_id: int) -> bool:
    """Read the form and save the sitting; on failure say why (everything typed stays). True when saved."""
    from oasys_diversity.store_open import StoreError

    session = form.read(case_id)
    if session is None:
        form.notify("Something is missing; each one is marked with ✗.", severity="warning")
        return False
    app: Any = form.app
    try:
        app.record_session(session)
    except StoreError as error:
        form.notify(f"The session could not be saved: {error}. Press ctrl+s to try again.", severity="error")
        return False
    return True


class LanguageScreen(Screen[bool]):
    """A new sitting of a case already started: language and interpreter before the conversation."""

    CSS_PATH = "start.tcss"
    HELP_TITLE = "Language and interpreter"
    HELP = (
        "**Before the conversation** say which language it is in and whether an interpreter is **here**, "
        "**needed but not here**, or **not needed**; for an interpreter, their language and how they joined.\n\n"
        "It starts filled in from the last session: check it and press **ctrl+s**. Tab moves between the boxes; "
        "up/down and Enter or space choose. Esc goes back without opening the case.\n\n"
        "While an interpreter is needed and not here every screen of the case says so, the plan stays a draft, "
        "and agreement cannot be recorded without writing why. ctrl+l on the interview changes this."
    )
    BINDINGS = [
        Binding("ctrl+s", "continue", "Continue", id="language.continue", priority=True),
        Binding("escape", "cancel", "Back", id="language.cancel"),
    ]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id

    def compose(self) -> ComposeResult:
        from oasys_diversity.store import StoreError
        from oasys_diversity.store_sessions import latest_session

        app: Any = self.app
        previous = app.sessions.get(self.case_id)
        if previous is None:
            try:
                previous = latest_session(app.db, self.case_id)
            except StoreError:
                previous = None  # asked afresh: nothing is lost
        yield Header()
        yield LanguageForm(previous, id="language-form")
        yield Footer()

    def on_mount(self) -> None:
        form = self.query_one(LanguageForm)
        if form.previous is None:
            form.focus_first()
        else:
            self.query_one("#language-continue", Button).focus()

    @on(Button.Pressed, "#language-continue")
    def _pressed(self) -> None:
        self.action_continue()

    def action_continue(self) -> None:
        if record_from(self.query_one(LanguageForm), self.case_id):
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
