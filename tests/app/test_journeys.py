"""The officer's journeys, by keys: a new case, resuming, declining, follow-ups, bad input.

Each test checks what is on screen and what the database holds, through a separate connection.
"""

from __future__ import annotations

import pytest
from conftest import OFFICER, fill_language, screen_text
from textual import events
from textual.widgets import ContentSwitcher, Footer, Input, TextArea

from oasys_diversity.model import Answer
from oasys_diversity.screens.answers import ChoiceAnswer, TypedAnswer
from oasys_diversity.screens.cases import CasesScreen
from oasys_diversity.screens.interview import InterviewScreen
from oasys_diversity.screens.start import StartScreen
from oasys_diversity.steps import core_questions, interview_steps, question_index
from oasys_diversity.store import get_position, list_cases, open_db


async def test_new_case_from_cases_through_start_into_the_interview(make_app, db_path, read_answer, bank):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CasesScreen)
        assert "No cases yet" in screen_text(app)

        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        await pilot.press("space")  # the privacy check has focus first
        await pilot.press("tab", *"X123456", "tab", *"Samuel Okafor", "tab", *"Sam", "tab", *OFFICER)
        await pilot.press("ctrl+s")
        await pilot.pause()
        # Language first: before a word of the opening is read out.
        switcher = app.screen.query_one(ContentSwitcher)
        assert switcher.current == "language"
        await fill_language(pilot, "English")
        assert switcher.current == "opening"
        assert "You don't have to answer anything you'd rather not" in screen_text(app)

        await pilot.press("ctrl+s")
        await pilot.pause()
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        assert interview.step.kind == "intro" and interview.step.domain_id == bank.domains[0].id
        assert app.officer == OFFICER

        # The core path first. Gender: a single choice, saved the moment it is chosen.
        await pilot.press("pagedown")
        await pilot.pause()
        assert interview.question is not None and interview.question.id == "person.gender"
        await pilot.press("down", "enter")
        await pilot.pause()
        assert "(●) Man" in str(interview.query_one(ChoiceAnswer).get_option("man").prompt)

        # Age: a number.
        await pilot.press("pagedown")
        await pilot.pause()
        assert interview.question.id == "person.age"
        await pilot.press(*"34", "pagedown")
        await pilot.pause()
        # The domain's other core questions, passed over for now (left not yet discussed).
        passed = [q.id for q in core_questions(bank) if q.domain == "person"][2:]
        for question_id in passed:
            assert interview.question is not None and interview.question.id == question_id
            await pilot.press("pagedown")
            await pilot.pause()
        # Then the offer to go deeper in this domain; Enter on "go deeper now".
        assert interview.step.kind == "deeper_offer"
        await pilot.press("enter")
        await pilot.pause()

        # The preferred name typed on Start is already the answer to the first deeper question.
        assert interview.question is not None and interview.question.id == "person.preferred_name"
        assert interview.query_one("#answer", TextArea).text == "Sam"

        # Pronouns: typed in the person's words, saved on moving on.
        await pilot.press("pagedown")
        await pilot.pause()
        assert interview.question.id == "person.pronouns"
        await pilot.press(*"he or they")
        await pilot.press("pagedown")
        await pilot.pause()
        assert interview.question.id == "person.area"

    db = open_db(db_path)
    [summary] = list_cases(db, bank)
    assert (summary.reference, summary.name, summary.officer) == ("X123456", "Samuel Okafor", OFFICER)
    case_id = summary.id
    assert read_answer(case_id, "person.preferred_name").value == "Sam"
    assert read_answer(case_id, "person.pronouns").value == "he or they"
    assert read_answer(case_id, "person.gender").value == "man"
    assert read_answer(case_id, "person.age").value == 34
    assert read_answer(case_id, "person.age").officer == OFFICER
    assert passed and all(read_answer(case_id, question_id) is None for question_id in passed)
    assert get_position(db, case_id) == "person.area"


async def test_resume_after_closing_mid_interview_keeps_place_and_typed_words(make_app, seed_case, read_answer):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")  # open the only case
        await pilot.pause()
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        assert interview.step.kind == "intro"  # a new case starts at the first introduction
        await pilot.press("pagedown")  # gender: the first question on the core path
        await pilot.pause()
        assert interview.question.id == "person.gender"
        await pilot.press("enter")  # Woman
        await pilot.press("tab", *"in my own way, mostly")  # the notes box
        # Quit at once, before the pause that would save the typing: quitting saves it.
        await pilot.press("ctrl+q")
    assert read_answer(case_id, "person.gender").value == "woman"
    assert read_answer(case_id, "person.gender").note == "in my own way, mostly"

    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        interview = again.screen
        assert isinstance(interview, InterviewScreen)
        assert interview.question is not None and interview.question.id == "person.gender"
        assert interview.query_one("#notes", TextArea).text == "in my own way, mostly"
        assert "(●) Woman" in str(interview.query_one(ChoiceAnswer).get_option("woman").prompt)


async def test_closing_the_app_while_typing_an_answer_loses_nothing(make_app, seed_case, read_answer):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, "person.area")
        await pilot.pause()
        await pilot.press(*"Leeds")
    # The test harness closing the app is like the window closing: no key, no pause.
    assert read_answer(case_id, "person.area").value == "Leeds"


async def test_declined_and_not_yet_discussed_are_one_key_each_and_never_carry_a_value(
    make_app, seed_case, read_answer
):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, "faith.religion")
        await pilot.pause()
        interview = app.screen
        await pilot.press("down", "enter")  # christian
        await pilot.pause()
        assert read_answer(case_id, "faith.religion").value == "christian"

        await pilot.press("d")
        await pilot.pause()
        declined = read_answer(case_id, "faith.religion")
        assert (declined.status, declined.value) == ("declined", None)
        assert "Declined to say" in screen_text(app)
        assert "(●)" not in str(interview.query_one(ChoiceAnswer).get_option("christian").prompt)

        await pilot.press("d")  # again: undo
        await pilot.pause()
        restored = read_answer(case_id, "faith.religion")
        assert (restored.status, restored.value) == ("answered", "christian")

        await pilot.press("u")
        await pilot.pause()
        waiting = read_answer(case_id, "faith.religion")
        assert (waiting.status, waiting.value) == ("not_discussed", None)
        assert "Not yet discussed" in screen_text(app)

        # On a typed answer the letters type; Esc steps out of the box and then d declines.
        app.open_question(case_id, "person.area")
        await pilot.pause()
        await pilot.press("d", "u")
        await pilot.pause()
        assert app.screen.query_one("#answer", TextArea).text == "du"
        await pilot.press("escape", "d")
        await pilot.pause()
        area = read_answer(case_id, "person.area")
        assert (area.status, area.value) == ("declined", None)

        # ctrl+u and ctrl+d work from inside a box too, without leaving it.
        await pilot.press("ctrl+u")
        await pilot.pause()
        assert read_answer(case_id, "person.area").status == "not_discussed"
        box = app.screen.query_one("#answer", TextArea)
        box.focus()
        await pilot.press("ctrl+a", "ctrl+k", *"Leeds", "ctrl+d")
        await pilot.pause()
        area = read_answer(case_id, "person.area")
        assert (area.status, area.value) == ("declined", None)
        await pilot.press("ctrl+d")  # again: undo, and the words come back
        await pilot.pause()
        area = read_answer(case_id, "person.area")
        assert (area.status, area.value) == ("answered", "Leeds")
        assert app.screen.query_one("#answer", TextArea).text == "Leeds"


# A yes/no question on the core path and the core follow-up its Yes opens (asked straight after it).
OPENER, FOLLOW_UP = "discrimination.current_harassment", "discrimination.harassment_help_wanted"


def test_the_follow_up_these_journeys_use_is_on_the_core_path(bank):
    assert {OPENER, FOLLOW_UP} <= {q.id for q in core_questions(bank)}
    assert bank.question(FOLLOW_UP).show_if.question_ids() == [OPENER]


async def test_a_follow_up_appears_and_disappears_and_its_answer_survives(make_app, seed_case, read_answer):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, OPENER)
        await pilot.pause()
        interview = app.screen
        assert FOLLOW_UP not in [q.id for q in interview.visible_questions()]

        await pilot.press("enter")  # Yes
        await pilot.pause()
        assert FOLLOW_UP in [q.id for q in interview.visible_questions()]
        await pilot.press("pagedown")
        await pilot.pause()
        assert interview.question.id == FOLLOW_UP
        assert "follow-up" in screen_text(app)
        await pilot.press("enter", "tab", *"with the landlord first")  # Yes, and a note in their words
        await pilot.press("pageup")
        await pilot.pause()
        assert interview.question.id == OPENER

        await pilot.press("down", "enter")  # No: the follow-up no longer applies
        await pilot.pause()
        assert FOLLOW_UP not in [q.id for q in interview.visible_questions()]
        await pilot.press("pagedown")
        await pilot.pause()
        assert interview.step.question_id != FOLLOW_UP
        kept = read_answer(case_id, FOLLOW_UP)  # kept, not deleted
        assert (kept.value, kept.note) == ("yes", "with the landlord first")

        await pilot.press("pageup")
        await pilot.pause()
        assert interview.question.id == OPENER
        await pilot.press("up", "enter")  # Yes again: it comes back with the answer and words given before
        await pilot.press("pagedown")
        await pilot.pause()
        assert interview.question.id == FOLLOW_UP
        assert "(●) Yes" in str(interview.query_one(ChoiceAnswer).get_option("yes").prompt)
        assert interview.query_one("#notes", TextArea).text == "with the landlord first"


async def test_letters_in_a_number_get_a_clear_message_and_lose_nothing(make_app, seed_case, read_answer, bank):
    case_id = seed_case(answers=[Answer(question_id="person.age", status="answered", value=30)])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, "person.age")
        await pilot.pause()
        interview = app.screen
        box = interview.query_one("#answer", TypedAnswer)
        assert box.value == "30"
        await pilot.press("end", *"x")
        await pilot.pause()
        assert "That is not a number" in screen_text(app)
        await pilot.press("pagedown")  # refused: it would lose what was typed
        await pilot.pause()
        assert interview.question.id == "person.age"
        assert box.value == "30x"
        assert read_answer(case_id, "person.age").value == 30  # the last good answer is untouched

        await pilot.press("backspace", "backspace", "backspace", *"41")
        await pilot.press("pagedown")
        await pilot.pause()
        # Accepted: on to the step after age on the core path.
        steps = interview_steps(bank, interview.current_answers())
        assert interview.step == steps[question_index(steps, "person.age") + 1]
    assert read_answer(case_id, "person.age").value == 41


async def test_keys_typed_just_before_moving_on_stay_with_their_question(make_app, seed_case, read_answer):
    """Keys the box has not handled yet when PgDn arrives (a quick typist, a busy machine) belong to the
    question they were typed on, not to the next question shown in the same box."""
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, "person.area")
        await pilot.pause()
        interview = app.screen
        box = interview.query_one("#answer", TextArea)
        assert interview.focused is box
        # As the app does with keys it has read: hand them to the box, then act on PgDn at once, before the
        # box has had a turn to handle them.
        for character in "Leeds":
            box.post_message(events.Key(character, character))
        await interview.action_next()
        await pilot.pause()
        assert interview.question.id == "person.contact_preference"
        assert interview.query_one("#answer", TextArea).text == ""
        assert read_answer(case_id, "person.area").value == "Leeds"  # saved by the move, not on quitting
    assert read_answer(case_id, "person.contact_preference") is None


# The characters a terminal sends for the keys these tests press together.
KEY_CHARACTERS = {"enter": "\r", "space": " "}


def keys_arriving_together(app, *keys: str) -> None:
    """Hand keys to the app the way its terminal driver does when they arrive in one read (a quick officer, a
    busy machine): all queued before the app has acted on any. `pilot.press` waits for the app to settle after
    every key, so it never shows what happens when PgDn comes while the key before it is still on its way."""
    for key in keys:
        app.post_message(events.Key(key, KEY_CHARACTERS.get(key)))


# A choice question, the keys pressed on it, what they choose, the question PgDn goes to and the answers to seed.
CHOICE_THEN_NEXT = {
    "single": ("trauma.wellbeing_now", ("enter",), "good", "trauma.support_wanted", []),
    "yes_no_unsure": ("ethnicity.labelled_by_others", ("down", "space"), "no", "ethnicity.heritage_knowledge", []),
    "multi": ("discrimination.experiences", ("enter",), ["community"], "discrimination.current_harassment", []),
    # The next question is of another kind, so it gets a new answer widget (which still has the focus).
    "multi then single": ("culture.support_people", ("enter",), ["partner"], "culture.family_relationships", []),
}


@pytest.mark.parametrize("kind", CHOICE_THEN_NEXT)
async def test_a_choice_pressed_just_before_moving_on_is_recorded_on_its_own_question(
    kind, make_app, seed_case, read_answer
):
    """Enter or space pressed just before PgDn belongs to the question it was pressed on. It once reached the
    choice box only after the box showed the next question, and chose an option there: an answer the person
    never gave. The officer meant the question they were looking at, so that is where it is recorded."""
    first, keys, chosen, second, seeded = CHOICE_THEN_NEXT[kind]
    case_id = seed_case(answers=seeded)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, first)
        await pilot.pause()
        interview = app.screen
        assert isinstance(interview.focused, ChoiceAnswer)
        keys_arriving_together(app, *keys, "pagedown")
        await pilot.pause()
        assert interview.question.id == second
        box = interview.query_one("#answer", ChoiceAnswer)
        assert box.question.id == second and box.value is None
        assert "Not yet discussed" in screen_text(app)
        assert read_answer(case_id, first).value == chosen
        assert read_answer(case_id, second) is None  # never saved: still not yet discussed
    assert read_answer(case_id, first).value == chosen
    assert read_answer(case_id, second) is None


async def test_a_choice_pressed_just_before_moving_on_brings_its_follow_up_next(make_app, seed_case, read_answer):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, OPENER)
        await pilot.pause()
        interview = app.screen
        keys_arriving_together(app, "enter", "pagedown")  # Yes
        await pilot.pause()
        assert read_answer(case_id, OPENER).value == "yes"
        assert interview.question.id == FOLLOW_UP
        assert "follow-up" in screen_text(app)


async def test_letters_and_choices_pressed_together_are_acted_on_in_the_order_pressed(make_app, seed_case, read_answer):
    """The screen's letters go through the choice box like its own keys, so a quick d then Enter is a decline
    then a choice (of the option the officer had moved to), Enter then ctrl+d a choice then a decline, and
    Enter just after r belongs to Review."""
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, "trauma.wellbeing_now")
        await pilot.pause()
        interview = app.screen
        keys_arriving_together(app, "down", "d", "enter")
        await pilot.pause()
        answer = read_answer(case_id, "trauma.wellbeing_now")
        assert (answer.status, answer.value) == ("answered", "okay")
        assert interview.query_one("#answer", ChoiceAnswer).highlighted_option.id == "okay"

        # ctrl+d is acted on as it arrives, but waits for the choice made just before it.
        keys_arriving_together(app, "up", "enter", "ctrl+d")
        await pilot.pause()
        answer = read_answer(case_id, "trauma.wellbeing_now")
        assert (answer.status, answer.value) == ("declined", None)
        await pilot.press("ctrl+d")  # undo: back to the choice made just before it
        assert read_answer(case_id, "trauma.wellbeing_now").value == "good"

        await pilot.press("pagedown")
        assert interview.question.id == "trauma.support_wanted"
        keys_arriving_together(app, "r", "enter")
        await pilot.pause()
        # Enter reached Review (which opens the question it has highlighted), not this question's options.
        assert not isinstance(app.screen, InterviewScreen) or app.screen.question.id != "trauma.support_wanted"
    assert read_answer(case_id, "trauma.support_wanted") is None


async def test_a_key_reaching_a_choice_box_after_it_shows_another_question_chooses_nothing_there(
    make_app, seed_case, read_answer, bank
):
    """Should a key still be on its way when the box shows another question (the screen waits for the box,
    but not for ever), it is dropped and the officer told, rather than choosing on the question now showing."""
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        app.open_question(case_id, "trauma.wellbeing_now")
        await pilot.pause()
        box = app.screen.query_one("#answer", ChoiceAnswer)
        box.post_message(events.Key("enter", "\r"))
        box.show(bank.question("trauma.mental_health_support"), Answer(question_id="trauma.mental_health_support"))
        await pilot.pause()
        assert box.value is None and not box.unconfirmed
        await pilot.pause()
        # Said in the status line, not in a toast over the question.
        assert "A key pressed just before moving on came too late and was not used" in screen_text(app)
        assert not app.screen.query("Toast")
    assert read_answer(case_id, "trauma.wellbeing_now") is None
    assert read_answer(case_id, "trauma.mental_health_support") is None


def footer_words(app) -> str:
    return " ".join(str(key.render()) for key in app.screen.query_one(Footer).children)


async def test_choices_one_after_another_each_show_their_own_answer_and_the_keys_that_work(
    make_app, seed_case, read_answer
):
    case_id = seed_case(
        answers=[
            Answer(question_id="ethnicity.ons_category", status="answered", value="white_irish"),
            Answer(question_id="ethnicity.identity_importance", status="answered", value="varies"),
        ]
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, "ethnicity.self_description")
        await pilot.pause()
        interview = app.screen
        assert "Done typing" in footer_words(app) and "Review" not in footer_words(app)

        def marked(code: str) -> bool:
            return "(●)" in str(interview.query_one("#answer", ChoiceAnswer).get_option(code).prompt)

        await pilot.press("pagedown")
        assert interview.question.id == "ethnicity.ons_category"
        assert interview.query_one("#answer", ChoiceAnswer).highlighted_option.id == "white_irish"
        assert marked("white_irish")
        assert "Review" in footer_words(app) and "Done typing" not in footer_words(app)

        await pilot.press("pagedown")  # the core questions are done: go deeper now (Enter)
        assert interview.step.kind == "deeper_offer"
        await pilot.press("enter")
        await pilot.pause()
        # The deeper follow-up the answer above opens: nothing chosen yet.
        assert interview.question.id == "ethnicity.category_fit"
        assert not any(marked(code) for code in interview.question.codes())

        await pilot.press("pagedown")
        assert interview.question.id == "ethnicity.identity_importance"
        assert interview.query_one("#answer", ChoiceAnswer).highlighted_option.id == "varies"
        await pilot.press("up", "enter")
        assert marked("not_much") and not marked("varies")
        assert read_answer(case_id, "ethnicity.identity_importance").value == "not_much"

        await pilot.press("pageup", "pageup", "pageup")  # category fit, the offer, the ethnic group
        assert interview.question.id == "ethnicity.ons_category"
        assert marked("white_irish") and not marked("white_british")
        assert read_answer(case_id, "ethnicity.ons_category").value == "white_irish"
        assert read_answer(case_id, "ethnicity.category_fit") is None


async def test_a_blank_reference_gets_a_clear_message_and_keeps_what_was_typed(make_app, db_path, bank):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("tab", "tab", *"Samuel Okafor", "tab", "tab", *OFFICER, "ctrl+s")
        await pilot.pause()
        start = app.screen
        assert isinstance(start, StartScreen)
        text = screen_text(app)
        assert "Enter the case reference" in text
        assert "Tick the privacy check" in text
        assert start.query_one("#name", Input).value == "Samuel Okafor"
        assert start.query_one("#officer", Input).value == OFFICER
    assert list_cases(open_db(db_path), bank) == []


async def test_quitting_with_an_unusable_number_asks_first_instead_of_losing_it(make_app, seed_case):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, "person.age")
        await pilot.pause()
        await pilot.press(*"3x", "ctrl+q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, InterviewScreen)
        assert app.screen.query_one("#answer", TypedAnswer).value == "3x"
        await pilot.press("ctrl+q")  # a second time means it
        await pilot.pause()
        assert app.return_value == 1
