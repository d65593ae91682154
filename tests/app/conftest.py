"""Fixtures for the app tests: a database of their own and an app built against it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from oasys_diversity.app import OasysApp, create_app
from oasys_diversity.bank import load_bank
from oasys_diversity.model import Answer, Case, QuestionBank
from oasys_diversity.sessions import ConversationSession
from oasys_diversity.store import create_case, open_db, save_answer
from oasys_diversity.store_sessions import start_session

OFFICER = "Jo Officer"


@pytest.fixture(scope="session")
def bank() -> QuestionBank:
    return load_bank()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cases.db"


@pytest.fixture
def make_app(db_path: Path) -> Callable[..., OasysApp]:
    """Build a fresh app on this test's database (call it again to "reopen" the app)."""

    def build(**kwargs) -> OasysApp:
        return create_app(db_path, **kwargs)

    return build


@pytest.fixture
def seed_case(db_path: Path) -> Callable[..., int]:
    """Store a fictional case with some answers and return its id."""

    def seed(
        reference: str = "X100001",
        name: str = "Alex Example",
        answers: list[Answer] | None = None,
        *,
        session: ConversationSession | None = None,
        sitting_today: bool = True,
    ) -> int:
        """`sitting_today`: a session recorded today, as if the language step was done earlier today (so opening
        the case carries on without asking again); False leaves the case with no session at all."""
        db = open_db(db_path)
        case_id = create_case(db, Case(reference=reference, name=name, officer=OFFICER, assessed_on=date(2025, 3, 1)))
        for answer in answers or []:
            save_answer(db, case_id, answer, officer=OFFICER)
        if sitting_today:
            sitting = session or ConversationSession(case_id=case_id, language="English", interpreter="not_needed")
            start_session(db, sitting.model_copy(update={"case_id": case_id}), officer=OFFICER)
        db.close()
        return case_id

    return seed


@pytest.fixture
def read_answer(db_path: Path) -> Callable[[int, str], Answer | None]:
    """The answer as the database holds it, read through a separate connection (None: never saved)."""
    from oasys_diversity.store import load_assessment

    def read(case_id: int, question_id: str) -> Answer | None:
        db = open_db(db_path)
        try:
            return load_assessment(db, case_id).answers.get(question_id)
        finally:
            db.close()

    return read


def screen_text(app: OasysApp) -> str:
    """All the words in the Static widgets of the screen on top (what the officer can read)."""
    from textual.widgets import Static

    return "\n".join(str(widget.render()) for widget in app.screen.query(Static))


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A private home folder, so exports land in the test's folder and paths typed by keys stay short."""
    folder = tmp_path / "home"
    folder.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(folder))
    return folder


INTERPRETER_ORDER = ("present", "needed", "not_needed")
MODE_ORDER = ("in_person", "phone", "video")


async def fill_language(
    pilot, language: str = "English", interpreter: str = "not_needed", for_language: str = "", mode: str = ""
) -> int:
    """Fill in the language step by keys (the language box has the focus) and continue with ctrl+s.

    Returns the keys pressed besides typed words.
    """
    keys = ["tab", *["down"] * INTERPRETER_ORDER.index(interpreter), "enter"]
    await pilot.press(*language, *keys)
    if interpreter != "not_needed":
        await pilot.press("tab", *for_language)
        keys.append("tab")
    if interpreter == "present":
        more = ["tab", *["down"] * MODE_ORDER.index(mode), "enter"]
        await pilot.press(*more)
        keys += more
    await pilot.press("ctrl+s")
    await pilot.pause()
    return len(keys) + 1


@pytest.fixture
def held_bank(monkeypatch) -> Iterator[threading.Event]:
    """The app's question bank does not load until the test sets the event it yields (set again at the end, so the
    loading thread is never left waiting)."""
    import oasys_diversity.bank

    release = threading.Event()
    real_load_bank = oasys_diversity.bank.load_bank

    def held_load_bank(folder=None):
        release.wait()
        return real_load_bank(folder)

    monkeypatch.setattr(oasys_diversity.bank, "load_bank", held_load_bank)
    yield release
    release.set()
