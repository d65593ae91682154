"""Dialogs: an error screen the app opens when it cannot start, a yes/no question, and "replace this file?".

Each answers with `dismiss(value)`, so the caller decides what happens next.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Static

from oasys_diversity.safe_text import for_terminal


class StartupErrorScreen(Screen[None]):
    """Shown instead of the Cases screen when the bank or the database cannot be used.

    It says what went wrong and what to do, lists each problem on its own line, and lets the officer
    try again once they have fixed it. Nothing is written while it is showing.
    """

    CSS_PATH = "dialogs.tcss"
    HELP = (
        "The app could not start because of the problem described. Nothing has been changed.\n\n"
        "Fix it (for a question bank, `oasys-diversity questions check` lists each problem with its "
        "file and line), then press **r** to try again, or **ctrl+q** to quit."
    )
    BINDINGS = [
        Binding("r", "retry", "Try again", id="error.retry"),
        Binding("q", "app.quit", "Quit", id="error.quit"),
    ]

    def __init__(self, title: str, advice: str, problems: list[str]) -> None:
        super().__init__()
        self.error_title = title
        self.advice = advice
        self.problems = problems

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="error-body"):
            yield Static(for_terminal(f"✗ {self.error_title}"), id="error-title", markup=False)
            yield Static(for_terminal(self.advice), id="error-advice", markup=False)
            problems = "\n".join(f"• {problem}" for problem in self.problems)
            yield Static(for_terminal(problems), id="error-problems", markup=False)
        yield Footer()

    def action_retry(self) -> None:
        app = self.app
        app.pop_screen()
        load = getattr(app, "load_data", None)
        if callable(load):
            load()


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question. Escape means no."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(for_terminal(self.question), id="confirm-question", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes_label} (y)", id="confirm-yes", variant="primary")
                yield Button(f"{self.no_label} (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class ReplaceFileDialog(ModalScreen[str]):
    """A file is already where the export would go: replace it, choose another name, or cancel.

    Answers "replace", "rename" or "cancel" (Escape). The focus starts on "Choose another name", so an
    Enter pressed out of habit never replaces anything.
    """

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("r", "answer('replace')", "Replace", id="replace.replace"),
        Binding("a", "answer('rename')", "Another name", id="replace.rename"),
        Binding("escape,c", "answer('cancel')", "Cancel", id="replace.cancel"),
    ]

    def __init__(self, shown_path: str) -> None:
        super().__init__()
        self.shown_path = shown_path

    def compose(self) -> ComposeResult:
        with Vertical(id="replace-box"):
            yield Static(
                f"A file already exists at {self.shown_path}.\nReplace it with this export?",
                id="replace-question",
                markup=False,
            )
            with Horizontal(id="replace-buttons"):
                yield Button("Replace (r)", id="replace-replace", variant="warning")
                yield Button("Another name (a)", id="replace-rename", variant="primary")
                yield Button("Cancel (esc)", id="replace-cancel")

    def on_mount(self) -> None:
        self.query_one("#replace-rename", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "replace-cancel").removeprefix("replace-"))

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)
