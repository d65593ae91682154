"""Shared test set-up: every test gets its own data directory, never the user's."""

from __future__ import annotations

import gc

import pytest


def pytest_collection_finish(session):
    """Leave what importing the tests built (modules, classes, the app's and libraries' tables) out of every
    later garbage collection. Tests that close the CLI's connections with `gc.collect()`, and Python's own
    full collections, then only walk what the tests themselves made: each was about a tenth of a second
    before, over a hundred times in the suite."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _private_data_dirs(tmp_path, monkeypatch):
    """Point every data and config location at this test's temporary folder."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("OASYS_DIVERSITY_HOME", str(home / "oasys-diversity"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    # Databases are encrypted: each test's key is generated into its own key file on first use,
    # so no test asks for a passphrase or touches the real keyring.
    monkeypatch.setenv("OASYS_DIVERSITY_KEY_FILE", str(home / "database.key"))
    # No cursor blink or animation to wait for: app tests and snapshots stay deterministic.
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    yield
