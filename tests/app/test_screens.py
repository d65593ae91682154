"""Help, the command palette, the 80x24 layout, and errors shown as messages rather than tracebacks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import screen_text
from textual.widgets import Footer, TextArea

from oasys_diversity import store
from oasys_diversity.model import Answer
from oasys_diversity.questions import QUESTIONS_DIR
from oasys_diversity.screens.cases import CasesScreen
from oasys_diversity.screens.dialogs import StartupErrorScreen
from oasys_diversity.screens.help import HelpScreen
from oasys_diversity.screens.interview import InterviewScreen
from oasys_diversity.screens.start import StartScreen
from oasys_diversity.store import StoreError, open_db


async def test_help_opens_with_f1_and_question_mark_for_the_screen_showing(make_app, seed_case):
    seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Help — Cases" in screen_text(app)
        assert "New case" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CasesScreen)

        await pilot.press("enter")  # into the interview, where focus is not in a text box
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "Help — Interview" in text
        assert "Declined" in text and "Not yet" in text and "Guidance" in text
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)


async def test_every_screen_fits_80_by_24_with_its_keys_in_the_footer(make_app, seed_case):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()

        def footer_keys() -> set[str]:
            return {
                binding.description
                for _key, binding in ((k, b.binding) for k, b in app.screen.active_bindings.items())
                if binding.show
            }

        assert {"New case", "Quit", "Help"} <= footer_keys()
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        assert {"Continue", "Back", "Help"} <= footer_keys()
        await pilot.press("escape")
        await pilot.pause()

        app.open_question(case_id, "faith.religion")
        await pilot.pause()
        interview = app.screen
        assert {"Next", "Declined", "Not yet", "Guidance", "Review", "Plan", "Export", "Help"} <= footer_keys()
        # The prompt, the choices and the notes box are all on screen at 80x24, inside the window.
        for selector in ("#prompt", "#answer", "#notes", "#where", "#domains"):
            region = interview.query_one(selector).region
            assert region.width > 0 and region.height > 0, selector
            assert region.right <= 80 and region.bottom <= 23, selector
        assert app.screen.query_one(Footer).region.y == 23

        await pilot.press("g")  # guidance takes the sidebar's place at this width
        await pilot.pause()
        assert interview.query_one("#guidance").display
        assert not interview.query_one("#side").display
        assert "Why we ask" in str(interview.query_one("#guidance-text").render())
        await pilot.press("g")
        await pilot.pause()
        assert not interview.query_one("#guidance").display


async def test_a_wide_terminal_shows_guidance_beside_the_domains(make_app, seed_case):
    case_id = seed_case()
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        app.open_question(case_id, "faith.religion")
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
        interview = app.screen
        assert interview.query_one("#guidance").display and interview.query_one("#side").display
        assert "Faith and belief" in str(interview.query_one("#domains").get_option("faith").prompt)


async def test_command_palette_goes_to_a_domain_and_switches_case(make_app, seed_case):
    first = seed_case(reference="X100001", name="Alex Example")
    second = seed_case(reference="X200002", name="Robin Sample")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_case(first)
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"go to domain faith")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        interview = app.screen
        assert isinstance(interview, InterviewScreen) and interview.step.domain_id == "faith"

        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"switch case X200002")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen) and app.screen.case_id == second


async def test_a_broken_question_bank_is_a_clear_message_not_a_traceback(make_app, tmp_path):
    broken = tmp_path / "bank"
    shutil.copytree(QUESTIONS_DIR, broken, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    (broken / "faith.toml").write_text('[domain]\nid = "faith"\ntitle = \n', encoding="utf-8")
    app = make_app(questions_dir=broken)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StartupErrorScreen)
        text = screen_text(app)
        assert "The question bank could not be loaded" in text
        assert "faith.toml" in text
        # Fixed while the app waits: r tries again and the cases appear.
        shutil.copy(QUESTIONS_DIR / "faith.toml", broken / "faith.toml")
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, CasesScreen)


async def test_a_read_only_database_is_a_clear_message_not_a_traceback(make_app, db_path):
    open_db(db_path).close()
    os.chmod(db_path, 0o444)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StartupErrorScreen)
        text = screen_text(app)
        assert "The case database could not be opened" in text
        assert "read-only" in text


async def test_a_failed_save_keeps_the_words_on_screen_and_saves_them_on_the_next_try(
    make_app, seed_case, read_answer, monkeypatch
):
    case_id = seed_case()
    real_save = store.save_answer

    def disk_full(*args, **kwargs):
        raise StoreError("could not save the answer to person.area: database or disk is full")

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_question(case_id, "person.area")
        await pilot.pause()
        interview = app.screen
        monkeypatch.setattr(store, "save_answer", disk_full)
        await pilot.press(*"Bradford", "pagedown")
        await pilot.pause()
        assert interview.question.id == "person.area"  # stayed: nothing was lost
        assert interview.query_one("#answer", TextArea).text == "Bradford"
        assert "NOT SAVED" in screen_text(app)
        assert read_answer(case_id, "person.area") is None

        monkeypatch.setattr(store, "save_answer", real_save)
        await pilot.press("pagedown")
        await pilot.pause()
        assert interview.question.id != "person.area"
        assert "✓ saved" in screen_text(app)
    assert read_answer(case_id, "person.area").value == "Bradford"


async def test_resume_skips_back_to_the_introduction_only_when_the_question_was_not_reached(make_app, seed_case):
    reached = seed_case(answers=[Answer(question_id="faith.religion", status="answered", value="sikh")])
    not_reached = seed_case(reference="X300003")
    db = open_db(make_app().db_path)
    store.set_position(db, reached, "faith.religion")
    store.set_position(db, not_reached, "faith.religion")
    db.close()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_case(reached)
        await pilot.pause()
        assert app.screen.step.kind == "question" and app.screen.question.id == "faith.religion"
        app.open_case(not_reached)
        await pilot.pause()
        assert app.screen.step.kind == "intro" and app.screen.step.domain_id == "faith"


@pytest.mark.slow
def test_importing_the_core_loads_no_textual():
    modules = ["model", "bank", "store", "planner", "export", "interchange", "rules", "directory", "demo"]
    code = (
        "import importlib, importlib.util, sys\n"
        f"for name in {modules!r}:\n"
        "    full = 'oasys_diversity.' + name\n"
        "    if importlib.util.find_spec(full) is not None:\n"
        "        importlib.import_module(full)\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
