"""Practice mode's own screens: the scenario picker and the feedback. The rest of a practice run uses the
ordinary Interview, Review, Plan and Export screens on the practice database (app.db_kind == "practice").

The picker starts a run (a new case from the scenario), resets one, or shows its feedback. The Interview
screen asks `reply_for` what the simulated person says at each question (shown in a panel there).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from oasys_diversity.model import Answer


def scenarios_for(app: Any) -> list[Any]:
    """The practice scenarios beside the app's bank, loaded once (after the bank)."""
    if app.scenarios is None:
        from oasys_diversity.scenario import load_scenarios

        folder = app.questions_dir / "scenarios" if app.questions_dir is not None else None
        app.scenarios = load_scenarios(folder, app.bank)
    return app.scenarios


def scenario_for_case(app: Any, case_id: int) -> Any:
    """The scenario a practice case was started from; None outside practice mode or for another case."""
    if getattr(app, "db_kind", "live") != "practice" or app.bank is None:
        return None
    from oasys_diversity.practice import scenario_of
    from oasys_diversity.store import StoreError, get_case

    try:
        case = get_case(app.db, case_id)
    except (StoreError, LookupError):
        return None
    return scenario_of(case, scenarios_for(app))


def reply_for(app: Any, case_id: int, question_id: str, answers: dict[str, Answer], checked_in: bool) -> str | None:
    """What the simulated person says at this question (their hesitation while it is held back)."""
    scenario = scenario_for_case(app, case_id)
    if scenario is None:
        return None
    from oasys_diversity.scenario import reply_shown

    asked = {q for q, a in answers.items() if a.status != "not_discussed"}
    said = reply_shown(scenario, question_id, asked, checked_in)
    return f"{scenario.person.name} says: {said}" if said else f"{scenario.person.name} has nothing to add here."


def _latest_run(app: Any, scenario: Any) -> int | None:
    from oasys_diversity.store import list_cases

    runs = [c for c in list_cases(app.db) if c.reference == scenario.person.reference]
    return runs[0].id if runs else None


def _new_file(folder: Path, stem: str, suffix: str) -> Path:
    """A file name not yet taken in `folder`: nothing the trainee did not name is overwritten."""
    candidate = folder / f"{stem}{suffix}"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{number}{suffix}"
        number += 1
    return candidate


class ScenarioScreen(Screen[None]):
    """Pick a fictional person to practise with; start, reset, or see feedback on the latest run."""

    CSS_PATH = "practice.tcss"

    HELP_TITLE = "Practice scenarios"
    HELP = (
        "Each scenario is a fictional person. Enter starts a run: the ordinary interview opens, and what the "
        "person says appears in a panel when you reach each question. Record what you hear, as in a real "
        "session, then review, plan and export. f shows feedback on your latest run of the highlighted "
        "scenario; r erases that run and starts again. Everything here is on the practice database."
    )
    BINDINGS = [
        Binding("enter", "start", "Start", id="practice.start", show=True),
        Binding("f", "feedback", "Feedback", id="practice.feedback"),
        Binding("r", "reset", "Reset and re-run", id="practice.reset"),
        Binding("escape", "app.pop_screen", "Runs", id="practice.back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Choose a fictional person to practise with.", id="practice-intro", markup=False)
        yield OptionList(id="scenarios")
        with VerticalScroll(id="scenario-detail-box"):
            yield Static("", id="scenario-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        app: Any = self.app
        if not app.finish_loading():
            return
        from oasys_diversity.scenario import ScenarioError

        try:
            found = scenarios_for(app)
        except ScenarioError as error:
            self.query_one("#practice-intro", Static).update(f"The scenarios could not be loaded:\n{error}")
            return
        options = self.query_one("#scenarios", OptionList)
        for scenario in found:
            # Text, not a str: scenario titles are content, never markup.
            label = Text(f"{scenario.scenario.title}  ({scenario.scenario.difficulty})")
            options.add_option(Option(label, id=scenario.id))
        options.highlighted = 0
        options.focus()
        self._describe(0)

    def _chosen(self) -> Any:
        options = self.query_one("#scenarios", OptionList)
        if options.highlighted is None:
            return None
        return scenarios_for(self.app)[options.highlighted]

    def _describe(self, index: int | None) -> None:
        if index is None:
            return
        scenario = scenarios_for(self.app)[index]
        text = f"{scenario.scenario.summary}\n\n{scenario.person.name}: {scenario.person.details}"
        self.query_one("#scenario-detail", Static).update(text)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._describe(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_start()

    def action_start(self) -> None:
        from oasys_diversity.practice import start_run

        app: Any = self.app
        scenario = self._chosen()
        if scenario is None:
            return
        trainee = app.officer or "Trainee"
        app.set_officer(trainee)
        case_id = start_run(app.db, scenario, trainee)
        app.open_case(case_id)

    def action_feedback(self) -> None:
        app: Any = self.app
        scenario = self._chosen()
        run = _latest_run(app, scenario) if scenario is not None else None
        if run is None:
            self.notify("No run of this scenario yet: press Enter to start one.", markup=False)
            return
        app.show_feedback(run)

    def action_reset(self) -> None:
        from oasys_diversity.practice import reset_run

        app: Any = self.app
        scenario = self._chosen()
        run = _latest_run(app, scenario) if scenario is not None else None
        if scenario is None or run is None:
            self.action_start()
            return
        case_id = reset_run(app.db, run, scenario, app.officer or "Trainee")
        app.open_case(case_id)


class FeedbackScreen(Screen[None]):
    """Feedback on a practice run, against the inspection's questions; e writes it as Markdown and JSON."""

    CSS_PATH = "practice.tcss"

    HELP_TITLE = "Practice feedback"
    HELP = (
        "Each criterion is one of the inspection's questions: what you did, what the scenario held, and why it "
        "matters. Press it at any time; it reflects what is saved. e writes the feedback (Markdown and JSON) to "
        "the practice exports folder, for your trainer's cohort report."
    )
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="feedback.back"),
        Binding("e", "export_feedback", "Export feedback", id="feedback.export"),
        Binding("s", "app.show_scenarios", "Scenarios", id="feedback.scenarios"),
    ]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.feedback: Any = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="feedback-score", markup=False)
        with VerticalScroll(id="feedback-body"):
            yield Markdown("", id="feedback-text")
        yield Footer()

    def on_mount(self) -> None:
        from oasys_diversity.feedback import feedback_to_markdown
        from oasys_diversity.practice import run_feedback

        app: Any = self.app
        scenario = scenario_for_case(app, self.case_id)
        if scenario is None:
            self.query_one("#feedback-score", Static).update("This case was not started from a practice scenario.")
            return
        self.feedback = run_feedback(app.db, self.case_id, scenario, app.bank, app.questions_dir)
        self.sub_title = f"Feedback — {scenario.scenario.title}"
        self.query_one("#feedback-score", Static).update(f"Overall: {self.feedback.overall}%")
        self.query_one("#feedback-text", Markdown).update(feedback_to_markdown(self.feedback))

    def action_export_feedback(self) -> None:
        from oasys_diversity.export import write_private
        from oasys_diversity.feedback import feedback_to_json, feedback_to_markdown
        from oasys_diversity.screens.export import export_folder, shown_path

        if self.feedback is None:
            return
        folder = export_folder("practice")
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"feedback-{self.feedback.scenario}-{self.case_id}-{date.today():%Y-%m-%d}"
        markdown = _new_file(folder, stem, ".md")
        write_private(markdown, feedback_to_markdown(self.feedback).encode("utf-8"))
        data = _new_file(folder, markdown.stem, ".json")
        write_private(data, feedback_to_json(self.feedback).encode("utf-8"))
        self.notify(f"Feedback written to {shown_path(markdown)} and .json", markup=False)
