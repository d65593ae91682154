"""The plan builder: every objective rule case by case, recomputing after the officer's edits, the JSON and
Markdown outputs, and `oasys-diversity plan`."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta

import pytest
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
    referral_needs,
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
from oasys_diversity.questions import QUESTIONS_DIR
from oasys_diversity.rules import RuleSet

# One fictional case per shipped objective rule: the fewest answers that should raise it.
RULE_CASES: dict[str, dict] = {
    "self_harm_safety_plan": {"trauma.wellbeing_now": "very_low", "trauma.self_harm_thoughts": "unsure"},
    "recent_harm_safety": {"trauma.experiences": ["exploitation"], "trauma.recent_harm": "yes"},
    "interpreter_every_appointment": {"language.interpreter_needed": "yes", "language.interpreter_language": "Polish"},
    "interpreter_check": {"language.interpreter_needed": "unsure"},
    "family_language_support": {"language.family_languages": "yes"},
    "written_information": {"language.literacy": "yes"},
    "reading_writing_support": {"language.literacy": "unsure", "language.reading_help": ["learning_support"]},
    "appointments_fit_faith": {"faith.religion": "sikh", "faith.practice_needs": ["holy_days"]},
    "appointments_fit_life": {"person.caring_responsibilities": "yes"},
    "faith_respected_in_supervision": {"faith.religion": "muslim", "faith.practice_needs": ["same_gender_staff"]},
    "faith_diet": {"faith.religion": "jewish", "faith.practice_needs": ["diet"]},
    "community_connection_faith": {"faith.religion": "sikh", "faith.reconnect": "yes"},
    "community_connection_culture": {"culture.reconnect": "yes"},
    "shame_and_stigma": {"culture.shame_stigma": "yes"},
    "culturally_specific_mentoring": {"person.age": 24},
    "discreet_contact": {"culture.who_knows": "nobody_knows"},
    "ethnicity_recorded_own_words": {"ethnicity.self_description": "Kurdish, from Iraq"},
    "explore_heritage": {"ethnicity.heritage_knowledge": "unsure", "ethnicity.explore_heritage": "yes"},
    "immigration_advice": {"immigration.status": "limited_leave"},
    "permitted_activities": {"immigration.right_to_work": "no"},
    "support_without_public_funds": {"immigration.public_funds": "no"},
    "refugee_employment": {"immigration.status": "refugee", "immigration.right_to_work": "yes"},
    "discrimination_acknowledged": {"discrimination.experiences": ["online"]},
    "complaint_route_explained": {"discrimination.experiences": ["probation"]},
    "how_to_complain": {"discrimination.complaint_known": "no"},
    "concern_raised": {"discrimination.raise_concern": "yes"},
    "talk_with_someone_else": {"discrimination.talk_preference": "someone_else"},
    "officer_preference_recorded": {"discrimination.officer_preference": "A woman officer, please."},
    "officer_allocation_considered": {"discrimination.experiences": ["courts"]},
    "harassment_safety_now": {"discrimination.current_harassment": "yes"},
    "wellbeing_support": {"trauma.wellbeing_now": "very_low"},
    "mental_health_support_restart": {"trauma.mental_health_support": "stopped"},
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
    # Issue 8: rules grounded in the inspection's findings (questions/rules/*.toml beside objectives.toml).
    "money_now": {"person.money_now": "no_income"},
    "housing_now": {"person.housing_now": "at_risk"},
    "requirements_within_reach": {"person.reach_barriers": ["travel_cost"]},
    "proof_of_status": {"immigration.proof_of_status": "no"},
    "home_office_dates": {"immigration.home_office_matters": "yes"},
    "travel_requests_on_merits": {"immigration.travel_abroad": "yes"},
    "bereavement_support": {"trauma.bereavement_recent": "yes"},
    "family_named_involved": {"culture.family_involvement": "yes"},
    "faith_leader_named": {"faith.leader_contact": "yes"},
    "someone_to_turn_to": {"culture.support_people": ["nobody"]},
    "faith_protective_factor": {"faith.keeps_me_away": "yes"},
    "record_put_right": {"faith.recorded_wrongly": "yes"},
    "enforcement_reviewed": {"language.enforcement_without_interpreter": "yes"},
    "past_experiences_later": {"trauma.ready": "another_time"},
    "past_experiences_refused": {"trauma.ready": "not_at_all"},
    "discrimination_later": {"discrimination.talk_preference": "talk_later"},
    "discrimination_refused": {"discrimination.talk_preference": "not_at_all"},
    "violent_crime_victim_support": {"trauma.experiences": ["violence_victim"], "trauma.still_affects": "yes"},
    "supervision_respects_what_you_said": {"faith.understanding": "Please don't call me by my old name."},
}


def test_every_shipped_objective_rule_has_a_case():
    assert {r.id for r in rules().objectives} == set(RULE_CASES)


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_objective_rule_fires_with_its_reasons_and_a_date(rule_id):
    answers = RULE_CASES[rule_id]
    plan = plan_for(assessment(answers))
    made = objective(plan, rule_id)
    rule = rules().objective_rule(rule_id)
    assert made.state == "suggested" and rule_id in (made.rule_id, *made.merged_from)
    assert made.because and set(made.because) <= set(answers)
    assert made.action and "{" not in made.action and "  " not in made.action
    # Never later than the rule allows; never before the answers were given (a safety plan may be the same day).
    assert ASSESSED_ON <= made.target_date <= rule.timescale.after(ASSESSED_ON)
    assert made.target_date > ASSESSED_ON or rule.timescale.days == 0
    if made.id == rule_id:  # a rule merged into another's objective takes that one's owner and area
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
    family = {"culture.family_involvement": "yes", "culture.support_people": ["parent", "sibling"]}
    made = objective(plan_for(assessment(family)), "family_named_involved")
    assert "(you told us: a parent or parents and brothers or sisters)" in made.action
    # The faith objective names each need in words the person would use, never a code.
    plan = plan_for(assessment({"faith.religion": "muslim", "faith.practice_needs": ["prayer_times", "fasting"]}))
    assert "; prayer times; fasting periods." in objective(plan, "appointments_fit_faith").action


# --- What the person said shapes the wording (optional parts) ----------------------------------


def test_interpreter_details_go_into_the_booking_only_when_given():
    plain = objective(
        plan_for(assessment(RULE_CASES["interpreter_every_appointment"])), "interpreter_every_appointment"
    )
    assert "(Polish) for every appointment" in plain.action
    assert "same interpreter each time where they can" in plain.action
    assert "dialect" not in plain.action and "as you asked" not in plain.action

    detailed = {
        **RULE_CASES["interpreter_every_appointment"],
        "language.interpreter_dialect": "Silesian",
        "language.interpreter_gender": "woman",
        "language.same_interpreter": "yes",
        "language.interpreter_other": "In person, please.",
    }
    booked = objective(plan_for(assessment(detailed)), "interpreter_every_appointment")
    assert "(Polish; dialect: Silesian; a woman interpreter, as you asked) for every appointment" in booked.action
    assert "You asked for the same interpreter each time" in booked.action
    assert "where they can" not in booked.action  # the general sentence gives way to what they asked
    assert '("In person, please."), and this will be passed on' in booked.action
    assert booked.because == [
        "language.interpreter_needed",
        "language.interpreter_language",
        "language.interpreter_dialect",
        "language.interpreter_gender",
        "language.same_interpreter",
        "language.interpreter_other",
    ]

    no_preference = {**detailed, "language.interpreter_gender": "no_preference", "language.same_interpreter": "no"}
    booked = objective(plan_for(assessment(no_preference)), "interpreter_every_appointment")
    assert "as you asked" not in booked.action and "language.interpreter_gender" not in booked.because
    assert "You said you do not need the same interpreter" in booked.action

    declined = {**RULE_CASES["interpreter_every_appointment"], "language.interpreter_dialect": "declined"}
    booked = objective(plan_for(assessment(declined)), "interpreter_every_appointment")
    assert "dialect" not in booked.action and "language.interpreter_dialect" not in booked.because


def test_family_language_support_only_when_the_person_wants_family_involved():
    answers = {"language.family_languages": "yes", "language.family_languages_detail": "My mum, Punjabi"}
    made = objective(plan_for(assessment(answers)), "family_language_support")
    assert '(you said: "My mum, Punjabi")' in made.action and "never ask a child to interpret" in made.action
    assert "interpreting" in referral_needs(plan_for(assessment(answers)))
    kept_apart = plan_for(assessment({**answers, "culture.family_involvement": "no"}))
    assert "family_language_support" not in objective_ids(kept_apart)


def test_one_objective_about_appointments_carries_faith_times_caring_and_adjustments():
    life = {
        "person.appointment_times": "Not before 10am: school run.",
        "person.caring_responsibilities": "yes",
        "person.caring_detail": "My two children",
        "person.additional_needs": "unsure",
    }
    plan = plan_for(assessment(life))
    made = objective(plan, "appointments_fit_life")
    assert 'You told us these times are hard for you: "Not before 10am: school run."' in made.action
    assert '"Not before 10am: school run.".' not in made.action  # one full stop, not two
    assert 'You said: "My two children".' in made.action
    assert "such as a quiet room" in made.action
    assert made.because == [
        "person.appointment_times",
        "person.caring_responsibilities",
        "person.additional_needs",
        "person.caring_detail",
    ]

    with_faith = plan_for(
        assessment({**life, "faith.religion": "muslim", "faith.practice_needs": ["place_of_worship"]})
    )
    assert "appointments_fit_life" not in objective_ids(with_faith)  # not two objectives about appointments
    merged = objective(with_faith, "appointments_fit_faith")
    assert "time to get to your place of worship" in merged.action
    assert "school run" in merged.action and "the people you look after" in merged.action
    assert "faith.practice_needs" not in made.because  # standing aside is never a reason


def test_appointments_objective_needs_something_said():
    # "Discussed: nothing to add" (empty text) and "no" are not reasons to arrange anything.
    plan = plan_for(
        assessment(
            {"person.appointment_times": "", "person.caring_responsibilities": "no", "person.additional_needs": "no"}
        )
    )
    assert "appointments_fit_life" not in objective_ids(plan)


def test_discreet_contact_carries_how_the_person_wants_to_be_reached():
    plan = plan_for(person("kurdish_man_leeds_family_unaware"))
    made = objective(plan, "discreet_contact")
    assert "my brother opens the post" in made.action
    assert "unless you have agreed to it first" in made.action
    assert made.because == ["culture.who_knows", "person.contact_preference"]
    assert "discreet_contact" not in objective_ids(plan_for(assessment({"culture.who_knows": "all_know"})))


def test_heritage_support_replaces_the_general_mentoring_offer():
    young = {"person.age": 22, "person.area": "Lambeth", "ethnicity.ons_category": "mixed_white_black_african"}
    assert "culturally_specific_mentoring" in objective_ids(plan_for(assessment(young)))
    exploring = plan_for(
        assessment({**young, "ethnicity.heritage_knowledge": "no", "ethnicity.explore_heritage": "yes"})
    )
    ids = objective_ids(exploring)
    assert "explore_heritage" in ids and "culturally_specific_mentoring" not in ids
    assert {"mentoring", "cultural_community"} <= referral_needs(exploring)
    assert objective(exploring, "explore_heritage").because == ["ethnicity.explore_heritage"]


def test_a_concern_to_raise_is_taken_forward_within_two_weeks_instead_of_a_general_explanation():
    plan = plan_for(person("kurdish_man_leeds_family_unaware"))
    ids = objective_ids(plan)
    assert "concern_raised" in ids and "complaint_route_explained" not in ids
    made = objective(plan, "concern_raised")
    assert made.target_date == ASSESSED_ON + timedelta(days=14)
    assert "Prisons and Probation Ombudsman" in made.action and "their manager will do this" in made.action
    assert "police, courts or prisons" not in made.action  # he met unfairness at work and in probation only
    police = plan_for(assessment({"discrimination.experiences": ["police"], "discrimination.raise_concern": "yes"}))
    assert "police, courts or prisons" in objective(police, "concern_raised").action


def test_someone_else_to_talk_to_is_a_mentoring_referral_need():
    plan = plan_for(person("woman_recent_harm_manchester"))
    made = objective(plan, "talk_with_someone_else")
    assert made.because == ["discrimination.talk_preference"]
    assert any("Mentoring from someone of a similar background" in w for w in plan.warnings)  # none in Manchester
    assert "discrimination_acknowledged" not in objective_ids(plan)  # nothing asked, nothing assumed


def test_immigration_advice_when_the_person_asks_for_it_or_their_status_is_something_else():
    plan = plan_for(person("kurdish_man_leeds_family_unaware"))
    made = objective(plan, "immigration_advice")
    assert "Immigration Advice Authority" in made.action and "OISC" in made.action
    # Joined to the Home Office dates objective, the free advice they asked for is said in a few words.
    assert "As you asked, it will be free advice" in made.action
    assert {"immigration.status", "immigration.legal_advice_wanted"} <= set(made.because)
    assert "immigration_advice" in referral_needs(plan)
    # He may work: nothing about permitted activities only.
    assert "permitted_activities" not in objective_ids(plan)

    asked_only = plan_for(
        assessment(
            {
                "immigration.status": "settled",
                "immigration.home_office_matters": "yes",
                "immigration.legal_representation": "no",
                "immigration.legal_advice_wanted": "yes",
            }
        )
    )
    assert "immigration.legal_advice_wanted" in objective(asked_only, "immigration_advice").because
    not_wanted = plan_for(assessment({"immigration.status": "asylum_seeker", "immigration.legal_advice_wanted": "no"}))
    assert "You asked for help" not in objective(not_wanted, "immigration_advice").action
    assert "As you asked" not in objective(not_wanted, "immigration_advice").action
    assert any("does not want help finding immigration advice" in w for w in not_wanted.warnings)


def test_harassment_help_wanted_or_not_is_said_in_the_objective():
    wanted = plan_for(
        assessment({"discrimination.current_harassment": "yes", "discrimination.harassment_help_wanted": "yes"})
    )
    assert "You asked for help with this" in objective(wanted, "harassment_safety_now").action
    not_wanted = plan_for(
        assessment({"discrimination.current_harassment": "yes", "discrimination.harassment_help_wanted": "no"})
    )
    made = objective(not_wanted, "harassment_safety_now")
    assert "you do not want help to report it at the moment" in made.action
    assert "You asked for help" not in made.action


# --- Faith, shame, wellbeing, complaints and reading: answers that shape supervision -----------------


def test_faith_needs_beyond_times_are_folded_into_the_one_faith_objective():
    answers = {
        "faith.religion": "muslim",
        "faith.practice_needs": ["prayer_times", "quiet_space", "same_gender_staff", "dress"],
    }
    plan = plan_for(assessment(answers))
    ids = objective_ids(plan)
    assert "appointments_fit_faith" in ids and "faith_respected_in_supervision" not in ids
    made = objective(plan, "appointments_fit_faith")
    # In a few words each, after the times (their full sentences are for faith_respected_in_supervision alone).
    assert "a quiet, private place and time to pray at the probation office, unpaid work or a programme" in made.action
    assert "staff of your gender for a search, drug test or home visit where possible, or you are told first" in made.action
    assert "religious clothing, head covering and symbols respected" in made.action
    assert made.because == ["faith.practice_needs"]


def test_faith_needs_without_times_get_their_own_objective_with_only_what_was_said():
    answers = {
        "faith.religion": "sikh",
        "faith.practice_needs": ["dress"],
        "faith.practice_needs_detail": "I wear a turban and a kara.",
    }
    plan = plan_for(assessment(answers))
    assert "appointments_fit_faith" not in objective_ids(plan)
    made = objective(plan, "faith_respected_in_supervision")
    assert "safety clothing at unpaid work" in made.action
    assert 'You said: "I wear a turban and a kara."' in made.action
    assert "same gender" not in made.action and "quiet, private space" not in made.action
    assert made.target_date == ASSESSED_ON + timedelta(days=14)
    assert made.because == ["faith.practice_needs", "faith.practice_needs_detail"]


def test_shame_is_recognised_and_support_offered_only_if_wanted():
    answers = {
        "culture.shame_stigma": "yes",
        "culture.shame_effect": "I stopped going to the gurdwara.",
        "culture.family_involvement": "no",
        "culture.who_knows": "nobody_knows",
    }
    plan = plan_for(assessment(answers))
    made = objective(plan, "shame_and_stigma")
    assert made.need_area == "relationships"
    assert '(you said: "I stopped going to the gurdwara.")' in made.action
    assert "do not want your family involved" in made.action and "mediator" not in made.action
    assert "Nobody who does not already know you are on probation will be told" in made.action
    assert "Nothing will be arranged unless you ask for it." in made.action
    assert made.because == [
        "culture.shame_stigma",
        "culture.shame_effect",
        "culture.family_involvement",
        "culture.who_knows",
    ]
    assert "discreet_contact" in objective_ids(plan)  # the contact arrangements stay their own objective

    open_to_family = objective(plan_for(assessment({"culture.shame_stigma": "yes"})), "shame_and_stigma")
    assert "an elder or a mediator" in open_to_family.action
    assert "you said" not in open_to_family.action and "Nobody who does not" not in open_to_family.action
    for answer in ("no", "unsure", "declined"):
        assert "shame_and_stigma" not in objective_ids(plan_for(assessment({"culture.shame_stigma": answer})))


def test_shame_with_a_wish_to_reconnect_is_one_community_objective_with_support_where_the_area_has_it():
    answers = {
        "person.area": "Bradford",
        "ethnicity.ons_category": "asian_pakistani",
        "culture.shame_stigma": "yes",
        "culture.reconnect": "yes",
    }
    plan = plan_for(assessment(answers))
    assert "shame_and_stigma" not in objective_ids(plan)
    made = objective(plan, "community_connection_culture")
    assert "brought shame or distance from people around you" in made.action
    assert "culture.shame_stigma" in made.because
    south_asian = [r for r in plan.referrals if r.id == "example-south-asian-wellbeing-yorkshire"]
    assert south_asian and "culturally_specific_mental_health" in south_asian[0].needs


def test_very_low_wellbeing_gets_support_within_two_weeks():
    answers = {"person.area": "Sheffield", "ethnicity.ons_category": "asian_indian", "trauma.wellbeing_now": "very_low"}
    plan = plan_for(assessment({**answers, "trauma.self_harm_thoughts": "no", "trauma.mental_health_support": "none"}))
    made = objective(plan, "wellbeing_support")
    assert made.target_date == ASSESSED_ON + timedelta(days=14)
    assert "your GP, a talking therapy service" in made.action
    assert "stopped" not in made.action and "waiting" not in made.action
    assert made.because == ["trauma.wellbeing_now"]  # "no" to self-harm thoughts is not a reason, nor is "none"
    # South Yorkshire has a South Asian wellbeing service, local and culturally specific: it is the one in the
    # plan; the national talking therapy service is one of the further services, for the officer to bring in.
    assert [r.id for r in plan.referrals] == ["example-south-asian-wellbeing-yorkshire"]
    assert "example-talking-therapies-national" in [r.id for r in plan.further_referrals]
    elsewhere = plan_for(assessment({"person.area": "Manchester", "trauma.wellbeing_now": "very_low"}))
    assert [r.id for r in elsewhere.referrals if "mental_health_support" in r.needs] == [
        "example-talking-therapies-national"
    ]


def test_support_that_stopped_or_has_not_started_is_one_objective_about_getting_support():
    stopped = plan_for(assessment({"trauma.wellbeing_now": "very_low", "trauma.mental_health_support": "stopped"}))
    ids = objective_ids(stopped)
    assert "wellbeing_support" in ids and "mental_health_support_restart" not in ids
    assert "You had support that stopped" in objective(stopped, "wellbeing_support").action

    doing_ok = plan_for(assessment({"trauma.wellbeing_now": "okay", "trauma.mental_health_support": "stopped"}))
    restart = objective(doing_ok, "mental_health_support_restart")
    assert restart.action.startswith("You told us you had help with your mental health or wellbeing that has stopped.")
    assert "waiting" not in restart.action and "mental_health_support" in referral_needs(doing_ok)
    assert restart.target_date == ASSESSED_ON + timedelta(days=28)

    waiting = plan_for(assessment({"trauma.mental_health_support": "waiting"}))
    made = objective(waiting, "mental_health_support_restart")
    assert made.action.startswith("You told us you are waiting for help") and "  " not in made.action
    assert "mental_health_support" not in referral_needs(waiting)  # a service is already lined up

    for answer in ("getting_support", "none"):
        assert "mental_health_support_restart" not in objective_ids(
            plan_for(assessment({"trauma.mental_health_support": answer}))
        )


def test_thoughts_of_self_harm_fold_the_support_into_the_safety_plan():
    answers = {
        "trauma.wellbeing_now": "very_low",
        "trauma.self_harm_thoughts": "yes",
        "trauma.mental_health_support": "waiting",
    }
    plan = plan_for(assessment(answers))
    ids = objective_ids(plan)
    assert "wellbeing_support" not in ids and "mental_health_support_restart" not in ids
    made = objective(plan, "self_harm_safety_plan")
    assert "You told us you are waiting for support" in made.action
    assert "trauma.mental_health_support" in made.because


def test_struggling_is_a_warning_not_an_objective():
    plan = plan_for(assessment({"trauma.wellbeing_now": "struggling", "trauma.self_harm_thoughts": "no"}))
    assert not [o for o in plan.objectives if o.need_area == "emotional_wellbeing"]
    assert any(w.startswith("The person said they are struggling") for w in plan.warnings)
    with_thoughts = plan_for(assessment({"trauma.wellbeing_now": "struggling", "trauma.self_harm_thoughts": "yes"}))
    assert not any(w.startswith("The person said they are struggling") for w in with_thoughts.warnings)


def test_not_knowing_how_to_complain_gets_the_route_explained_within_two_weeks():
    plan = plan_for(assessment({"discrimination.complaint_known": "unsure"}))
    made = objective(plan, "how_to_complain")
    assert made.target_date == ASSESSED_ON + timedelta(days=14)
    assert "Prisons and Probation Ombudsman" in made.action and "including about them" in made.action
    assert "police, courts or prisons" not in made.action
    assert "discrimination_advice" not in referral_needs(plan)  # the officer explains; nothing to refer yet

    police = plan_for(assessment({"discrimination.experiences": ["police"], "discrimination.complaint_known": "no"}))
    ids = objective_ids(police)
    assert "how_to_complain" in ids and "complaint_route_explained" not in ids  # one objective, not two
    assert "police, courts or prisons" in objective(police, "how_to_complain").action
    assert "discrimination_advice" in referral_needs(police)

    raising = plan_for(assessment({"discrimination.complaint_known": "no", "discrimination.raise_concern": "yes"}))
    assert "concern_raised" in objective_ids(raising) and "how_to_complain" not in objective_ids(raising)
    knows = plan_for(assessment({"discrimination.experiences": ["police"], "discrimination.complaint_known": "yes"}))
    assert "complaint_route_explained" in objective_ids(knows) and "how_to_complain" not in objective_ids(knows)


def test_reading_help_shapes_how_information_is_given():
    answers = {
        "language.preferred_language": "Tigrinya",
        "language.literacy": "yes",
        "language.reading_help": ["read_aloud", "text_reminders", "translated", "help_with_forms"],
    }
    plan = plan_for(assessment(answers))
    made = objective(plan, "written_information")
    assert "gone through with you out loud, and" in made.action
    assert "go through it together" in made.action and "text reminder" in made.action
    assert "in Tigrinya as well as in English" in made.action and "help you fill in forms" in made.action
    assert "phone as well as by letter" not in made.action and "large print" not in made.action
    assert "reading letters in English is hard" not in made.action
    assert "reading_writing_support" not in objective_ids(plan)  # not asked for: never assumed
    assert made.because == ["language.literacy", "language.reading_help", "language.preferred_language"]

    unnamed = objective(
        plan_for(assessment({"language.literacy": "unsure", "language.reading_help": ["translated"]})),
        "written_information",
    )
    assert "in your language as well as in English" in unnamed.action


def test_little_written_english_means_letters_and_the_plan_are_explained_out_loud():
    answers = {"language.written_english": "little_or_none", "language.interpreter_needed": "yes"}
    made = objective(plan_for(assessment(answers)), "written_information")
    assert "out loud with an interpreter" in made.action
    # Joined to the interpreter objective, its help is said in a few words each.
    assert "letters in English explained to you by phone or at your next appointment" in made.action
    # Joined to the interpreter objective, so it is due when that is: within a week.
    assert made.id == "interpreter_every_appointment" and made.target_date == ASSESSED_ON + timedelta(days=7)


def test_help_to_read_and_write_only_when_the_person_asked_for_it():
    answers = {"language.literacy": "yes", "language.reading_help": ["learning_support"]}
    plan = plan_for(assessment(answers))
    made = objective(plan, "reading_writing_support")
    assert made.need_area == "education_training_employability" and "at your own pace" in made.action
    assert [r.id for r in plan.referrals if "literacy_support" in r.needs] == ["example-adult-literacy-national"]


def test_official_letters_being_harder_is_a_warning_not_an_objective():
    plan = plan_for(assessment({"language.written_english": "everyday", "language.literacy": "no"}))
    assert "written_information" not in objective_ids(plan)
    assert any("finds official letters harder" in w for w in plan.warnings)


def test_a_fictional_person_with_shame_low_mood_and_reading_needs_gets_a_plan_without_duplicates():
    plan = plan_for(person("sikh_man_sheffield_shame_reading"))
    ids = objective_ids(plan)
    for expected in (
        "written_information",
        "reading_writing_support",
        "appointments_fit_faith",
        "shame_and_stigma",
        "discreet_contact",
        "how_to_complain",
        "wellbeing_support",
    ):
        assert expected in ids, expected
    for absent in ("faith_respected_in_supervision", "mental_health_support_restart", "complaint_route_explained"):
        assert absent not in ids, absent
    assert "turban" in objective(plan, "appointments_fit_faith").action
    assert len(ids) == len(set(ids))


def test_safety_objectives_head_the_plan():
    plan = plan_for(person("woman_recent_harm_manchester"))
    assert objective_ids(plan)[:2] == ["self_harm_safety_plan", "recent_harm_safety"]


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
    # Several passed dates are one warning, naming each.
    later = plan_for(person("bradford_woman_interpreter"), today=ASSESSED_ON + timedelta(days=400))
    passed = [w for w in later.warnings if "was due on" in w]
    assert len(passed) == 1 and passed[0].count("was due on") == len(later.objectives) > 1


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
    assert "will be passed to the manager who allocates cases" in text
    assert text.startswith("# Sentence plan") and "**In this plan:** " in text.split("## ")[0]
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
    # The one faith objective carries the food needs too (faith_diet is merged into it).
    assert "faith_diet" in objective(plan, "appointments_fit_faith").merged_from
    plan = edit_objective(
        plan, "appointments_fit_faith", action="Halal food at any group session.", person_view="That matters"
    )
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

    # Later: only food needs planning, now being harassed, no longer wants trauma support.
    changed = who.model_copy(deep=True)
    changed.answers["faith.practice_needs"] = Answer(question_id="faith.practice_needs", status="answered", value=["diet"])
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
    # What the kept faith objective covers is not suggested a second time.
    assert [o.id for o in again.objectives + again.also_suggested if "faith_diet" in (o.id, *o.merged_from)] == [
        "appointments_fit_faith"
    ]
    assert any('"Appointments arranged around faith practice" was kept as you left it' in w for w in again.warnings)
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
