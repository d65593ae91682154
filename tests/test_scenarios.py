"""Practice scenarios as content: the shipped ones load, and a broken one is rejected with FILE:LINE."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from planning_support import bank
from practice_support import scenario, scenarios

from oasys_diversity.bank import check_content
from oasys_diversity.questions import QUESTIONS_DIR
from oasys_diversity.scenario import check_scenarios, read_scenario, reply_shown

GOOD = """[scenario]
id = "broken"
title = "A broken scenario"
difficulty = "starter"
summary = "For the test."
based_on = "Nothing."

[person]
name = "Test Person"
reference = "PRAC-0"
details = "Made up."

[[reply]]
question = "language.interpreter_needed"
value = "yes"
says = "Yes."
"""


def test_the_shipped_scenarios_cover_the_inspection_stories_at_every_difficulty():
    found = scenarios()
    assert len(found) >= 8
    assert {s.scenario.difficulty for s in found} == {"starter", "developing", "advanced"}
    ids = {s.id for s in found}
    for wanted in (
        "no-right-to-work",
        "name-and-faith",
        "friday-prayers",
        "trauma-denied",
        "bereaved-no-income",
        "interpreter-never-booked",
        "mixed-heritage-label",
        "care-leaver",
        "racial-harassment",
    ):
        assert wanted in ids
    assert check_content(None) == []


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        ('value = "yes"', 15, "unknown code 'perhaps'"),
        ('question = "language.interpreter_needed"', 14, "unknown question id 'language.nope'"),
        ('says = "Yes."', 13, "hesitation"),
        ("[person]", 9, "Extra inputs are not permitted"),
    ],
)
def test_a_broken_scenario_is_rejected_with_file_and_line(tmp_path: Path, change: str, line: int, message: str):
    replacement = {
        'value = "yes"': 'value = "perhaps"',
        'question = "language.interpreter_needed"': 'question = "language.nope"',
        'says = "Yes."': 'says = "Yes."\nwhen = "after_check_in"',
        "[person]": "[person]\nnickname = 1",
    }[change]
    folder = tmp_path / "scenarios"
    folder.mkdir()
    path = folder / "broken.toml"
    path.write_text(GOOD.replace(change, replacement), encoding="utf-8")
    problems = check_scenarios(folder, bank())
    assert problems, "the broken scenario passed"
    where = [p for p in problems if p.startswith(f"{path}:")]
    assert where and message in where[0]
    assert where[0].startswith(f"{path}:{line}:")


def test_questions_check_reports_a_broken_shipped_style_scenario(tmp_path: Path):
    copy = tmp_path / "questions"
    shutil.copytree(QUESTIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    broken = copy / "scenarios" / "broken.toml"
    broken.write_text(GOOD.replace('value = "yes"', 'value = "perhaps"'), encoding="utf-8")
    problems = check_content(copy)
    assert any(p.startswith(f"{broken}:15:") and "language.interpreter_needed" in p for p in problems)


def test_bad_toml_names_its_line(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text(GOOD + "\n[[reply]\n", encoding="utf-8")
    found, problems = read_scenario(path)
    assert found is None and problems[0].startswith(f"{path}:18:")


def test_a_reply_held_back_until_the_check_in_or_a_follow_up():
    karim = scenario("no-right-to-work")
    assert (
        reply_shown(karim, "immigration.status", set(), checked_in=False)
        == karim.reply_to("immigration.status").hesitation
    )
    assert "refused" in reply_shown(karim, "immigration.status", set(), checked_in=True)
    mei = scenario("interpreter-never-booked")
    held = reply_shown(mei, "language.interpreter_needed", set(), checked_in=True)
    assert held == mei.reply_to("language.interpreter_needed").hesitation
    told = reply_shown(mei, "language.interpreter_needed", {"language.spoken_english"}, checked_in=True)
    assert "son" in told
    assert reply_shown(mei, "person.pronouns", set(), checked_in=True) is None
