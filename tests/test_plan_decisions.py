"""The officer's decisions on an objective are separate fields (no action overwrites another), and
`plan_changes` says what a rebuild added or took away, with why."""

from __future__ import annotations

from planning_support import assessment, bank, directory, objective, person, plan_for, rules

from oasys_diversity.model import objective_status
from oasys_diversity.plan_changes import exports_made, suggestion_changes
from oasys_diversity.planner import accept_objective, add_objective, decline_objective, edit_objective

FAITH = {"faith.religion": "muslim", "faith.practice_needs": ["prayer_times", "fasting"]}
RULE = "appointments_fit_faith"


def faith_plan():
    return plan_for(assessment(FAITH))


def test_view_accept_and_edit_are_kept_side_by_side():
    plan = edit_objective(faith_plan(), RULE, person_view="Fridays matter")
    assert objective(plan, RULE).state == "suggested"  # their view is not an edit
    plan = accept_objective(plan, RULE)
    plan = edit_objective(plan, RULE, measure="Checked monthly", person_view="Fridays matter")
    found = objective(plan, RULE)
    assert (found.accepted, found.person_view, found.edited, found.edited_fields) == (
        True,
        "Fridays matter",
        True,
        ["measure"],
    )
    assert found.state == "accepted"
    assert objective_status(found) == "Accepted; changed by the officer (how we will know)"


def test_an_edit_that_changes_nothing_is_not_an_edit():
    plan = faith_plan()
    same = objective(plan, RULE)
    kept = objective(edit_objective(plan, RULE, action=same.action, measure=same.measure), RULE)
    assert (kept.edited, kept.state) == (False, "suggested")


def test_setting_aside_and_accepting_are_one_decision():
    plan = decline_objective(accept_objective(faith_plan(), RULE), RULE, "Arranged already")
    found = objective(plan, RULE)
    assert (found.declined, found.accepted, found.reason, found.state) == (True, False, "Arranged already", "declined")
    back = objective(accept_objective(plan, RULE), RULE)
    assert (back.declined, back.accepted, back.reason) == (False, True, None)


def test_a_view_only_objective_is_kept_when_the_plan_is_rebuilt():
    plan = edit_objective(faith_plan(), RULE, person_view="Yes")
    rebuilt = plan_for(assessment(FAITH), previous=plan)
    assert objective(rebuilt, RULE).person_view == "Yes"


def test_own_objective_has_its_title_and_can_be_accepted():
    plan = add_objective(
        faith_plan(),
        need_area="relationships",
        action="Join a group",
        owner="person",
        target_date=faith_plan().built_on,
        measure="Goes twice",
        title="A group of her own",
    )
    own = objective(accept_objective(plan, "own-1"), "own-1")
    assert (own.title, own.own, own.accepted, own.state) == ("A group of her own", True, True, "added")
    assert objective_status(own) == "Added by the officer; accepted"


def test_changes_name_what_came_and_went_and_why():
    before = faith_plan()
    declined_practice = assessment({**FAITH, "faith.practice_needs": "declined"})
    after = plan_for(declined_practice, previous=before)
    changes = suggestion_changes(
        before, after, bank(), changed_answers={"faith.practice_needs"}, rules=rules(), directory=directory()
    )
    gone = [c for c in changes if c.kind == "objective" and c.change == "removed"]
    assert gone and all("the answer to" in c.reason for c in gone)
    assert "because the answer to" in gone[0].describe()
    # Nothing changed: nothing to say.
    assert suggestion_changes(after, after, bank(), changed_answers=set()) == []


def test_a_referral_the_directory_dropped_is_named_so():
    before = plan_for(person("bradford_woman_interpreter"))
    assert before.referrals
    missing = before.referrals[0]
    listing = directory().model_copy(update={"services": [s for s in directory().services if s.id != missing.id]})
    after = plan_for(person("bradford_woman_interpreter"), listing=listing)
    changes = suggestion_changes(before, after, bank(), changed_answers=set(), rules=rules(), directory=listing)
    named = [c for c in changes if c.kind == "referral" and c.change == "removed"]
    assert any(c.reason == "the directory no longer lists it" for c in named)


def test_exports_made_reads_an_audit_trail_without_export_rows_as_none(tmp_path):
    from oasys_diversity.store import open_db

    db = open_db(tmp_path / "cases.db")
    try:
        assert exports_made(db, 1) == []
    finally:
        db.close()
