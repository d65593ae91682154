"""The global options mean the same before and after a subcommand: `--db` must never be dropped."""

import pytest

from oasys_diversity.cli import build_parser


@pytest.mark.parametrize(
    "argv",
    [
        ["--db", "chosen.db", "cases", "list"],
        ["cases", "list", "--db", "chosen.db"],
        ["--db", "chosen.db", "cases", "erase", "5", "--yes"],
        ["export", "3", "--format", "md", "--db", "chosen.db"],
        ["--db", "chosen.db", "import", "person.json"],
    ],
)
def test_db_is_kept_wherever_it_is_given(argv):
    assert str(build_parser().parse_args(argv).db) == "chosen.db"


def test_later_option_wins_and_absent_options_stay_none():
    args = build_parser().parse_args(["--db", "first.db", "--questions", "bank", "cases", "list", "--db", "second.db"])
    assert str(args.db) == "second.db"
    assert str(args.questions) == "bank"
    assert args.directory is None
    assert build_parser().parse_args([]).db is None
