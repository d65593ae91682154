"""`oasys-diversity serve`: the app in a browser, on localhost unless a public address (a reverse proxy with
sign-in) is given, and a real-browser test: the distribution's Chromium, driven by Playwright, opens the
page, types keys, sees the Cases screen, and saves an answer that is then in the database."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from oasys_diversity.cli import main
from oasys_diversity.model import Case
from oasys_diversity.serve import ServeError, app_command, check_binding
from oasys_diversity.store import create_case, load_assessment, open_db

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_only_localhost_without_a_public_address(capsys):
    assert check_binding("127.0.0.1", None) is None
    with pytest.raises(ServeError, match="--public-url"):
        check_binding("0.0.0.0", None)
    warning = check_binding("0.0.0.0", "https://probation.example.org/oasys")
    assert "no sign-in of its own" in warning and "reverse" in warning
    assert main(["serve", "--host", "0.0.0.0", "--port", "8765"]) == 1
    assert "give --public-url" in capsys.readouterr().err


def test_each_session_runs_this_installation_on_the_same_database(tmp_path):
    command = app_command(tmp_path / "cases.db", None, None)
    assert command.startswith(sys.executable) and "-m oasys_diversity --db" in command
    assert str(tmp_path / "cases.db") in command


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, attempts: int = 300) -> None:
    for _ in range(attempts):
        if process.poll() is not None:
            raise AssertionError(f"serve stopped with exit code {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("serve never started listening")


# Every byte the page receives from the server, so the test can read what the terminal shows.
RECORD_SOCKET = """
(() => {
  window.__received = [];
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const socket = new Native(...args);
    socket.addEventListener("message", (event) => {
      if (typeof event.data === "string") { window.__received.push(event.data); return; }
      const blob = event.data instanceof Blob ? event.data : new Blob([event.data]);
      blob.arrayBuffer().then((buffer) => {
        window.__received.push(new TextDecoder("utf-8", { fatal: false }).decode(buffer));
      });
    });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, Native);
})();
"""


def screen_contains(page, text: str, attempts: int = 200) -> bool:
    for _ in range(attempts):
        received = page.evaluate("window.__received.join('')")
        if text in received:
            return True
        page.wait_for_timeout(100)
    return False


@pytest.mark.slow
def test_a_real_browser_opens_the_app_types_and_the_answer_is_saved(tmp_path):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is not installed (.ci/run installs it: apt-get install chromium)"
    db_path = tmp_path / "cases.db"
    db = open_db(db_path)
    case_id = create_case(
        db, Case(reference="WEB0001", name="Browser Example", officer="Web Officer", assessed_on=date(2026, 11, 2))
    )
    db.close()
    port = free_port()
    env = {**os.environ, "OASYS_DIVERSITY_HOME": str(tmp_path / "home")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oasys_diversity",
            "--db",
            str(db_path),
            "serve",
            "--port",
            str(port),
            "--officer",
            "Web Officer",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.add_init_script(RECORD_SOCKET)
            page.goto(f"http://127.0.0.1:{port}/")
            assert screen_contains(page, "WEB0001"), "the Cases screen never showed the case"
            assert screen_contains(page, "Browser Example")
            page.locator("#terminal").click()
            page.locator(".xterm-helper-textarea").focus()  # where xterm.js takes the keyboard
            page.keyboard.press("Enter")  # open the case: language first
            assert screen_contains(page, "Language of this conversation"), "the language step never showed"
            page.keyboard.type("English")
            for key in ("Tab", "ArrowDown", "ArrowDown", "Enter", "Control+s"):  # interpreter: not needed
                page.keyboard.press(key)
                page.wait_for_timeout(200)
            assert screen_contains(page, "· deeper"), "the interview never opened"  # its progress legend
            page.keyboard.press("PageDown")  # past the introduction to the first question: gender
            page.wait_for_timeout(500)
            page.keyboard.press("Enter")  # the first choice
            page.wait_for_timeout(500)
            page.keyboard.press("PageDown")  # moving on saves the answer
            saved = None
            for _ in range(100):
                check = open_db(db_path)
                try:
                    saved = load_assessment(check, case_id).answers.get("person.gender")
                finally:
                    check.close()
                if saved is not None and saved.status == "answered":
                    break
                page.wait_for_timeout(100)
            browser.close()
        assert saved is not None and saved.status == "answered" and saved.value == "woman"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
