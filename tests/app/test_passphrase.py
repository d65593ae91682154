"""With no key file and no keyring the app asks for the passphrase at start (twice for a new database),
says so plainly when it is wrong, and opens the cases once it is right. Nothing is echoed."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail
from textual.widgets import DataTable, Input

from oasys_diversity import store_key
from oasys_diversity.screens.cases import CasesScreen
from oasys_diversity.screens.passphrase import PassphraseScreen
from oasys_diversity.store_key import KEY_FILE_ENV
from oasys_diversity.store_open import SQLITE_HEADER

PASSPHRASE = "river lantern okra"


@pytest.fixture(autouse=True)
def no_key_anywhere(monkeypatch):
    monkeypatch.delenv(KEY_FILE_ENV)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    store_key.forget_passphrase()
    yield
    keyring.set_keyring(previous)
    store_key.forget_passphrase()


async def wait_for(pilot, condition) -> None:
    for _ in range(500):
        if condition():
            return
        await pilot.pause()
    assert condition()


async def test_a_new_database_asks_for_a_passphrase_twice_then_opens(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PassphraseScreen))
        assert "Choose a passphrase" in str(app.screen.query_one("#passphrase-title").render())
        assert all(box.password for box in app.screen.query(Input))
        await pilot.press(*"short", "enter")
        assert "at least 8" in str(app.screen.query_one("#passphrase-problem").render())
        app.screen.query_one("#passphrase", Input).value = ""
        await pilot.press(*PASSPHRASE, "enter", *"something else", "enter")
        assert "differ" in str(app.screen.query_one("#passphrase-problem").render())
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CasesScreen))
        assert app.connection is not None
    assert db_path.exists() and not db_path.read_bytes().startswith(SQLITE_HEADER)


async def test_a_wrong_passphrase_is_said_plainly_and_the_right_one_opens(make_app, seed_case, db_path):
    store_key.set_passphrase(PASSPHRASE)
    seed_case(name="Alex Example")
    store_key.forget_passphrase()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PassphraseScreen))
        assert "locked" in str(app.screen.query_one("#passphrase-title").render())
        await pilot.press(*"not the passphrase", "enter")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, PassphraseScreen)
                and "does not open" in str(app.screen.query_one("#passphrase-problem").render())
            ),
        )
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CasesScreen) and app.screen.query_one(DataTable).row_count)
        assert app.screen.query_one(DataTable).row_count == 1


async def test_escape_on_the_passphrase_screen_quits_without_creating_anything(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PassphraseScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.return_code is not None)
    assert app.return_code == 1
    assert not db_path.exists()
