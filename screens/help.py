"""Help for whichever screen is showing: its keys, then a short how-to. Opened with ? or F1."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown, Static

GENERAL_HELP = (
    "**Everywhere:** ctrl+p opens the command palette (go to a domain, jump to a question, review, plan, "
    "export, switch case). ctrl+q saves and quits. Nothing is ever lost by quitting: each answer is saved "
    "the moment it is given."
)


def key_rows(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(keys, what they do) for the screen's own bindings, then the app's, each description once."""
    app = screen.app
    rows: dict[tuple[str, str], list[str]] = {}
    for source in (type(screen).BINDINGS, type(app).BINDINGS):
        for _key, binding in BindingsMap(source):
            if not binding.description or binding.system:
                continue
            # One row per thing the officer can do, with every key that does it.
            description = "Help for this screen" if binding.action in ("app.help", "help") else binding.description
            label = ("", description)
            keys = rows.setdefault(label, [])
            # Every key of the binding, as Textual names it (a footer's `key_display` shows only one).
            shown = app.get_key_display(replace(binding, key_display=None))
            if shown not in keys:
                keys.append(shown)
    return [(" / ".join(keys), description) for (_action, description), keys in rows.items()]


class HelpScreen(ModalScreen[None]):
    """The keys that work on the screen underneath, and how to use it."""

    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape,f1,question_mark,q", "close", "Close help", id="help.close"),
    ]

    def __init__(self, for_screen: Screen[Any]) -> None:
        super().__init__()
        self.for_screen = for_screen

    def compose(self) -> ComposeResult:
        title = getattr(self.for_screen, "HELP_TITLE", None) or type(self.for_screen).__name__.removesuffix("Screen")
        rows = key_rows(self.for_screen)
        width = max((len(keys) for keys, _ in rows), default=4) + 2
        table = "\n".join(f"{keys:<{width}}{description}" for keys, description in rows)
        how_to = getattr(self.for_screen, "HELP", None) or ""
        with Vertical(id="help-box"):
            yield Static(f"Help — {title}", id="help-title", markup=False)
            with VerticalScroll(id="help-body"):
                yield Static("Keys", classes="help-heading", markup=False)
                yield Static(table, id="help-keys", markup=False)
                if how_to:
                    yield Static("How to use this screen", classes="help-heading", markup=False)
                    yield Markdown(how_to, id="help-how-to")
                yield Markdown(GENERAL_HELP, id="help-general")
            yield Static("Esc, ? or F1 closes help", id="help-close-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss()
