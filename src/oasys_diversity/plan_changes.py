"""What changed in a plan's suggestions since the officer last looked, and which exports were already made.

The stored plan is what the officer last saw: the Plan screen saves the plan it shows. When the plan is
rebuilt (changed answers, rules or directory), `suggestion_changes` compares the two and says, for every
suggested objective or referral that came or went, why in plain words: "the answer to Religion changed",
"the directory no longer lists it". The officer's own decisions are never among them: the planner keeps
those exactly as they were left.

Pure functions plus two small reads (`changed_since`, `exports_made`) that take the database connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from oasys_diversity.model import NEED_AREA_LABELS, Objective, Plan, QuestionBank, Referral

if TYPE_CHECKING:
    from oasys_diversity.directory import Directory
    from oasys_diversity.rules import RuleSet


@dataclass(frozen=True)
class SuggestionChange:
    """One suggestion that came or went, with why."""

    kind: Literal["objective", "referral"]
    change: Literal["added", "removed"]
    name: str
    reason: str

    def describe(self) -> str:
        what = f"New {self.kind}" if self.change == "added" else f"{self.kind.capitalize()} no longer suggested"
        return f"{what}: {self.name}, because {self.reason}."


@dataclass(frozen=True)
class ExportMade:
    """An export recorded in the audit trail: when, and what (never its content)."""

    when: datetime
    what: str


def _labels(bank: QuestionBank, question_ids: list[str]) -> str:
    return "; ".join(bank.question(q).label if bank.has(q) else q for q in question_ids)


def _answers_changed(bank: QuestionBank, because: list[str], changed: set[str]) -> str | None:
    moved = [q for q in because if q in changed]
    return f"the answer to {_labels(bank, moved)} changed" if moved else None


def _title(objective: Objective, rules: RuleSet | None) -> str:
    rule = rules.objective_rule(objective.rule_id) if rules is not None and objective.rule_id else None
    return objective.title or (rule.title if rule is not None else NEED_AREA_LABELS[objective.need_area])


def _referral_name(referral: Referral) -> str:
    return f"{referral.service} ({referral.organisation})"


def suggestion_changes(
    before: Plan,
    after: Plan,
    bank: QuestionBank,
    *,
    changed_answers: set[str],
    rules: RuleSet | None = None,
    directory: Directory | None = None,
) -> list[SuggestionChange]:
    """Objectives and referrals in `after` but not `before` (added) and the other way round (removed).

    `changed_answers` are the question ids answered or changed since `before` was saved; with `rules` and
    `directory` the reasons can name a rule or service that has gone.
    """
    changes: list[SuggestionChange] = []
    old_objectives = {o.id: o for o in before.objectives}
    new_objectives = {o.id: o for o in after.objectives}
    for objective in after.objectives:
        if objective.id not in old_objectives:
            reason = _answers_changed(bank, objective.because, changed_answers) or "the plan rules changed"
            changes.append(SuggestionChange("objective", "added", _title(objective, rules), reason))
    for objective in before.objectives:
        if objective.id in new_objectives:
            continue
        rule = rules.objective_rule(objective.rule_id) if rules is not None and objective.rule_id else None
        if rules is not None and objective.rule_id and rule is None:
            reason = "the plan rules no longer include it"
        elif any(w.startswith(f'Left out "{_title(objective, rules)}"') for w in after.warnings):
            reason = "a guard leaves it out now (see the warnings)"
        else:
            reason = _answers_changed(bank, objective.because, changed_answers) or "the plan rules changed"
        changes.append(SuggestionChange("objective", "removed", _title(objective, rules), reason))

    old_referrals = {r.id: r for r in before.referrals}
    new_referrals = {r.id: r for r in after.referrals}
    needs_before = {need for r in before.referrals for need in r.needs}
    for referral in after.referrals:
        if referral.id in old_referrals:
            continue
        reason = _answers_changed(bank, referral.because, changed_answers)
        if reason is None and referral.id in {r.id for r in before.further_referrals}:
            reason = "it is now among the services most relevant to the plan's objectives"
        if reason is None:
            reason = (
                "the directory now lists it"
                if any(need in needs_before for need in referral.needs)
                else "an objective in the plan now calls for it"
            )
        changes.append(SuggestionChange("referral", "added", _referral_name(referral), reason))
    for referral in before.referrals:
        if referral.id in new_referrals:
            continue
        changes.append(
            SuggestionChange(
                "referral",
                "removed",
                _referral_name(referral),
                _referral_gone(referral, after, bank, changed_answers, rules, directory),
            )
        )
    return changes


def _referral_gone(
    referral: Referral,
    after: Plan,
    bank: QuestionBank,
    changed: set[str],
    rules: RuleSet | None,
    directory: Directory | None,
) -> str:
    """Why a referral is no longer suggested, most specific reason first."""
    if directory is not None and directory.service(referral.id) is None:
        return "the directory no longer lists it"
    if referral.id in {r.id for r in after.further_referrals}:
        return "it is one of the further services now (the plan keeps the few most relevant to its objectives)"
    set_aside = [
        o
        for o in after.objectives
        if o.declined
        and rules is not None
        and o.rule_id
        and (rule := rules.objective_rule(o.rule_id)) is not None
        and set(rule.needs) & set(referral.needs)
    ]
    if set_aside:
        return f"the objective it was for (“{_title(set_aside[0], rules)}”) was set aside"
    moved = _answers_changed(bank, referral.because, changed)
    if moved:
        return moved
    needs_after = {need for r in after.referrals for need in r.needs}
    if not any(need in needs_after for need in referral.needs):
        return "no objective in the plan calls for it now"
    return "its directory entry changed (who or where it serves)"


# ---------------------------------------------------------------------------------------------
# Reads: what changed since the plan was saved, and the exports the audit trail records
# ---------------------------------------------------------------------------------------------


def last_saved(db: Any, case_id: int) -> str | None:
    """When the case's plan was last saved (UTC ISO text, as the store writes it), or None."""
    row = db.execute("SELECT updated_at FROM plans WHERE case_id = ?", [case_id]).fetchone()
    return row[0] if row else None


def changed_since(db: Any, case_id: int, since: str | None) -> set[str]:
    """Question ids whose answers were recorded or changed after `since` (every answered one when None)."""
    if since is None:
        rows = db.execute("SELECT DISTINCT question_id FROM audit WHERE case_id = ? AND field = 'answer'", [case_id])
    else:
        rows = db.execute(
            "SELECT DISTINCT question_id FROM audit WHERE case_id = ? AND field = 'answer' AND changed_at > ?",
            [case_id, since],
        )
    return {row[0] for row in rows.fetchall() if row[0]}


_FORMAT_NAMES = {"md": "Markdown", "markdown": "Markdown", "json": "JSON", "pdf": "PDF", "docx": "Word", "text": "text"}


def _export_words(value: Any) -> str:
    """A short description of one export audit row, read defensively: the row's shape may grow."""
    import json

    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return "an export"
    if not isinstance(value, dict):
        return "an export"
    fmt = str(value.get("format") or "").lower()
    words = _FORMAT_NAMES.get(fmt, fmt.upper() if fmt else "an export")
    who = str(value.get("version") or value.get("for") or value.get("audience") or "")
    if who == "record":
        words += ", for the record"
    elif who:
        words += f", {who.replace('_', ' ')}'s version" if who in ("person", "officer") else f", {who}"
    if value.get("redacted") or value.get("redact"):
        words += ", redacted"
    return words


def exports_made(db: Any, case_id: int) -> list[ExportMade]:
    """Exports the access log records for this case, oldest first. A database without one gives []."""
    try:
        rows = db.execute(
            "SELECT at, detail FROM access_log WHERE case_id = ? AND action = 'exported' ORDER BY id",
            [case_id],
        ).fetchall()
    except Exception:  # noqa: BLE001 - an older or damaged log must not cost the officer the plan
        return []
    made: list[ExportMade] = []
    for at, detail in rows:
        try:
            when = datetime.fromisoformat(at)
        except (TypeError, ValueError):
            continue
        made.append(ExportMade(when, _export_words(detail)))
    return made
