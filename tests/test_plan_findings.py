"""Issue 8: every answer counts, and each finding of the 2021 inspection has a rule, tried on a fictional person.

The people are in tests/fixtures/people/ (interchange files); each is drawn from a case story in HM
Inspectorate of Probation's 2021 race equality report (sections 3.1 to 3.3 and 5), named in the fixture.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from planning_support import (
    ASSESSED_ON,
    assessment,
    bank,
    directory,
    objective,
    objective_ids,
    person,
    plan_for,
    referral_needs,
    rules,
    with_rules,
)

from oasys_diversity.bank import check_content, load_bank
from oasys_diversity.coverage import coverage
from oasys_diversity.export import markdown, oasys_text
from oasys_diversity.export.summary import CATEGORY_WITHHELD, build_summary
from oasys_diversity.questions import QUESTIONS_DIR


def actions(plan) -> str:
    return " ".join(o.action for o in plan.objectives)


def within(plan, objective_id: str, days: int) -> bool:
    return objective(plan, objective_id).target_date <= ASSESSED_ON + timedelta(days=days)


# ---------------------------------------------------------------------------------------------
# 1. Every answer counts
# ---------------------------------------------------------------------------------------------


def test_every_shipped_question_feeds_the_plan_or_says_why_not():
    found = coverage(bank())
    assert found.unread == []
    assert found.feeding + len(found.record_only) == found.total == len(bank().questions)
    assert found.feeding >= 95
    for question_id in found.record_only:
        assert len(bank().question(question_id).record_only.split()) >= 8, question_id


def test_a_new_question_read_by_nothing_fails_the_check(tmp_path: Path):
    folder = tmp_path / "questions"
    shutil.copytree(QUESTIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    question = """
[[questions]]
id = "person.favourite_colour"
kind = "text"
label = "Favourite colour"
prompt = "What is your favourite colour?"
[questions.guidance]
why = "A question added without thinking about where its answer goes."
listen_for = "Anything at all, which is exactly the problem here."
if_declined = "Move on, nothing depends on it in any way."
"""
    with (folder / "person.toml").open("a", encoding="utf-8") as handle:
        handle.write(question)
    problems = check_content(folder)
    assert len(problems) == 1 and "person.favourite_colour" in problems[0] and "record_only" in problems[0]
    assert problems[0].startswith(f"{folder / 'person.toml'}:")
    marked = question.replace(
        'kind = "text"', 'kind = "text"\nrecord_only = "Kept for the record: no decision rests on it."'
    )
    (folder / "person.toml").write_text(
        (folder / "person.toml").read_text(encoding="utf-8").replace(question, marked), encoding="utf-8"
    )
    assert check_content(folder) == []
    assert "person.favourite_colour" in coverage(load_bank(folder), folder).record_only


# ---------------------------------------------------------------------------------------------
# 2. Money and a roof now (HMIP 2021, 3.1: Barkhado; Farshid)
# ---------------------------------------------------------------------------------------------


def test_a_widow_with_no_income_and_a_lost_home_gets_help_within_two_weeks():
    plan = plan_for(person("widow_luton_no_income_since_death"))
    money, housing = objective(plan, "money_now"), objective(plan, "housing_now")
    assert within(plan, "money_now", 14) and within(plan, "housing_now", 14)
    # A British citizen can claim: benefits and a bereavement payment, crisis help meanwhile.
    assert "bereavement payment" in money.action and "lost someone close recently" in money.action
    assert "cannot claim" not in money.action
    assert "council's housing team" in housing.action
    assert {"benefits_advice", "crisis_help", "housing_advice"} <= referral_needs(plan)


def test_asylum_support_never_points_to_benefits():
    plan = plan_for(person("asylum_appeal_bedford_unpaid_work"))
    money = objective(plan, "money_now")
    assert within(plan, "money_now", 14)
    assert "living on asylum support" in money.action
    assert "which benefits you can claim" not in actions(plan)
    assert "asylum_support" in referral_needs(plan) and "benefits_advice" not in referral_needs(plan)
    # One money objective, not two.
    assert "support_without_public_funds" not in objective_ids(plan)
    # On asylum support means no public funds: no paid work or funded course either.
    assert "refugee_employment" not in objective_ids(plan) and "permitted_activities" in objective_ids(plan)


def test_no_recourse_to_public_funds_gets_the_no_funds_wording_and_unknown_is_checked_first():
    no_funds = plan_for(
        assessment(
            {
                "person.money_now": "struggling",
                "immigration.status": "limited_leave",
                "immigration.public_funds": "no",
                "person.housing_now": "no_home",
            }
        )
    )
    assert "You cannot claim most benefits" in objective(no_funds, "money_now").action
    assert "no recourse to public funds" in objective(no_funds, "housing_now").action
    assert "council's housing team" not in objective(no_funds, "housing_now").action
    unknown = plan_for(assessment({"person.money_now": "no_income", "immigration.status": "pre_settled"}))
    assert "Before anything depends on benefits" in objective(unknown, "money_now").action


# ---------------------------------------------------------------------------------------------
# Requirements the person cannot reach (HMIP 2021, 3.1: Farshid's fares to unpaid work)
# ---------------------------------------------------------------------------------------------


def test_fares_and_reporting_days_are_sorted_within_a_week_so_poverty_never_becomes_a_breach():
    plan = plan_for(person("asylum_appeal_bedford_unpaid_work"))
    reach = objective(plan, "requirements_within_reach")
    assert within(plan, "requirements_within_reach", 7)
    assert "fares will be paid" in reach.action and "travel warrant" in reach.action
    assert "report to the Home Office" in reach.action and "every other Tuesday" in reach.action
    assert "ask the court to change the requirement" in reach.action
    # The Home Office dates are said once, inside this objective.
    assert "home_office_dates" not in objective_ids(plan)


def test_caring_hours_and_the_guard_keep_it_within_a_week():
    plan = plan_for(person("widow_luton_no_income_since_death"))
    assert "fit around the people you look after" in objective(plan, "requirements_within_reach").action
    slow = [
        r.model_copy(update={"timescale": r.timescale.model_copy(update={"days": 60})})
        if r.id == "requirements_within_reach"
        else r
        for r in rules().objectives
    ]
    capped = plan_for(person("widow_luton_no_income_since_death"), ruleset=with_rules(objectives=slow))
    assert within(capped, "requirements_within_reach", 7)


# ---------------------------------------------------------------------------------------------
# Proof of status (HMIP 2021, 3.2: assumptions about the right to work, delays over status)
# ---------------------------------------------------------------------------------------------


def test_an_expired_card_gets_help_before_any_job_step():
    plan = plan_for(person("refugee_birmingham_expired_card_attacked"))
    proof = objective(plan, "proof_of_status")
    assert within(plan, "proof_of_status", 14)
    assert "Your card has expired" in proof.action and "free eVisa" in proof.action
    assert objective(plan, "refugee_employment").target_date > proof.target_date


# ---------------------------------------------------------------------------------------------
# Bereavement (HMIP 2021, 3.1: Barkhado and her children; 3.3: the funeral abroad)
# ---------------------------------------------------------------------------------------------


def test_bereavement_support_is_dated_children_only_with_agreement_travel_on_its_merits():
    plan = plan_for(person("widow_luton_no_income_since_death"))
    grief = objective(plan, "bereavement_support")
    assert within(plan, "bereavement_support", 14)
    assert "with your agreement" in grief.action and "bereaved children" in grief.action
    assert "decided on its own merits" in grief.action and "reasons in writing" in grief.action
    assert "travel abroad" in grief.action
    assert "as your own faith and family keep them" in grief.action
    assert "bereavement_support" in referral_needs(plan)


def test_children_not_now_means_nothing_arranged_for_them():
    plan = plan_for(
        assessment(
            {
                "trauma.experiences": ["bereavement"],
                "trauma.bereavement_recent": "yes",
                "trauma.bereavement_children": "not_now",
            }
        )
    )
    grief = objective(plan, "bereavement_support")
    assert "nothing will be arranged for them without your agreement" in grief.action
    assert "help you find a service that supports bereaved children" not in grief.action


def test_a_travel_request_is_decided_on_its_merits_with_written_reasons():
    plan = plan_for(
        assessment(
            {"immigration.travel_abroad": "yes", "immigration.travel_detail": "Kingston, for my grandmother's funeral"}
        )
    )
    travel = objective(plan, "travel_requests_on_merits")
    assert "own merits" in travel.action and "in writing" in travel.action and "Kingston" in travel.action


# ---------------------------------------------------------------------------------------------
# The people the person named (HMIP 2021, 3.3: Amar's father, brother and uncle the minister)
# ---------------------------------------------------------------------------------------------


def test_the_family_and_faith_leader_named_are_in_the_plan_by_name_and_role():
    plan = plan_for(person("christian_man_birmingham_uncle_minister"))
    family = objective(plan, "family_named_involved")
    assert '"My dad, and my brother Ravi, at my reviews"' in family.action
    assert "My uncle Samuel is the minister at our church" in family.action
    faith = objective(plan, "community_connection_faith")
    assert "Pastor Samuel Gill, my uncle, the minister at New Life" in faith.action
    assert "New Life Pentecostal" in faith.action
    # Said once: the faith-community objective carries the leader, so no second objective for it.
    assert "faith_leader_named" not in objective_ids(plan)


def test_a_faith_leader_agreed_without_a_wish_to_reconnect_gets_its_own_objective():
    plan = plan_for(
        assessment(
            {
                "faith.reconnect": "unsure",
                "faith.leader_contact": "yes",
                "faith.leader_name": "Granthi Harpal at the gurdwara on Firth Park Road",
            }
        )
    )
    assert "Granthi Harpal" in objective(plan, "faith_leader_named").action


def test_never_where_family_involvement_was_declined():
    who = person("manchester_woman_family_declined_topics_later")
    plan = plan_for(who)
    assert "family_named_involved" not in objective_ids(plan)
    assert "family_language_support" not in objective_ids(plan)
    assert "Beverley" not in actions(plan)
    # The guard holds even if a rule would have involved them.
    careless = [
        r.model_copy(update={"unless": None}) if r.id == "family_language_support" else r for r in rules().objectives
    ]
    assert "family_language_support" not in objective_ids(plan_for(who, ruleset=with_rules(objectives=careless)))


# ---------------------------------------------------------------------------------------------
# Faith as a strength (HMIP 2021, 3.2: Muhammad's Friday prayers called a 'display')
# ---------------------------------------------------------------------------------------------


def test_faith_that_keeps_him_away_from_offending_is_a_strength_in_his_words():
    plan = plan_for(person("muslim_man_bradford_friday_prayers"))
    strength = objective(plan, "faith_protective_factor")
    assert '"Going to Friday prayers keeps me away from the lads I used to knock about with."' in strength.action
    assert "will not question how you practise" in strength.action
    assert "faith.importance" not in strength.because


def test_nothing_rates_how_sincere_or_important_faith_is():
    words = re.compile(r"\b(sincer\w*|genuine(ly)? (religious|faith)|devout|how religious)\b", re.IGNORECASE)
    for question in bank().questions:
        assert not words.search(f"{question.prompt} {' '.join(o.label for o in question.options)}"), question.id
    readers = coverage(bank()).readers
    assert "faith.importance" not in readers  # no rule weighs faith by it
    assert bank().question("faith.importance").record_only


# ---------------------------------------------------------------------------------------------
# Putting the record right (HMIP 2021, 3.1: Anand and Barkhado; 3.3: Amar's religion)
# ---------------------------------------------------------------------------------------------


def test_a_wrong_religion_is_corrected_in_his_own_words():
    plan = plan_for(person("christian_man_birmingham_uncle_minister"))
    fixed = objective(plan, "record_put_right")
    assert within(plan, "record_put_right", 28)
    assert '"Pentecostal Christian"' in fixed.action and "tell you what they have changed" in fixed.action


def test_an_earlier_report_that_denied_trauma_is_put_right_without_repeating_its_words():
    who = person("widow_luton_no_income_since_death")
    plan = plan_for(who)
    fixed = objective(plan, "record_put_right")
    assert "earlier report" in fixed.action
    forbidden = rules().forbidden_phrases(who.answers)
    assert forbidden and not any(p in actions(plan).lower() for p in forbidden)


# ---------------------------------------------------------------------------------------------
# Interpreters (HMIP 2021, 3.1: Farshid; 3.2: Abdul; 3.4)
# ---------------------------------------------------------------------------------------------


def test_a_warning_given_without_an_interpreter_is_reviewed():
    plan = plan_for(person("asylum_appeal_bedford_unpaid_work"))
    review = objective(plan, "enforcement_reviewed")
    assert within(plan, "enforcement_reviewed", 14)
    assert "with an interpreter in Farsi" in review.action and "put it right" in review.action


def test_not_sure_or_little_english_means_an_interpreter_to_agree_the_plan_in_the_named_language():
    plan = plan_for(person("asylum_appeal_bedford_unpaid_work"))
    agree = objective(plan, "interpreter_check")
    assert within(plan, "interpreter_check", 7)
    assert "interpreter speaking Farsi before you are asked whether you agree" in agree.action
    assert any("go through this plan with an interpreter" in w for w in plan.warnings)
    assert "interpreting" in referral_needs(plan)
    # Little spoken English with "no interpreter" still gets one for the plan, in their own language.
    little = plan_for(
        assessment(
            {
                "language.spoken_english": "little_or_none",
                "language.interpreter_needed": "no",
                "language.preferred_language": "Sylheti",
            }
        )
    )
    assert "interpreter speaking Sylheti" in objective(little, "interpreter_check").action


# ---------------------------------------------------------------------------------------------
# Topics put off or refused (HMIP 2021, 5.2: racism never discussed; trauma support never followed up)
# ---------------------------------------------------------------------------------------------


def test_another_time_comes_back_on_her_date_and_not_at_all_is_a_visible_respected_refusal():
    plan = plan_for(person("manchester_woman_family_declined_topics_later"))
    later = objective(plan, "past_experiences_later")
    assert within(plan, "past_experiences_later", 28) and "After my court date in January" in later.action
    refused = objective(plan, "discrimination_refused")
    assert "that choice is respected" in refused.action and "not that there was nothing to say" in refused.action


def test_later_for_discrimination_and_not_at_all_for_the_past_are_never_silent():
    plan = plan_for(
        assessment(
            {
                "discrimination.talk_preference": "talk_later",
                "discrimination.come_back_when": "next month",
                "trauma.ready": "not_at_all",
            }
        )
    )
    assert "next month" in objective(plan, "discrimination_later").action
    assert "will not ask about it again unless you raise it" in objective(plan, "past_experiences_refused").action


# ---------------------------------------------------------------------------------------------
# Victims of violent crime (HMIP 2021, 3.1: Anand, attacked with a knife)
# ---------------------------------------------------------------------------------------------


def test_a_street_attack_gets_a_violent_crime_service_and_no_abuse_wording():
    plan = plan_for(person("refugee_birmingham_expired_card_attacked"))
    assert "violent_crime_victim_support" in objective_ids(plan)
    assert "violent_crime_support" in referral_needs(plan)
    assert not re.search(r"domestic|sexual", actions(plan), re.IGNORECASE)


def test_recent_violence_safety_wording_fits_what_happened():
    attacked = plan_for(
        assessment(
            {"trauma.experiences": ["violence_victim"], "trauma.recent_harm": "yes", "trauma.still_affects": "yes"}
        )
    )
    safety = objective(attacked, "recent_harm_safety")
    assert "victims of violent crime" in safety.action
    assert not re.search(r"domestic|sexual", actions(attacked), re.IGNORECASE)
    assert "violent_crime_victim_support" not in objective_ids(attacked)  # said once, in the safety plan
    abused = plan_for(assessment({"trauma.experiences": ["domestic_abuse"], "trauma.recent_harm": "yes"}))
    assert "domestic or sexual abuse service" in objective(abused, "recent_harm_safety").action


# ---------------------------------------------------------------------------------------------
# Referrals in the person's language; concerns taken forward in it
# ---------------------------------------------------------------------------------------------


def test_a_referral_without_his_language_is_flagged_with_who_contacts_and_interprets():
    plan = plan_for(person("refugee_birmingham_expired_card_attacked"))
    flagged = [w for w in plan.warnings if "not list Tigrinya" in w]
    assert len(flagged) == 1  # one warning names every such referral
    assert '"Support after violent crime"' in flagged[0]
    assert "You make the first contact" in flagged[0] and "interpreter for Tigrinya" in flagged[0]
    # The interpreting service itself, and a service that lists the language, are never flagged.
    assert "Interpreting and translation" not in flagged[0]
    assert "All of this will be done in Tigrinya" in objective(plan, "concern_raised").action


def test_no_language_flag_for_someone_who_needs_no_interpreter():
    plan = plan_for(
        assessment(
            {
                "person.area": "Birmingham",
                "language.first_language": "Tigrinya",
                "language.spoken_english": "fluent",
                "language.interpreter_needed": "no",
                "trauma.experiences": ["violence_victim"],
                "trauma.still_affects": "yes",
            }
        )
    )
    assert not any("not list" in w for w in plan.warnings)


# ---------------------------------------------------------------------------------------------
# Mentoring and faith wording (HMIP 2021, 5.3; EP:IC: matching "is not that simple")
# ---------------------------------------------------------------------------------------------


def _rule_texts() -> list[tuple[str, str]]:
    texts = []
    for rule in rules().objectives:
        texts.append((rule.id, f"{rule.title} {rule.action} {rule.measure} {rule.person_view_prompt or ''}"))
        texts += [(f"{rule.id}.{name}", part.text) for name, part in rule.optional.items()]
    return texts


def test_mentoring_is_a_question_never_triggered_by_ethnic_category_and_never_people_like_you():
    young = plan_for(person("muslim_man_bradford_friday_prayers"))
    offer = objective(young, "culturally_specific_mentoring")  # on its own, or joined to the community objective
    assert "like a mentor" in offer.action
    assert "ethnicity.ons_category" not in offer.because
    white = plan_for(assessment({"person.age": 22, "ethnicity.ons_category": "white_british"}))
    assert "culturally_specific_mentoring" in objective_ids(white)  # the offer does not depend on ethnicity
    category_only = plan_for(assessment({"ethnicity.ons_category": "black_caribbean", "person.age": 40}))
    assert "culturally_specific_mentoring" not in objective_ids(category_only)
    for where, text in _rule_texts():
        assert "people like you" not in text.lower(), where


def test_faith_wording_names_only_the_persons_own_practice():
    # Rule text never names a tradition's practice or place for everyone; the person's own words may.
    other_faiths = re.compile(
        r"friday prayers|sabbath|sunday service|mosque|church|gurdwara|temple|synagogue|mass\b|namaz|puja",
        re.IGNORECASE,
    )
    for where, text in _rule_texts():
        assert not other_faiths.search(text), where
    plan = plan_for(person("muslim_man_bradford_friday_prayers"))
    fit = objective(plan, "appointments_fit_faith")
    assert "Sabbath" not in fit.action and "Sunday" not in fit.action and "Friday prayers" in fit.action


# ---------------------------------------------------------------------------------------------
# Recording preferences honoured in the plan and every export
# ---------------------------------------------------------------------------------------------


def test_own_words_only_leaves_the_official_category_out_of_the_plan_and_exports():
    who = person("muslim_man_bradford_friday_prayers")
    plan = plan_for(who)
    assert "official category will be left as not stated" in objective(plan, "ethnicity_recorded_own_words").action
    summary = build_summary(who, plan, bank(), rules=rules())
    for text in (markdown.render(summary), oasys_text.render(summary)):
        assert "Pakistani" not in text.replace("British Pakistani, Mirpuri family", "")
        assert "British Pakistani, Mirpuri family" in text
        assert CATEGORY_WITHHELD in re.sub(r"\s+", " ", text)


def test_own_words_and_category_keeps_the_category():
    who = assessment(
        {
            "ethnicity.self_description": "Kurdish",
            "ethnicity.ons_category": "other_any",
            "ethnicity.recording_preference": "own_words_and_category",
        }
    )
    summary = build_summary(who, plan_for(who), bank(), rules=rules())
    assert CATEGORY_WITHHELD not in markdown.render(summary)


# ---------------------------------------------------------------------------------------------
# 4. Words the person can hear
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "must_say", "must_not_say"),
    [
        ("discrimination.probation_experience", "You don't have to say what happened", "What happened?"),
        ("discrimination.grounds", "You don't have to explain it or prove anything", "What do you think it was about?"),
        ("immigration.status", "rather not say", "Which of these best describes"),
        ("trauma.experiences", "point to them", "I'm going to read out"),
    ],
)
def test_prompts_a_person_can_hear(question_id, must_say, must_not_say):
    prompt = bank().question(question_id).prompt
    assert must_say in prompt and must_not_say not in prompt


def test_status_explains_what_is_shared_and_hard_experiences_are_shown_not_read_out():
    status = bank().question("immigration.status")
    assert "card" in status.prompt and "Home Office" in status.prompt
    check_in = bank().domain("immigration").check_in.text
    assert "what probation shares with the Home Office, and when" in check_in
    assert "tell the Home Office about convictions and sentences" in check_in
    experiences = bank().question("trauma.experiences")
    assert "card" in experiences.prompt and "interpreter" in experiences.guidance.listen_for


def test_the_options_people_need_are_there_and_the_old_codes_are_kept():
    assert "appeal_pending" in bank().question("immigration.status").codes()
    assert {"home_office", "housing", "police"} <= set(bank().question("discrimination.experiences").codes())
    assert bank().question("immigration.asylum_support").kind == "yes_no_unsure"
    assert bank().question("immigration.public_funds").codes() == ["yes", "no", "unsure"]


def test_every_new_need_has_an_example_service_with_no_invented_contact_details():
    for need in (
        "bereavement_support",
        "violent_crime_support",
        "crisis_help",
        "benefits_advice",
        "asylum_support",
        "housing_advice",
    ):
        services = [s for s in directory().services if need in s.needs]
        assert services, need
        assert all(s.national and "to be completed locally" in (s.contact or "").lower() for s in services), need


def test_docs_list_every_answer_and_what_it_leads_to():
    docs = (Path(__file__).parent.parent / "docs" / "planner.md").read_text(encoding="utf-8")
    for question in bank().questions:
        assert f"| `{question.id}` (" in docs, question.id
