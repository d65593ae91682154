"""Feedback on practice runs, without the app: model runs meet every criterion, mistakes are named."""

from __future__ import annotations

import json
from datetime import date

import pytest
from planning_support import bank, rules
from practice_support import add_objective, model_answers, model_plan, recorded, scenario, scenarios

from oasys_diversity.feedback import PRACTICE_BANNER, feedback_to_json, feedback_to_markdown, give_feedback


@pytest.mark.parametrize("chosen", scenarios(), ids=lambda s: s.id)
def test_a_model_run_meets_every_criterion(chosen):
    who = model_answers(chosen)
    result = give_feedback(chosen, who, model_plan(who), bank(), rules())
    missed = {c.id: [k.text for k in c.checks if not k.met] for c in result.criteria if c.score not in (None, 100)}
    assert missed == {}
    assert result.overall == 100
    assert not result.not_asked and not result.differences and not result.plan_missed


def bad_run_on_karim():
    """Employment objective for a man with no right to work, no interpreter, trauma never asked about."""
    karim = scenario("no-right-to-work")
    who = recorded(
        {
            "language.first_language": "Farsi",
            "language.spoken_english": "basic",
            "language.interpreter_needed": "no",
            "immigration.status": "refused_asylum_seeker",
            "immigration.right_to_work": "no",
            "immigration.public_funds": "no",
        }
    )
    plan = model_plan(who)
    plan = add_objective(
        plan,
        need_area="education_training_employability",
        action="Find a job in a warehouse.",
        owner="person",
        target_date=date(2027, 2, 1),
        measure="In work.",
    )
    return karim, who, plan


def test_a_bad_run_names_each_mistake():
    karim, who, plan = bad_run_on_karim()
    result = give_feedback(karim, who, plan, bank(), rules())
    rtw = result.criterion("right_to_work")
    assert rtw.score is not None and rtw.score < 100
    assert any("employment or training objective" in k.text and not k.met for k in rtw.checks)
    interpreter = result.criterion("interpreter")
    assert interpreter.score is not None and interpreter.score < 50
    assert [(d.question, d.said, d.recorded) for d in result.differences] == [
        ("language.interpreter_needed", "Yes", "No")
    ]
    trauma = result.criterion("trauma")
    assert any(k.did.startswith("You did not ask about") for k in trauma.checks)
    assert bank().question("trauma.experiences").label in result.not_asked
    assert any(
        "did not open the Trauma" in k.did or "Trauma" in k.text and not k.met
        for k in result.criterion("diversity_explored").checks
    )
    assert "Plan leaves out: An employment or training objective he is not allowed to take up" in result.plan_missed
    assert result.overall < 70


def test_feedback_is_stable_and_its_exports_carry_the_stamp_but_not_the_trainees_words():
    karim, who, plan = bad_run_on_karim()
    first = feedback_to_json(give_feedback(karim, who, plan, bank(), rules()))
    again = feedback_to_json(give_feedback(karim, who, plan, bank(), rules()))
    assert first == again
    data = json.loads(first)
    assert data["banner"] == PRACTICE_BANNER and data["scenario"] == "no-right-to-work"
    assert "warehouse" not in first
    markdown = feedback_to_markdown(give_feedback(karim, who, plan, bank(), rules()))
    assert markdown.startswith(f"**{PRACTICE_BANNER}**") and markdown.rstrip().endswith(f"**{PRACTICE_BANNER}**")
    assert "| Interpreter needed | Yes | No |" in markdown
    assert "warehouse" not in markdown


def test_trauma_recorded_as_none_is_named():
    nikhil = scenario("trauma-denied")
    answers = {r.question: r.value for r in nikhil.reply}
    answers["trauma.experiences"] = []
    who = recorded(answers)
    result = give_feedback(nikhil, who, model_plan(who), bank(), rules())
    denied = [k for k in result.criterion("trauma").checks if k.text == "Trauma never recorded as none"]
    assert denied and not denied[0].met and "no experiences of trauma" in denied[0].did


def test_no_plan_yet_misses_the_plan_criteria_only():
    mei = scenario("interpreter-never-booked")
    result = give_feedback(mei, model_answers(mei), None, bank(), rules())
    assert result.criterion("objectives_complete").score == 0
    assert result.criterion("person_view").score == 0
    assert result.criterion("self_description").score == 100
    assert result.criterion("right_to_work").score is None
