"""screens/ and questions/ install inside the package: build the wheel, install it fresh, run it from there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Generous limits that only stop a hung build or install; they do not measure speed.
BUILD_TIMEOUT = 600
INSTALL_TIMEOUT = 900
RUN_TIMEOUT = 120


def _clean_env() -> dict[str, str]:
    """The test's environment without anything that would let the fresh venv see this checkout or the dev venv."""
    env = os.environ.copy()
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"):
        env.pop(name, None)
    return env


def _run(argv: list[str | Path], timeout: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=timeout, cwd=cwd, env=_clean_env()
    )
    assert done.returncode == 0, f"{argv[0]} {argv[1:3]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_the_wheel_installs_and_runs_questions_check(tmp_path: Path):
    # Build from a copy, so the build's own scratch folders never land in the working tree.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", "build", "dist", "*.egg-info", "*.db*"
        ),
    )
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, source], BUILD_TIMEOUT, cwd=tmp_path)
    (wheel,) = dist.glob("oasys_diversity-*.whl")

    names = zipfile.ZipFile(wheel).namelist()
    tcss = [n for n in names if n.startswith("oasys_diversity/screens/") and n.endswith(".tcss")]
    domains = [
        n for n in names if n.startswith("oasys_diversity/questions/") and n.count("/") == 2 and n.endswith(".toml")
    ]
    assert tcss, "the screens' .tcss files must be in the wheel"
    assert {Path(n).name for n in tcss} == {p.name for p in (ROOT / "screens").glob("*.tcss")}
    assert {Path(n).name for n in domains} == {p.name for p in (ROOT / "questions").glob("*.toml")}
    assert len(domains) >= 8
    assert "oasys_diversity/questions/__init__.py" in names
    assert any(n.startswith("oasys_diversity/questions/rules/") and n.endswith(".toml") for n in names)
    # The PDF's Typst template and the fonts it may use.
    assert "oasys_diversity/export/summary.typ" in names
    assert "oasys_diversity/fonts/NotoSans-Regular.ttf" in names

    # A bare venv, filled by this environment's pip (`pip --python`): seeding the venv with a pip of its own
    # took longer than the rest of its set-up and is not what is tested.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], RUN_TIMEOUT, cwd=tmp_path)
    python = venv / "bin" / "python"
    # Dependencies come from the package index, as they would for anyone installing the wheel. Without
    # byte-compiling every installed module up front: Python compiles what the commands below import.
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--disable-pip-version-check", "--no-input"]
        + ["--quiet", "--no-compile", wheel],
        INSTALL_TIMEOUT,
        cwd=tmp_path,
    )

    # Run from a folder with nothing of ours in it, so only the installed copy can answer.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run(
        [python, "-c", "import oasys_diversity.questions as q; print(q.QUESTIONS_DIR)"], RUN_TIMEOUT, elsewhere
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)

    checked = _run([venv / "bin" / "oasys-diversity", "questions", "check"], RUN_TIMEOUT, elsewhere)
    assert checked.stdout.startswith("question bank OK: ")
    dumped = _run([venv / "bin" / "oasys-diversity", "questions", "dump", "--format", "json"], RUN_TIMEOUT, elsewhere)
    assert '"format": "oasys-diversity/question-bank@1"' in dumped.stdout
