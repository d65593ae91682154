"""The Plan screen keeps every state (issue 9, points 6-8), driven by keys through Pilot.

Acceptance, the person's view, edits and set-aside are separate: no action overwrites another, and the
exports name each truly. Dialogs start on the current value and hand over what they hold at ctrl+q. What
the rules or the directory changed since the officer last looked is said, with why. Long values in the
Cases table are cut short so every column stays on screen.
"""

from __future__ import annotations

import pytest
from test_review_plan_export import (
    OFFICER,
    TODAY,
    _fixed_plan_day,  # noqa: F401 - the autouse fixture that fixes the plan's day
    move_to,
    open_plan,
    plan_text,
    reopen_plan,
    seed,
    stored_plan,
)

from oasys_diversity.app import create_app
from oasys_diversity.bank import load_bank
from oasys_diversity.export.markdown import render as render_markdown
from oasys_diversity.export.summary import build_summary
from oasys_diversity.model import Answer, Assessment, Case, Objective, Plan
from oasys_diversity.planner import plan_from_json, plan_to_json, plan_to_markdown
from oasys_diversity.screens.cases import CasesScreen
from oasys_diversity.screens.plan_dialogs import AgreementDialog, ObjectiveDialog, PersonViewDialog, ReasonDialog
from oasys_diversity.store import import_assessment, load_assessment, open_db, save_answer, save_plan

FAITH = "appointments_fit_faith"


def stored_objective(db_path, case_id, objective_id: str = FAITH) -> Objective:
    plan = stored_plan(db_path, case_id)
    assert plan is not None
    return next(o for o in plan.objectives if o.id == objective_id)


def markdown_export(db_path, case_id) -> str:
    db = open_db(db_path)
    try:
        assessment = load_assessment(db, case_id)
        plan = stored_plan(db_path, case_id)
        return render_markdown(build_summary(assessment, plan, load_bank(), today=TODAY))
    finally:
        db.close()


async def test_their_view_then_accept_keeps_both_and_the_export_names_each(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        await move_to(pilot, "objective", FAITH)
        await pilot.press("v", *"Fridays matter most", "enter")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        text = plan_text(screen)
        assert "[ACCEPTED]" in text and "Their view: “Fridays matter most”" in text
        assert "[CHANGED BY OFFICER]" not in text  # recording their view is not an edit
        assert "[ACCEPTED]" in str(screen.query_one("#plan-selected").render())
        kept = stored_objective(db_path, case_id)
        assert (kept.accepted, kept.person_view, kept.edited, kept.state) == (
            True,
            "Fridays matter most",
            False,
            "accepted",
        )
        # Then change the date: the acceptance and the view stay, and the edit is named.
        await pilot.press("enter", "tab", "tab", "tab", "ctrl+a", *"30/04/2025", "ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "[ACCEPTED] [CHANGED BY OFFICER]" in plan_text(screen)
        assert "Changed by you: target date" in plan_text(screen)
        screen = await reopen_plan(pilot, case_id)
    kept = stored_objective(db_path, case_id)
    assert (kept.accepted, kept.person_view, kept.edited_fields) == (True, "Fridays matter most", ["target_date"])
    markdown = markdown_export(db_path, case_id)
    assert "Accepted; changed by the officer (target date)" in markdown
    assert "Edited by the officer" not in markdown
    assert "Fridays matter most" in markdown


async def test_accept_then_view_keeps_the_acceptance(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(pilot, case_id)
        await move_to(pilot, "objective", FAITH)
        await pilot.press("a", "v", *"Yes, Fridays", "enter")
        await pilot.pause()
    kept = stored_objective(db_path, case_id)
    assert (kept.accepted, kept.person_view, kept.state) == (True, "Yes, Fridays", "accepted")
    markdown = markdown_export(db_path, case_id)
    assert "**Status:** Accepted\n" in markdown


@pytest.mark.parametrize(
    ("keys", "dialog", "saved"),
    [
        (("g", "down", "enter"), AgreementDialog, lambda plan: plan.agreement == "agrees"),
        (("v", *"In my words"), PersonViewDialog, lambda plan: plan.objectives[0].person_view == "In my words"),
    ],
    ids=["agreement", "their view"],
)
async def test_ctrl_q_with_a_dialog_open_saves_what_it_holds(tmp_path, keys, dialog, saved):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(pilot, case_id)
        await move_to(pilot, "objective")
        await pilot.press(*keys)  # chosen or typed, not yet saved
        await pilot.pause()
        assert isinstance(app.screen, dialog)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert saved(stored_plan(db_path, case_id))


async def test_ctrl_q_with_a_dialog_that_cannot_be_saved_asks_first(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(pilot, case_id)
        await pilot.press("g", "down", "down", "enter")  # "does not agree" needs their reasons
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AgreementDialog), "the app stays open rather than lose the answer"
        assert "add their reasons" in str(dialog.query_one("#dialog-error").render())
        await pilot.press(*"Too soon")
        await pilot.press("ctrl+q")
        await pilot.pause()
    stored = stored_plan(db_path, case_id)
    assert (stored.agreement, stored.agreement_reason) == ("does_not_agree", "Too soon")


async def test_dialogs_start_on_the_current_value(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        await pilot.press("g", "down", "enter", "ctrl+s")  # agrees
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AgreementDialog)
        # The cursor starts on "Agrees": two Down presses land on "Could not answer", as the screen shows.
        await pilot.press("down", "down", "enter", "tab", *"Needs time", "ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert stored_plan(db_path, case_id).agreement == "could_not_answer"
        # A declined item's reason is there when the dialog opens again.
        await move_to(pilot, "objective", FAITH)
        await pilot.press("x", *"Arranged already", "enter")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        assert app.screen.query_one("#reason").value == "Arranged already"
        await pilot.press("escape")


async def test_editing_the_title_and_ctrl_a_replaces_it(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        await move_to(pilot, "objective", FAITH)
        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ObjectiveDialog)
        rule_title = dialog.query_one("#objective-title").value
        assert rule_title  # starts on the rule's own title
        await pilot.press("shift+tab", "ctrl+a", *"Prayer and appointments", "ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "Prayer and appointments" in plan_text(screen)
        assert "Changed by you: title" in plan_text(screen)
        screen = await reopen_plan(pilot, case_id)
        assert "Prayer and appointments" in plan_text(screen)
    kept = stored_objective(db_path, case_id)
    assert (kept.title, kept.edited_fields, kept.accepted) == ("Prayer and appointments", ["title"], False)
    assert "Prayer and appointments (Responsivity" in markdown_export(db_path, case_id)


async def test_a_title_left_as_the_rules_is_not_an_edit(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(pilot, case_id)
        await move_to(pilot, "objective", FAITH)
        await pilot.press("enter", "ctrl+s")
        await pilot.pause()
    kept = stored_objective(db_path, case_id)
    assert (kept.title, kept.edited, kept.state) == (None, False, "suggested")


async def test_changed_suggestions_are_named_with_why_and_decisions_kept(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        await move_to(pilot, "referral")
        referral = screen.highlighted_item()[1]
        await pilot.press("a")
        await pilot.pause()
        first = plan_text(screen)
        assert "Changed since you last looked" not in first
        # Leave; the person no longer wants to talk about faith practice: the faith objective goes.
        save_answer(app.db, case_id, Answer(question_id="faith.practice_needs", status="declined"), officer=OFFICER)
        screen = await reopen_plan(pilot, case_id)
        text = plan_text(screen)
        assert "Changed since you last looked" in text
        assert "Objective no longer suggested: " in text
        assert f"the answer to {app.bank.question('faith.practice_needs').label} changed" in text
        assert "Your own decisions are kept as you left them." in text
        assert "changed since last time" in str(screen.query_one("#plan-status").render())
        assert next(r for r in screen.plan.referrals if r.id == referral.id).state == "accepted"
        # Opening again with nothing new: nothing to say.
        screen = await reopen_plan(pilot, case_id)
        assert "Changed since you last looked" not in plan_text(screen)


async def test_a_service_the_directory_no_longer_lists_is_named_with_exports_made(tmp_path):
    db_path, case_id = seed(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(pilot, case_id)
        await pilot.press("escape")
        await pilot.pause()
    # The stored plan names a service the directory does not (a directory that has since dropped it),
    # and an export of it is in the access log.
    from oasys_diversity.store_access import insert_access
    from oasys_diversity.store_open import writing

    db = open_db(db_path)
    plan = stored_plan(db_path, case_id)
    gone = plan.referrals[0].model_copy(update={"id": "svc-closed-down", "service": "Closed group"})
    save_plan(db, case_id, plan.model_copy(update={"referrals": [*plan.referrals, gone]}), officer=OFFICER)
    with writing(db):
        insert_access(
            db, case_id, "exported", OFFICER, {"format": "md", "for": "record"}, at="2025-03-01T11:30:00+00:00"
        )
    db.close()
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        text = plan_text(screen)
        assert "Referral no longer suggested: Closed group" in text
        assert "the directory no longer lists it" in text
        assert "Exports already made (1)" in text and "1 Mar 2025" in text and "Markdown" in text


def test_a_plan_saved_before_the_separate_fields_still_loads():
    """Older plans carry one `state`: each decision is read from it, and `state` is still written."""
    common = {"need_area": "responsivity", "owner": "person", "target_date": "2025-04-01", "measure": "m"}
    old = {
        "built_on": "2025-03-01",
        "objectives": [
            {**common, "id": FAITH, "action": "a", "state": "accepted", "person_view": "mine", "rule_id": FAITH},
            {**common, "id": "own-1", "action": "b", "state": "declined", "reason": "r"},
            {**common, "id": "x", "action": "c", "state": "edited", "rule_id": "x"},
        ],
    }
    plan = Plan.model_validate(old)
    accepted, own, edited = plan.objectives
    assert (accepted.accepted, accepted.edited, accepted.person_view, accepted.state) == (
        True,
        False,
        "mine",
        "accepted",
    )
    assert (own.own, own.declined, own.accepted, own.state) == (True, True, False, "declined")
    assert (edited.edited, edited.accepted, edited.state) == (True, False, "edited")
    assert plan_from_json(plan_to_json(plan)) == plan
    assert [o["state"] for o in plan_to_json(plan)["objectives"]] == ["accepted", "declined", "edited"]
    markdown = plan_to_markdown(plan, load_bank())
    assert (
        "**Status:** Accepted" in markdown
        and "**Status:** Suggested, not yet accepted; changed by the officer" in markdown
    )


async def test_a_200_character_name_leaves_every_column_on_screen_at_80x24(tmp_path):
    db_path = tmp_path / "cases.db"
    db = open_db(db_path)
    long_name = ("Anna-Maria " * 19 + "Ferreira-Lopes")[:200]
    assert len(long_name) == 200
    case = Case(reference="R" * 40, name=long_name, officer=OFFICER, assessed_on=TODAY)
    answers = {"person.area": Answer(question_id="person.area", status="answered", value="Area " * 12)}
    import_assessment(db, Assessment(case=case, answers=answers))
    db.close()
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        # The progress column fills in once the bank has loaded (in a thread of its own), and the name column
        # gives way to it: measure after that.
        assert app.finish_loading()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CasesScreen)
        table = screen.query_one("#case-table")
        # Cells are Rich Text (person text is never read as markup): compare the words shown.
        row = [cell.plain for cell in table.get_row_at(0)]
        assert row[0].endswith("…") and row[1].endswith("…") and row[2].endswith("…")
        widths = [column.get_render_width(table) for column in table.columns.values()]
        assert len(widths) == 6
        # Every column, the last included, ends inside the table and the screen: nothing to scroll sideways to.
        assert sum(widths) <= table.scrollable_content_region.width
        assert table.region.right <= 80
        assert table.max_scroll_x == 0
        # Wider, then narrow again: the columns shrink back rather than keep their widest width.
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert len(table.get_row_at(0)[1].plain) > len(row[1])
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert table.get_row_at(0)[1].plain == row[1]
        assert sum(column.get_render_width(table) for column in table.columns.values()) <= 78
