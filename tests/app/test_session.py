"""The officer's session, by keys at 80x24 (issue 9, points 1-5): language first, the core path and its key
count, deeper questions on offer, follow-ups in place, one notes box, and nothing covering the question."""

from __future__ import annotations

from conftest import OFFICER, fill_language, screen_text
from textual.widgets import Footer, TextArea

from oasys_diversity.model import Answer
from oasys_diversity.screens.answers import ChoiceAnswer
from oasys_diversity.screens.interview import InterviewScreen
from oasys_diversity.screens.plan import PlanScreen
from oasys_diversity.screens.plan_dialogs import AgreementDialog
from oasys_diversity.sessions import ConversationSession
from oasys_diversity.steps import Step, core_questions
from oasys_diversity.store import load_assessment, load_plan, open_db
from oasys_diversity.store_sessions import latest_session

# A fictional refused asylum seeker, Kurdish, from Iran, who needs a Farsi interpreter: what the officer records
# on the core path (words typed are not counted as key presses; everything else is).
PERSON = {
    "person.gender": "man",
    "person.age": "34",
    "ethnicity.self_description": "Kurdish, from Iran",
    "ethnicity.ons_category": "other_any",
    "culture.who_knows": "some_know",
    "culture.reconnect": "yes",
    "faith.religion": "muslim",
    "faith.practice_needs": ["prayer_times"],
    "faith.reconnect": "unsure",
    "immigration.status": "refused_asylum_seeker",
    "immigration.right_to_work": "no",
    "immigration.public_funds": "no",
    "immigration.home_office_matters": "yes",
    "immigration.legal_representation": "no",
    "immigration.legal_advice_wanted": "yes",
    "language.preferred_language": "Farsi",
    "language.written_english": "little_or_none",
    "language.reading_help": ["read_aloud"],
    "discrimination.talk_preference": "talk_now",
    "discrimination.experiences": ["police"],
    "discrimination.current_harassment": "no",
    "trauma.ready": "now",
    "trauma.experiences": ["war_or_displacement"],
    "trauma.wellbeing_now": "struggling",
    "trauma.self_harm_thoughts": "no",
    "trauma.support_wanted": "yes",
}


class Keys:
    """Presses keys through the pilot, counting every one that is not a typed word."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)

    async def type(self, words: str) -> None:
        await self.pilot.press(*words)


async def choose(keys: Keys, box: ChoiceAnswer, codes: list[str]) -> None:
    """Arrow to each option (End for the last) and choose it with Enter."""
    order = [option.id for option in box.options if not option.disabled]
    for code in codes:
        target = order.index(code)
        if target == len(order) - 1 and box.highlighted is not None and target > 1:
            await keys.press("end")
        else:
            at = order.index(box.highlighted_option.id) if box.highlighted_option is not None else 0
            await keys.press(*(["down"] * (target - at) if target >= at else ["up"] * (at - target)))
        assert box.highlighted_option.id == code
        await keys.press("enter")


async def new_case(keys: Keys, app, *, interpreter: str, for_language: str = "") -> None:
    """Cases → Start: privacy, details, language first, the opening words, begin."""
    await keys.press("ctrl+n")
    await keys.pilot.pause()
    await keys.press("space", "tab")
    await keys.type("X700001")
    await keys.press("enter")
    await keys.type("Dara Example")
    await keys.press("enter", "enter")  # no preferred name
    await keys.type(OFFICER)
    await keys.press("enter")
    await keys.pilot.pause()
    keys.count += await fill_language(keys.pilot, "Farsi", interpreter, for_language)
    assert "Opening words" in screen_text(app)
    await keys.press("ctrl+s")
    await keys.pilot.pause()


async def test_the_whole_core_path_at_80x24_fits_in_150_key_presses_besides_typed_words(make_app, capsys):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = Keys(pilot)
        await new_case(keys, app, interpreter="needed", for_language="Farsi")
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        seen: list[str] = []
        last = interview.steps[-1]
        while True:
            step = interview.step
            question = interview.question
            if question is not None:
                assert question.depth == "core", question.id
                seen.append(question.id)
                wanted = PERSON.get(question.id)
                if isinstance(wanted, str) and question.kind in ("text", "number"):
                    await keys.type(wanted)
                elif wanted is not None:
                    await choose(
                        keys,
                        interview.query_one("#answer", ChoiceAnswer),
                        [wanted] if isinstance(wanted, str) else wanted,
                    )
                    await pilot.pause()
            if step == interview.steps[-1] and step == last:
                break
            await keys.press("pagedown")
            await pilot.pause()
            last = interview.steps[-1]
        case_id = interview.case_id
        count = keys.count
    with capsys.disabled():
        print(f"\ncore path at 80x24: {len(seen)} questions, {count} key presses besides typed words")
    assert count <= 150
    assert len(seen) <= 30 and set(seen) <= {q.id for q in core_questions(app.bank)}
    assert {question_id.split(".")[0] for question_id in seen} == {domain.id for domain in app.bank.domains}
    # The follow-up opened by "struggling" came straight after it.
    assert seen[seen.index("trauma.wellbeing_now") + 1] == "trauma.self_harm_thoughts"
    db = open_db(app.db_path)
    try:
        answers = load_assessment(db, case_id).answers
        assert answers["immigration.legal_advice_wanted"].value == "yes"
        assert answers["trauma.experiences"].value == ["war_or_displacement"]
        # Language first filled in the interpreter questions: not asked again.
        assert answers["language.interpreter_needed"].value == "yes"
        assert answers["language.interpreter_language"].value == "Farsi"
        assert latest_session(db, case_id).interpreter_missing
    finally:
        db.close()


async def test_an_interpreter_needed_and_not_here_is_said_on_every_screen_and_agreement_needs_a_reason(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = Keys(pilot)
        await new_case(keys, app, interpreter="needed", for_language="Farsi")
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        await pilot.pause()
        banner = interview.query_one("#session-banner")
        assert "Interpreter needed, not here" in str(banner.render())
        assert banner.region.y == 1  # the line under the title: the top of the screen

        await pilot.press("p")
        await pilot.pause()
        plan = app.screen
        assert isinstance(plan, PlanScreen)
        await pilot.pause()
        assert "Interpreter needed, not here" in screen_text(app)
        await pilot.press("g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AgreementDialog)
        assert "An interpreter is needed and not here" in " ".join(
            str(label.render()) for label in dialog.query("Label")
        )
        await pilot.press("down", "enter", "ctrl+s")  # "Agrees", with no reason written
        await pilot.pause()
        assert app.screen is dialog
        assert "write why agreement is recorded without one" in screen_text(app)
        await pilot.press(*"He read it with his brother, who speaks English", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PlanScreen)
        case_id = plan.case_id

    db = open_db(app.db_path)
    try:
        saved = load_plan(db, case_id)
        assert saved is not None and saved.agreement == "agrees"
        assert saved.agreement_reason == "He read it with his brother, who speaks English"
    finally:
        db.close()


async def test_the_interpreter_joining_is_recorded_on_the_same_session_and_the_banner_goes(make_app, seed_case):
    needed = ConversationSession(case_id=0, language="English", interpreter="needed", interpreter_language="Farsi")
    case_id = seed_case(session=needed)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")  # the same sitting as earlier today: straight to the conversation
        await pilot.pause()
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        await pilot.pause()
        assert interview.query("#session-banner")
        await pilot.press("ctrl+l")
        await pilot.pause()
        # Filled in from this sitting: change "needed" to "here", by phone.
        await pilot.press("shift+tab", "shift+tab", "shift+tab")  # from Continue back to the interpreter choices
        radios = app.focused
        assert radios.id == "interpreter"
        while radios._selected != 0:  # up to "here"
            await pilot.press("up")
        await pilot.press("enter", "tab", "tab", "down", "enter", "ctrl+s")
        await pilot.pause()
        assert app.screen is interview
        await pilot.pause()
        assert not interview.query("#session-banner")
    db = open_db(app.db_path)
    try:
        sitting = latest_session(db, case_id)
        assert (sitting.interpreter, sitting.interpreter_mode) == ("present", "phone")
    finally:
        db.close()


async def test_a_new_sitting_asks_the_language_first_filled_in_from_the_last(make_app, seed_case):
    case_id = seed_case(sitting_today=False)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "Language and interpreter" in screen_text(app)
        assert app.focused.id == "session-language"
        await pilot.press(*"Farsi", "tab", "down", "down", "enter", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)
        assert not app.screen.query("#session-banner")
    db = open_db(app.db_path)
    try:
        sitting = latest_session(db, case_id)
        assert (sitting.language, sitting.interpreter) == ("Farsi", "not_needed")
    finally:
        db.close()


async def test_deeper_questions_are_offered_per_domain_and_resume_in_the_next_session(make_app, seed_case, read_answer):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, "faith.reconnect")
        await pilot.pause()
        interview = app.screen
        await pilot.press("pagedown")
        await pilot.pause()
        assert interview.step.kind == "deeper_offer"
        offer = interview.query_one("#deeper-choice")
        text = " ".join(str(offer.get_option_at_index(i).prompt) for i in range(offer.option_count))
        assert "Go deeper now" in text and "Another session" in text
        await pilot.press("enter")  # go deeper now
        await pilot.pause()
        assert interview.question is not None and interview.question.depth == "deeper"
        assert "deeper" in str(interview.query_one("#where").render())
        assert interview.question.kind == "text"
        first_deeper = interview.question.id
        await pilot.press(*"Sufi, from my grandmother")
        await pilot.press("pagedown")
        await pilot.pause()
    assert read_answer(case_id, first_deeper).value == "Sufi, from my grandmother"

    # The next session (another day) carries on with the deeper questions begun.
    db = open_db(app.db_path)
    start = ConversationSession(case_id=case_id, language="English", interpreter="not_needed")
    from oasys_diversity.store_sessions import start_session

    start_session(db, start, officer=OFFICER)
    db.close()
    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        interview = again.screen
        assert isinstance(interview, InterviewScreen)
        # Back among faith's deeper questions, after the offer: "go deeper now" holds until changed.
        assert interview.step.domain_id == "faith"
        assert interview.index > interview.steps.index(Step("deeper_offer", "faith"))
        legend = str(interview.query_one("#legend").render())
        assert "Core" in legend and "deeper 1/" in legend


async def test_a_follow_up_comes_straight_after_its_question_with_one_quiet_line_and_no_toast(make_app, seed_case):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        app.open_question(case_id, "trauma.wellbeing_now")
        await pilot.pause()
        interview = app.screen
        await pilot.press("down", "down", "enter")  # struggling
        await pilot.pause()
        notice = interview.query_one("#notice")
        assert str(notice.render()).startswith("1 follow-up added")
        assert not app.screen.query("Toast")
        # The line sits above the words to say and the answer, never over them.
        for part in ("#prompt", "#answer"):
            assert not notice.region.overlaps(interview.query_one(part).region), part
        await pilot.press("pagedown")
        await pilot.pause()
        assert interview.question.id == "trauma.self_harm_thoughts"
        assert str(notice.render()) == ""


async def test_a_question_in_their_words_has_one_box_with_one_label_and_a_choice_one_notes_box(make_app, seed_case):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, "ethnicity.self_description")
        await pilot.pause()
        interview = app.screen
        shown = [box for box in interview.query(TextArea) if box.display]
        assert [box.id for box in shown] == ["answer"]
        label = app.bank.question("ethnicity.self_description").note_prompt
        assert str(interview.query_one("#answer-label").render()) == label
        assert not interview.query_one("#notes-label").display
        await pilot.press("pagedown")
        await pilot.pause()
        shown = [box for box in interview.query(TextArea) if box.display]
        assert [box.id for box in shown] == ["notes"]
        assert interview.query_one("#notes-label").display and not interview.query_one("#answer-label").display


async def test_a_follow_up_offers_the_words_the_notes_already_hold(make_app, seed_case, read_answer):
    said = "my sister, she comes to court with me"
    case_id = seed_case(
        answers=[Answer(question_id="culture.family_involvement", status="answered", value="yes", note=said)]
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, "culture.family_involvement_who")
        await pilot.pause()
        assert f"already say: “{said}”" in screen_text(app)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.screen.query_one("#answer", TextArea).text == said
    assert read_answer(case_id, "culture.family_involvement_who").value == said


async def test_text_boxes_rewrap_with_the_guidance_and_the_terminal_and_the_guidance_scrolls_by_keys(
    make_app, seed_case
):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, "ethnicity.self_description")
        await pilot.pause()
        interview = app.screen
        box = interview.query_one("#answer", TextArea)
        await pilot.press(*("in my own words " * 6))
        await pilot.pause()
        closed = box.wrap_width
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert box.wrap_width < closed
        footer = " ".join(str(key.render()) for key in interview.query_one(Footer).children)
        assert "alt+↓" in footer
        guidance = interview.query_one("#guidance")
        await pilot.press("alt+down")
        await pilot.pause()
        assert guidance.scroll_y > 0
        await pilot.press("alt+up")
        await pilot.pause()
        assert guidance.scroll_y == 0
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert box.wrap_width == closed
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert box.wrap_width > closed
