"""The command palette's commands: go to a domain, jump to a question, review, plan, export, switch case.

What is offered depends on the screen underneath the palette: domain and question commands need an
interview (a screen with `go_to_domain` / `go_to_question`); review, plan and export need a screen
that knows its `case_id`; switching case and starting a new one are always there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from oasys_diversity.safe_text import for_markup, for_terminal
from oasys_diversity.store_case_list import filter_words

# The newest cases offered before anything is typed; older ones are found by the words typed.
PALETTE_CASES = 50


@dataclass(frozen=True)
class PaletteCommand:
    """One palette entry: what it says, what it does, a line of help."""

    text: str
    run: Callable[[], Any]
    help: str

    def __post_init__(self) -> None:
        # Names, references and bank text may hold control characters: shown visibly, never sent raw.
        object.__setattr__(self, "text", for_terminal(self.text))
        object.__setattr__(self, "help", for_terminal(self.help))


class CaseCommands(Provider):
    """Commands for the case and interview on screen, and for switching to another case."""

    async def startup(self) -> None:
        self._commands = self._gather()

    def _gather(self) -> list[PaletteCommand]:
        app: Any = self.app
        screen: Any = self.screen
        found: list[PaletteCommand] = []
        # The palette can open while the bank is still loading: wait for it rather than offer nothing.
        if not app.finish_loading():
            return found
        case_id = getattr(screen, "case_id", None)
        if hasattr(screen, "go_to_domain"):
            for domain in app.bank.domains:
                found.append(
                    PaletteCommand(
                        f"Go to domain: {domain.title}",
                        partial(screen.go_to_domain, domain.id),
                        "",
                    )
                )
        if hasattr(screen, "go_to_question"):
            for question in screen.visible_questions():
                domain_title = app.bank.domain(question.domain).title
                found.append(
                    PaletteCommand(
                        f"Jump to question: {question.label} ({domain_title})",
                        partial(screen.go_to_question, question.id),
                        question.prompt,
                    )
                )
        if case_id is not None:
            found.append(
                PaletteCommand("Review this case", partial(app.show_review, case_id), "Everything recorded so far")
            )
            found.append(
                PaletteCommand("Plan for this case", partial(app.show_plan, case_id), "Objectives and referrals")
            )
            found.append(
                PaletteCommand("Export this case", partial(app.show_export, case_id), "Write a summary for the record")
            )
        found.append(PaletteCommand("New case", app.new_case, "Start a new conversation"))
        found.append(
            PaletteCommand("Team report", app.show_report, "Counts by ethnic group for this database, no names")
        )
        found.append(PaletteCommand("Switch case: show all cases", app.switch_case, "Back to the list of cases"))
        found.append(
            PaletteCommand("Practice: choose a scenario", app.show_scenarios, "Train with a fictional person")
        )
        if case_id is not None and app.db_kind == "practice":
            found.append(
                PaletteCommand("Practice: feedback on this run", partial(app.show_feedback, case_id), "How it went")
            )
        found.extend(self._case_commands(app, case_id))
        return found

    @staticmethod
    def _case_commands(app: Any, current: int | None, words: list[str] | None = None) -> list[PaletteCommand]:
        """Switch-case commands for the newest cases, or for those the words typed match: never for every case
        (there may be 100,000)."""
        from oasys_diversity.store_case_list import case_page
        from oasys_diversity.store_open import DB_ERRORS, StoreError
        from oasys_diversity.store_progress import progress_of

        try:
            rows = [row for row in case_page(app.connection, words, limit=PALETTE_CASES) if row.id != current]
            progress = progress_of(app.connection, app.bank, rows)
        except (StoreError, *DB_ERRORS):
            return []
        commands = []
        for row in rows:
            shown = row.preferred_name or row.name
            done = progress[row.id]
            commands.append(
                PaletteCommand(
                    f"Switch case: {row.reference} — {shown}",
                    partial(app.open_case, row.id),
                    f"Resume this case ({done.total - done.not_discussed}/{done.total})",
                )
            )
        return commands

    async def discover(self) -> Hits:
        # Before anything is typed: this case's commands first, then the domains. Questions and other
        # cases appear once the officer types (there are too many to list).
        shown = [c for c in self._commands if not c.text.startswith(("Jump to question", "Switch case: "))]
        shown += [c for c in self._commands if c.text == "Switch case: show all cases"]
        for command in sorted(shown, key=lambda c: c.text.startswith("Go to domain")):
            yield DiscoveryHit(Content(command.text), command.run, text=command.text, help=_help(command))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        commands = list(self._commands)
        # Older cases are found in the database by the words typed (the command's own words set aside).
        words = [word for word in filter_words(query) if not any(part.startswith(word) for part in ("switch", "case:"))]
        if words:
            known = {command.text for command in commands}
            app: Any = self.app
            found = self._case_commands(app, getattr(self.screen, "case_id", None), words)
            commands += [command for command in found if command.text not in known]
        for command in commands:
            score = matcher.match(command.text)
            if score > 0:
                yield Hit(score, _highlight(matcher, command.text), command.run, text=command.text, help=_help(command))


# Entries hold names and references, so they are always Content: the palette reads a plain string as markup
# (`[@click=app.quit]z[/]` would run an action). Their text is made safe once, in `PaletteCommand`.


def _help(command: PaletteCommand) -> str | None:
    # The palette reads help as markup: escaped, so a `[` in it is shown, never parsed.
    return for_markup(command.help) if command.help else None


def _highlight(matcher: Matcher, text: str) -> Content:
    """The entry with the typed letters picked out, built from literal text (Matcher.highlight parses markup)."""
    content = Content(text)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
