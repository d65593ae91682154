"""Hostile text in the app, by keys: names and answers that look like markup or carry escape sequences are
shown literally on every screen, broken rows give a message instead of a crash, and a crash leaves a
report without personal data. The CLI side is tests/test_hostile_input.py."""

from __future__ import annotations

import gc
import html
import json
from pathlib import Path

import pytest
from conftest import fill_language
from crypt_support import raw
from textual import events
from textual.widgets import ContentSwitcher

from oasys_diversity.app import create_app
from oasys_diversity.cli import main
from oasys_diversity.model import MAX_NOTE_CHARS
from oasys_diversity.safe_text import for_terminal
from oasys_diversity.screens.cases import CasesScreen
from oasys_diversity.screens.export import ExportScreen
from oasys_diversity.screens.interview import InterviewScreen
from oasys_diversity.screens.language import LanguageScreen
from oasys_diversity.screens.plan import PlanScreen
from oasys_diversity.screens.review import ReviewScreen
from oasys_diversity.screens.start import StartScreen
from oasys_diversity.sessions import ConversationSession
from oasys_diversity.store import open_db
from oasys_diversity.store_sessions import start_session

SECRET = "Zebedee Quartermain"
ESCAPES = "\x1b]52;c;aGVsbG8=\x07\x1b[2J\x9b31m\x00\x7f"
RAW_CONTROLS = ["\x1b", "\x07", "\x9b", "\x00", "\x7f"]
NAMES = ["Priya Shah [/] [b]x", "[@click=app.quit]z[/]", "[link=file:///etc/passwd]y[/]", "Ali Khan [aka Al]"]


def import_case(tmp_path: Path, db_path: Path, name: str, reference: str, answers: dict | None = None) -> int:
    """Store a case the way an officer would receive one: through an interchange file and `import`."""
    data = {
        "format": "oasys-diversity/assessment@1",
        "case": {"reference": reference, "name": name, "officer": "Jo Officer", "assessed_on": "2025-03-01"},
        "answers": answers or {},
    }
    file = tmp_path / f"{reference[:6]}.json"
    file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["import", str(file), "--db", str(db_path)]) == 0
    gc.collect()
    return len(list(tmp_path.glob("*.json")))


def sitting_today(db_path: Path, case_id: int) -> None:
    """Record a sitting earlier today, as if the language step was done: opening the case goes to the interview."""
    db = open_db(db_path)
    start_session(db, ConversationSession(case_id=case_id, language="English", interpreter="not_needed"), officer="Jo")
    db.close()


def screen_words(app) -> str:
    """What the terminal would show, as text (from the screenshot, with its escaping undone)."""
    svg = app.export_screenshot()
    return html.unescape(svg).replace("\xa0", " ")


def assert_no_raw_controls(app) -> None:
    """No widget on screen renders a control character that would reach the terminal."""
    for widget in app.screen.query("*"):
        if not widget.is_mounted or not widget.display or widget.size.height == 0:
            continue
        for y in range(min(widget.size.height, 60)):
            text = "".join(segment.text for segment in widget.render_line(y))
            for control in RAW_CONTROLS:
                assert control not in text, (widget, y)


@pytest.fixture
def hostile_db(tmp_path, capsys) -> Path:
    db_path = tmp_path / "cases.db"
    answers = {
        "person.preferred_name": {"status": "answered", "value": f"Pree {ESCAPES} [b]", "note": f"[/] {ESCAPES}"},
        "person.area": {"status": "answered", "value": "[red]Leeds[/]"},
        "faith.religion": {"status": "declined", "note": f"[@click=app.quit]q[/] {ESCAPES}"},
    }
    for index, name in enumerate(NAMES):
        import_case(tmp_path, db_path, name, f"X{index}00001 [i]", answers if index == 0 else None)
    capsys.readouterr()
    return db_path


async def test_hostile_names_are_shown_literally_on_every_screen(hostile_db):
    app = create_app(hostile_db)
    # Wide enough that no name is cut short with … (the first one is long once its escapes are made visible).
    async with app.run_test(size=(160, 36)) as pilot:
        await pilot.pause()
        # Cases: the app starts, and every name is in the table exactly as typed.
        cases = app.screen
        assert isinstance(cases, CasesScreen)
        await pilot.pause()
        table = cases.query_one("DataTable")
        cells = [str(cell) for key in table.rows for cell in table.get_row(key)]
        for name in NAMES:
            assert any(name in cell for cell in cells), name
        assert "[red]Leeds[/]" in cells
        words = screen_words(app)
        assert "Priya Shah [/] [b]x" in words and "Ali Khan [aka Al]" in words
        assert_no_raw_controls(app)

        # The palette lists other cases literally, and choosing nothing runs nothing.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"switch case")
        await pilot.pause()
        await pilot.pause()
        words = screen_words(app)
        assert "[@click=app.quit]z[/]" in words or "[link=file:///etc/passwd]y[/]" in words
        assert_no_raw_controls(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running

        # Interview: the case with the escape sequences, its title and its notes.
        await pilot.press(*"X000001")
        await pilot.press("enter")
        await pilot.pause()
        # Language first (an imported case has no sitting yet): no raw control character reaches the terminal here.
        assert isinstance(app.screen, LanguageScreen)
        assert_no_raw_controls(app)
        await fill_language(pilot, "English")
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        assert app.format_title(app.title, interview.sub_title).plain.endswith(for_terminal(f"Pree {ESCAPES} [b]"))
        assert_no_raw_controls(app)
        await interview.go_to_question("person.preferred_name")
        await pilot.pause()
        assert_no_raw_controls(app)
        assert "[/] \\u001b]52" in interview.query_one("#notes").text
        interview.query_one("#step-text").focus()
        await pilot.pause()

        for key, screen_type in (("r", ReviewScreen), ("p", PlanScreen), ("e", ExportScreen)):
            if not isinstance(app.screen, InterviewScreen):
                await pilot.press("escape")  # back to the interview
                await pilot.pause()
            assert isinstance(app.screen, InterviewScreen)
            app.screen.query_one("#step-text").focus()  # so letters are keys, not typing
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen_type), key
            words = screen_words(app)
            assert "Priya Shah [/] [b]x" in words, key
            assert_no_raw_controls(app)
        assert app.is_running


async def test_a_name_typed_on_start_is_kept_and_shown_exactly(tmp_path):
    db_path = tmp_path / "cases.db"
    app = create_app(db_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        await pilot.press("space", "tab")
        name = "Ali Khan [aka Al] [/]"
        await pilot.press(*"X900001", "enter", *name, "enter")
        # A paste with an escape sequence in it arrives as visible text.
        app.post_message(events.Paste("Al\x1b[2J"))
        await pilot.pause()
        await pilot.press("enter", *"Sam [b]Officer", "enter")  # Enter in the last box continues
        await pilot.pause()
        assert app.screen.query_one(ContentSwitcher).current == "language"
        await fill_language(pilot, "English")
        assert app.screen.query_one(ContentSwitcher).current == "opening"
        await pilot.press("ctrl+s")  # begin the conversation
        await pilot.pause()
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        assert "X900001 · Al\\u001b[2J" in screen_words(app)  # the title: what they like to be called
        await pilot.press("escape")
        await pilot.pause()
        app.switch_case()
        await pilot.pause()
        assert isinstance(app.screen, CasesScreen)
        assert name in screen_words(app)
    connection = raw(db_path)
    assert connection.execute("SELECT name, officer FROM cases").fetchone() == (name, "Sam [b]Officer")
    preferred = connection.execute("SELECT value FROM answers WHERE question_id = 'person.preferred_name'").fetchone()
    assert preferred == (json.dumps("Al\\u001b[2J"),)
    connection.close()


BROKEN = {
    "answers.value not JSON": "UPDATE answers SET value = 'not json " + SECRET + "'",
    "cases.assessed_on = 'yesterday'": "UPDATE cases SET assessed_on = 'yesterday'",
    "a broken plan row": "INSERT INTO plans (case_id, plan, updated_at, officer) "
    'VALUES (1, \'{"objectives": "' + SECRET + "\"}', '2025-01-01T00:00:00+00:00', 'Jo')",
    "a plan row that is not JSON": "INSERT INTO plans (case_id, plan, updated_at, officer) "
    "VALUES (1, 'not json " + SECRET + "', '2025-01-01T00:00:00+00:00', 'Jo')",
}


@pytest.mark.parametrize("payload", list(BROKEN))
async def test_rows_changed_by_another_program_give_a_message_not_a_crash(tmp_path, capsys, payload):
    db_path = tmp_path / "cases.db"
    import_case(tmp_path, db_path, SECRET, "X100001", {"person.preferred_name": {"status": "answered", "value": "Z"}})
    capsys.readouterr()
    sitting_today(db_path, 1)  # so Enter goes straight to the interview, which reads the broken rows
    connection = raw(db_path)
    connection.execute(BROKEN[payload])
    connection.commit()
    connection.close()
    before = db_path.read_bytes()
    app = create_app(db_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        if payload == "answers.value not JSON":
            # The list cannot be read: the screen says so rather than "no cases yet".
            assert "The case list could not be read" in screen_words(app)
        await pilot.press("enter")
        await pilot.pause()
        # The interview opens (broken plan rows), or the case stays closed with a message (broken case rows).
        assert isinstance(app.screen, InterviewScreen if payload.startswith("a ") else CasesScreen)
        app.show_plan(1)
        await pilot.pause()
        app.show_export(1)
        await pilot.pause()
        messages = " ".join(str(n.message) for n in app._notifications)
        assert "not be read" in messages or "not be read" in screen_words(app)
        assert SECRET not in messages
        assert app.is_running
    assert app.crash_report is False
    assert db_path.read_bytes() == before


async def test_a_note_over_the_limit_is_refused_in_the_notes_box(tmp_path, capsys, read_answer):
    db_path = tmp_path / "cases.db"
    import_case(tmp_path, db_path, "Pat Example", "X100001")
    capsys.readouterr()
    app = create_app(db_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.open_case(1)
        await pilot.pause()
        await fill_language(pilot, "English")
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        await interview.go_to_question("person.preferred_name")
        await pilot.pause()
        notes = interview.query_one("#notes")
        notes.focus()
        notes.insert("n" * (MAX_NOTE_CHARS + 1))
        await pilot.pause()
        problem = str(interview.query_one("#problem").render())
        assert f"is {MAX_NOTE_CHARS + 1:,} characters long; the most kept is {MAX_NOTE_CHARS:,}" in problem
        assert not app.screen.flush()
        await pilot.press("backspace")
        await pilot.pause()
        assert app.screen.flush()
    gc.collect()
    connection = raw(db_path)
    stored = connection.execute("SELECT note FROM answers WHERE question_id = 'person.preferred_name'").fetchone()
    connection.close()
    assert stored == ("n" * MAX_NOTE_CHARS,)


async def test_an_unexpected_error_in_the_app_leaves_a_report_without_personal_data(tmp_path, monkeypatch):
    def broken(self):
        raise ValueError(f"about {SECRET}")

    monkeypatch.setattr(CasesScreen, "refresh_cases", broken)
    app = create_app(tmp_path / "cases.db")
    with pytest.raises(ValueError):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
    assert app.crash_report
    text = Path(app.crash_report).read_text()
    assert "exception: ValueError" in text and SECRET not in text
