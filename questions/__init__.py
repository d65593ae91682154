"""The shipped content: question bank (one TOML file per domain), plan rules, referral directory.

It is data, not code: practitioners review and change these files without touching Python.
"""

from pathlib import Path

QUESTIONS_DIR = Path(__file__).resolve().parent
RULES_DIR = QUESTIONS_DIR / "rules"
DIRECTORY_DIR = QUESTIONS_DIR / "directory"
SCENARIOS_DIR = QUESTIONS_DIR / "scenarios"
