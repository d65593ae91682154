"""Start: a privacy check, the few details a case needs, then opening words the officer can read out.

The case is created when the details are accepted, before the opening words, so nothing typed is
lost if the app is closed there; the preferred name is saved as the answer to `person.preferred_name`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, Footer, Header, Input, Label, Static

from oasys_diversity.screens.language import LanguageForm, record_from
from oasys_diversity.screens.toggles import MarkedCheckbox

PREFERRED_NAME = "person.preferred_name"

PRIVACY_CHECK = (
    "Check that no one else can see or hear this screen, and that other windows (email, other cases) are closed."
)

# (field id, label, required, what to say when it is blank)
FIELDS = (
    ("reference", "Case reference", True, "Enter the case reference (for example the nDelius CRN)."),
    ("name", "Name on the record", True, "Enter the person's name as it is on the record."),
    ("preferred-name", "What they like to be called", False, ""),
    ("officer", "Your name", True, "Enter your own name: it is recorded with every answer you save."),
)

OPENING_WORDS = """\
"Before we start, I'd like to explain what this part of our meeting is for.

I'm going to ask about you as a person: where you and your family come from, your culture and \
community, faith if that matters to you, the languages you use, and anything that has happened to \
you, including unfair treatment, that affects how things are for you now. I ask everyone these \
questions. They help me make sure your supervision works for you, and that any support I suggest \
actually fits your life.

You don't have to answer anything you'd rather not. Just say so and we'll move on; that is fine, and \
it will not count against you. We can take a break whenever you want, and you can come back to \
something another day or change what you told me.

What you tell me is written into your probation record, in your own words where you want that. It is \
kept securely and used to plan your supervision and the support we arrange with you. People in \
probation who work with you can see it. If I think something should be passed to another service I \
will talk to you about it first wherever I can, and if I ever had to act because someone was at risk \
I would tell you. You can ask to see what I have written.

Is there anything you'd like to ask before we begin?"
"""


class StartScreen(Screen[None]):
    """A new case: privacy first, then details, then the words that open the conversation."""

    CSS_PATH = "start.tcss"
    HELP_TITLE = "New case"
    HELP = (
        "**First** tick the privacy check (space): no one else can see the screen and other windows are closed.\n\n"
        "**Then** fill in the case reference, the name on the record, what the person likes to be called "
        "(optional) and your own name. **Tab** or **Enter** moves to the next box; **ctrl+s** continues.\n\n"
        "**Then** the language of the conversation and the interpreter: here, needed but not here, or not "
        "needed (with their language and how they joined). **ctrl+s** continues.\n\n"
        "**Then** the opening words appear: read them out or put them in your own words. **ctrl+s** (or Enter on "
        "the button) begins the conversation. The case is saved as soon as the details are accepted."
    )
    BINDINGS = [
        Binding("ctrl+s", "continue", "Continue", id="start.continue", priority=True),
        Binding("ctrl+s", "begin", "Begin the conversation", id="start.begin", priority=True),
        Binding("escape", "back", "Back", id="start.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.case_id: int | None = None

    def compose(self) -> ComposeResult:
        app: Any = self.app
        yield Header()
        with ContentSwitcher(initial="details", id="start-switcher"):
            with VerticalScroll(id="details"):
                yield Static("New case", classes="start-title", markup=False)
                yield Static("Before you begin", classes="start-heading", markup=False)
                yield Static(PRIVACY_CHECK, id="privacy-text", markup=False)
                yield MarkedCheckbox("Yes, I have checked", id="privacy")
                yield Static("", id="privacy-message", classes="field-message", markup=False)
                yield Static("About the person and you", classes="start-heading", markup=False)
                for field_id, label, required, _blank in FIELDS:
                    with Horizontal(classes="field-row"):
                        yield Label(f"{label}{'' if required else ' (optional)'}", classes="field-label")
                        yield Input(
                            value=app.officer if field_id == "officer" else "",
                            id=field_id,
                            classes="field-input",
                        )
                    yield Static("", id=f"{field_id}-message", classes="field-message", markup=False)
                with Horizontal(id="details-buttons"):
                    yield Button("Continue (ctrl+s)", id="continue", variant="primary")
            # Language first: before a word of the opening is read out.
            yield LanguageForm(id="language")
            with VerticalScroll(id="opening"):
                yield Static("Opening words", classes="start-title", markup=False)
                yield Static(
                    "Read these out, or say the same in your own words. Leave time for questions.",
                    classes="start-hint",
                    markup=False,
                )
                yield Static(OPENING_WORDS, id="opening-words", markup=False)
                with Horizontal(id="opening-buttons"):
                    yield Button("Begin the conversation (ctrl+s)", id="begin", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#privacy", MarkedCheckbox).focus()

    # ------------------------------------------------------------------------------------------

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def _show(self, field_id: str, message: str) -> None:
        box = self.query_one(f"#{field_id}-message", Static)
        box.update(f"✗ {message}" if message else "")
        box.set_class(bool(message), "-shown")

    def problems(self) -> list[str]:
        """Check the privacy tick and each required field; show each message beside its field."""
        wrong: list[str] = []
        if not self.query_one("#privacy", MarkedCheckbox).value:
            self._show("privacy", "Tick the privacy check first (space bar): no one else can see this screen.")
            wrong.append("privacy")
        else:
            self._show("privacy", "")
        for field_id, _label, required, blank in FIELDS:
            if required and not self._value(field_id):
                self._show(field_id, blank)
                wrong.append(field_id)
            else:
                self._show(field_id, "")
        return wrong

    @on(MarkedCheckbox.Changed, "#privacy")
    def _privacy_ticked(self, event: MarkedCheckbox.Changed) -> None:
        if event.value:
            self._show("privacy", "")

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "officer":
            self.action_continue()
        else:
            self.focus_next()

    @on(Button.Pressed, "#continue")
    def _continue_pressed(self) -> None:
        self.action_continue()

    @on(Button.Pressed, "#language-continue")
    def _language_pressed(self) -> None:
        self.action_continue()

    @on(Button.Pressed, "#begin")
    def _begin_pressed(self) -> None:
        self.action_begin()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # One key, three stages: ctrl+s continues from the details and the language, then begins.
        opening = self.query_one(ContentSwitcher).current == "opening"
        if action == "continue":
            return not opening
        if action == "begin":
            return opening
        return True

    def action_continue(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == "opening":
            self.action_begin()
            return
        if switcher.current == "language":
            assert self.case_id is not None
            if record_from(self.query_one(LanguageForm), self.case_id):
                switcher.current = "opening"
                # Focus the words themselves, so the arrow keys scroll them while they are read out.
                self.query_one("#opening", VerticalScroll).focus()
                self.refresh_bindings()
            return
        wrong = self.problems()
        if wrong:
            self.query_one("#privacy" if wrong[0] == "privacy" else f"#{wrong[0]}").focus()
            self.notify("Some details are missing; each one is marked with ✗.", severity="warning")
            return
        if self._create_case():
            switcher.current = "language"
            self.query_one(LanguageForm).focus_first()
            self.refresh_bindings()

    def _create_case(self) -> bool:
        """Store the case (once) and the preferred name. On failure say why; everything typed stays."""
        from oasys_diversity.model import Answer, Case
        from oasys_diversity.store import StoreError, create_case, save_answer, update_case

        app: Any = self.app
        officer = self._value("officer")
        app.set_officer(officer)
        try:
            case = Case(
                id=self.case_id,
                reference=self._value("reference"),
                name=self._value("name"),
                officer=officer,
                assessed_on=date.today(),
            )
            if self.case_id is None:
                self.case_id = create_case(app.db, case)
            else:
                # Back from the opening words to correct a detail: change the case already saved.
                update_case(app.db, case, officer=officer)
            preferred = self._value("preferred-name")
            if preferred and app.bank is not None and app.bank.has(PREFERRED_NAME):
                save_answer(
                    app.db,
                    self.case_id,
                    Answer(question_id=PREFERRED_NAME, status="answered", value=preferred),
                    officer=officer,
                    bank=app.bank,
                )
        except StoreError as error:
            self.notify(
                f"The case could not be saved: {error}. Everything you typed is still here; press ctrl+s to try again.",
                severity="error",
                timeout=15,
            )
            return False
        return True

    def action_begin(self) -> None:
        app: Any = self.app
        if self.case_id is not None:
            app.open_case(self.case_id)

    def action_back(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        if switcher.current in ("opening", "language"):
            # The case is saved already; changing a detail now updates it.
            switcher.current = "language" if switcher.current == "opening" else "details"
            self.refresh_bindings()
            return
        typed = any(self._value(field_id) for field_id, *_ in FIELDS if field_id != "officer")
        if not typed:
            self.dismiss()
            return
        from oasys_diversity.screens.dialogs import ConfirmDialog

        def leave(discard: bool | None) -> None:
            if discard:
                self.dismiss()

        self.app.push_screen(
            ConfirmDialog("Leave without saving this new case? What you typed will be lost.", yes="Leave", no="Stay"),
            leave,
        )
