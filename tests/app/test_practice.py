"""Practice mode by keys: pick a scenario, hear the fictional person, record, plan, and get feedback.

One run well (every criterion met), one badly on purpose (assumed refugee status and right to work, so an
employment objective; no interpreter; trauma never asked), and one that assumes faith from a name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import fill_language
from textual.widgets import Input, TextArea

from oasys_diversity.app import create_app
from oasys_diversity.screens.interview import InterviewScreen
from oasys_diversity.screens.language import LanguageScreen
from oasys_diversity.screens.plan import PlanScreen
from oasys_diversity.screens.practice import FeedbackScreen, ScenarioScreen
from oasys_diversity.store import StoreError, list_cases, open_db

pytestmark = pytest.mark.slow


async def pick(pilot, app, scenario_id: str, **language: str) -> None:
    """Choose the scenario on the picker, then the language step (English, no interpreter, unless given)."""
    await pilot.pause()
    picker = app.screen
    assert isinstance(picker, ScenarioScreen)
    options = picker.query_one("#scenarios")
    for _ in range(options.option_count):
        if options.highlighted_option.id == scenario_id:
            break
        await pilot.press("down")
    assert options.highlighted_option.id == scenario_id
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, LanguageScreen)
    assert_stamped(app)
    await fill_language(pilot, **language)
    assert isinstance(app.screen, InterviewScreen)


def assert_stamped(app) -> None:
    """The screen's header says PRACTICE (what the trainee sees at the top of every screen)."""
    from textual.widgets._header import HeaderTitle

    assert "PRACTICE — fictional person" in str(app.screen.query_one(HeaderTitle).render())


async def choose(pilot, screen: InterviewScreen, code: str) -> None:
    box = screen.query_one("#answer")
    await pilot.press("home")
    for _ in range(box.option_count):
        if box.highlighted_option is not None and box.highlighted_option.id == code:
            break
        await pilot.press("down")
    assert box.highlighted_option.id == code
    await pilot.press("enter")


async def record(pilot, app, answers: dict[str, Any]) -> dict[str, str]:
    """Walk the interview with PgDn, recording `answers` by keys; returns what the person said at each."""
    interview = app.screen
    heard: dict[str, str] = {}
    handled = {q for q, v in answers.items() if interview.answer(q).value == v}  # given by the language step
    for _ in range(200):
        step = interview.step
        qid = step.question_id if step.kind == "question" else None
        if qid is not None:
            panel = interview.query_one("#practice-reply")
            heard[qid] = str(panel.render()) if panel.display else ""
        wanted_here = [q for q in answers if q not in handled and q.startswith(f"{step.domain_id}.")]
        if step.kind == "deeper_offer" and wanted_here:
            await pilot.press("enter")  # "Go deeper now": the rest of the domain's questions
            await pilot.pause()
            continue
        if qid in answers and qid not in handled:
            value = answers[qid]
            if app.bank.question(qid).kind in ("single", "yes_no_unsure"):
                await choose(pilot, interview, value)
            else:
                await pilot.press(*str(value))
            handled.add(qid)
        if handled == set(answers) or interview.index == len(interview.steps) - 1:
            break
        await pilot.press("pagedown")
        await pilot.pause()
    assert handled == set(answers)
    if isinstance(interview.focused, Input | TextArea):
        await pilot.press("escape")
    return heard


async def open_plan(pilot, app) -> PlanScreen:
    await pilot.press("p")
    await pilot.pause()
    plan = app.screen
    assert isinstance(plan, PlanScreen) and plan.plan is not None
    return plan


async def feedback(pilot, app) -> Any:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"practice: feedback")
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, FeedbackScreen) and screen.feedback is not None
    return screen.feedback


MEI = {
    "person.gender": "woman",
    "person.age": 52,
    "language.first_language": "Cantonese",
    "language.preferred_language": "Cantonese",
    "language.spoken_english": "little_or_none",
    "language.interpreter_needed": "yes",
    "language.interpreter_language": "Cantonese",
    "language.interpreter_gender": "woman",
    "language.same_interpreter": "yes",
    "language.written_english": "little_or_none",
    "ethnicity.self_description": "Hong Kong Chinese",
}


async def test_a_run_played_well_meets_every_criterion(tmp_path: Path, home):
    app = create_app(tmp_path / "practice.db", practice=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pick(
            pilot,
            app,
            "interpreter-never-booked",
            language="Cantonese",
            interpreter="present",
            for_language="Cantonese",
            mode="in_person",
        )
        heard = await record(pilot, app, MEI)
        assert "Shop English" in heard["language.spoken_english"]
        plan = await open_plan(pilot, app)
        assert_stamped(app)
        await pilot.press("v")
        await pilot.pause()
        await pilot.press(*"The same woman every time, please", "ctrl+s")
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
        await pilot.press("down", "enter", "ctrl+s")
        await pilot.pause()
        assert plan.plan.agreement == "agrees"
        result = await feedback(pilot, app)
        missed = {c.id: [k.text for k in c.checks if not k.met] for c in result.criteria if c.score not in (None, 100)}
        assert missed == {}
        assert result.overall == 100
        assert_stamped(app)
        # e writes the feedback, Markdown and JSON, to the practice exports folder.
        await pilot.press("e")
        await pilot.pause()
    written = sorted((home / "oasys-diversity-exports" / "practice").glob("feedback-interpreter-never-booked-*"))
    assert [p.suffix for p in written] == [".json", ".md"]
    assert written[1].read_text(encoding="utf-8").startswith("**PRACTICE — fictional person**")
    assert json.loads(written[0].read_text(encoding="utf-8"))["overall"] == 100


KARIM_BADLY = {
    "language.first_language": "Farsi",
    "language.spoken_english": "everyday",
    "language.interpreter_needed": "no",
    "immigration.status": "refugee",
    "immigration.right_to_work": "yes",
}


async def test_a_run_played_badly_names_each_mistake(tmp_path: Path, home):
    app = create_app(tmp_path / "practice.db", practice=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pick(pilot, app, "no-right-to-work")
        heard = await record(pilot, app, KARIM_BADLY)
        assert "Farsi" in heard["language.first_language"]
        # Status is asked after the immigration check-in, so he answers rather than hesitates.
        assert "refused" in heard["immigration.status"]
        plan = await open_plan(pilot, app)
        assert any(o.rule_id == "refugee_employment" for o in plan.plan.objectives)
        await pilot.press("a")
        await pilot.pause()
        result = await feedback(pilot, app)
    rtw = result.criterion("right_to_work")
    assert "Plan leaves out: A paid-work objective" in result.plan_missed
    assert any(k.text == "He has no right to work" and not k.met for k in rtw.checks)
    said = {d.question: (d.said, d.recorded) for d in result.differences}
    assert said["language.interpreter_needed"] == ("Yes", "No")
    assert said["immigration.right_to_work"] == ("No", "Yes")
    assert result.criterion("interpreter").score < 50
    trauma = result.criterion("trauma")
    assert any(k.did.startswith("You did not ask about") for k in trauma.checks)
    assert app.bank.question("trauma.experiences").label in result.not_asked
    assert result.overall < 60


async def test_a_name_is_not_a_faith_and_a_run_can_be_reset(tmp_path: Path, home):
    path = tmp_path / "practice.db"
    app = create_app(path, practice=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pick(pilot, app, "name-and-faith")
        heard = await record(pilot, app, {"faith.religion": "sikh"})
        assert "Christian" in heard["faith.religion"]
        result = await feedback(pilot, app)
        assert [(d.question, d.recorded) for d in result.differences] == [("faith.religion", "Sikh")]
        assert result.differences[0].said.startswith("Christian")
        assert result.criterion("faith").score < 100
        # Back to the picker (palette), reset the run: a fresh case, the old one erased.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"practice: choose", "enter")
        await pilot.pause()
        await pick_only(pilot, app, "name-and-faith")
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, LanguageScreen)  # a new run starts with the language step
    db = open_db(path, "practice")
    try:
        runs = [c for c in list_cases(db) if c.reference == "PRAC-102"]
        assert len(runs) == 1 and runs[0].answered == 0
    finally:
        db.close()


async def pick_only(pilot, app, scenario_id: str) -> None:
    picker = app.screen
    assert isinstance(picker, ScenarioScreen)
    options = picker.query_one("#scenarios")
    while options.highlighted_option.id != scenario_id:
        await pilot.press("down")


async def test_the_live_app_refuses_a_practice_database_and_practice_a_live_one(tmp_path: Path):
    live, practice = tmp_path / "cases.db", tmp_path / "practice.db"
    open_db(live).close()
    open_db(practice, "practice").close()
    for path, mode in ((practice, False), (live, True)):
        app = create_app(path, practice=mode)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert app.connection is None
            shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
            assert "refusing to open it" in shown
    with pytest.raises(StoreError):
        open_db(live, "practice")


async def test_the_demo_is_stamped_and_exports_to_a_demo_folder(home):
    import shutil

    from oasys_diversity.demo import build_demo
    from oasys_diversity.screens.export import ExportScreen, export_folder

    folder, db_path = build_demo()
    try:
        app = create_app(db_path, demo_folder=folder)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert app.banner == "DEMO — fictional people" and app.db_kind == "demo"
            await pilot.pause()
            case_id = list_cases(app.db)[0].id
            app.show_export(case_id)
            await pilot.pause()
            export = app.screen
            assert isinstance(export, ExportScreen)
            from textual.widgets._header import HeaderTitle

            assert "DEMO — fictional people" in str(export.query_one(HeaderTitle).render())
            destination = export.query_one("#export-destination", Input).value
            assert "/demo/" in destination or destination.startswith("~") and "demo" in destination
            assert export_folder("demo").name == "demo"
        with pytest.raises(StoreError, match="demo database"):
            open_db(db_path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
