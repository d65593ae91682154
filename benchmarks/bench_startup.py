"""Start-up benchmark: launch to the first interactive Cases screen, and peak memory, against a bare Textual app.

Each run is a fresh Python process started the same way (headless, 80x24), timed by the parent from
starting the process to each line the child prints. Peak memory is the child's maximum resident set
size. The bare app is a Header, a Static and a Footer; it prints "ready" once its Static is there.

oasys-diversity starts in two steps (see app.py), so two moments are timed, on a database of
several cases (the demo's):

- interactive: the Cases screen lists the cases and handles keys (the child's own timer, running on
  the app's event loop, sees the filled table). The progress column may still show "…": the
  question bank is loading in a background thread, and opening a case before it is in waits for it.
- counted: the bank has loaded and the progress column is counted.

Runs alternate between the two apps, and the medians are compared.

    .venv/bin/python benchmarks/bench_startup.py [--runs 9]

Aim: at most 1.3x the bare app's time (to interactive) and 1.5x its memory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("Hello")
        yield Footer()

    def on_mount(self):
        self.set_interval(0.002, self.check)

    def check(self):
        if self.query(Static):
            print("ready", flush=True)
            self.exit()

Bare().run(headless=True, size=(80, 24))
"""

OUR_APP = """
import sys
from pathlib import Path
from oasys_diversity.app import create_app

# A second argument is the demo's folder: its database is a demo one, which the app opens only as the demo.
app = create_app(sys.argv[1], demo_folder=Path(sys.argv[2]) if len(sys.argv) > 2 else None)
interactive = False

def check():
    global interactive
    from oasys_diversity.screens.cases import CasesScreen
    from textual.widgets import DataTable
    screen = app.screen
    if not isinstance(screen, CasesScreen) or screen.query_one(DataTable).row_count == 0:
        return
    if not interactive:
        interactive = True
        print("interactive", flush=True)
    if screen.counted:
        print("counted", flush=True)
        app.exit()

app.call_later(lambda: app.set_interval(0.002, check))
app.run(headless=True, size=(80, 24))
"""


# Prints the demo's folder, its database and the key file it set.
BUILD_DEMO = """
import os
from oasys_diversity.demo import build_demo
from oasys_diversity.store_key import KEY_FILE_ENV
print(*build_demo(), os.environ[KEY_FILE_ENV], sep=chr(10))
"""
# What store_key.KEY_FILE_ENV holds (not imported: this process stays small).
KEY_FILE_ENV = "OASYS_DIVERSITY_KEY_FILE"


def run_once(code: str, *args: str, timeout: float = 60) -> tuple[dict[str, float], int]:
    """({moment: seconds from launch}, peak resident memory in KiB) for one child process.

    A child that never gets there (an error screen instead of the cases) is stopped after `timeout` seconds
    and the benchmark fails, rather than waiting for ever."""
    # Bytecode is written (the untimed first run writes it), as an installed app has it: pip compiles a package
    # when it installs it, so Textual's own modules already have theirs. With PYTHONDONTWRITEBYTECODE set (as
    # some shells and containers do) our modules would be compiled from source on every run, and the bare app's not.
    env = {**os.environ, "TEXTUAL_ANIMATIONS": "none"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert child.stdout is not None
    watchdog = threading.Timer(timeout, child.kill)
    watchdog.start()
    moments: dict[str, float] = {}
    for line in child.stdout:
        moments[line.decode().strip()] = time.perf_counter() - started
    _pid, status, usage = os.wait4(child.pid, 0)
    watchdog.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    if not moments or child.returncode != 0:
        raise SystemExit(f"a benchmark run failed (exit code {child.returncode})")
    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return moments, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each app (default 9)")
    args = parser.parse_args()

    # Built by a child process: a child's peak memory counts what its parent held when it was started (Python
    # starts children with vfork), so this process stays small.
    built = subprocess.run(
        [sys.executable, "-c", BUILD_DEMO],
        capture_output=True,
        text=True,
        check=True,
    )
    folder, db_path, key_file = (Path(line) for line in built.stdout.splitlines())
    os.environ[KEY_FILE_ENV] = str(key_file)
    home = Path(tempfile.mkdtemp(prefix="oasys-diversity-bench-"))
    os.environ["OASYS_DIVERSITY_HOME"] = str(home)
    try:
        # One untimed run of each warms the file cache and the bytecode cache.
        run_once(BARE_APP)
        run_once(OUR_APP, str(db_path), str(folder))
        bare: list[tuple[dict[str, float], int]] = []
        ours: list[tuple[dict[str, float], int]] = []
        for _ in range(args.runs):
            bare.append(run_once(BARE_APP))
            ours.append(run_once(OUR_APP, str(db_path), str(folder)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)

    bare_time = statistics.median(moments["ready"] for moments, _ in bare)
    our_time = statistics.median(moments["interactive"] for moments, _ in ours)
    our_counted = statistics.median(moments["counted"] for moments, _ in ours)
    bare_memory = statistics.median(peak for _, peak in bare)
    our_memory = statistics.median(peak for _, peak in ours)
    print(f"runs: {args.runs} of each, median")
    print(f"bare Textual app             : {bare_time * 1000:7.1f} ms  {bare_memory / 1024:6.1f} MiB")
    print(f"oasys-diversity, interactive : {our_time * 1000:7.1f} ms  {our_memory / 1024:6.1f} MiB")
    print(f"oasys-diversity, counted     : {our_counted * 1000:7.1f} ms")
    print(
        f"time ratio   {our_time / bare_time:.2f}x  (aim <= 1.3x)  progress counted at {our_counted / bare_time:.2f}x"
    )
    print(f"memory ratio {our_memory / bare_memory:.2f}x  (aim <= 1.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
