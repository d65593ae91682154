"""Rules as data: loading, `questions check` problems with file and line, and the condition helpers."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from planning_support import assessment, bank, rules

from oasys_diversity.bank import check_content, load_bank
from oasys_diversity.model import Condition
from oasys_diversity.questions import QUESTIONS_DIR
from oasys_diversity.rules import (
    OptionalPart,
    RulesError,
    Timescale,
    add_months,
    answer_text,
    because,
    check_rules,
    fill_text,
    find_phrase,
    load_rules,
    raised_by_silence,
    requires_answer,
    shipped_rules_dir,
    text_sources,
)

GOOD_OBJECTIVE = """
[[objective]]
id = "{id}"
title = "A test objective"
when = {{ question = "language.interpreter_needed", op = "equals", value = "yes" }}
need_area = "responsivity"
action = "Book an interpreter."
owner = "probation_practitioner"
timescale = {{ days = 7 }}
measure = "Booked."
needs = ["interpreting"]
"""


def rules_folder(tmp_path: Path, extra: str, name: str = "local.toml") -> Path:
    """A bank folder whose rules/ holds the shipped need tags plus `extra`."""
    folder = tmp_path / "bank"
    (folder / "rules").mkdir(parents=True)
    shutil.copy(shipped_rules_dir() / "needs.toml", folder / "rules" / "needs.toml")
    (folder / "rules" / name).write_text(extra, encoding="utf-8")
    return folder


def problems_for(tmp_path: Path, extra: str) -> list[str]:
    return check_rules(rules_folder(tmp_path, extra), bank())


def test_shipped_rules_load_and_pass_the_check():
    shipped = load_rules()
    assert shipped.objectives and shipped.guards and shipped.needs and shipped.warnings
    assert check_rules(None, bank()) == []


def test_questions_check_includes_the_rules_and_the_directory():
    assert check_content(None) == []


def test_every_need_tag_has_a_category_and_every_emitted_tag_is_known():
    known = rules().need_ids()
    for rule in rules().objectives:
        assert set(rule.needs) <= known, rule.id
    categories = {n.category for n in rules().needs}
    assert {"immigration_advice", "interpreting", "faith_cultural_community", "hate_crime_reporting"} <= categories


def test_a_good_local_rule_file_is_accepted(tmp_path):
    assert problems_for(tmp_path, GOOD_OBJECTIVE.format(id="local_interpreter")) == []


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (
            ("language.interpreter_needed", "language.interpreter_wanted"),
            "unknown question id 'language.interpreter_wanted'",
        ),
        (('value = "yes"', 'value = "maybe"'), "unknown code 'maybe' for language.interpreter_needed"),
        (('op = "equals"', 'op = "includes"'), "op 'includes' does not fit language.interpreter_needed"),
        (('need_area = "responsivity"', 'need_area = "housing"'), "need_area"),
        (('owner = "probation_practitioner"', 'owner = "officer"'), "owner"),
        (('needs = ["interpreting"]', 'needs = ["translation"]'), "unknown need tag 'translation'"),
        (("timescale = { days = 7 }", "timescale = { weeks = 1 }"), "timescale"),
        (('owner = "probation_practitioner"', 'owner = "someone_else"'), "owner someone_else needs an owner_name"),
        (
            ('action = "Book an interpreter."', 'action = "Book a {language.interpreter_language} interpreter."'),
            "may be unanswered",
        ),
        (('action = "Book an interpreter."', 'action = "Book {{ lang }}."'), "is not a placeholder"),
    ],
)
def test_check_names_the_file_line_and_problem(tmp_path, mutation, expected):
    old, new = mutation
    text = "# a comment line\n" + GOOD_OBJECTIVE.format(id="local_rule").replace(old, new)
    problems = problems_for(tmp_path, text)
    assert problems, expected
    assert any(expected in p for p in problems), problems
    assert all(":3: " in p for p in problems if "local.toml" in p), problems  # the [[objective]] line


OPTIONAL_OBJECTIVE = """
[[objective]]
id = "local_booking"
title = "Interpreter booked as asked"
when = { question = "language.interpreter_needed", op = "equals", value = "yes" }
unless = { question = "language.spoken_english", op = "equals", value = "fluent" }
need_area = "responsivity"
action = "Book an interpreter{?dialect}{?gender}."
owner = "probation_practitioner"
timescale = { days = 7 }
measure = "Booked."

[objective.optional.dialect]
text = " who speaks {language.interpreter_dialect}"

[objective.optional.gender]
when = { question = "language.interpreter_gender", op = "in", value = ["woman", "man"] }
text = " ({language.interpreter_gender|lower})"
"""


def test_optional_parts_and_unless_are_accepted(tmp_path):
    assert problems_for(tmp_path, OPTIONAL_OBJECTIVE) == []


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (("{?gender}.", "{?gender}{?tone}."), "{?tone} names no optional part; add [objective.optional.tone]"),
        (("{?gender}.", "."), "optional part 'gender' has no {?gender} in action"),
        (('text = " ({language', 'text = "{?dialect} ({language'), "{?dialect} cannot go inside another part"),
        (('text = " who speaks', 'text = " who speaks {dialect}'), "optional.dialect: {dialect} is not a placeholder"),
        (
            ("{language.interpreter_dialect}", "{language.interpreter_accent}"),
            "unknown question 'language.interpreter_accent'",
        ),
        (
            ('value = ["woman", "man"]', 'value = ["woman", "male"]'),
            "unknown code 'male' for language.interpreter_gender",
        ),
        (('value = "fluent"', 'value = "native"'), "objective local_booking unless: unknown code 'native'"),
    ],
)
def test_check_names_problems_in_optional_parts_and_unless(tmp_path, mutation, expected):
    old, new = mutation
    problems = problems_for(tmp_path, OPTIONAL_OBJECTIVE.replace(old, new))
    assert any(expected in p for p in problems), problems
    assert all("local.toml:2: " in p for p in problems), problems  # the [[objective]] line


def test_optional_slots_belong_in_objective_actions_only(tmp_path):
    warning = """
[[warning]]
id = "local_warning"
when = { question = "language.interpreter_needed", op = "equals", value = "yes" }
text = "Book one{?dialect}."
"""
    problems = problems_for(tmp_path, warning)
    assert any("{?dialect}: optional parts are for objective actions" in p for p in problems), problems


def test_check_reports_bad_toml_with_its_line(tmp_path):
    problems = problems_for(tmp_path, '[[objective]]\nid = "x"\ntitle = \n')
    assert len(problems) == 1 and "local.toml:3: bad TOML" in problems[0]


def test_check_reports_duplicates_unknown_sections_and_dangling_guard_references(tmp_path):
    text = (
        GOOD_OBJECTIVE.format(id="twice")
        + GOOD_OBJECTIVE.format(id="twice")
        + """
[[guard]]
id = "local_guard"
title = "A guard"
explanation = "Why."
must = [{ objective = "not_a_rule" }, { tag = "no_such_tag" }, { need = "no_such_need" }]

[[rule]]
id = "misfiled"
"""
    )
    problems = problems_for(tmp_path, text)
    joined = "\n".join(problems)
    assert "duplicate objective id 'twice'" in joined
    assert "unknown objective rule 'not_a_rule'" in joined
    assert "no objective rule carries tag 'no_such_tag'" in joined
    assert "unknown need tag 'no_such_need'" in joined
    assert "unknown section 'rule'" in joined


def test_a_placeholder_with_a_default_or_a_required_answer_is_fine(tmp_path):
    with_default = GOOD_OBJECTIVE.format(id="a").replace(
        'action = "Book an interpreter."',
        'action = "Book a {language.interpreter_language} interpreter."\n'
        'defaults = { "language.interpreter_language" = "suitable" }',
    )
    required = (
        GOOD_OBJECTIVE.format(id="b")
        .replace(
            'when = { question = "language.interpreter_needed", op = "equals", value = "yes" }',
            'when = { all = [ { question = "language.interpreter_needed", op = "equals", value = "yes" },'
            ' { question = "language.interpreter_language", op = "answered" } ] }',
        )
        .replace('action = "Book an interpreter."', 'action = "Book a {language.interpreter_language} interpreter."')
    )
    assert problems_for(tmp_path, with_default + required) == []


def test_load_rules_refuses_broken_rules_and_lists_every_problem(tmp_path):
    folder = rules_folder(tmp_path, GOOD_OBJECTIVE.format(id="x").replace("responsivity", "housing"))
    with pytest.raises(RulesError) as caught:
        load_rules(folder)
    assert caught.value.problems and "local.toml:2" in caught.value.problems[0]


def test_a_bank_without_rules_has_no_rules(tmp_path):
    (tmp_path / "empty-bank").mkdir()
    loaded = load_rules(tmp_path / "empty-bank")
    assert loaded.objectives == [] and loaded.guards == []


# --- Helpers the planner relies on -------------------------------------------------------------


def test_fill_text_uses_labels_joins_lists_and_lower_cases_on_request():
    who = assessment({"faith.practice_needs": ["prayer_times", "holy_days", "fasting"], "faith.religion": "sikh"})
    text = fill_text("Around {faith.practice_needs|lower}; {faith.religion}.", who.answers, bank(), {})
    assert text == "Around prayer times, holy days and festivals and fasting periods; Sikh."
    assert fill_text("In {language.interpreter_language}", who.answers, bank(), {}) is None
    assert (
        fill_text("In {language.interpreter_language}", who.answers, bank(), {"language.interpreter_language": "x"})
        == "In x"
    )
    assert answer_text("person.age", assessment({"person.age": 24.0}).answers, bank()) == "24"
    assert answer_text("faith.practice_needs", assessment({"faith.practice_needs": []}).answers, bank()) is None


def test_optional_parts_appear_only_with_their_answers_and_never_leave_a_gap():
    parts = {
        "dialect": OptionalPart(text=" who speaks {language.interpreter_dialect}"),
        "gender": OptionalPart(
            when=Condition(question="language.interpreter_gender", op="in", value=["woman", "man"]),
            text=" ({language.interpreter_gender|lower})",
        ),
    }
    text = "Book an interpreter{?dialect}{?gender}."
    nothing = assessment({"language.interpreter_needed": "yes"})
    assert fill_text(text, nothing.answers, bank(), {}, parts) == "Book an interpreter."
    assert text_sources(text, nothing.answers, bank(), {}, parts) == []

    everything = assessment({"language.interpreter_dialect": "Sylheti", "language.interpreter_gender": "woman"})
    assert fill_text(text, everything.answers, bank(), {}, parts) == "Book an interpreter who speaks Sylheti (a woman)."
    assert text_sources(text, everything.answers, bank(), {}, parts) == [
        "language.interpreter_dialect",
        "language.interpreter_gender",
    ]

    # The condition does not hold, or the answer was declined or "nothing to add": the part is left out.
    other = assessment({"language.interpreter_dialect": "", "language.interpreter_gender": "no_preference"})
    assert fill_text(text, other.answers, bank(), {}, parts) == "Book an interpreter."
    declined = assessment({"language.interpreter_dialect": "declined"})
    assert fill_text(text, declined.answers, bank(), {}, parts) == "Book an interpreter."
    # A slot with no part cannot be filled honestly (the check refuses such a rule).
    assert fill_text("Book{?tone}.", nothing.answers, bank(), {}, parts) is None


def test_find_phrase_matches_whole_words_in_any_case():
    assert find_phrase("There is No Trauma here.", ["no trauma"]) == "no trauma"
    assert find_phrase("Piano issues only.", ["no issues"]) is None
    assert find_phrase("Nothing to see.", ["no issues", "no trauma"]) is None


def test_a_quote_that_ends_its_sentence_gets_one_full_stop():
    who = assessment({"person.appointment_times": "Not on Fridays."})
    assert (
        fill_text('You said: "{person.appointment_times}".', who.answers, bank(), {}) == 'You said: "Not on Fridays."'
    )
    who = assessment({"person.appointment_times": "Not on Fridays"})
    assert (
        fill_text('You said: "{person.appointment_times}".', who.answers, bank(), {}) == 'You said: "Not on Fridays".'
    )


def test_the_rule_set_gives_the_words_no_plan_or_summary_may_use():
    recorded = assessment({"trauma.experiences": ["bereavement"]}).answers
    assert "no trauma" in rules().forbidden_phrases(recorded)
    assert "no issues" in rules().forbidden_phrases(recorded)  # never said where nothing was explored
    assert "no trauma" not in rules().forbidden_phrases(assessment({"trauma.experiences": []}).answers)


def test_because_names_only_the_answers_that_made_the_condition_hold():
    condition = Condition.model_validate(
        {
            "any": [
                {"question": "immigration.right_to_work", "op": "equals", "value": "no"},
                {"question": "immigration.public_funds", "op": "equals", "value": "no"},
            ]
        }
    )
    who = assessment({"immigration.right_to_work": "yes", "immigration.public_funds": "no"})
    assert because(condition, who.answers) == ["immigration.public_funds"]
    negated = Condition.model_validate({"not": {"question": "person.gender", "op": "equals", "value": "man"}})
    assert because(negated, assessment({"person.gender": "woman"}).answers) == ["person.gender"]
    assert because(negated, assessment({}).answers) == []  # silence never explains anything


def test_raised_by_silence_spots_status_tests_on_declined_or_undiscussed_topics():
    declined = Condition(question="faith.religion", op="status", value="declined")
    assert raised_by_silence(declined, assessment({"faith.religion": "declined"}).answers)
    assert not raised_by_silence(declined, assessment({"faith.religion": "sikh"}).answers)
    either = Condition.model_validate(
        {
            "any": [
                declined.model_dump(by_alias=True, exclude_none=True),
                {"question": "person.age", "op": "gte", "value": 18},
            ]
        }
    )
    # Held by a real answer as well: not raised by silence alone.
    assert not raised_by_silence(either, assessment({"faith.religion": "declined", "person.age": 30}).answers)


def test_requires_answer():
    assert requires_answer(Condition(question="person.age", op="gt", value=3), "person.age")
    assert not requires_answer(Condition(question="person.age", op="status", value="declined"), "person.age")
    both = Condition.model_validate(
        {"all": [{"question": "person.age", "op": "answered"}, {"question": "person.area", "op": "answered"}]}
    )
    assert requires_answer(both, "person.area")
    assert not requires_answer(
        Condition.model_validate({"not": {"question": "person.age", "op": "answered"}}), "person.age"
    )


def test_timescales_and_month_arithmetic():
    assert Timescale(days=7).after(date(2026, 11, 20)) == date(2026, 11, 27)
    assert Timescale(days=0).after(date(2026, 11, 20)) == date(2026, 11, 20)
    assert Timescale(days=0).describe() == "the same day" and Timescale(days=1).describe() == "1 day"
    assert Timescale(months=3).after(date(2026, 11, 30)) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 23), -12) == date(2025, 11, 23)
    with pytest.raises(ValueError):
        Timescale(days=3, months=1)
    with pytest.raises(ValueError):
        Timescale()


def test_a_bank_folder_without_rules_has_no_rules_and_is_not_misread(tmp_path):
    # A trainer's bank may hold only domain files; its questions must not be read as rules.
    bank_folder = tmp_path / "bank"
    bank_folder.mkdir()
    for domain_file in QUESTIONS_DIR.glob("*.toml"):
        shutil.copy(domain_file, bank_folder / domain_file.name)
    ruleset = load_rules(bank_folder)
    assert ruleset.objectives == [] and ruleset.guards == []
    assert check_rules(bank_folder, load_bank(bank_folder)) == []
