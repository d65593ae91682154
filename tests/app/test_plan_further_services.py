"""The Plan screen keeps the referrals short: the fullest fictional person's plan shows at most six, each naming
the objectives it serves, lists the other services found under "Further services", and p brings one in,
accepted, saved and kept across recomputes without the plan changing under the officer."""

from __future__ import annotations

from datetime import date

import pytest
from test_plan_also_suggested import seed_fullest
from test_review_plan_export import move_to, open_plan, plan_text, reopen_plan, stored_plan

from oasys_diversity.app import create_app
from oasys_diversity.plan_referrals import REFERRAL_LIMIT
from oasys_diversity.screens import plan as plan_screen_module


@pytest.fixture(autouse=True)
def _fixed_plan_day(monkeypatch):
    monkeypatch.setattr(plan_screen_module, "plan_today", lambda: date(2026, 11, 23))


def live_referrals(plan) -> list:
    return [r for r in plan.referrals if r.state != "declined"]


async def test_further_services_are_listed_apart_and_p_brings_one_in(tmp_path):
    db_path, case_id = seed_fullest(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        plan = screen.plan
        assert 0 < len(plan.referrals) <= REFERRAL_LIMIT and plan.further_referrals
        more = len(plan.further_referrals)
        text = plan_text(screen)
        # The plan's referrals say where the rest are, and which objective each serves.
        assert f"Referrals ({len(plan.referrals)}): the most relevant; {more} more under Further services" in text
        assert "For objective 1" in text
        assert f"Further services ({more}): not in the plan; p brings one in" in text
        assert f"{more} further services" in str(screen.query_one("#plan-status").render())
        # Nothing further is named in a warning: the officer acts on the plan's referrals only.
        assert not any(r.service in w for r in plan.further_referrals for w in plan.warnings)

        await move_to(pilot, "further")
        assert "[NOT IN THE PLAN]" in str(screen.query_one("#plan-selected").render())
        assert "p bring it into the plan" in str(screen.query_one("#plan-keys").render())
        chosen = plan.further_referrals[0]
        await pilot.press("p")
        await pilot.pause()
        brought = next(r for r in screen.plan.referrals if r.id == chosen.id)
        assert brought.state == "accepted" and len(live_referrals(screen.plan)) <= REFERRAL_LIMIT
        assert chosen.id not in [r.id for r in screen.plan.further_referrals]
        # The cursor is on it, in the plan's referrals.
        assert screen.highlighted_item() == ("referral", brought)
        saved = stored_plan(db_path, case_id)
        assert saved is not None and next(r for r in saved.referrals if r.id == chosen.id).state == "accepted"

        screen = await reopen_plan(pilot, case_id)
        assert next(r for r in screen.plan.referrals if r.id == chosen.id).state == "accepted"
        assert len(live_referrals(screen.plan)) <= REFERRAL_LIMIT
        # What was saved is what the rebuild keeps: nothing came or went behind the officer's back.
        assert "Changed since you last looked" not in plan_text(screen)
