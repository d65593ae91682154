"""The plan builder: every objective rule case by case, recomputing after the officer's edits, the JSON and
Markdown outputs, and `oasys-diversity plan`."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta

import pytest
from oasys_diversity.questions import QUESTIONS_DIR
from planning_support import (
    ASSESSED_ON,
    PEOPLE,
    TODAY,
    assessment,
    bank,
    objective,
    objective_ids,
    person,
    plan_for,
    rules,
)

from oasys_diversity.cli import main
from oasys_diversity.model import Answer
from oasys_diversity.planner import (
    accept_objective,
    add_objective,
    decline_objective,
    edit_objective,
    plan_from_json,
    plan_to_json,
    plan_to_markdown,
    record_agreement,
    set_referral_state,
)
from oasys_diversity.rules import RuleSet

# One fictional case per shipped objective rule: the fewest answers that should raise it.
RULE_CASES: dict[str, dict] = {
    "interpreter_every_appointment": {"language.interpreter_needed": "yes", "language.interpreter_language": "Polish"},
    "interpreter_check": {"language.interpreter_needed": "unsure"},
    "appointments_fit_faith": {"faith.religion": "sikh", "faith.practice_needs": ["holy_days"]},
    "faith_diet": {"faith.religion": "jewish", "faith.practice_needs": ["diet"]},
    "community_connection_faith": {"faith.religion": "sikh", "faith.reconnect": "yes"},
    "community_connection_culture": {"culture.reconnect": "yes"},
    "culturally_specific_mentoring": {"person.age": 24, "ethnicity.ons_category": "black_other"},
    "ethnicity_recorded_own_words": {"ethnicity.self_description": "Kurdish, from Iraq"},
    "immigration_advice": {"immigration.status": "limited_leave"},
    "permitted_activities": {"immigration.right_to_work": "no"},
    "support_without_public_funds": {"immigration.public_funds": "no"},
    "refugee_employment": {"immigration.status": "refugee", "immigration.right_to_work": "yes"},
    "discrimination_acknowledged": {"discrimination.experiences": ["online"]},
    "complaint_route_explained": {"discrimination.experiences": ["probation"]},
    "officer_preference_recorded": {"discrimination.officer_preference": "A woman officer, please."},
    "officer_allocation_considered": {"discrimination.experiences": ["courts"]},
    "harassment_safety_now": {"discrimination.current_harassment": "yes"},
    "trauma_informed_referral": {"trauma.experiences": ["exploitation"], "trauma.support_wanted": "yes"},
    "trauma_informed_supervision": {"trauma.experiences": ["witnessed_violence"]},
    "trauma_support_information": {"trauma.experiences": ["sexual_harm"], "trauma.support_wanted": "unsure"},
    "maturity_considered": {"person.age": 18},
    "leaving_care_involved": {"trauma.experiences": ["care_experience"], "person.age": 25},
    "care_leaver_education": {
        "trauma.experiences": ["care_experience"],
        "person.age": 21,
        "immigration.right_to_work": "yes",
    },
    "womens_service_offer": {"person.gender": "woman"},
}


def test_every_shipped_objective_rule_has_a_case():
    assert {r.id for r in rules().objectives} == set(RULE_CASES)


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_objective_rule_fires_with_its_reasons_and_a_date(rule_id):
    answers = RULE_CASES[rule_id]
    plan = plan_for(assessment(answers))
    made = objective(plan, rule_id)
    rule = rules().objective_rule(rule_id)
    assert made.state == "suggested" and made.rule_id == rule_id
    assert made.because and set(made.because) <= set(answers)
    assert made.action and "{" not in made.action
    assert ASSESSED_ON < made.target_date <= rule.timescale.after(ASSESSED_ON)
    assert made.owner == rule.owner and made.need_area == rule.need_area


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_objective_rule_stays_quiet_when_its_answers_are_declined(rule_id):
    declined = {question_id: "declined" for question_id in RULE_CASES[rule_id]}
    plan = plan_for(assessment(declined))
    assert rule_id not in objective_ids(plan)
    assert set(declined) <= set(plan.declined) | {
        q for q in declined if not bank().is_visible(q, assessment(declined).answers)
    }


def test_placeholders_use_option_labels_and_the_persons_words():
    plan = plan_for(assessment({"faith.religion": "muslim", "faith.practice_needs": ["prayer_times", "fasting"]}))
    assert "(you told us: prayer times and fasting periods)" in objective(plan, "appointments_fit_faith").action


def test_target_dates_run_from_a_later_answer():
    who = assessment({"discrimination.current_harassment": "yes"})
    who.answers["discrimination.current_harassment"] = Answer(
        question_id="discrimination.current_harassment",
        status="answered",
        value="yes",
        answered_at=datetime(2026, 12, 10, 15, 30),
    )
    plan = plan_for(who, today=date(2026, 12, 10))
    assert objective(plan, "harassment_safety_now").target_date == date(2026, 12, 13)


def test_overdue_suggestions_are_flagged():
    plan = plan_for(assessment({"discrimination.current_harassment": "yes"}), today=ASSESSED_ON + timedelta(days=30))
    assert any('"Safety and reporting now" was due on 23 November 2026' in w for w in plan.warnings)


def test_the_same_inputs_give_the_same_plan():
    first = plan_for(person("bradford_woman_interpreter"))
    second = plan_for(person("bradford_woman_interpreter"))
    assert first == second
    assert plan_to_json(first) == plan_to_json(second)


def test_plan_json_has_the_stable_keys_and_reads_back():
    plan = plan_for(person("bradford_woman_interpreter"))
    data = plan_to_json(plan)
    assert {"objectives", "referrals", "to_discuss", "warnings"} <= set(data)
    for item in data["objectives"]:
        assert {"need_area", "action", "owner", "target_date", "measure", "because"} <= set(item)
        date.fromisoformat(item["target_date"])
    for item in data["referrals"]:
        assert {"organisation", "service", "needs", "because", "assured_date", "stale"} <= set(item)
        assert isinstance(item["stale"], bool)
    json.dumps(data)
    assert plan_from_json(data) == plan


def test_markdown_reads_as_a_plan():
    plan = plan_for(person("mixed_heritage_police_racism"))
    text = plan_to_markdown(plan, bank(), rules())
    for heading in ("## Check before agreeing", "## Objectives", "## Referrals", "## Still to discuss"):
        assert heading in text
    assert "**By:** 23 November 2026" in text  # harassment: within days
    assert "**Because:** Being harassed or targeted now" in text
    assert "**Who:** Someone else (The manager who allocates cases" in text
    assert "STALE" in text
    assert "offender" not in text.lower()
    assert "BAME" not in text


def test_markdown_lists_declined_topics_as_respected():
    text = plan_to_markdown(plan_for(person("declined_several_topics")), bank())
    assert "## Chose not to say" in text and "Respected, not chased" in text
    assert "No objectives yet" in text


# --- Recomputing after the officer's edits ------------------------------------------------------


def test_recompute_keeps_what_the_officer_did_and_moves_only_suggestions():
    who = person("bradford_woman_interpreter")
    plan = plan_for(who)
    plan = accept_objective(plan, "interpreter_every_appointment")
    plan = edit_objective(plan, "faith_diet", action="Halal food at any group session.", person_view="That matters")
    plan = decline_objective(plan, "womens_service_offer", "Already attends a women's centre")
    plan = add_objective(
        plan,
        need_area="relationships",
        action="Meet her sister with her, if she wants.",
        owner="probation_practitioner",
        target_date=date(2027, 1, 15),
        measure="Meeting held",
    )
    kept_referral = plan.referrals[0].id
    plan = set_referral_state(plan, kept_referral, "accepted")
    officer_work = {o.id: o for o in plan.objectives if o.state != "suggested"}

    # Later: no longer needs diet planning, now being harassed, no longer wants trauma support.
    changed = who.model_copy(deep=True)
    changed.answers["faith.practice_needs"] = Answer(
        question_id="faith.practice_needs", status="answered", value=["prayer_times"]
    )
    changed.answers["discrimination.current_harassment"] = Answer(
        question_id="discrimination.current_harassment", status="answered", value="yes"
    )
    changed.answers["trauma.support_wanted"] = Answer(
        question_id="trauma.support_wanted", status="answered", value="no"
    )
    saved = plan.model_copy(deep=True)
    again = plan_for(changed, previous=plan)
    assert plan == saved  # building never changes the plan it was given

    for objective_id, before in officer_work.items():
        assert objective(again, objective_id) == before  # exactly as the officer left it
    assert "harassment_safety_now" in objective_ids(again)  # a new suggestion appears
    assert "trauma_informed_referral" not in objective_ids(again)  # an untouched one goes
    assert "(you told us: prayer times)" in objective(again, "appointments_fit_faith").action  # and one updates
    assert any('"Food that fits faith" was kept as you left it' in w for w in again.warnings)
    assert next(r for r in again.referrals if r.id == kept_referral).state == "accepted"
    assert [o.id for o in again.objectives if o.state == "added"] == ["own-1"]


def test_a_declined_referral_stays_declined():
    plan = plan_for(person("mixed_heritage_police_racism"))
    first = plan.referrals[0].id
    plan = set_referral_state(plan, first, "declined", "He has used it before and did not get on with it")
    again = plan_for(person("mixed_heritage_police_racism"), previous=plan)
    kept = next(r for r in again.referrals if r.id == first)
    assert kept.state == "declined" and kept.reason.startswith("He has used it")


def test_agreement_is_kept_and_a_changed_plan_is_flagged():
    who = person("young_care_experienced_birmingham")
    plan = record_agreement(plan_for(who), "agrees", "Happy with it")
    same = plan_for(who, previous=plan)
    assert same.agreement == "agrees" and same.agreement_reason == "Happy with it"
    assert not any("has changed since" in w for w in same.warnings)
    changed = who.model_copy(deep=True)
    changed.answers["culture.reconnect"] = Answer(question_id="culture.reconnect", status="answered", value="yes")
    moved = plan_for(changed, previous=plan)
    assert moved.agreement == "agrees"
    assert any("has changed since" in w for w in moved.warnings)


def test_decisions_need_reasons_and_known_fields():
    plan = plan_for(person("mixed_heritage_police_racism"))
    with pytest.raises(ValueError):
        decline_objective(plan, "harassment_safety_now", "  ")
    with pytest.raises(ValueError):
        edit_objective(plan, "harassment_safety_now", rule_id="other")
    with pytest.raises(ValueError):
        set_referral_state(plan, plan.referrals[0].id, "declined")
    with pytest.raises(KeyError):
        accept_objective(plan, "no_such_objective")
    twice = add_objective(
        add_objective(
            plan,
            need_area="attitudes",
            action="a",
            owner="person",
            target_date=TODAY,
            measure="m",
        ),
        need_area="attitudes",
        action="b",
        owner="person",
        target_date=TODAY,
        measure="m",
    )
    assert [o.id for o in twice.objectives if o.state == "added"] == ["own-1", "own-2"]
    edited = edit_objective(twice, "own-1", action="changed")
    assert objective(edited, "own-1").state == "added"


def test_no_rules_means_no_objectives_and_says_so():
    plan = plan_for(person("mixed_heritage_police_racism"), ruleset=RuleSet())
    assert plan.objectives == []
    assert any("No plan rules were loaded" in w for w in plan.warnings)


# --- The command ---------------------------------------------------------------------------------


def test_cli_plan_json_is_deterministic_and_touches_no_database(capsys, tmp_path, monkeypatch):
    home = tmp_path / "home-of-app"
    monkeypatch.setenv("OASYS_DIVERSITY_HOME", str(home))
    args = ["plan", str(PEOPLE / "asylum_seeker_no_right_to_work.json"), "--today", "2026-11-23"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    data = json.loads(first)
    assert data["built_on"] == "2026-11-23"
    assert "immigration_advice" in [o["id"] for o in data["objectives"]]
    assert not home.exists() or not any(home.rglob("*.db"))


def test_cli_plan_markdown(capsys):
    assert (
        main(["plan", str(PEOPLE / "bradford_woman_interpreter.json"), "--today", "2026-11-23", "--format", "md"]) == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("# Sentence plan")
    assert "interpreter (Urdu)" in out


def test_cli_plan_reports_a_broken_rules_folder(capsys, tmp_path):
    bank_copy = tmp_path / "bank"
    shutil.copytree(QUESTIONS_DIR, bank_copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    (bank_copy / "rules" / "broken.toml").write_text("[[objective]]\nid = \n", encoding="utf-8")
    code = main(["plan", str(PEOPLE / "nothing_discussed.json"), "--questions", str(bank_copy)])
    assert code == 1
    assert "broken.toml:2" in capsys.readouterr().err
