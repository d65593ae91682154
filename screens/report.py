"""The team report: how assessment, planning and referral compare across ethnic groups, for this database.

Counts only (small numbers suppressed); nothing here names a person. The report is worked out in a thread
so the screen shows at once, with a line saying it is being counted.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown, Static


class ReportScreen(Screen[None]):
    """The team report by ethnic group (the same tables as `oasys-diversity report`)."""

    CSS_PATH = "report.tcss"
    HELP_TITLE = "Team report"
    HELP = (
        "Counts for every case in this database, by ethnic group (the five ONS groups, and not recorded): "
        "whether each part of the conversation happened, own words and interpreters, objectives by need area, "
        "culturally specific referrals, and plans agreed.\n\n"
        "Any count under 5 is shown as <5, and a second count is hidden where the first could be worked out, "
        "so no one can be recognised. For a region, each team runs `oasys-diversity extract` and the region runs "
        "`oasys-diversity report` on the extracts."
    )
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="report.back"),
        Binding("r", "refresh_report", "Count again", id="report.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Counting…", id="report-status", markup=False)
        with VerticalScroll(id="report-body"):
            yield Markdown("", id="report-tables")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Team report"
        self.query_one("#report-body").focus()
        self.action_refresh_report()

    def action_refresh_report(self) -> None:
        app: Any = self.app
        if not app.finish_loading():  # the bank could not be loaded: the app has said why
            return
        self.query_one("#report-status", Static).update("Counting…")
        self._count()

    @work(thread=True, exclusive=True, group="report")
    def _count(self) -> None:
        from oasys_diversity.extract import facts_from_database
        from oasys_diversity.store import StoreError, open_db
        from oasys_diversity.team_report import build_report, to_markdown

        app: Any = self.app
        try:
            # A connection of this thread's own: SQLite connections stay in the thread that made them.
            db = open_db(app.db_path, app.db_kind)
            try:
                report = build_report(facts_from_database(db, app.bank))
            finally:
                db.close()
        except StoreError as error:
            self.app.call_from_thread(self._show_problem, str(error))
            return
        self.app.call_from_thread(self._show, report.cases, to_markdown(report))

    def _show(self, cases: int, text: str) -> None:
        # The report's opening paragraph becomes the status line; the tables follow. Everything in the
        # report is a code, a label or a number: no words from a person reach the Markdown.
        intro, _, tables = text.partition("\n## ")
        summary = " ".join(intro.split("\n", 1)[-1].split())
        self.query_one("#report-status", Static).update(f"{summary} Esc goes back; r counts again.")
        self.query_one("#report-tables", Markdown).update("## " + tables if tables else intro)

    def _show_problem(self, message: str) -> None:
        self.query_one("#report-status", Static).update(f"The report could not be counted: {message}")
