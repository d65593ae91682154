"""The passphrase screen: shown at start when the case database's key is in no key file and no keyring.

For a new database the passphrase is typed twice. Nothing is echoed; the passphrase is kept only in
this process's memory (the key is derived from it once per file) and never written anywhere.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

MINIMUM_LENGTH = 8


class PassphraseScreen(Screen[str | None]):
    """Asks for the passphrase; dismisses with it, or with None when the officer quits."""

    CSS_PATH = "passphrase.tcss"
    HELP = (
        "The case database is encrypted. On this computer its key is not in a keyring or key file, so "
        "it is unlocked with a passphrase.\n\nType it and press **Enter**. For a new database, type a new "
        "passphrase twice: it cannot be recovered if forgotten, so keep it as you would any case-record "
        "password. **Esc** quits without opening anything."
    )
    BINDINGS = [Binding("escape", "give_up", "Quit", id="passphrase.quit")]

    def __init__(self, db_path: Path, *, new: bool, problem: str = "") -> None:
        super().__init__()
        self.db_path = db_path
        self.new = new
        self.problem = problem

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="passphrase-body"):
            title = "Choose a passphrase for the new case database" if self.new else "The case database is locked"
            yield Static(title, id="passphrase-title", markup=False)
            yield Static(f"Database: {self.db_path}", id="passphrase-path", markup=False)
            advice = (
                "This computer has no keyring or key file for it, so the database is locked with a passphrase. "
                "It is never stored: if it is forgotten, the cases cannot be read. A few words together are "
                "easy to remember."
                if self.new
                else "Type the passphrase the database was made with. Esc quits without opening anything."
            )
            yield Static(advice, id="passphrase-advice", markup=False)
            yield Input(password=True, placeholder="Passphrase", id="passphrase")
            if self.new:
                yield Input(password=True, placeholder="The same passphrase again", id="passphrase-again")
            yield Static(self.problem, id="passphrase-problem", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    def _say(self, problem: str) -> None:
        self.query_one("#passphrase-problem", Static).update(problem)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        passphrase = self.query_one("#passphrase", Input).value
        if not passphrase:
            self._say("Type the passphrase, then press Enter.")
            return
        if self.new:
            again = self.query_one("#passphrase-again", Input)
            if len(passphrase) < MINIMUM_LENGTH:
                self._say(f"Use at least {MINIMUM_LENGTH} characters; a few words together are easy to remember.")
                return
            if event.input.id == "passphrase":
                again.focus()
                return
            if again.value != passphrase:
                again.value = ""
                self._say("The two passphrases differ. Type it again in the second box.")
                return
        self.dismiss(passphrase)

    def action_give_up(self) -> None:
        self.dismiss(None)
