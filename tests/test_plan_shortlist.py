"""A plan short enough to agree in one session: overlapping objectives merge, at most eight form the plan (the
rest are "also suggested"), warnings only where the officer must act, and no referral contradicts a guard.

Checked on the fullest fictional person (fullest_somali_woman_birmingham: every domain answered, many needs)
and on every fixture person.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from planning_support import PEOPLE, assessment, bank, objective, person, plan_for, rules

from oasys_diversity.plan_shortlist import PLAN_LIMIT, join_sentences
from oasys_diversity.planner import (
    accept_objective,
    add_objective,
    edit_objective,
    plan_from_json,
    plan_to_json,
    plan_to_markdown,
    promote_objective,
)

FULLEST = "fullest_somali_woman_birmingham"
EVERYONE = sorted(path.stem for path in PEOPLE.glob("*.json"))
# Groups whose problems are practical (money, a roof, papers): never sent down the complaints route.
PRACTICAL_GROUPS = {"money_housing", "status"}


def live(plan):
    return [o for o in plan.objectives if o.state != "declined"]


def groups_of(objective_) -> set[str]:
    ids = [objective_.rule_id or objective_.id, *objective_.merged_from]
    found = (rules().objective_rule(i) for i in ids)
    return {r.merge_group for r in found if r is not None and r.merge_group}


def sentences(text: str) -> set[str]:
    """The sentences of an action, less the person's own quoted words (which may rightly recur)."""
    unquoted = re.sub(r'"[^"]*"', '""', text)
    return {s.strip() for s in re.split(r"(?<=[.!?])\s+", unquoted) if len(s.strip()) > 40}


@pytest.mark.parametrize("who", EVERYONE)
def test_every_plan_is_short_and_says_each_thing_once(who):
    plan = plan_for(person(who))
    shown = live(plan) + plan.also_suggested
    assert len(live(plan)) <= PLAN_LIMIT
    assert plan.also_suggested == [] or len(live(plan)) == PLAN_LIMIT  # nothing waits while there is room
    # Most urgent first, in the plan and among the rest; nothing in the rest is more urgent than the plan.
    for listing in (live(plan), plan.also_suggested):
        assert [o.target_date for o in listing] == sorted(o.target_date for o in listing)
    if plan.also_suggested:
        assert max(o.target_date for o in live(plan)) <= plan.also_suggested[0].target_date
    # One objective per merge group; no rule twice; no sentence said by two objectives.
    seen_groups: list[str] = [g for o in shown for g in groups_of(o)]
    assert len(seen_groups) == len(set(seen_groups)), seen_groups
    carried = [rule_id for o in shown for rule_id in (o.id, *o.merged_from)]
    assert len(carried) == len(set(carried))
    said: dict[str, str] = {}
    for o in shown:
        for sentence in sentences(o.action):
            assert sentence not in said, f"{o.id} repeats {said.get(sentence)}: {sentence}"
            said[sentence] = o.id
    # Each warning once; none is only information about what a guard left out.
    assert len(plan.warnings) == len(set(plan.warnings))
    assert not any(w.startswith("Left out") for w in plan.warnings)


@pytest.mark.parametrize("who", EVERYONE)
def test_no_referral_contradicts_a_guard(who):
    someone = person(who)
    plan = plan_for(someone)
    holding = [g for g in rules().guards if g.holds(someone.answers)]
    forbidden = {n for g in holding if g.must_not is not None for n in g.must_not.needs}
    required = {
        item.need
        for g in holding
        for item in g.must
        if item.need and (item.when is None or item.when.evaluate(someone.answers))
    }
    asked_for = required | {
        need
        for o in live(plan)
        for rule_id in (o.rule_id, *o.merged_from)
        if rule_id and (rule := rules().objective_rule(rule_id)) is not None
        for need in rule.needs + [n for extra in rule.extra_needs for n in extra.needs]
    }
    for referral in plan.referrals:
        assert not set(referral.needs) & forbidden, referral.service
        # Every referral answers a need of an objective in the plan, or one a guard insists on.
        assert set(referral.needs) <= asked_for, (referral.service, referral.needs)


def test_no_practical_problem_goes_to_the_complaints_route():
    for rule in rules().objectives:
        if rule.merge_group in PRACTICAL_GROUPS:
            emitted = rule.needs + [n for extra in rule.extra_needs for n in extra.needs]
            assert "complaint_route" not in rule.tags and "discrimination_advice" not in emitted, rule.id
    # Something the person wants to raise is first gone through: a practical problem is sorted directly.
    raised = objective(plan_for(assessment({"discrimination.raise_concern": "yes"})), "concern_raised")
    assert "If it is a practical problem" in raised.action and "that needs no complaint" in raised.action
    assert raised.action.index("practical problem") < raised.action.index("complaints process")


def test_the_fullest_person_gets_eight_objectives_and_the_rest_also_suggested():
    plan = plan_for(person(FULLEST))
    assert len(live(plan)) == PLAN_LIMIT and len(plan.also_suggested) >= 3
    first = plan.objectives[0]
    assert first.id == "self_harm_safety_plan" and first.target_date == date(2026, 11, 20)
    # One safety objective, one communication-and-interpreter objective, one faith objective.
    assert set(first.merged_from) == {"recent_harm_safety", "harassment_safety_now"}
    talk = objective(plan, "interpreter_every_appointment")
    assert {"written_information", "family_language_support"} <= set(talk.merged_from)
    assert objective(plan, "faith_diet").id == "appointments_fit_faith"
    # One community objective (faith community, cultural community and heritage), offered to promote.
    community = objective(plan, "community_connection_culture")
    assert community in plan.also_suggested
    assert {"community_connection_faith", "community_connection_culture", "explore_heritage"} <= {
        community.id,
        *community.merged_from,
    }
    # One wellbeing-and-trauma objective.
    trauma = objective(plan, "trauma_informed_supervision")
    assert trauma.id == "trauma_informed_referral"


def test_merged_text_is_one_plain_paragraph():
    for who in EVERYONE:
        for o in plan_for(person(who)).objectives:
            assert "\n" not in o.action and "  " not in o.action and ".." not in o.action, o.id
            assert "{" not in o.action and "people like you" not in o.action
    assert join_sentences(["One thing", " another thing.  ", "", 'A quote "in their words."']) == (
        'One thing. another thing. A quote "in their words."'
    )


def test_faith_wording_names_only_the_persons_own_practice():
    christian = assessment({"faith.religion": "christian", "faith.practice_needs": ["place_of_worship"]})
    action = objective(plan_for(christian), "appointments_fit_faith").action
    for other in ("Friday prayers", "Sabbath", "Sunday service", "mosque", "gurdwara", "temple"):
        assert other not in action


def test_mentoring_is_a_question_and_never_follows_from_an_ethnic_category():
    by_category = plan_for(assessment({"ethnicity.ons_category": "black_caribbean", "person.age": 40}))
    assert "culturally_specific_mentoring" not in [o.id for o in by_category.objectives]
    young = objective(plan_for(assessment({"person.age": 20})), "culturally_specific_mentoring")
    assert "would like a mentor" in young.action
    assert "ethnicity.ons_category" not in young.because


def test_the_officers_work_stays_in_the_plan_and_a_merged_objective_keeps_its_id():
    who = person(FULLEST)
    plan = plan_for(who)
    plan = accept_objective(plan, "interpreter_every_appointment")
    plan = edit_objective(plan, "appointments_fit_faith", measure="Checked with her at each review.")
    again = plan_for(who, previous=plan)
    talk = objective(again, "written_information")
    assert talk.id == "interpreter_every_appointment" and talk.state == "accepted"
    assert objective(again, "faith_diet").measure == "Checked with her at each review."
    assert again.objectives == plan_for(who, previous=again).objectives  # stable across recomputes

    # The officer's own objectives always stay, even beyond the limit; suggestions make room.
    crowded = again
    for number in range(PLAN_LIMIT):
        crowded = add_objective(
            crowded,
            need_area="relationships",
            action=f"Meet her aunt with her, visit {number + 1}.",
            owner="probation_practitioner",
            target_date=date(2027, 3, 1),
            measure="Meeting held",
        )
    rebuilt = plan_for(who, previous=crowded)
    kept = [o for o in live(rebuilt) if o.state != "suggested"]
    assert len(kept) == PLAN_LIMIT + 2 and all(o.state != "suggested" for o in live(rebuilt))
    assert rebuilt.also_suggested


def test_an_also_suggested_objective_can_be_promoted_and_stays():
    who = person(FULLEST)
    plan = plan_for(who)
    waiting = plan.also_suggested[-1]
    promoted = promote_objective(plan, waiting.id)
    assert objective(promoted, waiting.id).state == "accepted"
    assert waiting.id not in [o.id for o in promoted.also_suggested]
    assert len(live(promoted)) == PLAN_LIMIT  # the least urgent untouched suggestion made room at once
    again = plan_for(who, previous=promoted)
    assert objective(again, waiting.id) in again.objectives
    assert again.objectives == promoted.objectives and again.also_suggested == promoted.also_suggested
    with pytest.raises(KeyError):
        promote_objective(plan, "no_such_objective")


def test_plan_json_keeps_its_keys_and_adds_also_suggested():
    plan = plan_for(person(FULLEST))
    data = plan_to_json(plan)
    for key in ("format", "built_on", "objectives", "referrals", "to_discuss", "declined", "warnings"):
        assert key in data
    assert set(data["also_suggested"][0]) == set(data["objectives"][0])
    assert plan_from_json(data) == plan


def test_markdown_starts_with_the_counts_and_lists_also_suggested():
    plan = plan_for(person(FULLEST))
    text = plan_to_markdown(plan, bank(), rules())
    head = text.split("## ")[0]
    counts = (
        f"**In this plan:** {PLAN_LIMIT} objectives, {len(plan.also_suggested)} also suggested, "
        f"{len(plan.referrals)} referrals, {len(plan.warnings)} warnings."
    )
    assert counts in head
    assert "## Also suggested" in text and "Women's centre or women-only service (" in text
    assert "## Left out by the guards" in text


def test_markdown_names_each_objective_by_its_rule_so_need_areas_shared_by_several_read_apart():
    plan = plan_for(person(FULLEST))
    headings = [line for line in plan_to_markdown(plan, bank(), rules()).splitlines() if line.startswith("### ")]
    objectives = headings[:PLAN_LIMIT]
    assert all(re.match(r"### \d+\. .+ \(.+\)$", heading) for heading in objectives)
    # Several objectives share "Responsivity"; their titles tell them apart.
    assert len(set(objectives)) == PLAN_LIMIT
    assert sum("Responsivity" in heading for heading in objectives) >= 2
    assert "Interpreter for every appointment (Responsivity" in " ".join(objectives)


@pytest.mark.parametrize("fmt", ["md", "text"])
def test_exports_list_also_suggested_for_the_officer_but_not_for_the_person(fmt):
    from oasys_diversity.export import render
    from oasys_diversity.export.summary import build_summary

    who = person(FULLEST)
    plan = plan_for(who)
    title = rules().objective_rule(plan.also_suggested[0].rule_id).title
    officer = render(build_summary(who, plan, bank(), rules=rules(), today=date(2026, 11, 23)), fmt)
    theirs = render(build_summary(who, plan, bank(), rules=rules(), for_person=True, today=date(2026, 11, 23)), fmt)
    assert "Also suggested" in officer and title in officer
    assert "Also suggested" not in theirs and title not in theirs


MERGING_RULE = """
[[objective]]
id = "local_booking"
title = "Interpreter booked as asked"
merge_group = "communication"
when = { question = "language.interpreter_needed", op = "equals", value = "yes" }
need_area = "responsivity"
action = "Book an interpreter."
merge_text = "An interpreter will be booked{?dialect}."
owner = "probation_practitioner"
timescale = { days = 7 }
measure = "Booked."

[objective.optional.dialect]
text = " who speaks {language.interpreter_dialect}"
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("", "", None),  # an optional part used only in merge_text is fine
        ("{?dialect}.", "{?dialect}{?tone}.", "merge_text: {?tone} names no optional part"),
        ("booked{?dialect}", "booked for {language.interpreter_language}", "merge_text: placeholder"),
        ('merge_group = "communication"', 'merge_group = "Communication"', "merge_group 'Communication'"),
    ],
)
def test_questions_check_reads_merge_text_and_merge_group(tmp_path, old, new, expected):
    import shutil

    from oasys_diversity.rules import check_rules, shipped_rules_dir

    folder = tmp_path / "bank"
    (folder / "rules").mkdir(parents=True)
    shutil.copy(shipped_rules_dir() / "needs.toml", folder / "rules" / "needs.toml")
    (folder / "rules" / "local.toml").write_text(MERGING_RULE.replace(old, new), encoding="utf-8")
    problems = check_rules(folder, bank())
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems


def test_the_merged_communication_objective_reads_as_one_and_keeps_every_fact():
    plan = plan_for(person(FULLEST))
    talk = objective(plan, "interpreter_every_appointment")
    assert {"written_information", "supervision_respects_what_you_said", "family_language_support"} <= set(
        talk.merged_from
    )
    # Shorter than the four actions said one after another (377 words before), and opened by the interpreter:
    # what will happen and who does it, in the first sentence.
    assert len(talk.action.split()) <= 290
    assert talk.action.startswith("Your probation officer will book an interpreter (Somali; dialect: Maay; a woman")
    # Every fact the officer and the interpreting service need is still there, with the person's own words.
    for fact in (
        "for every appointment, and for going through this plan",
        "the same person will be asked for at every booking",
        '"Not someone from my own area."',
        "Nothing in this plan counts as agreed until it has been gone through with an interpreter.",
        "gone through with you out loud with an interpreter;",
        "letters in English explained to you by phone or at your next appointment",
        "a text reminder before each appointment",
        "written information in Somali as well as English",
        "help to fill in forms",
        '"I thought probation would be like the police."',
        '"People do not understand why I wear the hijab."',
        '"My aunt speaks only Somali."',
        "a child will never be asked to interpret",
    ):
        assert fact in talk.action, fact
    # The joined objectives' own openings are not said again.
    for repeated in ("Nothing important will reach you only in writing", "You told us what you would like your"):
        assert repeated not in talk.action
    # The trace: every disclosure it answers stays in `because`.
    assert {
        "language.interpreter_needed",
        "language.interpreter_language",
        "language.interpreter_dialect",
        "language.interpreter_gender",
        "language.same_interpreter",
        "language.interpreter_other",
        "language.written_english",
        "language.reading_help",
        "culture.supervision_expectations",
        "faith.understanding",
        "language.family_languages",
        "language.family_languages_detail",
    } <= set(talk.because)


def test_a_communication_objective_alone_keeps_its_full_wording():
    alone = assessment({"language.written_english": "basic", "language.reading_help": ["text_reminders"]})
    made = objective(plan_for(alone), "written_information")
    assert made.merged_from == [] and made.action.startswith("Nothing important will reach you only in writing.")
    assert "You will get a text reminder before each appointment." in made.action
    assert "; a text reminder" not in made.action


def test_the_merged_faith_objective_reads_as_one_and_keeps_every_fact():
    faith = objective(plan_for(person(FULLEST)), "appointments_fit_faith")
    assert faith.merged_from == ["faith_diet"]
    # One sentence and a short list (349 words before, each need named twice): who does it, then what.
    assert len(faith.action.split()) <= 170
    assert faith.action.startswith("Your probation officer will arrange your appointments, unpaid work and group")
    for fact in (
        "record what to plan around for anyone covering for them",
        '"Friday prayers at one o\'clock, and Ramadan."',
        "; prayer times; fasting periods; time to get to your place of worship;",
        "a quiet, private place and time to pray",
        "staff of your gender for a search, drug test or home visit",
        "religious clothing, head covering and symbols respected",
        "any clash with safety clothing agreed with you first",
        '"Not before 10 in the morning: I walk my brother to school."',
        '"I look after my little brother after school."',
        '"Long meetings are hard. Short breaks help me."',
        "Your food needs will be passed on in advance wherever supervision involves food",
    ):
        assert fact in faith.action, fact
    # Each need once: no list of what was ticked before the same needs again, no general offer beside her words.
    for repeated in ("you told us: prayer times", "a quiet space to pray", "such as a quiet room", "same gender for some"):
        assert repeated not in faith.action, repeated
    assert faith.action.count("place of worship") == 1 and faith.action.count("quiet") == 1
    assert faith.because == [
        "faith.practice_needs",
        "faith.practice_needs_detail",
        "person.appointment_times",
        "person.caring_responsibilities",
        "person.caring_detail",
        "person.additional_needs",
        "person.additional_needs_detail",
    ]


def test_a_simple_faith_answer_keeps_a_short_objective():
    made = objective(
        plan_for(assessment({"faith.religion": "muslim", "faith.practice_needs": ["prayer_times"]})),
        "appointments_fit_faith",
    )
    assert len(made.action.split()) <= 40
    assert made.action.endswith("for anyone covering for them: the days and times you tell us; prayer times.")
    assert made.because == ["faith.practice_needs"]
    # Caring and adjustments without the person's words keep the general offer; with them, only their words.
    general = objective(
        plan_for(
            assessment(
                {
                    "faith.practice_needs": ["holy_days"],
                    "person.caring_responsibilities": "yes",
                    "person.additional_needs": "unsure",
                }
            )
        ),
        "appointments_fit_faith",
    )
    assert "; the people you look after; changes that make appointments easier for you, such as" in general.action
    assert general.because == ["faith.practice_needs", "person.caring_responsibilities", "person.additional_needs"]


def test_faith_as_a_strength_joins_without_saying_the_times_again():
    plan = plan_for(person("muslim_man_bradford_friday_prayers"))
    faith = objective(plan, "faith_protective_factor")
    assert faith.id == "appointments_fit_faith"
    assert len(faith.action.split()) <= 140
    assert "as a strength that helps keep you away from offending, in your own words:" in faith.action
    assert "will not question how you practise" in faith.action and '"Praying, and the gym."' in faith.action
    assert "keeping appointments clear of the times you told us about" not in faith.action
    assert {"faith.keeps_me_away", "faith.keeps_me_away_words", "faith.source_of_support", "trauma.coping"} <= set(
        faith.because
    )


def test_the_home_office_objective_says_how_to_get_advice_once():
    # The worry sentence stands aside exactly when immigration_advice joins: its condition is that rule's `when`.
    dates = rules().objective_rule("home_office_dates")
    assert dates.optional["worry"].when.not_ == rules().objective_rule("immigration_advice").when
    status = objective(plan_for(person(FULLEST)), "home_office_dates")
    assert status.merged_from == ["immigration_advice", "permitted_activities"]
    assert len(status.action.split()) <= 200  # 248 before
    assert status.action.count("regulated") == 1 and "help you reach your solicitor" not in status.action
    for fact in (
        '"I report every other Tuesday morning."',
        "clear of any reporting day, hearing or deadline",
        "Immigration Advice Authority",
        "with your permission, from the legal representative you already have",
        "As you asked, it will be free advice",
        "probation staff cannot give immigration advice themselves",
        "things you are allowed to do and would value",
        "Free reading and writing classes or a volunteer reading mentor, as you asked",
    ):
        assert fact in status.action, fact
    assert {"immigration.home_office_detail", "immigration.legal_advice_wanted", "language.reading_help"} <= set(
        status.because
    )
    # Alone (a settled person with a Home Office matter), it still says where to turn if a date is worrying.
    settled = assessment({"immigration.status": "settled", "immigration.home_office_matters": "yes"})
    alone = objective(plan_for(settled), "home_office_dates")
    assert alone.merged_from == [] and "help you reach your solicitor or a regulated adviser" in alone.action


def test_money_and_housing_read_as_one_objective():
    money = objective(plan_for(person("widow_luton_no_income_since_death")), "housing_now")
    assert money.id == "money_now" and money.merged_from == ["housing_now"]
    assert money.action.count("Within the next two weeks") == 1  # who and by when, said once
    assert "They will also help you with where you live: contacting your landlord" in money.action
    assert "person.housing_now" in money.because
