"""Which questions feed the plan: every answer should count, or say why it is kept for the record only.

A question feeds the plan when an objective rule (its `when`, `unless`, extra needs, optional parts or
placeholders), a guard, a warning, the directory's referral matching, or a summary section reads it. A question
that nothing reads must carry `record_only = "why"` in the bank; otherwise `questions check` reports it, so an
answer the person gives is never silently dropped (the 2021 inspection: what people said did not reach their
plans).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from oasys_diversity.model import Condition, QuestionBank
from oasys_diversity.rules import PLACEHOLDER, RuleSet, load_rules


@dataclass
class Coverage:
    """Who reads each question, and which questions nobody reads."""

    total: int
    readers: dict[str, list[str]] = field(default_factory=dict)  # question id -> "objective x", "guard y", ...
    record_only: list[str] = field(default_factory=list)  # read by nothing, with a reason given
    unread: list[tuple[str, str]] = field(default_factory=list)  # (question id, "FILE:LINE") read by nothing

    @property
    def feeding(self) -> int:
        return len(self.readers)

    def summary_line(self) -> str:
        line = f"{self.feeding} of {self.total} questions feed the plan"
        if self.record_only:
            line += f"; {len(self.record_only)} kept for the record only, each with a reason"
        if self.unread:
            line += f"; {len(self.unread)} read by nothing and not marked record_only"
        return line

    def problems(self) -> list[str]:
        return [
            f"{where}: {question_id}: no rule, guard, warning, referral match or summary section reads this "
            'answer; use it in a rule, or say why it is kept with record_only = "..."'
            for question_id, where in self.unread
        ]


def _condition_ids(condition: Condition | None) -> list[str]:
    return condition.question_ids() if condition is not None else []


def _text_ids(text: str | None) -> list[str]:
    return [m.group(1) for m in PLACEHOLDER.finditer(text or "")]


def rule_readers(rules: RuleSet) -> dict[str, list[str]]:
    """Question id -> the rules that read it."""
    found: dict[str, list[str]] = {}

    def add(ids: list[str], reader: str) -> None:
        for question_id in ids:
            readers = found.setdefault(question_id, [])
            if reader not in readers:
                readers.append(reader)

    for rule in rules.objectives:
        reader = f"objective {rule.id}"
        add(_condition_ids(rule.when) + _condition_ids(rule.unless) + _text_ids(rule.action), reader)
        for extra in rule.extra_needs:
            add(_condition_ids(extra.when), reader)
        for part in rule.optional.values():
            add(_condition_ids(part.when) + _text_ids(part.text), reader)
    for guard in rules.guards:
        reader = f"guard {guard.id}"
        add(_condition_ids(guard.when) + _text_ids(guard.note), reader)
        for item in guard.must:
            add(_condition_ids(item.when), reader)
    for warning in rules.warnings:
        add(_condition_ids(warning.when) + _text_ids(warning.text), f"warning {warning.id}")
    return found


def coverage(bank: QuestionBank, folder: Path | None = None, rules: RuleSet | None = None) -> Coverage:
    """How many of the bank's questions feed the plan, given the rules beside it (`folder`: the bank folder,
    None for the shipped one)."""
    from oasys_diversity.directory import MATCHING_QUESTIONS
    from oasys_diversity.export.summary import SUMMARY_READS

    rules = rules if rules is not None else load_rules(folder)
    readers = rule_readers(rules)
    for question_id in MATCHING_QUESTIONS:
        readers.setdefault(question_id, []).append("referral matching")
    for question_id in SUMMARY_READS:
        readers.setdefault(question_id, []).append("summary")
    result = Coverage(total=len(bank.questions))
    for question in bank.questions:
        if question.id in readers:
            result.readers[question.id] = readers[question.id]
        elif question.record_only and question.record_only.strip():
            result.record_only.append(question.id)
        else:
            result.unread.append((question.id, f"{question.source_file}:{question.source_line}"))
    return result
