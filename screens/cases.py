"""Cases: the first screen. The cases in this database, newest first; type to filter, Enter to resume.

Nothing here assumes one database: the list is whatever `app.db` holds (a practice database, the
demo's throwaway one, or the officer's own, which may hold 100,000 cases).

It never reads every case. The list is a page of cases at a time (store_case_list.py), the next page
fetched as the cursor nears the end of the rows shown; each keystroke in the filter is one query. The
progress column shows the count kept on each case as its answers were saved; a case never counted, or
counted with a question bank since edited, shows "…" until the bank has loaded, and is then counted
(and the count kept).
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
# When the cursor comes this close to the last row shown, the next page is fetched.
NEAR_THE_END = 10
# The fewest rows fetched at a time (more on a tall terminal).
MIN_PAGE = 40


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


def progress_cell(progress: Any | None) -> str:
    """answered / declined / not yet discussed, or … while not known."""
    if progress is None:
        return COUNTING
    return f"{progress.answered} / {progress.declined} / {progress.not_discussed}"


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


class CaseFilter(Input):
    """The filter box. Up and down move through the cases below it, so typing and choosing never need the mouse."""

    BINDINGS = [
        Binding("down", "screen.cursor(1)", "Next case", show=False, id="cases.filter_down"),
        Binding("up", "screen.cursor(-1)", "Previous case", show=False, id="cases.filter_up"),
        Binding("pagedown", "screen.page(1)", "Next page of cases", show=False, id="cases.filter_page_down"),
        Binding("pageup", "screen.page(-1)", "Previous page of cases", show=False, id="cases.filter_page_up"),
    ]


class CasesScreen(Screen[None]):
    """The list of cases: find one, resume it, or start a new one."""

    CSS_PATH = "cases.tcss"
    HELP_TITLE = "Cases"
    HELP = (
        "Each row is one person's assessment. **Type** to filter by reference, name or area; **up/down** choose a "
        "row, **page up/down** a screenful; **Enter** opens it exactly where the conversation was left.\n\n"
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
        # The rows fetched so far for the current filter, newest first, and whether more may follow.
        self._rows: list[Any] = []
        self._more = False
        # How many cases the filter matches, and how many there are (None until counted).
        self._matching: int | None = None
        self._all: int | None = None
        # Counts made on this screen for rows whose kept count is missing or from another bank.
        self._recounted: dict[int, Any] = {}
        self._shown = False
        # The widths the long columns were cut to, so a further page is cut the same way.
        self._cut: list[int | None] = []
        # The terminal's width, and whether the rows needed a scroll bar, when the table was last filled.
        self._layout: tuple[int, bool] | None = None
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
        # Scrolled with the mouse wheel (the cursor stays put): the next page comes as the end nears too.
        self.watch(table, "scroll_y", self._scrolled, init=False)
        app: Any = self.app
        if app.open_database():
            self.refresh_cases()
            # Once the cases are on screen, load the bank in the background; the app calls show_counts.
            self.call_after_refresh(app.start_loading)

    @property
    def counted(self) -> bool:
        """True once every row shown has its progress (rather than "…")."""
        return all(self._progress(row) is not None for row in self._rows)

    def on_screen_resume(self) -> None:
        # Back from an interview or a new case: the counts and order have changed. (The first
        # resume comes with mounting, which has just listed them.)
        if self._shown:
            self.refresh_cases()
        self._shown = True

    def show_counts(self) -> None:
        """The bank has loaded: count the rows shown that have no count kept for it."""
        # After a refresh, not straight away: after a long step the screen can repaint before the
        # table has widened its columns for the counts, and the table keeps what it painted.
        self.call_after_refresh(self._count_rows_shown)

    def _stamp(self) -> str | None:
        """The loaded bank's stamp (None before it has loaded)."""
        app: Any = self.app
        if app.bank is None:
            return None
        from oasys_diversity.store_progress import bank_stamp

        return bank_stamp(app.bank)

    def _progress(self, row: Any) -> Any | None:
        """The progress to show for a row: kept on the case, or counted here; None while not known."""
        if row.id in self._recounted:
            return self._recounted[row.id]
        if row.total is None or row.answered is None or row.declined is None or row.not_discussed is None:
            return None
        stamp = self._stamp()
        # Before the bank has loaded, the kept count is shown; once it has, only a count made with it.
        if stamp is not None and row.progress_bank != stamp:
            return None
        return row

    def _count_rows_shown(self) -> None:
        self._count_missing()
        self._fill_table()

    def _count_missing(self) -> None:
        """Count the rows fetched whose progress is not known, and keep the counts on their cases."""
        app: Any = self.app
        missing = [row.id for row in self._rows if self._progress(row) is None]
        if app.bank is None or app.connection is None or not missing:
            return
        from oasys_diversity.store_open import DB_ERRORS, StoreError
        from oasys_diversity.store_progress import count_and_keep

        try:
            counts = count_and_keep(app.db, app.bank, missing)
        except (StoreError, *DB_ERRORS) as error:
            self.notify(f"The progress could not be counted: {error}", severity="error", timeout=10)
            return
        self._recounted.update(counts)

    def refresh_cases(self) -> None:
        """Fetch the first page again (the cases may have changed), and count them all again."""
        self._all = None
        self._list()

    def _list(self) -> None:
        """Fetch the first page for the filter typed, and show it."""
        from oasys_diversity.store_case_list import case_page, filter_words
        from oasys_diversity.store_open import DB_ERRORS, StoreError

        app: Any = self.app
        if app.connection is None:
            return  # the database could not be opened: the app is showing why
        words = filter_words(self.query_one(CaseFilter).value)
        try:
            rows = case_page(app.connection, words, limit=self._page_size())
        except (StoreError, *DB_ERRORS) as error:
            self._rows, self._more, self._matching, self._all = [], False, 0, 0
            self._unreadable = True
            self.notify(f"The case list could not be read: {error}", severity="error", timeout=10)
        else:
            self._unreadable = False
            self._rows, self._more = rows, self._full_page(rows)
            self._recounted = {}
            # A page that is not full holds every match, and no words match every case: either way no second query.
            self._matching = None if self._more else len(rows)
            if not words and self._matching is None:
                self._matching = self._all
            if not words and self._matching is not None:
                self._all = self._matching
            self._count_missing()
        self._fill_table()
        if self._matching is None or self._all is None:
            # The whole table is counted after the rows are painted, so the first rows are not kept waiting.
            self.call_after_refresh(self._count_matching, words)

    def _page_size(self) -> int:
        """Rows fetched at a time: twice what the terminal shows, so the first page fills the screen and is quick."""
        return max(MIN_PAGE, 2 * self.app.size.height)

    def _full_page(self, rows: list[Any]) -> bool:
        return len(rows) >= self._page_size()

    def _count_matching(self, words: list[str]) -> None:
        from oasys_diversity.store_case_list import count_cases, filter_words
        from oasys_diversity.store_open import DB_ERRORS

        app: Any = self.app
        if app.connection is None or words != filter_words(self.query_one(CaseFilter).value):
            return  # the filter has changed since: its own count is on the way
        try:
            if self._matching is None:
                self._matching = count_cases(app.connection, words)
            if self._all is None:
                self._all = self._matching if not words else count_cases(app.connection)
        except DB_ERRORS:
            return  # the line says "more" rather than a number
        self._show_count()

    def _fetch_more(self) -> None:
        """The cursor is near the last row: add the next page below it."""
        from oasys_diversity.store_case_list import case_page, filter_words, next_page_after
        from oasys_diversity.store_open import DB_ERRORS, StoreError

        app: Any = self.app
        if not self._more or not self._rows or app.connection is None:
            return
        words = filter_words(self.query_one(CaseFilter).value)
        try:
            rows = case_page(app.connection, words, after=next_page_after(self._rows[-1]), limit=self._page_size())
        except (StoreError, *DB_ERRORS) as error:
            self._more = False
            self.notify(f"More cases could not be read: {error}", severity="error", timeout=10)
            return
        self._more = self._full_page(rows)
        self._rows += rows
        self._count_missing()
        self._fill_table(added=rows)

    def _cells(self, row: Any) -> tuple[str, ...]:
        # Control characters made visible before measuring; each cell is added as Rich Text, since the
        # table reads a plain string as Rich markup (`Priya Shah [/]` would stop it).
        return (
            for_terminal(row.reference),
            for_terminal(shown_name(row)),
            for_terminal(row.area or "—"),
            when_text(row.updated_at),
            progress_cell(self._progress(row)),
            "✓" if row.has_plan else "",
        )

    def _fill_table(self, added: list[Any] | None = None) -> None:
        """Show the rows fetched: all of them afresh, or only `added` below the rest when they fit the same widths."""
        table = self.query_one(DataTable)
        rows = [self._cells(row) for row in self._rows]
        # Long names, references and areas are cut short with …, so one long value never pushes the other
        # columns off screen.
        width, height = self.app.size
        self._layout = (width, len(rows) > height - NOT_ROWS)
        widths = column_widths(rows, width, scroll_bar=len(rows) > height - NOT_ROWS)
        cut = [widths.get(key) for key, _ in COLUMNS]
        if added is not None and cut == self._cut:
            for row, cells in zip(added, rows[len(rows) - len(added) :], strict=True):
                self._add_row(table, row, cells)
            self._show_count()
            return
        self._cut = cut
        chosen = self._chosen_id()
        # Columns too: a column keeps the width of the widest value it ever held, and after the terminal
        # narrows it must shrink to the shortened values.
        table.clear(columns=True)
        for key, heading in COLUMNS:
            table.add_column(heading, key=key)
        for row, cells in zip(self._rows, rows, strict=True):
            self._add_row(table, row, cells)
        if chosen is not None and str(chosen) in table.rows:
            table.move_cursor(row=table.get_row_index(str(chosen)))
        self._show_count()

    def _add_row(self, table: DataTable, row: Any, cells: tuple[str, ...]) -> None:
        shortened = [
            shorten(value, width) if width is not None else value for value, width in zip(cells, self._cut, strict=True)
        ]
        table.add_row(*(cell(value) for value in shortened), key=str(row.id))

    def _show_count(self) -> None:
        empty = self.query_one("#cases-empty", Static)
        filtered = bool(self.query_one(CaseFilter).value.split())
        if self._unreadable:
            empty.update("The case list could not be read (the message says why). Nothing has been changed.")
        elif not self._rows and not filtered:
            empty.update("No cases yet. Press ctrl+n to start a new one.")
        elif not self._rows:
            empty.update("No case matches that filter. Press Esc to clear it.")
        else:
            matching = f"{self._matching:,}" if self._matching is not None else f"{len(self._rows):,}+"
            of_all = f" of {self._all:,}" if self._all is not None else ""
            empty.update(f"{matching}{of_all} cases. Enter opens the highlighted case.")

    def on_resize(self) -> None:
        # The room for long names changes with the terminal's width, and a scroll bar comes and goes with its height.
        width, height = self.app.size
        layout = (width, len(self._rows) > height - NOT_ROWS)
        if self.is_mounted and self._shown and layout != self._layout:
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
        self._list()  # the number of cases is the same: only the matches are counted

    @on(Input.Submitted, "#case-filter")
    def _filter_submitted(self) -> None:
        self.action_open_case()

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open_case()

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self._more and event.cursor_row >= len(self._rows) - NEAR_THE_END:
            self._fetch_more()

    def _scrolled(self, scroll_y: float) -> None:
        table = self.query_one(DataTable)
        if self._more and table.max_scroll_y - scroll_y <= NEAR_THE_END:
            self._fetch_more()

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    def action_page(self, pages: int) -> None:
        """Move the cursor a screenful of rows (the next page of cases comes as the end nears)."""
        table = self.query_one(DataTable)
        self.action_cursor(pages * max(1, table.scrollable_content_region.height - 1))

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
