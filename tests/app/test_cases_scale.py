"""The Cases screen with more cases than a page: the first page at once, more as the cursor goes down, the filter
asking the database, progress kept per case shown before the bank has loaded, and a large database's whole-file
check run after start-up."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import screen_text
from textual.widgets import DataTable, Static

from oasys_diversity.bank import load_bank
from oasys_diversity.model import Answer, Case
from oasys_diversity.screens.cases import COUNTING, MIN_PAGE, NEAR_THE_END, CasesScreen
from oasys_diversity.screens.dialogs import StartupErrorScreen
from oasys_diversity.screens.interview import InterviewScreen
from oasys_diversity.store import create_case, open_db, save_answer

OFFICER = "Jo Officer"
# The screen fetches twice the terminal's height at a time (at least MIN_PAGE): 48 rows at 80x24.
PAGE = max(MIN_PAGE, 2 * 24)
MANY = PAGE + 45


def seed_many(db_path: Path, count: int = MANY) -> list[int]:
    """`count` cases, the first created (so the oldest) named apart from the rest; ids oldest first."""
    bank = load_bank()
    db = open_db(db_path)
    ids = []
    for number in range(count):
        name = "Wilhelmina Okafor" if number == 0 else f"Person {number:04d}"
        case_id = create_case(
            db, Case(reference=f"R{number:05d}", name=name, officer=OFFICER, assessed_on=date(2025, 3, 1))
        )
        ids.append(case_id)
    save_answer(
        db, ids[0], Answer(question_id="person.area", status="answered", value="Sparkbrook"), officer=OFFICER, bank=bank
    )
    # Touched again, so the first case is not the newest: it is the oldest but for the one answer.
    for case_id in ids[1:]:
        save_answer(
            db, case_id, Answer(question_id="person.age", status="answered", value=30), officer=OFFICER, bank=bank
        )
    db.close()
    return ids


def table_of(app) -> DataTable:
    return app.screen.query_one(DataTable)


def count_line(app) -> str:
    return str(app.screen.query_one("#cases-empty", Static).render())


async def wait_for(pilot, condition) -> None:
    for _ in range(500):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("the screen never got there")


async def test_the_first_page_comes_first_and_more_follow_as_the_cursor_goes_down(make_app, db_path):
    ids = seed_many(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CasesScreen) and app.screen.counted)
        assert table_of(app).row_count == PAGE
        await wait_for(pilot, lambda: f"{MANY} of {MANY} cases" in count_line(app))
        # Down the list from the filter box: near the end of the page the next one is added below.
        await pilot.press(*["down"] * (PAGE - NEAR_THE_END))
        await pilot.pause()
        assert table_of(app).row_count == MANY
        assert table_of(app).cursor_row == PAGE - NEAR_THE_END
        # The oldest case (touched first) is the last row, and opens with Enter.
        await pilot.press(*["down"] * MANY)
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: isinstance(app.screen, InterviewScreen) or "language" in type(app.screen).__name__.lower()
        )
        assert app.screen.case_id == ids[0]


async def test_the_filter_finds_a_case_beyond_the_first_page(make_app, db_path):
    ids = seed_many(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CasesScreen) and table_of(app).row_count)
        await pilot.press(*"wilhel spark")
        await pilot.pause()
        table = table_of(app)
        assert table.row_count == 1 and str(table.get_row_at(0)[0]) == "R00000"
        assert f"1 of {MANY} cases" in count_line(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(app.screen, "case_id", None) == ids[0])
        # Words that match no case say so.
        app.pop_screen()
        await pilot.pause()
        await wait_for(pilot, lambda: isinstance(app.screen, CasesScreen))
        await pilot.press("escape", *"nobody here")
        await pilot.pause()
        assert table_of(app).row_count == 0 and "No case matches" in count_line(app)


async def test_progress_kept_when_answers_were_saved_shows_before_the_bank_has_loaded(make_app, db_path, held_bank):
    bank = load_bank()
    db = open_db(db_path)
    kept = create_case(db, Case(reference="K1", name="Kept Count", officer=OFFICER, assessed_on=date(2025, 3, 1)))
    save_answer(db, kept, Answer(question_id="faith.religion", status="declined"), officer=OFFICER, bank=bank)
    unknown = create_case(db, Case(reference="U1", name="Never Counted", officer=OFFICER, assessed_on=date(2025, 3, 1)))
    save_answer(db, unknown, Answer(question_id="faith.religion", status="declined"), officer=OFFICER)
    db.close()
    total = len(bank.visible_questions({}))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CasesScreen) and table_of(app).row_count == 2)
        assert app.bank is None
        progress = {str(table_of(app).get_row_at(n)[0]): str(table_of(app).get_row_at(n)[4]) for n in range(2)}
        assert progress == {"U1": COUNTING, "K1": f"0 / 1 / {total - 1}"}
        held_bank.set()
        await wait_for(pilot, lambda: app.screen.counted)
        progress = {str(table_of(app).get_row_at(n)[0]): str(table_of(app).get_row_at(n)[4]) for n in range(2)}
        assert progress == {"U1": f"0 / 1 / {total - 1}", "K1": f"0 / 1 / {total - 1}"}
    # The count made on screen was kept on the case, stamped with the bank.
    db = open_db(db_path)
    assert db.execute(
        "SELECT progress_declined, progress_bank IS NOT NULL FROM cases WHERE id = ?", [unknown]
    ).fetchone() == (1, 1)
    db.close()


async def test_the_palette_finds_a_case_older_than_those_it_lists(make_app, db_path):
    ids = seed_many(db_path, 60)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CasesScreen) and app.screen.counted)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"switch case wilhelmina")
        await pilot.pause()
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(app.screen, "case_id", None) == ids[0])


async def test_a_large_database_damaged_where_opening_does_not_read_is_caught_after_start_up(
    make_app, db_path, monkeypatch
):
    import oasys_diversity.store_open as store_open

    db = open_db(db_path)
    case_id = create_case(db, Case(reference="D1", name="Dana Example", officer=OFFICER, assessed_on=date(2025, 3, 1)))
    for number in range(80):
        save_answer(
            db,
            case_id,
            Answer(question_id=f"test.q{number:02d}", status="answered", value="words " * 40),
            officer=OFFICER,
        )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    # Damage the last page: an answer page the case list never reads.
    size = db_path.stat().st_size
    with db_path.open("r+b") as handle:
        handle.seek(size - 2048)
        handle.write(bytes((i * 131) % 251 for i in range(1024)))
    # As if the file were a team's large database: not read in whole at open.
    monkeypatch.setattr(store_open, "CHECK_AT_OPEN_BYTES", 4096)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, StartupErrorScreen))
        await pilot.pause()
        words = screen_text(app)
        assert "damaged" in words and "backup" in words
        assert "Dana" not in words and "words words" not in words
        assert app.connection is None  # nothing more is written to it


async def test_scrolling_to_the_end_with_the_mouse_or_scroll_bar_fetches_the_next_page(make_app, db_path):
    seed_many(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CasesScreen) and table_of(app).row_count == PAGE)
        table = table_of(app)
        cursor = table.cursor_row
        # The scroll bar dragged to the bottom (the mouse wheel moves the same `scroll_y`); the cursor stays put.
        table.scroll_end(animate=False, immediate=True)
        await wait_for(pilot, lambda: table.row_count == MANY)
        assert table.cursor_row == cursor


async def test_page_down_in_the_filter_moves_a_screenful_and_fetches_more(make_app, db_path):
    seed_many(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CasesScreen) and table_of(app).row_count == PAGE)
        await pilot.press("pagedown")
        await pilot.pause()
        table = table_of(app)
        step = table.cursor_row
        assert 5 < step < PAGE - NEAR_THE_END
        await pilot.press(*["pagedown"] * (PAGE // step + 1))
        await wait_for(pilot, lambda: table.row_count == MANY)
        await pilot.press("pageup")
        await pilot.pause()
        assert app.screen.query_one("#case-filter").has_focus
