"""The Plan screen's dialogs: edit or add an objective, decline with a reason, record the person's view.

Each is a `ModalScreen[Result]` that answers with `dismiss(value)` (None when cancelled). A dialog checks
what was typed before it closes: a bad date or a missing reason shows a message inside the dialog and
everything typed stays where it was. Each starts on the current value, and ctrl+a selects all in a box.

If the app quits (ctrl+q) or moves to another screen while a dialog is open, the app calls its `flush`:
what was changed is handed to the Plan screen and saved, or, when it cannot be saved as it stands (a
missing reason), the dialog says why and the app does not leave without asking.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, RadioSet, Select, Static, TextArea

from oasys_diversity.model import AGREEMENT_LABELS, NEED_AREA_LABELS, OWNER_LABELS, Objective
from oasys_diversity.safe_text import for_terminal

from .toggles import MarkedRadioButton

# Owners the HMPPS sentence plan names in person: "someone else" means nothing without a name.
OWNERS_NEEDING_A_NAME = ("someone_else",)

_UK_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def parse_target_date(text: str) -> date:
    """Read a date typed as 2025-09-30 or 30/09/2025 (the way officers in England and Wales write it)."""
    text = text.strip()
    if not text:
        raise ValueError("Target date: a date is needed, for example 2025-09-30 or 30/09/2025.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    found = _UK_DATE.match(text)
    if found:
        day, month, year = (int(part) for part in found.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise ValueError("Target date: that is not a date. Type it like 2025-09-30 or 30/09/2025.")


ResultType = TypeVar("ResultType")


@dataclass(frozen=True)
class ObjectiveFields:
    """What the officer can set on an objective."""

    need_area: str
    action: str
    owner: str
    owner_name: str | None
    target_date: date
    measure: str
    title: str | None = None


class EditBox(Input):
    """A one-line box where ctrl+a selects everything (to replace it), as in other editors."""

    BINDINGS = [Binding("ctrl+a", "select_all", "Select all", show=False, id="dialog.select_all")]


class EditArea(TextArea):
    """A wrapping box where ctrl+a selects everything, as in a one-line box."""

    BINDINGS = [Binding("ctrl+a", "select_all", "Select all", show=False, id="dialog.select_all_text")]


class PlanDialog(ModalScreen[ResultType]):
    """Shared frame: a titled box, a message line for problems, Save (ctrl+s) and Cancel (escape)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="dialog.save"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]
    CSS_PATH = "plan_dialogs.tcss"

    title_text = ""
    # Set by the Plan screen: what to do with the dialog's answer if the app quits with it open.
    on_flush: Callable[[Any], None] | None = None
    _opened_with: tuple[Any, ...] | None = None
    _flushed = False

    def on_mount(self) -> None:
        self._opened_with = self.typed()

    def typed(self) -> tuple[Any, ...]:
        """Everything in the dialog's boxes and choices now, to tell whether anything was changed."""
        values: list[Any] = []
        for widget in self.query("Input, TextArea, Select, RadioSet"):
            if isinstance(widget, Input):
                values.append(widget.value)
            elif isinstance(widget, TextArea):
                values.append(widget.text)
            elif isinstance(widget, Select):
                values.append(widget.value)
            elif isinstance(widget, RadioSet):
                values.append(widget.pressed_index)
        return tuple(values)

    def collect(self) -> ResultType | None:
        """The dialog's answer, checked; None (with the problem shown) when it cannot be saved yet."""
        return None

    def action_save(self) -> None:
        value = self.collect()
        if value is not None:
            self.dismiss(value)

    def flush(self) -> bool:
        """The app is leaving this dialog behind: save what was changed here. False (the problem shown in the
        dialog) when it cannot be saved as it stands, so the app asks before anything is lost."""
        if self._flushed or self._opened_with is None or self.typed() == self._opened_with:
            return True
        value = self.collect()
        if value is None:
            return False
        self._flushed = True
        if self.on_flush is not None:
            self.on_flush(value)
        if self.is_current:
            self.dismiss(None)
        return True

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(for_terminal(self.title_text), id="dialog-title", markup=False)
            # Problems show under the title, where they are seen even when the form has to scroll.
            yield Static("", id="dialog-error", markup=False)
            with VerticalScroll(id="dialog-body"):
                yield from self.compose_fields()
        yield Footer()

    def compose_fields(self) -> ComposeResult:
        yield from ()

    def show_problem(self, message: str) -> None:
        """Say what is wrong in words (prefixed, so it does not rely on colour), keeping what was typed."""
        error = self.query_one("#dialog-error", Static)
        error.update(f"Not saved yet: {message}" if message else "")
        error.set_class(bool(message), "-shown")

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    async def _submit_on_enter(self, event: Input.Submitted) -> None:
        # Enter in any one-line box saves the whole dialog, as officers expect of a form.
        event.stop()
        await self.run_action("save")


class ObjectiveDialog(PlanDialog[ObjectiveFields | None]):
    """Edit an objective's wording, owner, owner's name, target date and measure, or add a new one."""

    def __init__(self, objective: Objective | None, *, default_date: date, title: str = "") -> None:
        super().__init__()
        self.objective = objective
        self.default_date = default_date
        self.initial_title = title  # (not `title`: a screen's title is its header's)
        self.title_text = "Add your own objective" if objective is None else "Edit this objective"

    def compose_fields(self) -> ComposeResult:
        objective = self.objective
        with Horizontal(classes="row"):
            yield Label("Title")
            yield EditBox(
                for_terminal(self.initial_title), placeholder="a few words that name it", id="objective-title"
            )
        with Horizontal(classes="row" if objective is None else "row static-row"):
            yield Label("Need area")
            if objective is None:
                yield Select(
                    [(label, code) for code, label in NEED_AREA_LABELS.items()],
                    prompt="Choose a need area",
                    id="need-area",
                )
            else:
                yield Static(NEED_AREA_LABELS[objective.need_area], classes="value", markup=False)
        yield Label("What will happen, in words they would understand")
        # Stored words are shown with any control characters visible (see safe_text); an edit saves what is shown.
        yield EditArea(
            for_terminal(objective.action) if objective else "", id="action", soft_wrap=True, tab_behavior="focus"
        )
        with Horizontal(classes="row"):
            yield Label("Who does it")
            yield Select(
                [(label, code) for code, label in OWNER_LABELS.items()],
                allow_blank=False,
                value=objective.owner if objective else "probation_practitioner",
                id="owner",
            )
        with Horizontal(classes="row"):
            yield Label("Their name")
            yield EditBox(
                for_terminal(objective.owner_name or "") if objective else "",
                placeholder="a named person or agency, if any",
                id="owner-name",
            )
        with Horizontal(classes="row"):
            yield Label("Target date")
            yield EditBox(
                (objective.target_date if objective else self.default_date).isoformat(),
                placeholder="2025-09-30 or 30/09/2025",
                id="target-date",
            )
        with Horizontal(classes="row"):
            yield Label("How we will know")
            yield EditBox(
                for_terminal(objective.measure) if objective else "",
                placeholder="how progress will be seen",
                id="measure",
            )

    def on_mount(self) -> None:
        self.query_one("#need-area" if self.objective is None else "#action").focus()

    def collect(self) -> ObjectiveFields | None:
        if self.objective is None:
            need_area = self.query_one("#need-area", Select).selection
            if need_area is None:
                self.show_problem("choose the need area this objective belongs to.")
                return None
        else:
            need_area = self.objective.need_area
        action = self.query_one("#action", TextArea).text.strip()
        if not action:
            self.show_problem("say what will happen.")
            return None
        title = self.query_one("#objective-title", Input).value.strip()
        if not title:
            self.show_problem("give it a short title (Title), a few words that name it.")
            self.query_one("#objective-title", Input).focus()
            return None
        owner = self.query_one("#owner", Select).selection or "probation_practitioner"
        owner_name = self.query_one("#owner-name", Input).value.strip() or None
        if owner in OWNERS_NEEDING_A_NAME and not owner_name:
            self.show_problem("name who will do it (Their name).")
            self.query_one("#owner-name", Input).focus()
            return None
        try:
            target = parse_target_date(self.query_one("#target-date", Input).value)
        except ValueError as problem:
            self.show_problem(str(problem))
            self.query_one("#target-date", Input).focus()
            return None
        measure = self.query_one("#measure", Input).value.strip()
        if not measure:
            self.show_problem("say how progress will be known (How we will know).")
            self.query_one("#measure", Input).focus()
            return None
        return ObjectiveFields(str(need_area), action, str(owner), owner_name, target, measure, title)


class ReasonDialog(PlanDialog[str | None]):
    """Ask why something is being declined; a reason is required so the record shows why."""

    def __init__(self, what: str, current: str | None = None) -> None:
        super().__init__()
        self.what = what
        self.current = current
        self.title_text = f"Decline: {what}"

    def compose_fields(self) -> ComposeResult:
        yield Label("Why is it declined? The reason is kept with the plan.")
        yield EditBox(
            for_terminal(self.current or ""), placeholder="for example: already attends a local group", id="reason"
        )

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def collect(self) -> str | None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.show_problem("a reason is needed so the record shows why.")
            return None
        return reason


class PersonViewDialog(PlanDialog[str | None]):
    """Record the person's own view of one objective, in their words. Empty clears it."""

    def __init__(self, what: str, current: str | None, *, ask: str | None = None) -> None:
        super().__init__()
        self.what = what
        self.current = current
        self.ask = ask
        self.title_text = f"Their view of: {what}"

    def compose_fields(self) -> ComposeResult:
        if self.ask:
            yield Static(for_terminal(f"You could ask: “{self.ask}”"), classes="hint", markup=False)
        yield Label("What they said, in their own words (leave empty to clear)")
        yield EditBox(for_terminal(self.current or ""), id="view")

    def on_mount(self) -> None:
        self.query_one("#view", Input).focus()

    def collect(self) -> str | None:
        # An empty string (not None) means "cleared", so the caller can tell it from "cancelled".
        return self.query_one("#view", Input).value.strip()


@dataclass(frozen=True)
class AgreementFields:
    agreement: str
    reason: str | None


class AgreementDialog(PlanDialog[AgreementFields | None]):
    """Record whether the person agrees with the plan as a whole, with their reasons."""

    def __init__(self, current: str, reason: str | None, *, interpreter_missing: bool = False) -> None:
        super().__init__()
        self.current = current
        self.reason = reason
        # An interpreter is needed and not here: "agrees" needs the officer's reason for recording it now.
        self.interpreter_missing = interpreter_missing
        self.title_text = "Do they agree with the plan?"

    def compose_fields(self) -> ComposeResult:
        with RadioSet(id="agreement"):
            for code, label in AGREEMENT_LABELS.items():
                yield MarkedRadioButton(label, value=code == self.current, name=code)
        if self.interpreter_missing:
            yield Label(
                "⚠ An interpreter is needed and not here: to record that they agree, write why it is recorded now."
            )
        yield Label("Their reasons, in their words (needed unless they agree)")
        yield EditBox(for_terminal(self.reason or ""), id="agreement-reason")

    def on_mount(self) -> None:
        choices = self.query_one("#agreement", RadioSet)
        # Start the cursor on the answer already recorded, not the first: two Down presses from there
        # must not land on a different answer than the officer expects.
        if choices.pressed_index >= 0:
            choices._selected = choices.pressed_index
        choices.focus()

    def collect(self) -> AgreementFields | None:
        pressed = self.query_one("#agreement", RadioSet).pressed_button
        if pressed is None or pressed.name is None:
            self.show_problem("choose one of the answers.")
            return None
        reason = self.query_one("#agreement-reason", Input).value.strip() or None
        if pressed.name in ("does_not_agree", "could_not_answer") and not reason:
            self.show_problem("add their reasons (or why they could not answer).")
            self.query_one("#agreement-reason", Input).focus()
            return None
        if pressed.name == "agrees" and self.interpreter_missing and not reason:
            self.show_problem("an interpreter is needed and not here: write why agreement is recorded without one.")
            self.query_one("#agreement-reason", Input).focus()
            return None
        return AgreementFields(pressed.name, reason)
