"""The pure parts behind the screens: the order of steps, where to resume, parsing typed answers,
the case list's wording, and the demo database."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from types import SimpleNamespace

from oasys_diversity.demo import build_demo, demo_files
from oasys_diversity.model import Answer
from oasys_diversity.screens.answers import parse_date, parse_number
from oasys_diversity.screens.cases import shown_name, when_text
from oasys_diversity.screens.interview import short_title
from oasys_diversity.steps import Step, domain_counts, interview_steps, position_of, resume_index
from oasys_diversity.store import get_position, list_cases, load_plan, open_db
from oasys_diversity.store_case_list import matches


def answered(question_id, value):
    return Answer(question_id=question_id, status="answered", value=value)


def test_steps_open_each_domain_with_its_introduction_and_check_in_before_the_sensitive_question(bank):
    # Going deeper everywhere, so every check-in is on the way.
    steps = interview_steps(bank, {}, {domain.id: "now" for domain in bank.domains})
    for domain in bank.domains:
        mine = [s for s in steps if s.domain_id == domain.id]
        assert mine[0] == Step("intro", domain.id)
        if domain.check_in is not None and bank.is_visible(domain.check_in.before, {}):
            before = mine.index(Step("question", domain.id, domain.check_in.before))
            assert mine[before - 1] == Step("check_in", domain.id, domain.check_in.before)


def test_follow_ups_join_the_steps_only_while_they_apply(bank):
    # A core follow-up: help with harassment is asked only when harassment is happening now.
    follow_up = Step("question", "discrimination", "discrimination.harassment_help_wanted")
    assert follow_up not in interview_steps(bank, {})
    assert follow_up in interview_steps(
        bank, {"discrimination.current_harassment": answered("discrimination.current_harassment", "yes")}
    )
    assert follow_up not in interview_steps(
        bank, {"discrimination.current_harassment": answered("discrimination.current_harassment", "no")}
    )


def test_resume_goes_back_to_an_unread_introduction_but_not_past_an_answer(bank):
    steps = interview_steps(bank, {})
    first = next(q.id for q in bank.domains[0].questions if q.depth == "core")
    assert steps[resume_index(steps, first, {}, bank)] == Step("intro", bank.domains[0].id)
    started = {first: answered(first, "Sam")}
    assert steps[resume_index(steps, first, started, bank)] == Step("question", bank.domains[0].id, first)
    assert resume_index(steps, None, {}, bank) == 0
    assert resume_index(steps, "nothing.here", {}, bank) == 0


def test_resume_at_a_follow_up_that_no_longer_applies_goes_to_the_question_before_it(bank):
    steps = interview_steps(bank, {})
    index = resume_index(steps, "language.interpreter_language", {}, bank)
    assert steps[index] == Step("question", "language", "language.interpreter_needed")


def test_an_introduction_is_remembered_as_its_domains_first_question(bank):
    domain = bank.domains[1]
    assert position_of(Step("intro", domain.id), bank, {}) == domain.questions[0].id


def test_domain_counts_say_answered_declined_and_not_yet_discussed_over_visible_questions(bank):
    faith = bank.domain("faith")
    answers = {
        "faith.religion": answered("faith.religion", "no_religion"),
        "faith.understanding": Answer(question_id="faith.understanding", status="declined"),
    }
    done, declined, waiting = domain_counts(bank, faith, answers)
    visible = bank.visible_questions(answers, "faith")
    assert (done, declined) == (1, 1)
    assert waiting == len(visible) - 2


def test_typed_numbers_and_dates_are_checked_with_a_message_that_says_what_to_type(bank):
    age = bank.question("person.age")
    assert parse_number("34", age) == (34, None)
    assert parse_number(" ", age) == (None, None)
    assert parse_number("3x", age)[1] == "That is not a number. Type digits only, for example 34."
    assert parse_number("7", age)[1] == "Type a number from 16 to 100."
    assert parse_date("2024-03-15") == ("2024-03-15", None)
    assert parse_date("15/03/2024")[1] == "Type the date as year-month-day, for example 2024-03-15."


def test_the_case_list_shows_the_preferred_name_only_when_it_adds_something():
    assert shown_name(SimpleNamespace(name="Grace Adeyemi", preferred_name="Grace")) == "Grace Adeyemi"
    assert shown_name(SimpleNamespace(name="Tomasz Nowak", preferred_name="Tomek")) == "Tomek (Tomasz Nowak)"
    assert shown_name(SimpleNamespace(name="Tomasz Nowak", preferred_name=None)) == "Tomasz Nowak"
    now = datetime(2025, 6, 2, 15, 0, tzinfo=UTC)
    assert when_text(datetime(2025, 6, 2, 9, 0, tzinfo=UTC), now) == "today"
    assert when_text(datetime(2025, 3, 3, 9, 0, tzinfo=UTC), now) == "3 Mar"
    assert when_text(datetime(2024, 3, 3, 9, 0, tzinfo=UTC), now) == "3 Mar 2024"
    row = SimpleNamespace(reference="X1", name="Grace Adeyemi", preferred_name="Grace", area="Birmingham")
    assert matches(row, "grace birm") and not matches(row, "leeds")
    assert short_title(SimpleNamespace(title="Faith and belief")) == "Faith"


def test_the_demo_has_a_new_a_half_way_and_a_finished_person_in_a_folder_of_its_own(bank):
    folder, db_path = build_demo()
    try:
        assert db_path.parent == folder
        db = open_db(db_path, "demo")
        summaries = {s.reference: s for s in list_cases(db, bank)}
        assert len(summaries) == len(demo_files()) >= 3
        new = summaries["DEMO-0001"]
        assert new.answered == 1 and get_position(db, new.id) is None
        half_way = summaries["DEMO-0003"]
        assert 0 < half_way.answered < half_way.total and half_way.not_discussed > 0
        assert get_position(db, half_way.id) == "culture.supervision_expectations"
        finished = summaries["DEMO-0004"]
        assert finished.has_plan and finished.not_discussed <= 1
        plan = load_plan(db, finished.id)
        assert plan is not None and plan.objectives and plan.agreement == "agrees"
        db.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
