"""Cases: the first screen. Every case in this database, newest first; type to filter, Enter to resume.

Nothing here assumes one database: the list is whatever `app.db` holds (a practice database, the
demo's throwaway one, or the officer's own).

The cases are listed as soon as the database is open; the progress column shows "…" for the moment
it takes to load the question bank, because progress is counted over the questions that apply to
each person, and that needs the bank.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from oasys_diversity.safe_text import for_terminal
from oasys_diversity.screens.literal import cell

# Columns: (key, heading). Progress is three numbers under a heading that says what each one is.
COLUMNS = (
    ("reference", "Reference"),
    ("name", "Name"),
    ("area", "Area"),
    ("updated", "Updated"),
    ("progress", "✓ / ✗ / ○"),
    ("plan", "Plan"),
)
# The columns that are shortened with … so that every column stays on screen, and the share of the spare
# width each may take at most when they do not all fit (the name gets the rest).
SHORTENED = ("reference", "name", "area")
SHARE = {"reference": 0.25, "area": 0.25}
# Outside the columns: the body's padding, and the table's scroll bar when there are more rows than fit;
# around each column: the table's cell padding (1 either side).
OUTSIDE_COLUMNS = 2
SCROLL_BAR = 2
AROUND_A_COLUMN = 2
# Lines of the Cases screen that are not table rows (header, filter, table heading, legend, count, footer,
# and the demo note): more cases than the rest means a scroll bar.
NOT_ROWS = 13
LEGEND = "✓ answered  ✗ declined  ○ not yet discussed  ·  Plan ✓ = a plan is saved"
# In the progress column until the question bank has loaded and the counts are known.
COUNTING = "…"


def shown_name(summary: Any) -> str:
    """The name the person asked to be called, with the recorded name after it when they differ."""
    preferred = (summary.preferred_name or "").strip()
    if not preferred or preferred.casefold() in summary.name.casefold().split():
        return summary.name
    return f"{preferred} ({summary.name})"


def when_text(moment: datetime, now: datetime | None = None) -> str:
    """A short local date: "today", "3 Mar" this year, "3 Mar 2024" before."""
    local = moment.astimezone() if moment.tzinfo else moment
    now = now or datetime.now(local.tzinfo)
    if local.date() == now.date():
        return "today"
    if local.year == now.year:
        return f"{local.day} {local:%b}"
    return f"{local.day} {local:%b %Y}"


def progress_cell(summary: Any, counted: bool = True) -> str:
    if not counted:
        return COUNTING
    return f"{summary.answered} / {summary.declined} / {summary.not_discussed}"


def shorten(text: str, width: int) -> str:
    """`text` in at most `width` cells, ending in … when cut (wide characters counted as two)."""
    from rich.text import Text

    if cell_len(text) <= width:
        return text
    cut = Text(text)
    cut.truncate(max(1, width), overflow="ellipsis")
    return cut.plain


def column_widths(rows: list[tuple[str, ...]], total: int, *, scroll_bar: bool = True) -> dict[str, int]:
    """How wide the reference, name and area may be so every column fits in `total` cells.

    The other columns (date, progress, plan) are short and kept whole; what is left is shared out, each
    column keeping its own width when all fit."""
    keys = [key for key, _ in COLUMNS]
    natural = {
        key: max([cell_len(heading)] + [cell_len(row[n]) for row in rows]) for n, (key, heading) in enumerate(COLUMNS)
    }
    fixed = sum(natural[key] + AROUND_A_COLUMN for key in keys if key not in SHORTENED)
    outside = OUTSIDE_COLUMNS + (SCROLL_BAR if scroll_bar else 0)
    spare = max(0, total - outside - fixed - AROUND_A_COLUMN * len(SHORTENED))
    if sum(natural[key] for key in SHORTENED) <= spare:
        return {key: natural[key] for key in SHORTENED}
    headings = dict(COLUMNS)
    widths = {key: min(natural[key], max(cell_len(headings[key]), int(spare * share))) for key, share in SHARE.items()}
    widths["name"] = max(cell_len(headings["name"]), spare - sum(widths.values()))
    return widths


def matches(summary: Any, text: str) -> bool:
    """True when every word typed appears in the reference, name, preferred name or area."""
    haystack = " ".join(
        part for part in (summary.reference, summary.name, summary.preferred_name or "", summary.area or "") if part
    ).casefold()
    return all(word in haystack for word in text.casefold().split())


class CaseFilter(Input):
    """The filter box. Up and down move through the cases below it, so typing and choosing never need the mouse."""

    BINDINGS = [
        Binding("down", "screen.cursor(1)", "Next case", show=False, id="cases.filter_down"),
        Binding("up", "screen.cursor(-1)", "Previous case", show=False, id="cases.filter_up"),
    ]


class CasesScreen(Screen[None]):
    """The list of cases: find one, resume it, or start a new one."""

    CSS_PATH = "cases.tcss"
    HELP_TITLE = "Cases"
    HELP = (
        "Each row is one person's assessment. **Type** to filter by reference, name or area; **up/down** choose a "
        "row; **Enter** opens it exactly where the conversation was left.\n\n"
        "**ctrl+n** starts a new case (privacy check, details, then the opening words).\n\n"
        "The progress column counts the questions that apply to that person: answered / declined to say / not "
        'yet discussed. "Plan" shows ✓ when a plan has been saved.'
    )
    BINDINGS = [
        Binding("ctrl+n", "new_case", "New case", id="cases.new", priority=True),
        Binding("enter", "open_case", "Open", id="cases.open", key_display="⏎"),
        Binding("escape", "clear_filter", "Clear filter", id="cases.clear_filter", show=False),
        Binding("slash", "focus_filter", "Filter", id="cases.focus_filter", show=False),
        Binding("n", "new_case", "New case", id="cases.new_letter", show=False),
        Binding("ctrl+r", "app.show_report", "Team report", id="cases.report"),
        Binding("ctrl+q", "app.quit", "Quit", id="cases.quit", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._summaries: list[Any] = []
        # False while the list comes from the database alone, before the bank has loaded.
        self._counted = False
        self._shown = False
        # True when the database could not be listed: the screen must not say "no cases yet".
        self._unreadable = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="cases-body"):
            app: Any = self.app
            if getattr(app, "demo_folder", None) is not None:
                yield Static(
                    "DEMO: everyone here is fictional. This database is temporary and is deleted when you quit.",
                    id="demo-note",
                    markup=False,
                )
            yield CaseFilter(placeholder="Type to filter by reference, name or area", id="case-filter")
            yield DataTable(id="case-table", cursor_type="row", zebra_stripes=True)
            yield Static(LEGEND, id="cases-legend", markup=False)
            yield Static("", id="cases-empty", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, heading in COLUMNS:
            table.add_column(heading, key=key)
        self.query_one(CaseFilter).focus()
        app: Any = self.app
        if app.open_database():
            self.refresh_cases()
            # Once the cases are on screen, load the bank in the background; the app calls show_counts.
            self.call_after_refresh(app.start_loading)

    @property
    def counted(self) -> bool:
        """True once the progress column is counted (the bank has loaded), rather than showing "…"."""
        return self._counted

    def on_screen_resume(self) -> None:
        # Back from an interview or a new case: the counts and order have changed. (The first
        # resume comes with mounting, which has just listed them.)
        if self._shown:
            self.refresh_cases()
        self._shown = True

    def show_counts(self) -> None:
        """The bank has loaded: list the cases again, with their progress counted."""
        # After a refresh, not straight away: after a long step the screen can repaint before the
        # table has widened its columns for the counts, and the table keeps what it painted.
        self.call_after_refresh(self.refresh_cases)

    def refresh_cases(self) -> None:
        from oasys_diversity.store_open import DB_ERRORS, StoreError

        app: Any = self.app
        if app.connection is None:
            return  # the database could not be opened: the app is showing why
        try:
            if app.bank is not None:
                from oasys_diversity.store import list_cases

                # A read: the plain connection will do, so this does not wait for sqlite-utils.
                self._summaries = list_cases(app.connection, app.bank)
                self._counted = True
            else:
                from oasys_diversity.store_case_list import case_rows

                self._summaries = case_rows(app.connection)
                self._counted = False
        except (StoreError, *DB_ERRORS) as error:
            self._summaries = []
            self._unreadable = True
            self.notify(f"The case list could not be read: {error}", severity="error", timeout=10)
        else:
            self._unreadable = False
        self._fill_table()

    def _fill_table(self) -> None:
        table = self.query_one(DataTable)
        chosen = self._chosen_id()
        # Columns too: a column keeps the width of the widest value it ever held, and after the terminal
        # narrows it must shrink to the shortened values.
        table.clear(columns=True)
        for key, heading in COLUMNS:
            table.add_column(heading, key=key)
        text = self.query_one(CaseFilter).value
        shown = [s for s in self._summaries if matches(s, text)]
        # Control characters made visible before measuring; each cell is added as Rich Text below, since the
        # table reads a plain string as Rich markup (`Priya Shah [/]` would stop it).
        rows = [
            (
                for_terminal(summary.reference),
                for_terminal(shown_name(summary)),
                for_terminal(summary.area or "—"),
                when_text(summary.updated_at),
                progress_cell(summary, self._counted),
                "✓" if summary.has_plan else "",
            )
            for summary in shown
        ]
        # Long names, references and areas are cut short with …, so one long value never pushes the other
        # columns off screen.
        width, height = self.app.size
        widths = column_widths(rows, width, scroll_bar=len(rows) > height - NOT_ROWS)
        cut = [widths.get(key) for key, _ in COLUMNS]
        for summary, row in zip(shown, rows, strict=True):
            cells = [
                shorten(value, width) if width is not None else value for value, width in zip(row, cut, strict=True)
            ]
            table.add_row(*(cell(value) for value in cells), key=str(summary.id))
        if chosen is not None and str(chosen) in table.rows:
            table.move_cursor(row=table.get_row_index(str(chosen)))
        empty = self.query_one("#cases-empty", Static)
        if not self._summaries and self._unreadable:
            empty.update("The case list could not be read (the message says why). Nothing has been changed.")
        elif not self._summaries:
            empty.update("No cases yet. Press ctrl+n to start a new one.")
        elif not shown:
            empty.update("No case matches that filter. Press Esc to clear it.")
        else:
            empty.update(f"{len(shown)} of {len(self._summaries)} cases. Enter opens the highlighted case.")

    def on_resize(self) -> None:
        # The room for long names changes with the terminal's width.
        if self.is_mounted and self._shown:
            self._fill_table()

    def _chosen_id(self) -> int | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - an empty or just-cleared table has no cursor row
            return None
        return int(key.value) if key.value is not None else None

    @on(Input.Changed, "#case-filter")
    def _filter_changed(self) -> None:
        self._fill_table()

    @on(Input.Submitted, "#case-filter")
    def _filter_submitted(self) -> None:
        self.action_open_case()

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open_case()

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    def action_open_case(self) -> None:
        case_id = self._chosen_id()
        if case_id is None:
            self.notify("There is no case to open. Press ctrl+n to start one.")
            return
        app: Any = self.app
        app.open_case(case_id)

    def action_new_case(self) -> None:
        app: Any = self.app
        app.new_case()

    def action_clear_filter(self) -> None:
        box = self.query_one(CaseFilter)
        box.value = ""
        box.focus()

    def action_focus_filter(self) -> None:
        self.query_one(CaseFilter).focus()
