"""Start-up in two steps: the cases are listed (and the screen takes keys) while the bank loads in the
background; the progress column says "…" until it is counted; anything that needs the bank waits for it."""

from __future__ import annotations

import threading

from textual.widgets import DataTable

from oasys_diversity.model import Answer
from oasys_diversity.screens.cases import COUNTING, CasesScreen
from oasys_diversity.screens.interview import InterviewScreen


def progress_column(app) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [str(table.get_row_at(row)[4]) for row in range(table.row_count)]


async def test_cases_are_listed_and_filterable_before_the_bank_has_loaded(make_app, seed_case, held_bank):
    seed_case(reference="X100001", name="Alex Example")
    seed_case(
        reference="X200002",
        name="Robin Sample",
        answers=[Answer(question_id="faith.religion", status="declined")],
    )
    await _list_then_count(make_app(), held_bank)


async def _list_then_count(app, release: threading.Event) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CasesScreen)
        assert app.bank is None and not screen.counted
        assert progress_column(app) == [COUNTING, COUNTING]
        # The screen already takes keys: typing filters the list.
        await pilot.press(*"Robin")
        await pilot.pause()
        assert screen.query_one(DataTable).row_count == 1

        release.set()
        for _ in range(500):
            if screen.counted:
                break
            await pilot.pause()
        assert app.bank is not None and screen.counted
        total = len(app.bank.visible_questions({}))
        assert progress_column(app) == [f"0 / 1 / {total - 1}"]


async def test_opening_a_case_straight_away_waits_for_the_bank(make_app, seed_case):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_case(case_id)
        await pilot.pause()
        assert app.bank is not None
        assert isinstance(app.screen, InterviewScreen) and app.screen.case_id == case_id


async def test_the_progress_is_counted_once_the_bank_is_in(make_app, seed_case):
    seed_case(answers=[Answer(question_id="person.area", status="answered", value="Leeds")])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(500):
            if isinstance(app.screen, CasesScreen) and app.screen.counted:
                break
            await pilot.pause()
        total = len(app.bank.visible_questions({}))
        assert progress_column(app) == [f"1 / 0 / {total - 1}"]
