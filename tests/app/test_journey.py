"""The whole journey an officer makes, by keys alone at 80x24: a new case from the Cases screen, the
privacy check and details, the interview, the review, the plan and an exported summary on disk."""

from __future__ import annotations

import pytest
from conftest import fill_language
from textual.widgets import Input, TextArea

from oasys_diversity.app import create_app
from oasys_diversity.screens.cases import CasesScreen
from oasys_diversity.screens.export import ExportScreen
from oasys_diversity.screens.interview import InterviewScreen
from oasys_diversity.screens.plan import PlanList, PlanScreen
from oasys_diversity.screens.review import ReviewList, ReviewScreen
from oasys_diversity.screens.start import StartScreen
from oasys_diversity.store import load_assessment, load_plan, open_db

# What the officer does at each question on the way through; every other question is passed over
# with PgDn and so stays "not yet discussed".
CHOICES = {
    "person.gender": "woman",
    "ethnicity.ons_category": "asian_bangladeshi",
    "faith.religion": "muslim",
}
WORDS = {"ethnicity.self_description": "British Bangladeshi, Sylheti family"}
DECLINE = {"immigration.status"}


@pytest.fixture
def home(tmp_path, monkeypatch):
    folder = tmp_path / "home"
    folder.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(folder))
    return folder


async def choose(pilot, screen: InterviewScreen, code: str) -> None:
    """Move the highlight to an option with the arrow keys and choose it with Enter."""
    box = screen.query_one("#answer")
    assert screen.focused is box
    await pilot.press("home")
    for _ in range(box.option_count):
        if box.highlighted_option is not None and box.highlighted_option.id == code:
            break
        await pilot.press("down")
    assert box.highlighted_option.id == code
    await pilot.press("enter")


async def test_new_case_to_exported_summary_by_keys_at_80x24(tmp_path, home):
    app = create_app(tmp_path / "cases.db")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CasesScreen)

        # Start: privacy check, details, opening words.
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        await pilot.press("space", "tab")
        await pilot.press(*"X900001", "enter", *"Amina Khatun", "enter", *"Amina", "enter", *"Sam Officer", "enter")
        await pilot.pause()
        # Language first, then the opening words.
        await fill_language(pilot, "English")
        await pilot.press("ctrl+s")
        await pilot.pause()
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        case_id = interview.case_id

        # Interview: answer, type their words, decline one and pass over the rest with PgDn; the topics
        # after the last of these are left for another session.
        handled: set[str] = set()
        wanted = set(CHOICES) | set(WORDS) | DECLINE
        last = interview.steps[-1]
        for _ in range(len(interview.steps) + 5):
            step = interview.step
            question_id = step.question_id if step.kind == "question" else None
            if question_id in CHOICES and question_id not in handled:
                await choose(pilot, interview, CHOICES[question_id])
                handled.add(question_id)
            elif question_id in WORDS and question_id not in handled:
                await pilot.press(*WORDS[question_id])
                handled.add(question_id)
            elif question_id in DECLINE and question_id not in handled:
                await pilot.press("d")
                handled.add(question_id)
            if step == last or handled == wanted:
                break
            await pilot.press("pagedown")
        assert handled == wanted

        # Review: what was said, in their words; declined and not yet discussed named plainly.
        if isinstance(interview.focused, Input | TextArea):
            await pilot.press("escape")  # out of the box, so the letter keys work
        await pilot.press("r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        listing = review.query_one(ReviewList)
        shown = "\n".join(str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count))
        assert "“British Bangladeshi, Sylheti family”" in shown
        assert app.bank.question("ethnicity.ons_category").label_for("asian_bangladeshi") in shown
        assert "Declined to say" in shown and "Not yet discussed" in shown

        # Plan: suggestions from those answers; the officer accepts the first objective.
        await pilot.press("p")
        await pilot.pause()
        plan_screen = app.screen
        assert isinstance(plan_screen, PlanScreen)
        assert plan_screen.plan is not None and plan_screen.plan.objectives
        assert plan_screen.query_one(PlanList).highlighted_option.id == "objective:0"
        await pilot.press("a")
        await pilot.pause()
        accepted = plan_screen.plan.objectives[0].id

        # Export: Markdown for the record, to a file under the home folder.
        await pilot.press("e")
        await pilot.pause()
        export = app.screen
        assert isinstance(export, ExportScreen)
        destination = export.query_one("#export-destination")
        while export.focused is not destination:
            await pilot.press("tab")
        await pilot.press("end", "ctrl+u", *"~/journey.md", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        out = home / "journey.md"
        assert f"Saved to {out}" in str(export.query_one("#export-result").render())

    text = out.read_text(encoding="utf-8")
    assert "X900001" in text
    assert "British Bangladeshi, Sylheti family" in text
    assert app.bank.question("faith.religion").label_for("muslim") in text
    assert "Declined" in text
    db = open_db(tmp_path / "cases.db")
    try:
        answers = load_assessment(db, case_id).answers
        assert answers["person.gender"].value == "woman"
        assert answers["immigration.status"].status == "declined"
        plan = load_plan(db, case_id)
        assert plan is not None
        assert next(o for o in plan.objectives if o.id == accepted).state == "accepted"
    finally:
        db.close()
