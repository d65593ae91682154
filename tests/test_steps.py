"""The order of the conversation, without Textual: core first, deeper on offer, follow-ups in place."""

from __future__ import annotations

import pytest

from oasys_diversity.bank import load_bank
from oasys_diversity.model import Answer, QuestionBank
from oasys_diversity.sessions import ConversationSession, export_banner, prefill_answers
from oasys_diversity.steps import (
    Step,
    core_questions,
    domain_progress,
    in_place,
    interview_steps,
    note_to_offer,
    opener,
    position_of,
    resume_index,
)


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_bank()


def answered(question_id, value, note=None):
    return Answer(question_id=question_id, status="answered", value=value, note=note)


def question_ids(steps, domain_id=None):
    return [s.question_id for s in steps if s.kind == "question" and domain_id in (None, s.domain_id)]


def test_the_core_path_is_every_domain_in_at_most_thirty_questions_then_an_offer_to_go_deeper(bank):
    steps = interview_steps(bank, {})
    assert len(core_questions(bank)) <= 30
    for domain in bank.domains:
        mine = [s for s in steps if s.domain_id == domain.id]
        assert mine[0] == Step("intro", domain.id)
        assert mine[-1] == Step("deeper_offer", domain.id)
        assert all(bank.question(qid).depth == "core" for qid in question_ids(mine))
        assert question_ids(mine), domain.id


def test_going_deeper_puts_the_domains_deeper_questions_after_the_offer_and_later_leaves_them_out(bank):
    now = interview_steps(bank, {}, {"faith": "now"})
    later = interview_steps(bank, {}, {"faith": "later"})
    offer = now.index(Step("deeper_offer", "faith"))
    deeper = question_ids(now[offer:], "faith")
    assert deeper and all(bank.question(qid).depth == "deeper" for qid in deeper)
    assert question_ids(later, "faith") == question_ids(interview_steps(bank, {}), "faith")
    # The check-in comes with the question it stands before, here on the deeper part.
    assert now[now.index(Step("question", "faith", "faith.source_of_support")) - 1] == Step(
        "check_in", "faith", "faith.source_of_support"
    )


def test_a_follow_up_comes_straight_after_the_question_that_opened_it_never_after_a_later_check_in(bank):
    # Reading and writing English "not well" opens the reading-help question: it is asked right then, not
    # after the literacy check-in further down.
    answers = {"language.written_english": answered("language.written_english", "basic")}
    steps = interview_steps(bank, answers, {"language": "now"})
    ids = question_ids(steps, "language")
    assert ids[ids.index("language.written_english") + 1] == "language.reading_help"
    check_in = steps.index(Step("check_in", "language", "language.literacy"))
    assert steps.index(Step("question", "language", "language.reading_help")) < check_in


def test_the_opener_is_the_answer_that_made_the_follow_up_apply(bank):
    reading = bank.question("language.reading_help")
    earlier = bank.domain("language").questions
    literacy = {"language.literacy": answered("language.literacy", "yes")}
    written = {"language.written_english": answered("language.written_english", "basic")}
    assert opener(reading, earlier, written) == "language.written_english"
    assert opener(reading, earlier, literacy) == "language.literacy"
    # "Not no religion" holds before religion is asked: nothing opened it, it keeps its place.
    assert opener(bank.question("faith.practice_needs"), bank.domain("faith").questions, {}) is None


def test_in_place_keeps_the_banks_order_for_questions_no_answer_opened(bank):
    questions = bank.domain("culture").questions
    shown = in_place(questions, {})
    assert [q.id for q in shown] == [q.id for q in questions if bank.is_visible(q, {})]


def test_a_follow_up_asking_for_words_the_note_already_holds_offers_them(bank):
    question = bank.question("culture.family_involvement_who")
    note = "my sister, she comes with me"
    answers = {"culture.family_involvement": answered("culture.family_involvement", "yes", note=note)}
    assert note_to_offer(bank, question, answers) == ("culture.family_involvement", note)
    answers["culture.family_involvement"] = answered("culture.family_involvement", "yes")
    assert note_to_offer(bank, question, answers) is None
    assert note_to_offer(bank, bank.question("culture.family_involvement"), answers) is None


def test_progress_counts_core_and_deeper_apart(bank):
    faith = bank.domain("faith")
    answers = {
        "faith.religion": answered("faith.religion", "muslim"),
        "faith.practice": answered("faith.practice", ["private_prayer"]),
        "faith.reconnect": Answer(question_id="faith.reconnect", status="declined"),
    }
    progress = domain_progress(bank, faith, answers)
    assert (progress.done, progress.declined) == (1, 1)
    assert progress.deeper_discussed == 1
    core = [q for q in bank.visible_questions(answers, "faith") if q.depth == "core"]
    assert progress.done + progress.declined + progress.waiting == len(core)


def test_an_offer_is_remembered_as_the_domains_last_core_question_and_resumed_there(bank):
    steps = interview_steps(bank, {})
    offer = Step("deeper_offer", "faith")
    position = position_of(offer, bank, {})
    assert position == [q.id for q in bank.visible_questions({}, "faith") if q.depth == "core"][-1]
    # A deeper question left for another session resumes at the nearest earlier step still on the path.
    index = resume_index(steps, "faith.understanding", {}, bank)
    assert steps[index].domain_id == "faith" and steps[index].kind == "question"


def test_an_interpreter_needed_answers_the_interpreter_questions_once_and_nothing_more(bank):
    needed = ConversationSession(case_id=1, language="English", interpreter="needed", interpreter_language="Farsi")
    filled = {a.question_id: a.value for a in prefill_answers(needed, {}, bank)}
    assert filled == {"language.interpreter_needed": "yes", "language.interpreter_language": "Farsi"}
    given = {"language.interpreter_needed": answered("language.interpreter_needed", "unsure")}
    assert [a.question_id for a in prefill_answers(needed, given, bank)] == ["language.interpreter_language"]
    none = ConversationSession(case_id=1, language="English", interpreter="not_needed")
    assert prefill_answers(none, {}, bank) == []
    assert needed.interpreter_missing and not none.interpreter_missing
    assert export_banner(None, True).startswith("DRAFT") and export_banner("PRACTICE", False) == "PRACTICE"
