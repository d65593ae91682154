"""Plan: the suggested objectives and referrals, each with its "because", for the officer to shape.

On opening, the stored plan is recomputed from the latest answers with the stored plan as `previous`, so
whatever the officer changed, accepted, declined or added stays, and only untouched suggestions move. Every
change here is saved at once, with the item's state updated so the next recompute keeps it. If saving
fails the change stays on screen, marked NOT SAVED, and ctrl+s tries again: nothing the officer did is lost.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from rich.segment import Segment
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from oasys_diversity.model import (
    AGREEMENT_LABELS,
    EDITED_FIELD_LABELS,
    NEED_AREA_LABELS,
    OWNER_LABELS,
    Case,
    Objective,
    Plan,
    QuestionBank,
    Referral,
)
from oasys_diversity.screens.literal import assemble

from .plan_dialogs import (
    AgreementDialog,
    AgreementFields,
    ObjectiveDialog,
    ObjectiveFields,
    PersonViewDialog,
    ReasonDialog,
)

if TYPE_CHECKING:
    from textual.style import Style

    from oasys_diversity.app import OasysApp
    from oasys_diversity.plan_changes import ExportMade, SuggestionChange
    from oasys_diversity.rules import RuleSet

ItemKind = Literal["objective", "referral"]

OBJECTIVE_STATE_LABELS = {
    "suggested": "SUGGESTED",
    "edited": "CHANGED BY OFFICER",
    "accepted": "ACCEPTED",
    "declined": "DECLINED",
    "added": "ADDED BY OFFICER",
}
REFERRAL_STATE_LABELS = {"suggested": "SUGGESTED", "accepted": "ACCEPTED", "declined": "DECLINED"}
QUOTE_STYLE = "italic"


def plan_today() -> date:
    """The date a recompute counts from (a function so tests can fix it)."""
    return date.today()


def months_after(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when that day does not exist."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, min(start.day, day))
        except ValueError:
            continue
    return date(year, month, 28)


def friendly_date(when: date) -> str:
    """'30 Sep 2025': no day-month ambiguity for anyone reading it."""
    return f"{when.day} {when:%b %Y}"


def question_labels(bank: QuestionBank, question_ids: list[str]) -> str:
    """The short labels of the questions an item rests on; an unknown id is shown as itself."""
    return "; ".join(bank.question(q).label if bank.has(q) else q for q in question_ids)


# ---------------------------------------------------------------------------------------------
# Changes to a plan: the planner's pure helpers, which leave each item in the state a recompute keeps.
# (The planner is imported when first used, so opening the app stays quick.)
# ---------------------------------------------------------------------------------------------


def find_item(plan: Plan, kind: ItemKind, item_id: str) -> Objective | Referral:
    items: list[Objective] | list[Referral] = plan.objectives if kind == "objective" else plan.referrals
    for item in items:
        if item.id == item_id:
            return item
    raise KeyError(f"no {kind} {item_id!r} in the plan")


def edit_objective(plan: Plan, objective_id: str, fields: ObjectiveFields, shown_title: str | None = None) -> Plan:
    """The officer's title, wording, owner, name, date and measure. Only a field whose value really changes is
    marked as changed; a title left as it was shown (the rule's) stays the rule's."""
    from oasys_diversity import planner

    title = {} if fields.title is None or fields.title == shown_title else {"title": fields.title}
    return planner.edit_objective(
        plan,
        objective_id,
        **title,
        action=fields.action,
        owner=fields.owner,
        owner_name=fields.owner_name,
        target_date=fields.target_date,
        measure=fields.measure,
    )


def add_objective(plan: Plan, fields: ObjectiveFields) -> tuple[Plan, str]:
    """The officer's own objective ("added", numbered own-1, own-2 …). Returns the new plan and the new id."""
    from oasys_diversity import planner

    new = planner.add_objective(
        plan,
        title=fields.title,
        need_area=fields.need_area,
        action=fields.action,
        owner=fields.owner,
        owner_name=fields.owner_name,
        target_date=fields.target_date,
        measure=fields.measure,
    )
    return new, new.objectives[-1].id


def set_person_view(plan: Plan, objective_id: str, view: str | None) -> Plan:
    """The person's own view of one objective (None clears it); the objective is then kept on recompute."""
    from oasys_diversity import planner

    return planner.edit_objective(plan, objective_id, person_view=view)


def accept_item(plan: Plan, kind: ItemKind, item_id: str) -> Plan:
    from oasys_diversity import planner

    if kind == "referral":
        return planner.set_referral_state(plan, item_id, "accepted")
    return planner.accept_objective(plan, item_id)


def decline_item(plan: Plan, kind: ItemKind, item_id: str, reason: str) -> Plan:
    from oasys_diversity import planner

    if kind == "referral":
        return planner.set_referral_state(plan, item_id, "declined", reason)
    return planner.decline_objective(plan, item_id, reason)


def set_agreement(plan: Plan, agreement: str, reason: str | None) -> Plan:
    from oasys_diversity import planner

    return planner.record_agreement(plan, agreement, reason)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Loading: the stored plan, recomputed from the latest answers.
# ---------------------------------------------------------------------------------------------


class PlanLoadProblem(Exception):
    """The plan could not be rebuilt; `.stored` is the last saved plan to show instead, if any."""

    def __init__(self, message: str, stored: Plan | None, case: Case | None) -> None:
        super().__init__(message)
        self.stored = stored
        self.case = case


def recompute_plan(
    db,
    bank: QuestionBank,
    case_id: int,
    *,
    questions_dir: Path | None,
    directory_path: Path | None,
    today: date,
    previous: Plan | None = None,
) -> tuple[Case, Plan, Plan | None, RuleSet]:
    """Load the case, its answers and stored plan, and rebuild the plan keeping the officer's work.

    Returns the case, the rebuilt plan, the stored plan (None the first time) and the rules (for titles). `previous`, when given,
    is built on instead of the stored plan (a change on screen that could not be saved yet).

    Raises PlanLoadProblem (with the stored plan, when there is one) if anything cannot be read.
    """
    from oasys_diversity.store import StoreError, load_assessment, load_plan
    from oasys_diversity.store_open import DB_ERRORS

    try:
        assessment = load_assessment(db, case_id)
        stored = load_plan(db, case_id)
    except (StoreError, *DB_ERRORS, LookupError) as problem:
        raise PlanLoadProblem(f"the case could not be read ({type(problem).__name__})", None, None) from None
    try:
        from oasys_diversity.directory import load_directory
        from oasys_diversity.planner import build_plan
        from oasys_diversity.rules import load_rules

        rules = load_rules(questions_dir)
        directory = load_directory(directory_path)
        plan = build_plan(assessment, bank, rules, directory, today, previous=previous or stored)
    except Exception as problem:  # a broken rules or directory file must not cost the officer the screen
        first_line = str(problem).splitlines()[0] if str(problem) else type(problem).__name__
        raise PlanLoadProblem(f"the plan could not be rebuilt: {first_line}", stored, assessment.case) from None
    return assessment.case, plan, stored, rules


# ---------------------------------------------------------------------------------------------
# Showing it
# ---------------------------------------------------------------------------------------------


def _because(bank: QuestionBank, because: list[str]) -> str:
    return question_labels(bank, because) if because else "added by the officer"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def objective_title(objective: Objective, rules: RuleSet | None) -> str:
    """The officer's title, else the rule's short title ("Appointments around faith practice"), else the need
    area (an older plan's own objective, saved before they had titles)."""
    if objective.title:
        return objective.title
    rule = rules.objective_rule(objective.rule_id or objective.id) if rules is not None else None
    return rule.title if rule is not None else NEED_AREA_LABELS.get(objective.need_area, objective.need_area)


def rule_title(objective: Objective, rules: RuleSet | None) -> str | None:
    """The title its rule gives it (what the title box starts on when the officer has not changed it)."""
    rule = rules.objective_rule(objective.rule_id) if rules is not None and objective.rule_id else None
    return rule.title if rule is not None else None


def objective_tags(objective: Objective) -> list[str]:
    """Its decisions as separate tags, so no one hides another: ACCEPTED and CHANGED BY OFFICER together."""
    if objective.declined:
        tags = [OBJECTIVE_STATE_LABELS["declined"]]
    elif objective.own:
        tags = [OBJECTIVE_STATE_LABELS["added"]] + ([OBJECTIVE_STATE_LABELS["accepted"]] if objective.accepted else [])
    elif objective.accepted:
        tags = [OBJECTIVE_STATE_LABELS["accepted"]]
    else:
        tags = [] if objective.edited else [OBJECTIVE_STATE_LABELS["suggested"]]
    if objective.edited and not objective.own:
        tags.append(OBJECTIVE_STATE_LABELS["edited"])
    return tags


def need_label(need: str, rules: RuleSet | None) -> str:
    tag = rules.need(need) if rules is not None else None
    return tag.label if tag is not None else need.replace("_", " ")


def objective_prompt(bank: QuestionBank, number: int, objective: Objective, rules: RuleSet | None = None) -> Content:
    owner = OWNER_LABELS.get(objective.owner, objective.owner)
    if objective.owner_name:
        owner = f"{owner}: {objective.owner_name}"
    title = objective_title(objective, rules)
    area = NEED_AREA_LABELS.get(objective.need_area, objective.need_area)
    parts: list[str | tuple[str, str]] = [
        (f"{number}. {title}", "bold"),
        "  ",
        (" ".join(f"[{tag}]" for tag in objective_tags(objective)), "bold"),
    ]
    if title != area:
        parts.append(f"\nNeed area: {area}")
    if objective.edited and objective.edited_fields and not objective.own:
        changed = ", ".join(EDITED_FIELD_LABELS.get(name, name) for name in objective.edited_fields)
        parts.append(f"\nChanged by you: {changed}")
    parts += [
        f"\n{objective.action}",
        f"\nWho: {owner}. By {friendly_date(objective.target_date)}.",
        f"\nHow we will know: {objective.measure}",
        f"\nBecause: {_because(bank, objective.because)}",
        "\nTheir view: ",
    ]
    if objective.person_view:
        parts.append((f"“{objective.person_view}”", QUOTE_STYLE))
    else:
        parts.append("not yet recorded")
    if objective.state == "declined" and objective.reason:
        parts.append(f"\nDeclined because: {objective.reason}")
    return assemble(*parts)


def referral_prompt(
    bank: QuestionBank, referral: Referral, rules: RuleSet | None = None, numbers: dict[str, int] | None = None
) -> Content:
    """A referral in full. `numbers` gives the plan's objectives their numbers, to say which ones it serves."""
    parts: list[str | tuple[str, str]] = [
        (f"{referral.service} — {referral.organisation}", "bold"),
        "  ",
        (f"[{REFERRAL_STATE_LABELS[referral.state]}]", "bold"),
    ]
    checked = friendly_date(referral.assured_date) if referral.assured_date else "never"
    if referral.stale:
        parts += [
            "\n",
            ("STALE:", "bold"),
            f" last checked {checked}, over 12 months ago. Confirm it still runs before referring.",
        ]
    if referral.needs:
        parts.append(f"\nFor: {'; '.join(need_label(need, rules) for need in referral.needs)}")
    served = [str(numbers[o]) for o in referral.for_objectives if numbers and o in numbers]
    if served:
        parts.append(f"\nFor objective {', '.join(served[:-1]) + ' and ' if served[:-1] else ''}{served[-1]}")
    if referral.fits:
        parts.append(f"\nFits: {'; '.join(referral.fits)}")
    parts.append(f"\nBecause: {_because(bank, referral.because)}")
    if not referral.stale:
        parts.append(f"\nLast checked: {checked}")
    if referral.how_to_refer:
        parts.append(f"\nHow to refer: {referral.how_to_refer}")
    if referral.contact:
        parts.append(f"\nContact: {referral.contact}")
    if referral.state == "declined" and referral.reason:
        parts.append(f"\nDeclined because: {referral.reason}")
    return assemble(*parts)


def agreement_prompt(plan: Plan) -> Content:
    parts: list[str | tuple[str, str]] = [(AGREEMENT_LABELS[plan.agreement], "bold")]
    if plan.agreement_reason:
        parts += ["\nTheir reasons: ", (f"“{plan.agreement_reason}”", QUOTE_STYLE)]
    if plan.agreement == "not_yet_asked":
        parts.append("\nPress g (or Enter here) to record whether they agree, with their reasons.")
    return assemble(*parts)


def questions_by_topic(bank: QuestionBank, question_ids: list[str]) -> Content:
    """'Faith and belief: Religion; Practice needs' — one line per topic, so a long list stays short."""
    topics: dict[str, list[str]] = {}
    for question_id in question_ids:
        if bank.has(question_id):
            question = bank.question(question_id)
            title = next((d.title for d in bank.domains if d.id == question.domain), question.domain)
            topics.setdefault(title, []).append(question.label)
        else:
            topics.setdefault("Other", []).append(question_id)
    lines: list[Content] = [
        Content.assemble((f"{title}: ", "bold"), "; ".join(labels)) for title, labels in topics.items()
    ]
    return Content("\n").join(lines)


def also_suggested_prompt(objective: Objective, rules: RuleSet | None) -> Content:
    """One line: its title, area and date; the officer promotes it (p) to see and shape it in full."""
    area = NEED_AREA_LABELS[objective.need_area]
    return Content.assemble(
        (objective_title(objective, rules), "bold"), f" · {area} · by {friendly_date(objective.target_date)}"
    )


def further_prompt(referral: Referral, titles: dict[str, str]) -> Content:
    """One line: the service, the objectives it serves, how it fits; the officer brings it in (p) to see it
    in full."""
    serves = [titles[o] for o in referral.for_objectives if o in titles]
    words = f" — {referral.organisation}" + (f" · for: {'; '.join(serves)}" if serves else "")
    if referral.fits:
        words += f" · {', '.join(referral.fits)}"
    if referral.stale:
        words += " · STALE"
    return Content.assemble((referral.service, "bold"), words)


def _heading(text: str, first: bool = False) -> Option:
    return Option(Content.assemble(("" if first else "\n", ""), (text, "bold underline")), disabled=True)


def changes_prompt(changes: list[SuggestionChange], since: str | None, exports: list[ExportMade]) -> Content:
    """What came and went since the officer last looked, why, and the exports made before it."""
    lines = [f"{'+' if change.change == 'added' else '−'} {change.describe()}" for change in changes]
    lines.append("Your own decisions are kept as you left them.")
    if exports:
        lines.append("Exports already made may say otherwise: " + "; ".join(exports_words(exports)) + ".")
    return Content("\n".join(lines))


def exports_words(exports: list[ExportMade]) -> list[str]:
    return [f"{friendly_date(made.when.astimezone().date())} {made.when.astimezone():%H:%M}: {made.what}" for made in exports]


def plan_options(
    bank: QuestionBank,
    plan: Plan,
    rules: RuleSet | None = None,
    *,
    changes: list[SuggestionChange] | None = None,
    changes_since: str | None = None,
    exports: list[ExportMade] | None = None,
) -> list[Option | None]:
    """The plan as one list: what changed since last time, objectives, referrals, warnings, their agreement,
    still to discuss, declined, exports made.

    Entries are named by position ("objective:0", "referral:2"), so two items can never clash; None draws
    a dividing line after the entry before it.
    """
    options: list[Option | None] = []
    if changes:
        since = f" ({changes_since})" if changes_since else ""
        options.append(_heading(f"Changed since you last looked{since}", first=True))
        options += [Option(changes_prompt(changes, changes_since, exports or []), id="info:changes"), None]
    options.append(_heading(f"Objectives ({len(plan.objectives)})", first=not options))
    if not plan.objectives:
        options.append(Option("No objectives yet. Press n to add your own.", id="info:objectives"))
    for index, objective in enumerate(plan.objectives):
        options += [Option(objective_prompt(bank, index + 1, objective, rules), id=f"objective:{index}"), None]
    if plan.also_suggested:
        options.append(_heading(f"Also suggested ({len(plan.also_suggested)}): p brings one into the plan"))
        for index, objective in enumerate(plan.also_suggested):
            options += [Option(also_suggested_prompt(objective, rules), id=f"also:{index}"), None]
    more = len(plan.further_referrals)
    further = f": the most relevant; {more} more under Further services" if more else ""
    options.append(_heading(f"Referrals ({len(plan.referrals)}){further}"))
    if not plan.referrals:
        options.append(Option("No referrals suggested.", id="info:referrals"))
    numbers = {o.id: n for n, o in enumerate(plan.objectives, start=1)}
    for index, referral in enumerate(plan.referrals):
        options += [Option(referral_prompt(bank, referral, rules, numbers), id=f"referral:{index}"), None]
    if plan.further_referrals:
        options.append(
            _heading(f"Further services ({len(plan.further_referrals)}): not in the plan; p brings one in")
        )
        titles = {o.id: objective_title(o, rules) for o in plan.objectives + plan.also_suggested}
        for index, referral in enumerate(plan.further_referrals):
            options += [Option(further_prompt(referral, titles), id=f"further:{index}"), None]
    if plan.warnings:
        options.append(_heading(f"Warnings for you ({len(plan.warnings)})"))
        for index, text in enumerate(plan.warnings):
            options += [Option(assemble(("Warning: ", "bold"), text), id=f"warning:{index}"), None]
    options.append(_heading("Their view of the plan as a whole"))
    options.append(Option(agreement_prompt(plan), id="agreement"))
    if plan.to_discuss:
        options.append(_heading(f"Still to discuss ({len(plan.to_discuss)}): nothing is assumed about these"))
        options.append(Option(questions_by_topic(bank, plan.to_discuss), id="info:to_discuss"))
    if plan.declined:
        options.append(_heading(f"Declined to say ({len(plan.declined)}): respected, not chased"))
        options.append(Option(questions_by_topic(bank, plan.declined), id="info:declined"))
    if exports:
        options.append(_heading(f"Exports already made ({len(exports)})"))
        options.append(Option(Content("\n".join(exports_words(exports))), id="info:exports"))
    return options


class PlanList(OptionList):
    """The plan's list; Enter opens the highlighted item.

    The highlighted entry is marked by a symbol, not by colour alone: ▶ on its first line and │ down its
    side. A tall entry is scrolled to from its first line, so its title is always on screen.
    """

    BINDINGS = [Binding("enter", "select", "Edit", id="plan.edit")]
    MARK_FIRST = "▶ "
    MARK_REST = "│ "
    GUTTER = 2

    def _get_left_gutter_width(self) -> int:
        return self.GUTTER

    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        strips = super()._get_option_render(option, style)
        marked = not option.disabled and self._option_to_index.get(option) == self.highlighted
        plain = style.rich_style
        divider = self.get_visual_style("option-list--separator").rich_style
        shown: list[Strip] = []
        for line, strip in enumerate(strips):
            if option._divider and line == len(strips) - 1:
                gutter = Strip([Segment("─" * self.GUTTER, divider)])
            elif marked:
                gutter = Strip([Segment(self.MARK_FIRST if line == 0 else self.MARK_REST, plain)])
            else:
                gutter = Strip([Segment(" " * self.GUTTER, plain)])
            shown.append(Strip.join([gutter, strip]))
        return shown

    def scroll_to_highlight(self, top: bool = False) -> None:
        """Bring the highlighted entry into view with the section heading just above it ("Referrals (3)");
        an entry taller than the list is shown from its top, where its title and state are."""
        index = self.highlighted
        if index is None or not self.is_mounted:
            return
        self._update_lines()
        try:
            y = self._index_to_line[index]
        except KeyError:
            return
        height = self._heights[index]
        if index and self.options[index - 1].disabled:
            heading = self._index_to_line[index - 1] + self._heights[index - 1] - 1
            height += y - heading
            y = heading
        view = self.scrollable_content_region
        self.scroll_to_region(
            Region(0, y, view.width, height),
            force=True,
            animate=False,
            top=top or height > view.height,
            immediate=True,
        )


class PlanScreen(Screen):
    """Screen 5: the sentence plan, shaped by the officer with the person."""

    CSS_PATH = "plan.tcss"
    AUTO_FOCUS = "#plan-list"
    HELP_TITLE = "Plan"
    HELP = (
        "The suggested sentence plan: objectives and community referrals, each with *Because*: the answers "
        "that led to it. The selected entry is marked ▶ and named on the line above the list. Each shows its "
        "decisions as separate tags: SUGGESTED, ACCEPTED, DECLINED, ADDED BY OFFICER, and CHANGED BY OFFICER "
        "beside any of them; the person's view is kept apart, so no action undoes another. A referral marked "
        "**STALE** has not been checked for over 12 months: confirm the service still runs before referring.\n\n"
        "Move with ↑↓. On an objective: **Enter** edits its title, wording, owner, name, date and measure; "
        "**v** records the person's view; **a** accepts it; **x** declines it with a reason. The plan holds the eight most urgent objectives; on one under "
        "*Also suggested*, **p** (or **Enter**) brings it into the plan. On a referral: "
        "**a** accepts, **x** declines with a reason. The plan suggests the six services most relevant to its "
        "objectives; on one under *Further services*, **p** (or **Enter**) brings it in, accepted. **n** adds your own objective; **g** records whether "
        "they agree with the plan as a whole, with their reasons. In a dialog **ctrl+a** selects all of a "
        "box; **ctrl+s** saves; **Esc** cancels.\n\n"
        "Every change is saved at once and kept when the plan is rebuilt: only untouched suggestions move, "
        "and what came or went since you last looked is listed first, with why. If saving fails the status "
        "line says NOT SAVED and **ctrl+s** tries again. **r** opens the review, **e** the export, **Esc** "
        "goes back."
    )
    BINDINGS = [
        # At 80 columns the footer has room for five keys; the others are on the hint line above the list.
        Binding("v", "view", "Their view", id="plan.person_view", show=False),
        Binding("a", "accept", "Accept", id="plan.accept"),
        Binding("x", "decline", "Decline", id="plan.decline", tooltip="Decline, with a reason"),
        Binding("n", "add", "Add your own objective", id="plan.add", show=False),
        Binding("p", "promote", "Into the plan", id="plan.promote", show=False),
        Binding("g", "agreement", "Their agreement", id="plan.agreement", show=False),
        Binding("r", "review", "Review", id="plan.review", show=False),
        Binding("e", "export", "Export", id="plan.export"),
        Binding("ctrl+s", "save", "Save again", id="plan.save"),
        Binding("escape", "back", "Back", id="plan.back"),
    ]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.plan: Plan | None = None
        self.case: Case | None = None
        self.rules: RuleSet | None = None
        self.unsaved = False
        self._in_dialog = False
        # What came and went since the officer last looked (kept on screen until something newer changes).
        self.changes: list[SuggestionChange] = []
        self.changes_since: str | None = None
        self.exports: list[ExportMade] = []

    @property
    def oasys(self) -> OasysApp:
        return cast("OasysApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="plan-status", markup=False)
        yield Static("", id="plan-selected", markup=False)
        yield Static("", id="plan-keys", markup=False)
        yield PlanList(id="plan-list")
        yield Footer()

    def flush(self) -> bool:
        """Called by the app before it leaves this screen: save anything not yet saved. False if it cannot."""
        if self.unsaved:
            self.save()
        return not self.unsaved

    # -- loading ---------------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        # Coming back from one of this screen's own dialogs changes no answers: nothing to recompute.
        if self._in_dialog:
            self._in_dialog = False
            return
        self.load_plan()

    def _recompute(self, previous: Plan | None) -> tuple[Case, Plan, Plan | None, RuleSet]:
        """The plan rebuilt from the latest answers on top of `previous` (the officer's work), saved."""
        app = self.oasys
        return recompute_plan(
            app.db,
            app.bank,
            self.case_id,
            questions_dir=app.questions_dir,
            directory_path=app.directory_path,
            today=plan_today(),
            previous=previous,
        )

    def load_plan(self) -> None:
        """Recompute from the latest answers, keep the officer's work, save, and show it."""
        from oasys_diversity.plan_changes import exports_made, last_saved

        app = self.oasys
        saved_at = last_saved(app.db, self.case_id)
        try:
            # A change that could not be saved is still the officer's latest word: build on it.
            case, plan, stored, rules = self._recompute(self.plan if self.unsaved else None)
        except PlanLoadProblem as problem:
            self.case = problem.case or self.case
            if self.plan is None:
                self.plan = problem.stored
            self.notify(f"The plan could not be brought up to date: {problem}.", severity="error", timeout=10)
            shown = "Showing the plan as last saved" if self.plan is not None else "There is no plan to show yet"
            self.show_plan(problem_note=f"{shown}: {problem}. Nothing has been changed.")
            return
        self.case = case
        self.plan = plan
        self.rules = rules
        self.exports = exports_made(app.db, self.case_id)
        if stored is not None:
            self.note_changes(stored, plan, saved_at)
        if plan == stored and not self.unsaved:
            self.show_plan()  # nothing moved: no need to write (or add to the audit trail)
        else:
            self.save()

    def note_changes(self, stored: Plan, plan: Plan, saved_at: str | None) -> None:
        """Say what the rebuild added or took away since the plan was last saved, and why."""
        from oasys_diversity.plan_changes import changed_since, suggestion_changes

        app = self.oasys
        directory = None
        if {r.id for r in stored.referrals} - {r.id for r in plan.referrals}:
            # Only a referral that went needs the directory, to tell "no longer listed" from other reasons.
            from oasys_diversity.directory import load_directory

            try:
                directory = load_directory(app.directory_path)
            except Exception:  # noqa: BLE001 - the plan was built with it a moment ago; a reason can do without
                directory = None
        found = suggestion_changes(
            stored,
            plan,
            app.bank,
            changed_answers=changed_since(app.db, self.case_id, saved_at),
            rules=self.rules,
            directory=directory,
        )
        if found:
            self.changes = found
            self.changes_since = f"last saved {friendly_date(stored.built_on)}"

    def save(self) -> None:
        """Write the plan now; on failure keep it on screen and say so."""
        from oasys_diversity.store import StoreError, save_plan
        from oasys_diversity.store_open import DB_ERRORS

        if self.plan is None:
            return
        try:
            # Whoever is at the keyboard; if the app does not know yet, the case's own officer.
            officer = self.oasys.officer or (self.case.officer if self.case else "")
            save_plan(self.oasys.db, self.case_id, self.plan, officer=officer)
        except (StoreError, *DB_ERRORS, OSError) as problem:
            self.unsaved = True
            self.notify(
                f"The plan could not be saved ({type(problem).__name__}). Your change is kept on screen: "
                "press ctrl+s to try again.",
                severity="error",
                timeout=10,
            )
        else:
            self.unsaved = False
        self.show_plan()

    def show_plan(self, problem_note: str | None = None) -> None:
        status = self.query_one("#plan-status", Static)
        listing = self.query_one(PlanList)
        place = self.highlighted_key()
        if self.plan is None:
            listing.clear_options()
            status.update(problem_note or "There is no plan for this case yet.")
            self.refresh_bindings()
            return
        if self.case is not None:
            self.sub_title = f"Plan — {self.case.name} ({self.case.reference})"
        plan = self.plan
        pieces = [plural(len(plan.objectives), "objective"), plural(len(plan.referrals), "referral")]
        if plan.also_suggested:
            pieces.insert(1, f"{len(plan.also_suggested)} also suggested")
        if plan.further_referrals:
            pieces.append(f"{len(plan.further_referrals)} further services")
        if plan.warnings:
            pieces.append(plural(len(plan.warnings), "warning"))
        if self.changes:
            pieces.append(plural(len(self.changes), "suggestion") + " changed since last time")
        pieces.append("NOT SAVED: press ctrl+s to try again" if self.unsaved else "All changes saved")
        status.update(" · ".join(pieces) + (f"\n{problem_note}" if problem_note else ""))
        listing.set_options(
            plan_options(
                self.oasys.bank,
                plan,
                self.rules,
                changes=self.changes,
                changes_since=self.changes_since,
                exports=self.exports,
            )
        )
        self.highlight_key(place)
        self.refresh_bindings()
        self.show_selected()

    # -- what is highlighted ---------------------------------------------------------------------

    def highlighted(self) -> tuple[str, str] | None:
        """('objective' | 'referral' | 'agreement' | 'warning' | 'info', position or name) highlighted now."""
        option = self.query_one(PlanList).highlighted_option
        if option is None or option.id is None:
            return None
        kind, _, where = option.id.partition(":")
        return kind, where

    def highlighted_item(self) -> tuple[ItemKind, Objective | Referral] | None:
        """The objective or referral under the cursor, if that is what is highlighted."""
        found = self.highlighted()
        if self.plan is None or found is None or found[0] not in ("objective", "referral"):
            return None
        kind = cast(ItemKind, found[0])
        items: list[Objective] | list[Referral] = self.plan.objectives if kind == "objective" else self.plan.referrals
        index = int(found[1])
        return (kind, items[index]) if index < len(items) else None

    def highlighted_key(self) -> tuple[str, str] | None:
        """Where the cursor is, by what it is on (an item's id), so it stays put when the list is rebuilt."""
        item = self.highlighted_item()
        if item is not None:
            return item[0], item[1].id
        return self.highlighted()

    def highlight_key(self, key: tuple[str, str] | None) -> None:
        listing = self.query_one(PlanList)
        target: str | None = None
        if key is not None and self.plan is not None:
            kind, name = key
            if kind in ("objective", "referral"):
                items: list[Objective] | list[Referral] = (
                    self.plan.objectives if kind == "objective" else self.plan.referrals
                )
                position = next((i for i, item in enumerate(items) if item.id == name), None)
                target = f"{kind}:{position}" if position is not None else None
            else:
                target = f"{kind}:{name}" if name else kind
        try:
            listing.highlighted = listing.get_option_index(target) if target else None
        except LookupError:
            listing.highlighted = None
        if listing.highlighted is None:
            listing.action_first()

    @on(OptionList.OptionHighlighted, "#plan-list")
    def _highlight_changed(self) -> None:
        self.refresh_bindings()
        self.show_selected()

    def show_selected(self) -> None:
        """Name the selected entry on a line of its own, so what a key acts on is always on screen."""
        self.query_one("#plan-selected", Static).update(self.selected_words())
        self.query_one("#plan-keys", Static).update(self.key_hint())

    def selected_words(self) -> str:
        """'▶ Objective 2 of 5 [ACCEPTED]: Appointments around faith practice': what a key will act on (the
        state first, so a long title cut short at the edge never hides it)."""
        item = self.highlighted_item()
        found = self.highlighted()
        plan = self.plan
        if plan is None or found is None:
            return ""
        if item is not None and isinstance(item[1], Objective):
            tags = " ".join(f"[{tag}]" for tag in objective_tags(item[1]))
            where = f"Objective {int(found[1]) + 1} of {len(plan.objectives)}"
            return f"▶ {where} {tags}: {objective_title(item[1], self.rules)}"
        if item is not None and isinstance(item[1], Referral):
            where = f"Referral {int(found[1]) + 1} of {len(plan.referrals)}"
            return f"▶ {where} [{REFERRAL_STATE_LABELS[item[1].state]}]: {item[1].service}"
        if found[0] == "further" and int(found[1]) < len(plan.further_referrals):
            where = f"Further service {int(found[1]) + 1} of {len(plan.further_referrals)}"
            return f"▶ {where} [NOT IN THE PLAN]: {plan.further_referrals[int(found[1])].service}"
        names = {
            "agreement": "Their view of the plan as a whole",
            "warning": "A warning for you",
            "info:changes": "What changed since you last looked",
            "info:to_discuss": "Still to discuss",
            "info:declined": "Declined to say",
            "info:exports": "Exports already made",
            "info:objectives": "Objectives",
            "info:referrals": "Referrals",
        }
        return "▶ " + names.get(found[0], names.get(f"{found[0]}:{found[1]}", found[0]))

    def key_hint(self) -> str:
        """The keys for what is highlighted, in words: the footer cannot hold them all at 80 columns."""
        item = self.highlighted_item()
        found = self.highlighted()
        if item is not None and item[0] == "objective":
            return "⏎ edit · v their view · a accept · x decline · n add your own · g agreement"
        if item is not None:
            return "a accept · x decline (with a reason) · n add an objective · g their agreement"
        if found is not None and found[0] in ("also", "further"):
            return "p bring it into the plan (accepted) · n add your own objective · g their agreement"
        if found is not None and found[0] == "agreement":
            return "⏎ or g: record whether they agree with the plan · n add an objective"
        return "n add your own objective · g their agreement · r review the answers"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that apply to the highlighted entry."""
        if action in ("view", "accept", "decline"):
            item = self.highlighted_item() if self.is_mounted else None
            if item is None:
                return False
            return item[0] == "objective" if action == "view" else True
        if action == "promote":
            found = self.highlighted() if self.is_mounted else None
            return found is not None and found[0] in ("also", "further")
        if action == "save":
            return self.unsaved
        if action in ("add", "agreement"):
            return self.plan is not None
        return True

    # -- actions ---------------------------------------------------------------------------------

    def _open(self, dialog, callback) -> None:
        self._in_dialog = True
        # If the app quits or moves on with the dialog open, the dialog hands over what it holds.
        dialog.on_flush = callback
        self.app.push_screen(dialog, callback)

    def _change(self, new_plan: Plan, message: str, *, focus: tuple[str, str] | None = None) -> None:
        self.plan = new_plan
        self.save()
        if focus is not None:
            self.highlight_key(focus)
        if not self.unsaved:
            self.notify(message, timeout=3)

    @on(OptionList.OptionSelected, "#plan-list")
    def _selected(self) -> None:
        found = self.highlighted()
        item = self.highlighted_item()
        if item is not None and item[0] == "objective":
            self.edit_objective(cast(Objective, item[1]))
        elif item is not None:
            self.notify("Press a to accept this referral, or x to decline it with a reason.", timeout=4)
        elif found is not None and found[0] in ("also", "further"):
            self.action_promote()
        elif found is not None and found[0] == "agreement":
            self.action_agreement()
        elif found is not None and found[1] in ("to_discuss", "declined"):
            self.notify("Answers are changed in the interview: press r for the Review, then Enter on a question.")

    def edit_objective(self, objective: Objective) -> None:
        shown = objective_title(objective, self.rules)

        def done(fields: ObjectiveFields | None) -> None:
            if fields is not None and self.plan is not None:
                self._change(edit_objective(self.plan, objective.id, fields, shown), "Objective changed and saved.")

        self._open(ObjectiveDialog(objective, default_date=objective.target_date, title=shown), done)

    def action_view(self) -> None:
        item = self.highlighted_item()
        if item is None or item[0] != "objective":
            return
        objective = cast(Objective, item[1])

        def done(view: str | None) -> None:
            if view is not None and self.plan is not None:
                self._change(set_person_view(self.plan, objective.id, view or None), "Their view saved.")

        rule = self.rules.objective_rule(objective.rule_id or objective.id) if self.rules is not None else None
        title = objective_title(objective, self.rules)
        self._open(PersonViewDialog(title, objective.person_view, ask=rule.person_view_prompt if rule else None), done)

    def action_accept(self) -> None:
        item = self.highlighted_item()
        if item is None or self.plan is None:
            return
        kind, found = item
        self._change(accept_item(self.plan, kind, found.id), f"{kind.capitalize()} accepted and saved.")

    def action_decline(self) -> None:
        item = self.highlighted_item()
        if item is None:
            return
        kind, found = item
        if isinstance(found, Referral):
            what = f"referral to {found.service}"
        else:
            what = f"objective “{objective_title(found, self.rules)}”"

        def done(reason: str | None) -> None:
            if reason and self.plan is not None:
                self._change(
                    decline_item(self.plan, kind, found.id, reason), f"{kind.capitalize()} declined; reason saved."
                )

        self._open(ReasonDialog(what, current=found.reason), done)

    def action_add(self) -> None:
        if self.plan is None:
            return
        # Six months is the sentence plan's usual review point; the officer changes it in the dialog.
        default = months_after(plan_today(), 6)

        def done(fields: ObjectiveFields | None) -> None:
            if fields is not None and self.plan is not None:
                new, objective_id = add_objective(self.plan, fields)
                self._change(new, "Your objective is added and saved.", focus=("objective", objective_id))

        self._open(ObjectiveDialog(None, default_date=default), done)

    def action_promote(self) -> None:
        from oasys_diversity import planner

        found = self.highlighted()
        if self.plan is None or found is None or found[0] not in ("also", "further"):
            return
        if found[0] == "further":
            self.promote_referral(self.plan.further_referrals[int(found[1])])
            return
        objective = self.plan.also_suggested[int(found[1])]
        self._change(
            planner.promote_objective(self.plan, objective.id),
            "Brought into the plan, accepted, and saved.",
            focus=("objective", objective.id),
        )

    def promote_referral(self, referral: Referral) -> None:
        """Bring a further service into the plan, accepted, then rebuild as opening the plan would, so what is
        saved now is what the next rebuild keeps (the accepted service answers its needs)."""
        from oasys_diversity import planner

        assert self.plan is not None
        promoted = planner.promote_referral(self.plan, referral.id)
        try:
            _case, promoted, _stored, _rules = self._recompute(promoted)
        except PlanLoadProblem:
            pass  # the promotion itself is kept; the next rebuild settles which suggestion makes room
        self._change(promoted, "Brought into the plan, accepted, and saved.", focus=("referral", referral.id))

    def action_agreement(self) -> None:
        if self.plan is None:
            return

        def done(fields: AgreementFields | None) -> None:
            if fields is not None and self.plan is not None:
                self._change(set_agreement(self.plan, fields.agreement, fields.reason), "Their view of the plan saved.")

        missing = getattr(self.app, "interpreter_missing", lambda _case: False)(self.case_id)
        self._open(AgreementDialog(self.plan.agreement, self.plan.agreement_reason, interpreter_missing=missing), done)

    def action_save(self) -> None:
        self.save()
        if not self.unsaved:
            self.notify("Plan saved.", timeout=3)

    def _can_leave(self) -> bool:
        """Leave only when the plan is saved: an unsaved decision would otherwise be lost."""
        if self.flush():
            return True
        self.notify("The plan is not saved yet, so you are still on it. Press ctrl+s to try again.", severity="error")
        return False

    def action_review(self) -> None:
        if self._can_leave():
            self.oasys.show_review(self.case_id)

    def action_export(self) -> None:
        if self._can_leave():
            self.oasys.show_export(self.case_id)

    def action_back(self) -> None:
        if self._can_leave():
            self.app.pop_screen()
