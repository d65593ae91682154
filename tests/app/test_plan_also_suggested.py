"""The Plan screen keeps the plan short: the fullest fictional person's plan shows eight objectives, lists the
rest under "Also suggested", and p brings one into the plan, saved and kept across recomputes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_review_plan_export import move_to, open_plan, plan_text, reopen_plan, stored_plan

from oasys_diversity.app import create_app
from oasys_diversity.bank import load_bank
from oasys_diversity.interchange import read_assessment_file
from oasys_diversity.screens import plan as plan_screen_module
from oasys_diversity.store import import_assessment, open_db

FULLEST = Path(__file__).parents[1] / "fixtures" / "people" / "fullest_somali_woman_birmingham.json"


@pytest.fixture(autouse=True)
def _fixed_plan_day(monkeypatch):
    monkeypatch.setattr(plan_screen_module, "plan_today", lambda: date(2026, 11, 23))


def seed_fullest(tmp_path: Path) -> tuple[Path, int]:
    db_path = tmp_path / "cases.db"
    db = open_db(db_path)
    case_id = import_assessment(db, read_assessment_file(FULLEST, load_bank()))
    db.close()
    return db_path, case_id


async def test_also_suggested_is_listed_and_p_brings_one_into_the_plan(tmp_path):
    db_path, case_id = seed_fullest(tmp_path)
    app = create_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(pilot, case_id)
        assert len(screen.plan.objectives) == 8 and screen.plan.also_suggested
        waiting = len(screen.plan.also_suggested)
        assert f"Also suggested ({waiting}): p brings one into the plan" in plan_text(screen)
        assert f"{waiting} also suggested" in str(screen.query_one("#plan-status").render())
        await move_to(pilot, "also")
        assert "p bring it into the plan" in str(screen.query_one("#plan-keys").render())
        chosen = screen.plan.also_suggested[0].id
        await pilot.press("p")
        await pilot.pause()
        assert chosen in [o.id for o in screen.plan.objectives] and len(screen.plan.objectives) == 8
        saved = stored_plan(db_path, case_id)
        assert saved is not None and next(o for o in saved.objectives if o.id == chosen).state == "accepted"
        screen = await reopen_plan(pilot, case_id)
        assert next(o for o in screen.plan.objectives if o.id == chosen).state == "accepted"
        # The plan stays at eight: the least urgent untouched suggestion made room.
        assert len(screen.plan.objectives) == 8
