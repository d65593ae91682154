"""The Report screen: opened from the Cases screen by key, counts this database's cases by ethnic group."""

from __future__ import annotations

from textual.widgets import Markdown, Static

from oasys_diversity.model import Answer


def seed_group(seed_case, group_code: str, count: int, start: int) -> None:
    for index in range(count):
        seed_case(
            reference=f"R{start + index:06d}",
            name=f"Fictional Person {start + index}",
            answers=[
                Answer(question_id="ethnicity.ons_category", status="answered", value=group_code),
                Answer(question_id="faith.religion", status="answered", value="no_religion"),
            ],
        )


async def test_ctrl_r_opens_the_team_report_and_escape_returns(make_app, seed_case):
    seed_group(seed_case, "black_caribbean", 6, 1)
    seed_group(seed_case, "asian_pakistani", 2, 100)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.__class__.__name__ == "ReportScreen"
        status = str(app.screen.query_one("#report-status", Static).render())
        assert status.startswith("8 cases assessed")
        tables = app.screen.query_one("#report-tables", Markdown)
        text = tables.source
        assert "Faith and belief: talked about?" in text
        black = next(line for line in text.splitlines() if line.startswith("| Black"))
        asian = next(line for line in text.splitlines() if line.startswith("| Asian"))
        assert "| 6 |" in black and "<5" in asian
        assert "Fictional Person" not in text and "R000001" not in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "CasesScreen"


def test_report_screen_snapshot(snap_compare, make_app, seed_case):
    seed_group(seed_case, "white_british", 5, 1)
    seed_group(seed_case, "mixed_white_black_caribbean", 5, 50)

    async def open_report(pilot):
        await pilot.press("ctrl+r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(), run_before=open_report, terminal_size=(100, 30))
