"""Review, Plan and Export screens, driven by keys through Pilot; checked on screen and in the database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from oasys_diversity.app import create_app
from oasys_diversity.model import Answer, Assessment, Case, Objective, Plan
from oasys_diversity.screens import plan as plan_screen_module
from oasys_diversity.screens.dialogs import ReplaceFileDialog
from oasys_diversity.screens.export import (
    DestinationError,
    ExportScreen,
    default_file_name,
    resolve_destination,
)
from oasys_diversity.screens.plan import PlanList, PlanScreen
from oasys_diversity.screens.plan_dialogs import (
    AgreementDialog,
    ObjectiveDialog,
    PersonViewDialog,
    ReasonDialog,
    parse_target_date,
)
from oasys_diversity.screens.review import ReviewList, ReviewScreen
from oasys_diversity.sessions import ConversationSession
from oasys_diversity.store import import_assessment, load_plan, open_db, save_answer, save_plan
from oasys_diversity.store_sessions import start_session

OFFICER = "Sam Officer"
TODAY = date(2025, 3, 1)
# Target dates count from when answers were given: a fixed time keeps what the screens show steady.
GIVEN_AT = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)

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
    case = Case(reference="X123456", name="Amina Khatun", officer=OFFICER, assessed_on=TODAY)
    given = {a.question_id: a.model_copy(update={"answered_at": GIVEN_AT, "officer": OFFICER}) for a in answers}
    case_id = import_assessment(db, Assessment(case=case, answers=given))
    # The language step was done earlier today: opening the interview carries on without asking again.
    start_session(db, ConversationSession(case_id=case_id, language="English", interpreter="not_needed"), officer=OFFICER)
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
# Plan
# ---------------------------------------------------------------------------------------------


async def open_plan(pilot, case_id: int) -> PlanScreen:
    await pilot.pause()
    pilot.app.show_plan(case_id)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, PlanScreen)
    return screen


async def move_to(pilot, prefix: str, item_id: str | None = None) -> None:
    """Press down (from the top) until the highlighted entry is the wanted objective or referral."""
    screen = pilot.app.screen
    listing = screen.query_one(PlanList)
    await pilot.press("home")
    for _ in range(listing.option_count):
        item = screen.highlighted_item()
        if item is not None and item[0] == prefix and (item_id is None or item[1].id == item_id):
            return
        found = screen.highlighted()
        if item_id is None and found is not None and found[0] == prefix:
            return
        await pilot.press("down")
    raise AssertionError(f"no {prefix} {item_id or ''} in the plan list")


async def reopen_plan(pilot, case_id: int) -> PlanScreen:
    """Leave the plan and come back: the plan is recomputed from the stored one."""
    await pilot.press("escape")
    await pilot.pause()
    return await open_plan(pilot, case_id)


def plan_text(screen: PlanScreen) -> str:
    return option_text(screen.query_one(PlanList))


async def test_plan_opens_with_suggestions_saved_and_their_reasons(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        text = plan_text(screen)
        assert "[SUGGESTED]" in text
        assert f"Because: {app.bank.question('faith.practice_needs').label}" in text
        assert "Still to discuss" in text and "Declined to say (1)" in text
        assert "All changes saved" in str(screen.query_one("#plan-status").render())
    stored = stored_plan(db_path, case_id)
    assert stored is not None and stored.objectives
    assert "ethnicity.self_description" in stored.declined


async def test_accepting_a_referral_is_saved_and_survives_recompute(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        await move_to(pilot, "referral")
        referral_id = screen.highlighted_item()[1].id
        await pilot.press("a")
        await pilot.pause()
        assert "[ACCEPTED]" in plan_text(screen)
        assert next(r for r in stored_plan(db_path, case_id).referrals if r.id == referral_id).state == "accepted"
        screen = await reopen_plan(pilot, case_id)
        assert next(r for r in screen.plan.referrals if r.id == referral_id).state == "accepted"
    assert next(r for r in stored_plan(db_path, case_id).referrals if r.id == referral_id).state == "accepted"


async def test_declining_a_referral_needs_a_reason_which_is_kept(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        await move_to(pilot, "referral")
        referral_id = screen.highlighted_item()[1].id
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("enter")  # no reason yet
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        assert "a reason is needed" in str(app.screen.query_one("#dialog-error").render())
        await pilot.press(*"Has a counsellor")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert "Declined because: Has a counsellor" in plan_text(screen)
        # A later answer changes the plan; the decision and its reason stay.
        save_answer(app.db, case_id, Answer(question_id="person.age", status="answered", value=34), officer=OFFICER)
        screen = await reopen_plan(pilot, case_id)
        kept = next(r for r in screen.plan.referrals if r.id == referral_id)
        assert (kept.state, kept.reason) == ("declined", "Has a counsellor")
    stored = next(r for r in stored_plan(db_path, case_id).referrals if r.id == referral_id)
    assert (stored.state, stored.reason) == ("declined", "Has a counsellor")


async def test_declining_an_objective_and_cancelling_changes_nothing(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        await move_to(pilot, "objective", "appointments_fit_faith")
        before = stored_plan(db_path, case_id)
        await pilot.press("x", *"no", "escape")
        await pilot.pause()
        assert app.screen is screen
        assert stored_plan(db_path, case_id) == before
        await pilot.press("x", *"Arranged already")
        await pilot.press("enter")
        await pilot.pause()
    objective = next(o for o in stored_plan(db_path, case_id).objectives if o.id == "appointments_fit_faith")
    assert (objective.state, objective.reason) == ("declined", "Arranged already")


async def test_editing_an_objective_is_saved_and_survives_recompute(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        await move_to(pilot, "objective", "appointments_fit_faith")
        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ObjectiveDialog)
        await pilot.press("f7", *"No Friday lunchtimes.")  # replace the wording
        await pilot.press("tab", "tab", "tab", "end", "ctrl+u", *"30/04/2025")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "No Friday lunchtimes." in plan_text(screen)
        assert "[CHANGED BY OFFICER]" in plan_text(screen)
        # Change an answer the objective rests on: a recompute keeps the officer's version.
        save_answer(
            app.db,
            case_id,
            Answer(question_id="faith.practice_needs", status="answered", value=["prayer_times", "diet"]),
            officer=OFFICER,
        )
        screen = await reopen_plan(pilot, case_id)
        kept = next(o for o in screen.plan.objectives if o.id == "appointments_fit_faith")
        assert kept.action == "No Friday lunchtimes."
    stored = next(o for o in stored_plan(db_path, case_id).objectives if o.id == "appointments_fit_faith")
    assert (stored.state, stored.action, stored.target_date) == (
        "edited",
        "No Friday lunchtimes.",
        date(2025, 4, 30),
    )


async def test_a_bad_target_date_gets_a_clear_message_and_loses_nothing(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(pilot, case_id)
        await move_to(pilot, "objective", "appointments_fit_faith")
        before = stored_plan(db_path, case_id)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("f7", *"My words.")
        await pilot.press("tab", "tab", "tab", "end", "ctrl+u", *"31/02/2025", "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ObjectiveDialog)
        assert "that is not a date" in str(dialog.query_one("#dialog-error").render())
        assert dialog.query_one("#target-date").value == "31/02/2025"
        assert dialog.query_one("#action").text == "My words."
        assert stored_plan(db_path, case_id) == before
        await pilot.press("ctrl+u", *"28/02/2025", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, ObjectiveDialog)
    stored = next(o for o in stored_plan(db_path, case_id).objectives if o.id == "appointments_fit_faith")
    assert (stored.action, stored.target_date) == ("My words.", date(2025, 2, 28))


async def test_recording_their_view_of_an_objective(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        await move_to(pilot, "objective", "appointments_fit_faith")
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, PersonViewDialog)
        await pilot.press(*"Fridays matter most", "enter")
        await pilot.pause()
        assert "Their view: “Fridays matter most”" in plan_text(screen)
        screen = await reopen_plan(pilot, case_id)
        assert next(o for o in screen.plan.objectives if o.id == "appointments_fit_faith").person_view == (
            "Fridays matter most"
        )


async def test_adding_their_own_objective(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ObjectiveDialog)
        await pilot.press("ctrl+s")  # nothing chosen yet
        await pilot.pause()
        assert "choose the need area" in str(dialog.query_one("#dialog-error").render())
        await pilot.press("enter", "down", "down", "enter")  # open the need areas and choose one
        await pilot.pause()
        assert dialog.query_one("#need-area").selection is not None
        await pilot.press("tab", *"Join a women's group.")
        await pilot.press("tab", "tab", "tab", "tab", *"Two sessions attended.")
        await pilot.press("enter")
        await pilot.pause()
        assert "give it a short title" in str(dialog.query_one("#dialog-error").render())
        assert dialog.query_one("#measure").value == "Two sessions attended."  # nothing typed is lost
        assert app.focused is dialog.query_one("#objective-title")  # the box that needs something
        await pilot.press(*"Women's group", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert "[ADDED BY OFFICER]" in plan_text(screen)
        assert "Women's group" in plan_text(screen)
        screen = await reopen_plan(pilot, case_id)
        own = next(o for o in screen.plan.objectives if o.id == "own-1")
    assert own.state == "added"
    assert own.title == "Women's group"
    assert own.action == "Join a women's group."
    assert own.measure == "Two sessions attended."


async def test_recording_their_agreement_with_reasons(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, AgreementDialog)
        await pilot.press("down", "down", "enter", "ctrl+s")  # "does not agree", no reason yet
        await pilot.pause()
        assert isinstance(app.screen, AgreementDialog)
        assert "add their reasons" in str(app.screen.query_one("#dialog-error").render())
        await pilot.press(*"Too soon", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert "Does not agree with the plan" in plan_text(screen)
    stored = stored_plan(db_path, case_id)
    assert (stored.agreement, stored.agreement_reason) == ("does_not_agree", "Too soon")


async def test_changing_an_answer_from_review_changes_the_suggested_plan(tmp_path):
    from oasys_diversity.screens.interview import InterviewScreen

    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        assert "trauma_informed_referral" in {o.id for o in screen.plan.objectives}
        await pilot.press("r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        listing = review.query_one(ReviewList)
        for _ in range(listing.option_count):
            if listing.highlighted_option.id == "trauma.support_wanted":
                break
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        answer_box = interview.query_one("#answer")
        for _ in range(5):
            if interview.focused is answer_box:
                break
            await pilot.press("tab")
        assert interview.focused is answer_box
        # Support wanted: "Yes" becomes "No".
        while answer_box.highlighted_option.id != "no":
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlanScreen)
        assert "trauma_informed_referral" not in {o.id for o in screen.plan.objectives}
    assert "trauma_informed_referral" not in {o.id for o in stored_plan(db_path, case_id).objectives}


async def test_a_plan_that_cannot_be_saved_stays_on_screen_and_is_saved_later(tmp_path, monkeypatch):
    import oasys_diversity.store as store
    from oasys_diversity.store import StoreError

    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    real_save = store.save_plan
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        await move_to(pilot, "objective", "appointments_fit_faith")

        def disk_full(*args, **kwargs):
            raise StoreError("could not save the plan for case 1: database or disk is full")

        monkeypatch.setattr(store, "save_plan", disk_full)
        await pilot.press("a")
        await pilot.pause()
        assert "NOT SAVED" in str(screen.query_one("#plan-status").render())
        assert "[ACCEPTED]" in plan_text(screen)  # the decision is still on screen
        assert screen.flush() is False  # the app asks before leaving, and is told not to
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen  # Esc does not leave an unsaved plan
        # Nor do the command palette's moves ("Switch case", "Review this case").
        app.switch_case()
        await pilot.pause()
        assert app.screen is screen
        app.show_review(case_id)
        await pilot.pause()
        assert app.screen is screen
        monkeypatch.setattr(store, "save_plan", real_save)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "All changes saved" in str(screen.query_one("#plan-status").render())
    stored = next(o for o in stored_plan(db_path, case_id).objectives if o.id == "appointments_fit_faith")
    assert stored.state == "accepted"


async def test_broken_rules_give_a_message_not_a_traceback(tmp_path):
    import shutil

    from oasys_diversity.questions import QUESTIONS_DIR

    questions = tmp_path / "questions"
    shutil.copytree(QUESTIONS_DIR, questions, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    for rules_file in (questions / "rules").glob("*.toml"):
        rules_file.write_text("this is [not toml", encoding="utf-8")
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path, questions_dir=questions)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        status = str(screen.query_one("#plan-status").render())
        assert "the plan could not be rebuilt" in status
        assert screen.plan is None
        await pilot.press("n")  # nothing to add to: the key does nothing rather than fail
        await pilot.pause()
        assert app.screen is screen
    assert stored_plan(db_path, case_id) is None


def test_target_dates_are_read_the_way_officers_write_them():
    assert parse_target_date("2025-09-30") == date(2025, 9, 30)
    assert parse_target_date(" 30/09/2025 ") == date(2025, 9, 30)
    assert parse_target_date("1.10.2025") == date(2025, 10, 1)
    for bad in ("", "31/02/2025", "next week", "2025-13-01"):
        with pytest.raises(ValueError, match="Target date"):
            parse_target_date(bad)


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
        assert isinstance(app.screen, ReplaceFileDialog)
        assert out.read_text(encoding="utf-8") == "an earlier export"
        await pilot.press("r")
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


def test_resolve_destination_names_a_folder_that_cannot_be_written(tmp_path, monkeypatch):
    import os

    folder = tmp_path / "locked"
    folder.mkdir()
    # Tests may run as root, who can write anywhere: ask the question the way the screen does, answered "no".
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != folder)
    with pytest.raises(DestinationError, match="not writable"):
        resolve_destination(str(folder / "a.md"), default_name="a.md", fmt="md")
