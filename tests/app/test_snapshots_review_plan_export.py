"""How the Review, Plan and Export screens (and the plan's dialogs) look at 80x24 (pytest-textual-snapshot).

Regenerate after a deliberate change with
`pytest tests/app/test_snapshots_review_plan_export.py --snapshot-update`, look at the SVGs in
`__snapshots__/`, and commit them. They are tied to the pinned Textual version and to the shipped question
bank, rules and directory: a change of wording there changes these pictures too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from oasys_diversity.app import create_app
from oasys_diversity.model import Answer, Assessment, Case
from oasys_diversity.screens import export as export_module
from oasys_diversity.screens import plan as plan_module
from oasys_diversity.store import import_assessment, open_db

DAY = date(2025, 3, 1)
GIVEN_AT = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
ANSWERS = [
    Answer(question_id="person.preferred_name", status="answered", value="Amina"),
    Answer(question_id="person.gender", status="answered", value="woman"),
    Answer(
        question_id="ethnicity.ons_category",
        status="answered",
        value="asian_bangladeshi",
        note="My family is from Sylhet; I grew up in Tower Hamlets.",
    ),
    Answer(question_id="ethnicity.self_description", status="declined"),
    Answer(question_id="faith.religion", status="answered", value="muslim"),
    Answer(question_id="faith.practice_needs", status="answered", value=["prayer_times", "fasting"]),
    Answer(question_id="trauma.experiences", status="answered", value=["violence_victim"]),
    Answer(question_id="trauma.support_wanted", status="answered", value="yes"),
]


@pytest.fixture
def app(tmp_path, monkeypatch):
    """An app on a database with one fictional case; the calendar and the home folder fixed."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(plan_module, "plan_today", lambda: DAY)
    monkeypatch.setattr(export_module, "export_today", lambda: DAY)
    db = open_db(tmp_path / "cases.db")
    case = Case(reference="X123456", name="Amina Khatun", officer="Sam Officer", assessed_on=DAY)
    answers = {a.question_id: a.model_copy(update={"answered_at": GIVEN_AT}) for a in ANSWERS}
    import_assessment(db, Assessment(case=case, answers=answers))
    db.close()
    return create_app(tmp_path / "cases.db")


def showing(method: str, *keys: str):
    """A run_before that opens one of the screens for case 1, then presses keys."""

    async def run_before(pilot) -> None:
        await pilot.pause()
        getattr(pilot.app, method)(1)
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
            await pilot.pause()

    return run_before


def test_review_screen(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing("show_review"))


def test_review_screen_next_topic(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing("show_review", "right_square_bracket"))


def test_plan_screen(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing("show_plan"))


def test_plan_screen_on_a_referral(snap_compare, app):
    keys = ["down"] * 4  # past the four objectives (the two about trauma are one) to the first referral
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing("show_plan", *keys))


def test_plan_edit_dialog_with_a_bad_date(snap_compare, app):
    keys = ["enter", "tab", "tab", "tab", "end", "ctrl+u", *"31/02/2025", "enter"]
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing("show_plan", *keys))


def test_plan_agreement_dialog(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing("show_plan", "g", "down", "enter"))


def test_export_screen(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing("show_export"))
