"""Interview benchmark: how long one PgDn takes under Pilot, against a trivial screen switch in a bare Textual app.

Opens the demo's new case (DEMO-0001) at its first introduction at 80x24 and presses PgDn, timing each
`await pilot.press("pagedown")`: the key, the screen's work, and Pilot waiting until the app is idle again,
which is what a test (and, near enough, an officer) waits for. The bare app has two screens, each a Header, a
Static and a Footer, and a key that switches between them; it is timed the same way in the same process.
Rounds alternate between the two apps, and the medians are compared, for wall time and for CPU time (the
work done, which a busy machine disturbs less).

    .venv/bin/python benchmarks/bench_interview.py [--presses 20] [--rounds 3]

Aim: a PgDn within 2x a bare screen switch.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class BareScreen(Screen[None]):
    BINDINGS = [Binding("pagedown", "app.switch_other", "Next")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Screen {self.name}")
        yield Footer()


class BareApp(App[None]):
    """Two screens and a key to switch between them."""

    SCREENS = {"one": lambda: BareScreen(name="one"), "two": lambda: BareScreen(name="two")}

    def on_mount(self) -> None:
        self.push_screen("one")

    def action_switch_other(self) -> None:
        self.switch_screen("two" if self.screen.name == "one" else "one")


async def time_presses(app: App[object], presses: int, ready) -> tuple[list[float], list[float]]:
    """(wall seconds, CPU seconds) for each PgDn, once `ready` says the app is where it should start."""
    walls: list[float] = []
    cpus: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await ready(app, pilot)
        for _ in range(presses):
            wall, cpu = time.perf_counter(), time.process_time()
            await pilot.press("pagedown")
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    return walls, cpus


async def bare_round(presses: int) -> tuple[list[float], list[float]]:
    async def ready(app, pilot) -> None:
        return None

    return await time_presses(BareApp(), presses, ready)


async def interview_round(db_path: Path, presses: int) -> tuple[list[float], list[float]]:
    from oasys_diversity.app import create_app
    from oasys_diversity.screens.interview import InterviewScreen
    from oasys_diversity.store import list_cases, open_db

    app = create_app(db_path)

    async def ready(app, pilot) -> None:
        from oasys_diversity.sessions import ConversationSession
        from oasys_diversity.store_sessions import start_session

        db = open_db(db_path)
        try:
            case_id = next(s.id for s in list_cases(db, app.bank) if s.reference == "DEMO-0001")
            # The language step done earlier today, so opening the case goes straight to the conversation.
            sitting = ConversationSession(case_id=case_id, language="English", interpreter="not_needed")
            start_session(db, sitting, officer="Benchmark")
        finally:
            db.close()
        app.open_case(case_id)
        await pilot.pause()
        if not isinstance(app.screen, InterviewScreen):
            raise SystemExit("the interview did not open")

    return await time_presses(app, presses, ready)


async def run(presses: int, rounds: int) -> None:
    from oasys_diversity.demo import build_demo

    bare_wall: list[float] = []
    bare_cpu: list[float] = []
    our_wall: list[float] = []
    our_cpu: list[float] = []
    # One untimed round of each warms imports, the CSS parser and the file cache.
    await bare_round(2)
    for round_number in range(rounds + 1):
        folder, db_path = build_demo()
        try:
            wall, cpu = await interview_round(db_path, presses if round_number else 2)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if round_number:
            our_wall += wall
            our_cpu += cpu
            wall, cpu = await bare_round(presses)
            bare_wall += wall
            bare_cpu += cpu

    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    print(f"{presses} presses x {rounds} rounds, median per press")
    print(f"bare screen switch : {ms(bare_wall):7.1f} ms wall  {ms(bare_cpu):7.1f} ms CPU")
    print(f"interview PgDn     : {ms(our_wall):7.1f} ms wall  {ms(our_cpu):7.1f} ms CPU")
    print(f"slowest PgDn       : {max(our_wall) * 1000:7.1f} ms wall")
    print(f"wall ratio {ms(our_wall) / ms(bare_wall):.2f}x   CPU ratio {ms(our_cpu) / ms(bare_cpu):.2f}x  (aim <= 2x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=20, help="PgDn presses per round (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each app (default 3)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="oasys-diversity-bench-"))
    os.environ["OASYS_DIVERSITY_HOME"] = str(home)
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    try:
        asyncio.run(run(args.presses, args.rounds))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
