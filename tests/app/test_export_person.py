"""The Export screen and the person's version: the easy-read option and the interpreter reminder, by keys."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from oasys_diversity.app import create_app
from oasys_diversity.model import Answer, Assessment, Case
from oasys_diversity.screens.export import ExportScreen
from oasys_diversity.store import import_assessment, open_db

sys.path.insert(0, str(Path(__file__).parent.parent))
from export_samples import pdf_pages  # noqa: E402

OFFICER = "Sam Officer"


def seed(tmp_path: Path, language: str) -> tuple[Path, int]:
    """One fictional case whose preferred language is `language`."""
    db_path = tmp_path / "cases.db"
    db = open_db(db_path)
    case = Case(reference="X123456", name="Amina Khatun", officer=OFFICER, assessed_on=date(2025, 3, 1))
    answers = {
        "language.preferred_language": Answer(
            question_id="language.preferred_language", status="answered", value=language
        ),
        "faith.religion": Answer(question_id="faith.religion", status="answered", value="muslim"),
        "faith.practice_needs": Answer(question_id="faith.practice_needs", status="answered", value=["prayer_times"]),
    }
    case_id = import_assessment(db, Assessment(case=case, answers=answers))
    db.close()
    return db_path, case_id


async def open_export(pilot, case_id: int) -> ExportScreen:
    await pilot.pause()
    pilot.app.show_export(case_id)
    await pilot.pause()
    assert isinstance(pilot.app.screen, ExportScreen)
    return pilot.app.screen


async def test_choosing_the_person_shows_the_interpreter_reminder_and_offers_easy_read(tmp_path, home):
    db_path, case_id = seed(tmp_path, "Sylheti")
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_export(pilot, case_id)
        reminder = screen.query_one("#export-interpreter")
        easy = screen.query_one("#export-easy")
        assert not reminder.display and easy.disabled  # the case record: neither applies
        await pilot.press("down", "down", "down", "enter", "tab", "down", "enter")  # PDF; the person
        assert screen.choices() == ("pdf", True, False)
        assert reminder.display and "interpreter" in str(reminder.render())
        assert not easy.disabled
        await pilot.press("tab", "tab", "space")  # past Redact to Easy read
        assert easy.value
        destination = screen.query_one("#export-destination")
        while screen.focused is not destination:
            await pilot.press("tab")
        await pilot.press("end", "ctrl+u", *"~/easy.pdf", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "Saved to" in str(screen.query_one("#export-result").render())
    pages = pdf_pages((home / "easy.pdf").read_bytes())
    assert pages[0].startswith("Your plan\nPlease read this with an interpreter.")


async def test_no_reminder_when_their_preferred_language_is_english(tmp_path, home):
    db_path, case_id = seed(tmp_path, "English")
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_export(pilot, case_id)
        await pilot.press("tab", "down", "enter")  # the person
        assert screen.choices()[1] is True
        assert not screen.query_one("#export-interpreter").display
