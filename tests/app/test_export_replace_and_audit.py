"""The Export screen never overwrites silently, never writes onto the case database, and every look is recorded.

All by keys: Enter opens the case, `e` the Export screen, ctrl+s exports; the replace dialog answers to
r (replace), a (another name) and Escape (cancel).
"""

from __future__ import annotations

from pathlib import Path

from conftest import OFFICER

from oasys_diversity.screens.dialogs import ReplaceFileDialog
from oasys_diversity.screens.export import ExportScreen
from oasys_diversity.screens.interview import InterviewScreen
from oasys_diversity.store import open_db
from oasys_diversity.store_access import access_log


def looks(db_path: Path, case_id: int) -> list[dict]:
    db = open_db(db_path)
    try:
        return access_log(db, case_id)
    finally:
        db.close()


async def open_export(pilot) -> ExportScreen:
    await pilot.press("enter")  # the only case
    await pilot.pause()
    assert isinstance(pilot.app.screen, InterviewScreen)
    await pilot.press("e")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    return screen


async def type_destination(pilot, text: str) -> None:
    screen = pilot.app.screen
    destination = screen.query_one("#export-destination")
    for _ in range(10):
        if screen.focused is destination:
            break
        await pilot.press("tab")
    assert screen.focused is destination
    await pilot.press("end", "ctrl+u", *text)


async def export_now(pilot) -> None:
    await pilot.press("ctrl+s")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def result(screen: ExportScreen) -> str:
    return str(screen.query_one("#export-result").render())


async def test_opening_and_exporting_in_the_app_are_recorded_with_the_officer(make_app, seed_case, db_path, home):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_export(pilot)
        await type_destination(pilot, "~/summary.md")
        await export_now(pilot)
        assert "Saved to" in result(screen)
    rows = looks(db_path, case_id)
    assert [row["action"] for row in rows] == ["opened", "exported"]
    assert {row["officer"] for row in rows} == {OFFICER}
    assert rows[0]["detail"] == {"via": "app"}
    assert rows[1]["detail"] == {"format": "md", "for": "record", "redacted": False, "via": "app"}
    assert rows[1]["location"] == str(home / "summary.md")


async def test_the_officer_typed_at_start_is_recorded_and_a_case_already_open_is_not_recorded_twice(
    make_app, seed_case, db_path, home
):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.set_officer("Kim Typed-At-Start")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("r")  # Review, then back into the same interview
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        app.open_question(case_id, "faith.religion")
        await pilot.pause()
    rows = looks(db_path, case_id)
    assert [(row["action"], row["officer"]) for row in rows] == [("opened", "Kim Typed-At-Start")]


async def test_an_existing_file_asks_and_each_answer_does_what_it_says(make_app, seed_case, db_path, home):
    case_id = seed_case()
    earlier = home / "summary.md"
    earlier.write_text("an earlier export", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_export(pilot)
        await type_destination(pilot, "~/summary.md")

        # Cancel: nothing written, nothing recorded.
        await export_now(pilot)
        assert isinstance(app.screen, ReplaceFileDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert "left as it was" in result(screen)
        assert earlier.read_text(encoding="utf-8") == "an earlier export"

        # Enter lands on "Another name" (focused), never on Replace: back to Save to.
        await export_now(pilot)
        assert isinstance(app.screen, ReplaceFileDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert screen.focused is screen.query_one("#export-destination")
        assert earlier.read_text(encoding="utf-8") == "an earlier export"
        await pilot.press("backspace", "backspace", "backspace", *"-2.md")
        await export_now(pilot)
        assert (home / "summary-2.md").exists()
        assert earlier.read_text(encoding="utf-8") == "an earlier export"

        # Replace, chosen with r.
        await type_destination(pilot, "~/summary.md")
        await export_now(pilot)
        assert isinstance(app.screen, ReplaceFileDialog)
        await pilot.press("r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "Saved to" in result(screen)
    assert "X100001" in earlier.read_text(encoding="utf-8")
    exported = [row["location"] for row in looks(db_path, case_id) if row["action"] == "exported"]
    assert exported == [str(home / "summary-2.md"), str(earlier)]


async def test_the_case_database_is_refused_without_asking(make_app, seed_case, db_path, home):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_export(pilot)
        before = db_path.read_bytes()
        for target in (str(db_path), f"{db_path}-wal"):
            await type_destination(pilot, target)
            await export_now(pilot)
            assert app.screen is screen  # no "replace?" dialog for the database
            assert "Not exported" in result(screen) and "case database" in result(screen)
        assert db_path.read_bytes() == before
    assert [row["action"] for row in looks(db_path, case_id)] == ["opened"]
