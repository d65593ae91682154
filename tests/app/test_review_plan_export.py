"""Review, Plan and Export screens, driven by keys through Pilot; checked on screen and in the database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from oasys_diversity.screens import plan as plan_screen_module
from oasys_diversity.screens.export import (
    DestinationError,
    ExportScreen,
    default_file_name,
    resolve_destination,
)
from oasys_diversity.screens.review import ReviewList, ReviewScreen

from oasys_diversity.app import create_app
from oasys_diversity.model import Answer, Case, Objective, Plan
from oasys_diversity.store import create_case, load_plan, open_db, save_answer, save_plan

OFFICER = "Sam Officer"
TODAY = date(2025, 3, 1)

ANSWERS = [
    Answer(question_id="person.preferred_name", status="answered", value="Amina"),
    Answer(question_id="person.gender", status="answered", value="woman"),
    Answer(
        question_id="ethnicity.ons_category",
        status="answered",
        value="asian_bangladeshi",
        note="My family is from Sylhet.",
    ),
    Answer(question_id="ethnicity.self_description", status="declined"),
    Answer(question_id="faith.religion", status="answered", value="muslim"),
    Answer(question_id="faith.practice_needs", status="answered", value=["prayer_times", "fasting"]),
    Answer(question_id="trauma.experiences", status="answered", value=["violence_victim"]),
    Answer(question_id="trauma.support_wanted", status="answered", value="yes"),
]


def seed(tmp_path: Path, answers: list[Answer] = ANSWERS, plan: Plan | None = None) -> tuple[Path, int]:
    """A database with one fictional case and its answers (and a stored plan, if given)."""
    db_path = tmp_path / "cases.db"
    db = open_db(db_path)
    case_id = create_case(db, Case(reference="X123456", name="Amina Khatun", officer=OFFICER, assessed_on=TODAY))
    for answer in answers:
        save_answer(db, case_id, answer, officer=OFFICER)
    if plan is not None:
        save_plan(db, case_id, plan, officer=OFFICER)
    db.close()
    return db_path, case_id


def stored_plan(db_path: Path, case_id: int) -> Plan | None:
    db = open_db(db_path)
    try:
        return load_plan(db, case_id)
    finally:
        db.close()


def option_text(listing) -> str:
    return "\n".join(str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count))


@pytest.fixture(autouse=True)
def _fixed_plan_day(monkeypatch):
    """Target dates count from a fixed day, so what the screens show does not depend on the calendar."""
    monkeypatch.setattr(plan_screen_module, "plan_today", lambda: TODAY)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A private home folder, so exports land in the test's folder and paths typed by keys stay short."""
    folder = tmp_path / "home"
    folder.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(folder))
    return folder


# ---------------------------------------------------------------------------------------------
# Review
# ---------------------------------------------------------------------------------------------


async def test_review_shows_categories_quotes_declined_and_not_yet_discussed(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_review(case_id)
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        listing = app.screen.query_one(ReviewList)
        text = option_text(listing)
        # A category is shown as its label; their own words as a quote, apart from it.
        assert "Ethnic group" in text and "Bangladeshi" in text
        assert "In their words: “My family is from Sylhet.”" in text
        assert "Preferred name: “Amina”" in text
        # Declined is respected by name; silence is never "no issues".
        assert "Declined to say" in text
        assert "Not yet discussed" in text
        assert "no issues" not in text.lower()
        # Multiple choices are listed by label.
        faith = app.bank.question("faith.practice_needs")
        assert f"{faith.label_for('prayer_times')}; {faith.label_for('fasting')}" in text


async def test_review_hides_follow_ups_that_do_not_apply(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_review(case_id)
        await pilot.pause()
        listing = app.screen.query_one(ReviewList)
        shown = {listing.get_option_at_index(i).id for i in range(listing.option_count)}
        from oasys_diversity.store import load_assessment

        assessment = load_assessment(app.db, case_id)
        hidden = [q.id for q in app.bank.questions if not app.bank.is_visible(q, assessment.answers)]
        assert hidden, "the bank should have at least one follow-up that these answers do not open"
        assert not shown.intersection(hidden)
        visible = [q.id for q in app.bank.visible_questions(assessment.answers)]
        assert set(visible) <= shown


async def test_review_enter_jumps_back_to_the_question(tmp_path):
    from oasys_diversity.screens.interview import InterviewScreen

    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_review(case_id)
        await pilot.pause()
        listing = app.screen.query_one(ReviewList)
        for _ in range(listing.option_count):
            if listing.highlighted_option and listing.highlighted_option.id == "faith.religion":
                break
            await pilot.press("down")
        assert listing.highlighted_option.id == "faith.religion"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)
        assert app.screen.start_question == "faith.religion"


async def test_review_refreshes_when_it_comes_back(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_review(case_id)
        await pilot.pause()
        review = app.screen
        assert "Age: Not yet discussed" in option_text(review.query_one(ReviewList))
        save_answer(app.db, case_id, Answer(question_id="person.age", status="answered", value=23), officer=OFFICER)
        await pilot.press("f1")  # help covers the review, then closes: the review comes back into view
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is review
        assert "Age: 23" in option_text(review.query_one(ReviewList))


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------

A_PLAN = Plan(
    built_on=TODAY,
    objectives=[
        Objective(
            id="rule-faith",
            need_area="responsivity",
            action="Appointments avoid Friday prayers and Ramadan fasting hours.",
            owner="probation_practitioner",
            target_date=date(2025, 4, 1),
            measure="No appointment clashes with prayer times.",
            because=["faith.practice_needs"],
        )
    ],
)


async def replace_destination(pilot, text: str) -> None:
    """Put the cursor in Save to, clear it and type a path, all by keys."""
    screen = pilot.app.screen
    destination = screen.query_one("#export-destination")
    for _ in range(10):
        if screen.focused is destination:
            break
        await pilot.press("tab")
    assert screen.focused is destination
    await pilot.press("end", "ctrl+u")
    await pilot.press(*text)


async def wait_for_export(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_export_writes_markdown_and_shows_where(tmp_path, home):
    db_path, case_id = seed(tmp_path, plan=A_PLAN)
    out = home / "exports" / "amina.md"
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_export(case_id)
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        await replace_destination(pilot, "~/exports/amina.md")
        await pilot.press("enter")
        await wait_for_export(pilot)
        result = str(app.screen.query_one("#export-result").render())
        assert f"Saved to {out}" in result
    text = out.read_text(encoding="utf-8")
    assert "X123456" in text
    assert "My family is from Sylhet." in text


async def test_export_as_json_for_the_record_by_keys(tmp_path, home):
    db_path, case_id = seed(tmp_path, plan=A_PLAN)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_export(case_id)
        await pilot.pause()
        screen = app.screen
        assert screen.focused is screen.query_one("#export-format")
        await pilot.press("down", "down", "enter")  # Markdown → Plain text → JSON
        assert screen.choices() == ("json", False, False)
        assert screen.query_one("#export-destination").value.endswith(".json")
        await replace_destination(pilot, "amina")
        await pilot.press("ctrl+s")
        await wait_for_export(pilot)
    written = home / "amina.json"  # no extension typed: the format's is added
    assert written.exists()
    assert '"X123456"' in written.read_text(encoding="utf-8")


async def test_export_bad_destination_says_why_and_writes_nothing(tmp_path, home):
    db_path, case_id = seed(tmp_path, plan=A_PLAN)
    a_file = home / "notes.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_export(case_id)
        await pilot.pause()
        await replace_destination(pilot, "~/notes.txt/s.md")
        await pilot.press("ctrl+s")
        await wait_for_export(pilot)
        result = str(app.screen.query_one("#export-result").render())
        assert "Not exported" in result and "is a file" in result
        await replace_destination(pilot, "   ")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Choose where to save the file" in str(app.screen.query_one("#export-result").render())
    assert a_file.read_text(encoding="utf-8") == "not a folder"


async def test_export_asks_before_replacing_a_file(tmp_path, home):
    db_path, case_id = seed(tmp_path, plan=A_PLAN)
    out = home / "summary.md"
    out.write_text("an earlier export", encoding="utf-8")
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_export(case_id)
        await pilot.pause()
        await replace_destination(pilot, "~/summary.md")
        await pilot.press("ctrl+s")
        await wait_for_export(pilot)
        assert "Press Export again to replace it" in str(app.screen.query_one("#export-result").render())
        assert out.read_text(encoding="utf-8") == "an earlier export"
        await pilot.press("ctrl+s")
        await wait_for_export(pilot)
        assert f"Saved to {out}" in str(app.screen.query_one("#export-result").render())
    assert "X123456" in out.read_text(encoding="utf-8")


async def test_export_for_the_person_as_json_is_refused_with_a_reason(tmp_path, home):
    db_path, case_id = seed(tmp_path, plan=A_PLAN)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_export(case_id)
        await pilot.pause()
        await pilot.press("down", "down", "enter", "tab", "down", "enter")  # JSON; the person
        assert app.screen.choices() == ("json", True, False)
        await replace_destination(pilot, "~/person.json")
        await pilot.press("ctrl+s")
        await wait_for_export(pilot)
        result = str(app.screen.query_one("#export-result").render())
        assert result.startswith("Not exported:")
    assert not (home / "person.json").exists()


def test_default_file_name_never_carries_the_reference_when_redacted():
    name = default_file_name(reference="X12/34", case_id=7, fmt="pdf", on_day=TODAY, for_person=True, redact=True)
    assert name == "case-7-redacted-for-person-2025-03-01.pdf"
    plain = default_file_name(reference="X12/34", case_id=7, fmt="md", on_day=TODAY, for_person=False, redact=False)
    assert plain == "X12-34-2025-03-01.md"


def test_resolve_destination(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    assert resolve_destination(str(folder), default_name="a.md", fmt="md") == folder / "a.md"
    assert resolve_destination(str(tmp_path / "new" / "b"), default_name="a.md", fmt="docx") == (
        tmp_path / "new" / "b.docx"
    )
    with pytest.raises(DestinationError, match="Choose where"):
        resolve_destination("", default_name="a.md", fmt="md")
