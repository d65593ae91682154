"""Referrals short enough to go through in one session (plan_referrals.py): at most six in the plan, tied to the
objectives in it, the best-fitting service for each need, the rest listed as further services, never one for a
need a guard removed.

Checked on the fullest fictional person and on every fixture person.
"""

from __future__ import annotations

from datetime import date

import pytest
from planning_support import PEOPLE, assessment, bank, directory, person, plan_for, rules

from oasys_diversity.directory import PersonFacts, match_services
from oasys_diversity.plan_changes import suggestion_changes
from oasys_diversity.plan_referrals import REFERRAL_LIMIT
from oasys_diversity.planner import (
    plan_from_json,
    plan_to_json,
    plan_to_markdown,
    promote_referral,
    set_referral_state,
)

FULLEST = "fullest_somali_woman_birmingham"
EVERYONE = sorted(path.stem for path in PEOPLE.glob("*.json"))


def live(referrals):
    return [r for r in referrals if r.state != "declined"]


def guard_needs(who, kind: str) -> set[str]:
    holding = [g for g in rules().guards if g.holds(who.answers)]
    if kind == "forbidden":
        return {n for g in holding if g.must_not is not None for n in g.must_not.needs}
    return {
        item.need
        for g in holding
        for item in g.must
        if item.need and (item.when is None or item.when.evaluate(who.answers))
    }


@pytest.mark.parametrize("who", EVERYONE)
def test_every_plan_has_a_short_list_tied_to_its_objectives(who):
    someone = person(who)
    plan = plan_for(someone)
    in_plan = [o.id for o in plan.objectives if o.state != "declined"]
    also = [o.id for o in plan.also_suggested]
    assert len(live(plan.referrals)) <= REFERRAL_LIMIT
    assert not {r.id for r in plan.referrals} & {r.id for r in plan.further_referrals}
    forbidden = guard_needs(someone, "forbidden")
    required = guard_needs(someone, "required")
    for referral in plan.referrals:
        # Serves an objective in the plan, or a need a guard insists on that no objective carries.
        assert set(referral.for_objectives) & set(in_plan) or set(referral.needs) <= required, referral.id
    for referral in plan.referrals + plan.further_referrals:
        assert not set(referral.needs) & forbidden, referral.id  # never a need a guard removed
        assert set(referral.for_objectives) <= set(in_plan + also)
    # In the order of the objectives they serve: objective 1's services first.
    place = {o: n for n, o in enumerate(in_plan)}
    ranks = [min((place[o] for o in r.for_objectives if o in place), default=len(place)) for r in plan.referrals]
    assert ranks == sorted(ranks)
    # With room to spare, every need of the plan the directory can serve has a service in it.
    if len(live(plan.referrals)) < REFERRAL_LIMIT:
        person_facts = PersonFacts.from_answers(someone.answers)
        covered = {n for r in plan.referrals for n in r.needs}
        for referral in plan.further_referrals:
            for need in referral.needs:
                if set(referral.for_objectives) & set(in_plan) and match_services(directory(), need, person_facts):
                    assert need in covered, (referral.id, need)


def test_the_fullest_person_hears_six_referrals_one_for_each_objective_first():
    plan = plan_for(person(FULLEST))
    assert len(plan.referrals) == REFERRAL_LIMIT and len(plan.further_referrals) >= 9
    served = [r.for_objectives[0] for r in plan.referrals]
    # Every objective with a need the directory serves has its service before any has a second.
    firsts = list(dict.fromkeys(served))
    assert len(firsts) >= 5
    # The local service that answers two of the safety objective's needs at once comes first.
    first = plan.referrals[0]
    assert first.id == "example-third-party-reporting-birmingham" and first.fits == ["in Birmingham"]
    assert {"victim_support", "hate_crime_reporting"} <= set(first.needs)
    # Local, and in her language, before a national service for the same need.
    advice = next(r for r in plan.referrals if "immigration_advice" in r.needs)
    assert advice.id == "example-immigration-advice-birmingham" and "in Somali" in advice.fits
    # The rest are still there: every service the directory matched for a need of hers is listed somewhere.
    facts = PersonFacts.from_answers(person(FULLEST).answers)
    listed = {r.id for r in plan.referrals + plan.further_referrals}
    for need in {n for r in plan.referrals for n in r.needs}:
        assert {s.id for s in match_services(directory(), need, facts)} <= listed, need
    # The women's centre goes with the also-suggested objective that carries it: one key away.
    womens = next(r for r in plan.further_referrals if "womens_services" in r.needs)
    assert "womens_service_offer" in womens.for_objectives and womens.fits == ["in Birmingham", "for women"]


def test_a_checked_fresh_fitting_service_is_chosen_over_a_stale_one():
    plan = plan_for(person("bradford_woman_interpreter"))
    womens = [r for r in plan.referrals if "womens_services" in r.needs]
    # The Muslim women's service in Bradford (fresh, local, her language, her faith) over the stale centre.
    assert [r.id for r in womens] == ["example-muslim-womens-resettlement-bradford"]
    assert {"for women", "in Urdu", "faith-specific"} <= set(womens[0].fits)
    stale = next(r for r in plan.further_referrals if r.id == "example-womens-centre-bradford")
    assert stale.stale and not any(stale.service in w for w in plan.warnings)


def test_a_few_needs_keep_every_referral_in_the_plan():
    who = assessment(
        {"person.area": "Sheffield", "ethnicity.ons_category": "asian_indian", "trauma.wellbeing_now": "very_low"}
    )
    plan = plan_for(who)
    assert [r.id for r in plan.referrals] == ["example-south-asian-wellbeing-yorkshire"]
    assert [r.id for r in plan.further_referrals] == ["example-talking-therapies-national"]


def test_an_accepted_referral_answers_its_needs_and_a_declined_one_takes_no_place():
    who = person(FULLEST)
    plan = plan_for(who)
    first = plan.referrals[0]
    declined = set_referral_state(plan, first.id, "declined", "She has used it before")
    again = plan_for(who, previous=declined)
    assert next(r for r in again.referrals if r.id == first.id).state == "declined"
    assert len(live(again.referrals)) == REFERRAL_LIMIT  # another service takes its place
    accepted = plan_for(who, previous=set_referral_state(plan, first.id, "accepted"))
    assert next(r for r in accepted.referrals if r.id == first.id).state == "accepted"
    assert len(live(accepted.referrals)) == REFERRAL_LIMIT


@pytest.mark.parametrize("who", [FULLEST, "asylum_seeker_no_right_to_work", "bradford_woman_interpreter"])
def test_a_further_service_can_be_brought_in_and_stays(who):
    someone = person(who)
    plan = plan_for(someone)
    for further in plan.further_referrals:
        promoted = promote_referral(plan, further.id)
        assert next(r for r in promoted.referrals if r.id == further.id).state == "accepted"
        assert len(live(promoted.referrals)) <= REFERRAL_LIMIT
        again = plan_for(someone, previous=promoted)
        assert next(r for r in again.referrals if r.id == further.id).state == "accepted"
        assert len(live(again.referrals)) <= REFERRAL_LIMIT
        assert plan_for(someone, previous=again) == again  # stable across recomputes
    with pytest.raises(KeyError):
        promote_referral(plan, "no_such_service")


def test_plan_json_keeps_referral_keys_and_adds_further_referrals():
    plan = plan_for(person(FULLEST))
    data = plan_to_json(plan)
    keys = {"id", "organisation", "service", "needs", "because", "assured_date", "stale", "how_to_refer", "contact"}
    assert keys | {"state", "reason", "for_objectives", "fits"} == set(data["referrals"][0])
    assert set(data["further_referrals"][0]) == set(data["referrals"][0])
    assert plan_from_json(data) == plan


def test_markdown_counts_further_services_and_lists_them_after_the_referrals():
    plan = plan_for(person(FULLEST))
    text = plan_to_markdown(plan, bank(), rules())
    head = text.split("## ")[0]
    assert f"{len(plan.referrals)} referrals" in head
    assert f"**Further services:** {len(plan.further_referrals)} (listed after the referrals, not in the plan)." in head
    assert text.index("## Referrals") < text.index("## Further services") < text.index("## Still to discuss")
    assert text.count("\n### ") - text.split("## Referrals")[0].count("\n### ") == len(plan.referrals)
    assert "- **Objective:** 1\n" in text and "- **Fits:** in Birmingham" in text
    assert "Women's centre (Birmingham) (Example: women's centre network)" in text.split("## Further services")[1]


def test_a_referral_that_became_a_further_service_is_named_so():
    who = person(FULLEST)
    plan = plan_for(who)
    # A plan saved before the list was shortened: every service found was a referral.
    old = plan.model_copy(update={"referrals": plan.referrals + plan.further_referrals, "further_referrals": []})
    changes = suggestion_changes(old, plan, bank(), changed_answers=set(), rules=rules(), directory=directory())
    moved = [c for c in changes if c.kind == "referral"]
    assert len(moved) == len(plan.further_referrals)
    assert all(c.change == "removed" and "further services" in c.reason for c in moved)


@pytest.mark.parametrize("fmt", ["md", "text"])
def test_exports_show_the_short_list_and_say_where_the_rest_are(fmt):
    from oasys_diversity.export import render
    from oasys_diversity.export.person_version import MORE_SERVICES, STILL_CHECKING
    from oasys_diversity.export.summary import build_summary

    who = person(FULLEST)
    plan = plan_for(who)
    officer = render(build_summary(who, plan, bank(), rules=rules(), today=date(2026, 11, 23)), fmt)
    assert f"{len(plan.further_referrals)} further services were found" in " ".join(officer.split())
    assert "Further services, not in the plan yet" in officer
    referrals_part = officer.split("Further services, not in the plan yet")[0]
    assert all(r.service not in referrals_part.split("Referrals")[-1] for r in plan.further_referrals)
    theirs = render(build_summary(who, plan, bank(), rules=rules(), for_person=True, today=date(2026, 11, 23)), fmt)
    assert "Further services" not in theirs
    assert not any(r.service in theirs for r in plan.further_referrals)
    # Nothing of hers is checked locally yet: "still checking" already promises more, so no second sentence.
    flat = " ".join(theirs.split())
    assert STILL_CHECKING.format(other="") in flat and MORE_SERVICES not in flat


def test_the_persons_version_says_there_are_more_when_its_organisations_are_checked():
    from oasys_diversity.export import render
    from oasys_diversity.export.person_version import MORE_SERVICES
    from oasys_diversity.export.summary import build_summary

    who = person("bradford_woman_interpreter")
    plan = plan_for(who)
    # As if her region had checked the plan's services: they are named to her, and the rest are not.
    checked = [
        r.model_copy(update={"contact": "01274 000000", "organisation": f"Checked {n}"})
        for n, r in enumerate(plan.referrals)
    ]
    plan = plan.model_copy(update={"referrals": checked})
    theirs = " ".join(render(build_summary(who, plan, bank(), rules=rules(), for_person=True), "md").split())
    assert all(r.service in theirs for r in checked) and MORE_SERVICES in theirs
    assert not any(r.service in theirs for r in plan.further_referrals)
