"""Turn an assessment into a sentence plan: objectives, referrals, what is still to discuss, warnings.

`build_plan` is pure: the same assessment, bank, rules, directory, date and previous plan always give the
same plan, and nothing is read from or written to disk. The steps, in order:

1. every objective rule whose condition holds suggests an objective (its `because` = the answered questions
   that made the condition hold; its target date counted from when those answers were given);
2. guard rules that hold add what must be there, cap target dates, and leave out what must not be there;
3. the officer's own work from `previous` (edited, accepted, declined, added) is kept exactly; only
   untouched suggestions move; suggestions of one merge group become one objective, and at most eight form
   the plan, most urgent first, the rest "also suggested" (plan_shortlist.py);
4. the objectives' need tags are matched to the directory (person's area first, then national);
5. what is still to discuss, what was declined, and warnings where the officer must act are listed (what a
   guard left out is listed apart, in `left_out`).

The screens call the small pure helpers at the bottom (`accept_objective`, `edit_objective`, ...) to record
the officer's decisions, then save the plan; the next `build_plan(..., previous=that plan)` respects them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from oasys_diversity.directory import Directory, PersonFacts, _speaks, is_stale
from oasys_diversity.model import (
    AGREEMENT_LABELS,
    NEED_AREA_LABELS,
    OWNER_LABELS,
    STATUS_LABELS,
    Agreement,
    Answer,
    Assessment,
    Objective,
    Plan,
    QuestionBank,
    Referral,
    ReferralState,
    objective_state,
    objective_status,
)
from oasys_diversity.plan_referrals import REFERRAL_LIMIT, Ask, choose_referrals, objective_rank
from oasys_diversity.plan_shortlist import PLAN_LIMIT, Member, merge, shortlist
from oasys_diversity.rules import (
    GuardRule,
    MustItem,
    ObjectiveRule,
    RuleSet,
    because,
    fill_text,
    find_phrase,
    raised_by_silence,
    text_sources,
)

PLAN_FORMAT = "oasys-diversity/plan@1"
OFFICER_STATES = ("edited", "accepted", "declined", "added")


@dataclass
class _Suggestion:
    objective: Objective
    rule: ObjectiveRule
    added_by: str | None = None  # the guard that added it, when the rules alone did not
    needs: list[str] = field(default_factory=list)
    part: str = ""  # its words when it joins a more urgent objective of its merge group
    # need → the answers behind it, once merged (a merged objective's needs keep their own reasons)
    need_because: dict[str, list[str]] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Building the plan
# ---------------------------------------------------------------------------------------------


def build_plan(
    assessment: Assessment,
    bank: QuestionBank,
    rules: RuleSet,
    directory: Directory,
    today: date,
    previous: Plan | None = None,
) -> Plan:
    """The plan for this assessment. `today` is the plan's date (directory staleness, overdue targets);
    target dates are counted from when the answers behind each objective were given (the assessment date,
    or a later date if the answer was changed later). `previous` is the saved plan whose officer decisions
    are kept."""
    answers = assessment.answers
    warnings: list[str] = []
    removed: list[str] = []

    holding = [g for g in rules.guards if g.holds(answers)]
    for guard in holding:
        if guard.note:
            text = fill_text(guard.note, answers, bank, guard.defaults)
            if text:
                warnings.append(text)
    for rule in rules.warnings:
        if rule.when.evaluate(answers):
            text = fill_text(rule.text, answers, bank, rule.defaults)
            if text:
                warnings.append(text)
    if not rules.objectives:
        warnings.append("No plan rules were loaded, so no objectives can be suggested: check the rules folder.")

    # 1. What the rules suggest.
    suggestions: dict[str, _Suggestion] = {}
    for rule in rules.objectives:
        if rule.fires(answers):
            made = _suggest(rule, assessment, bank, because(rule.when, answers))
            if made is not None:
                suggestions[rule.id] = made

    # 2. Guards: add what must be there (capping dates), then leave out what must not.
    for guard in holding:
        for item in guard.must:
            if item.when is not None and not item.when.evaluate(answers):
                continue
            if item.need is None:
                _ensure_objective(guard, item, suggestions, rules, assessment, bank, warnings)
    for guard in holding:
        if guard.must_not is None:
            continue
        for rule_id in list(suggestions):
            reason = _forbidden(guard, suggestions[rule_id], answers)
            if reason:
                dropped = suggestions.pop(rule_id)
                removed.append(f'Left out "{dropped.rule.title}" because of the guard "{guard.title}": {reason}.')

    # 3. Keep the officer's work; only untouched suggestions move. Suggestions of one merge group become one
    # objective, and at most PLAN_LIMIT form the plan (plan_shortlist.py); the rest are "also suggested".
    # Copies, so building a plan never changes the `previous` the caller holds.
    kept = {
        o.id: o.model_copy(deep=True) for o in (previous.objectives if previous else []) if o.kept_by_officer
    }
    suggestions = _merged(suggestions, kept, rules)
    position = {rule.id: index for index, rule in enumerate(rules.objectives)}
    previous_order = [o.id for o in (previous.objectives if previous else [])]
    candidates = [(o, position.get(o.id, len(position) + previous_order.index(o.id))) for o in kept.values()]
    candidates += [(s.objective, position[rule_id]) for rule_id, s in suggestions.items() if rule_id not in kept]
    objectives, also_suggested = shortlist(candidates)
    warnings.extend(_kept_objective_warnings(kept, suggestions, holding, rules, answers))
    warnings.extend(_must_warnings(holding, objectives + also_suggested, rules, assessment))

    # 4. Referrals: a few for the objectives in the plan (and any need a guard insists on), the rest further
    # services, each tied to the objectives it serves (plan_referrals.py).
    person = PersonFacts.from_answers(answers)
    asks = _asks(objectives, also_suggested, suggestions, rules, answers, holding)
    order = [o.id for o in objectives + also_suggested]
    referrals, further, referral_warnings = _referrals(asks, order, person, directory, rules, today, previous)
    referral_warnings += _language_warnings(referrals, directory, _language_needed(answers))
    warnings.extend(referral_warnings)

    # 5. What is still to discuss, and what the person chose not to answer.
    visible = bank.visible_questions(answers)
    to_discuss = [q.id for q in visible if assessment.status(q.id) == "not_discussed"]
    declined = [q.id for q in visible if assessment.status(q.id) == "declined"]

    overdue = [
        f'"{_title(o, rules)}" was due on {_day(o.target_date)}'
        for o in objectives
        if o.state != "declined" and o.target_date < today
    ]
    if len(overdue) == 1:
        warnings.append(f"{overdue[0]}: review it with the person.")
    elif overdue:
        # One warning for them all: the officer reviews the dates together, in one conversation.
        warnings.append(f"Review these with the person, as their dates have passed: {'; '.join(overdue)}.")
    agreement: Agreement = previous.agreement if previous else "not_yet_asked"
    agreement_reason = previous.agreement_reason if previous else None
    if (
        previous is not None
        and agreement != "not_yet_asked"
        and _fingerprint(objectives) != _fingerprint(previous.objectives)
    ):
        warnings.append(
            "The plan has changed since the person's view of it was recorded: go through the changes with them "
            "and record their agreement again."
        )
    return Plan(
        built_on=today,
        objectives=objectives,
        referrals=referrals,
        to_discuss=to_discuss,
        declined=declined,
        warnings=list(dict.fromkeys(warnings)),
        agreement=agreement,
        agreement_reason=agreement_reason,
        also_suggested=also_suggested,
        left_out=removed,
        further_referrals=further,
    )


def _merged(suggestions: dict[str, _Suggestion], kept: dict[str, Objective], rules: RuleSet) -> dict[str, _Suggestion]:
    """Suggestions with each merge group joined into one (keyed by the leading rule's id). A rule the officer's
    kept objective already covers (its own, or one merged into it) is not suggested again."""
    covered = {rule_id for o in kept.values() for rule_id in (o.id, o.rule_id, *o.merged_from) if rule_id}
    by_id: dict[str, _Suggestion] = {}
    members: list[Member] = []
    for index, rule in enumerate(rules.objectives):
        found = suggestions.get(rule.id)
        if found is None or rule.id in covered:
            continue
        by_id[rule.id] = found
        needs = {need: list(found.objective.because) for need in found.needs}
        members.append(Member(found.objective, index, rule.merge_group, found.part, needs))
    merged: dict[str, _Suggestion] = {}
    for member in merge(members):
        lead = by_id[member.objective.id]
        merged[member.objective.id] = _Suggestion(
            objective=member.objective,
            rule=lead.rule,
            added_by=lead.added_by,
            needs=list(member.needs),
            part=lead.part,
            need_because=member.needs,
        )
    return merged


def _rules_of(objective: Objective, rules: RuleSet) -> list[ObjectiveRule]:
    """The rules behind an objective: its own, and any merged into it."""
    ids = ([objective.rule_id] if objective.rule_id else []) + list(objective.merged_from)
    return [rule for rule in (rules.objective_rule(i) for i in ids) if rule is not None]


def _start_date(question_ids: list[str], answers: dict[str, Answer], assessed_on: date) -> date:
    """Targets run from the assessment date, or from a later day if a triggering answer was given later."""
    start = assessed_on
    for question_id in question_ids:
        answer = answers.get(question_id)
        if answer is not None and answer.answered_at is not None and answer.answered_at.date() > start:
            start = answer.answered_at.date()
    return start


def _suggest(
    rule: ObjectiveRule, assessment: Assessment, bank: QuestionBank, because_ids: list[str]
) -> _Suggestion | None:
    answers = assessment.answers
    action = fill_text(rule.action, answers, bank, rule.defaults, rule.optional)
    if action is None:
        return None  # `questions check` rejects rules that can leave a placeholder empty
    filled_from = text_sources(rule.action, answers, bank, rule.defaults, rule.optional)
    because_ids = list(dict.fromkeys(because_ids + filled_from))
    start = _start_date(because_ids, answers, assessment.case.assessed_on)
    objective = Objective(
        id=rule.id,
        need_area=rule.need_area,
        action=action,
        owner=rule.owner,
        owner_name=rule.owner_name,
        target_date=rule.timescale.after(start),
        measure=rule.measure,
        because=because_ids,
        rule_id=rule.id,
    )
    part = fill_text(rule.merge_text, answers, bank, rule.defaults, rule.optional) if rule.merge_text else None
    return _Suggestion(objective=objective, rule=rule, needs=_rule_needs(rule, answers), part=part or action)


def _rule_needs(rule: ObjectiveRule, answers: dict[str, Answer]) -> list[str]:
    needs = list(rule.needs)
    for extra in rule.extra_needs:
        if extra.when.evaluate(answers):
            needs.extend(n for n in extra.needs if n not in needs)
    return needs


def _has_tag(suggestion: _Suggestion, tag: str) -> bool:
    return tag in suggestion.rule.tags


def _ensure_objective(
    guard: GuardRule,
    item: MustItem,
    suggestions: dict[str, _Suggestion],
    rules: RuleSet,
    assessment: Assessment,
    bank: QuestionBank,
    warnings: list[str],
) -> None:
    """Make sure a `must` objective is suggested (adding it from its rule if the rules did not), and that its
    target date is no later than the guard allows."""
    if item.objective is not None:
        present = [s for s in suggestions.values() if s.rule.id == item.objective]
        to_add = item.objective
    else:
        assert item.tag is not None
        present = [s for s in suggestions.values() if _has_tag(s, item.tag)]
        to_add = item.add
    if not present and to_add is not None:
        rule = rules.objective_rule(to_add)
        if rule is not None:
            answers = assessment.answers
            made = _suggest(rule, assessment, bank, _must_because(guard, item, answers))
            if made is not None:
                made.added_by = guard.id
                suggestions[rule.id] = made
                present = [made]
    if item.within is None:
        return
    for suggestion in present:
        objective = suggestion.objective
        start = _start_date(objective.because, assessment.answers, assessment.case.assessed_on)
        latest = item.within.after(start)
        if objective.target_date > latest:
            objective.target_date = latest


def _must_because(guard: GuardRule, item: MustItem, answers: dict[str, Answer]) -> list[str]:
    """Why a guard insists on this item: its own condition if it has one, else the guard's."""
    return because(item.when, answers) if item.when is not None else because(guard.when, answers)


def _forbidden(guard: GuardRule, suggestion: _Suggestion, answers: dict[str, Answer]) -> str | None:
    """Why this suggestion must not appear while the guard holds (None if it may)."""
    rule_out = guard.must_not
    assert rule_out is not None
    objective = suggestion.objective
    if objective.need_area in rule_out.need_areas:
        return rule_out.reason or f"no {NEED_AREA_LABELS[objective.need_area].lower()} objective may appear"
    tags = [t for t in suggestion.rule.tags if t in rule_out.tags]
    if tags:
        return rule_out.reason or f"it is marked {' and '.join(t.replace('_', ' ') for t in tags)}"
    if _phrase_in(objective, rule_out.phrases) or find_phrase(suggestion.part, rule_out.phrases):
        # Never quote the phrase itself: this warning reaches the exports, which must not say it either.
        return "its wording is not allowed while this guard holds"
    if rule_out.unexplored and suggestion.added_by is None:
        if raised_by_silence(suggestion.rule.when, answers):
            return "it was raised by a topic that was declined or not discussed"
        if not objective.because:
            return "no answer the person gave supports it"
    return None


def _phrase_in(objective: Objective, phrases: list[str]) -> str | None:
    """A forbidden phrase in what the plan says. The person's own view is their words, not the record's, and
    is never checked: "no issues with that" is theirs to say."""
    return find_phrase(f"{objective.action} {objective.measure}", phrases)


def forbidden_phrases(assessment: Assessment, rules: RuleSet) -> list[str]:
    """Words no plan or summary may use for this person (e.g. "no trauma" when trauma is recorded). The
    summary asks `RuleSet.forbidden_phrases` for the same list, so it obeys the same guards as the plan
    without importing the planner."""
    return rules.forbidden_phrases(assessment.answers)


def _title(objective: Objective, rules: RuleSet) -> str:
    rule = rules.objective_rule(objective.rule_id) if objective.rule_id else None
    if rule is not None:
        return rule.title
    words = objective.action.split()
    return " ".join(words[:8]) + ("..." if len(words) > 8 else "")


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _kept_objective_warnings(
    kept: dict[str, Objective],
    suggestions: dict[str, _Suggestion],
    holding: list[GuardRule],
    rules: RuleSet,
    answers: dict[str, Answer],
) -> list[str]:
    """The officer's decisions are never overwritten, but a guard conflict or a changed answer is flagged."""
    warnings: list[str] = []
    for objective in kept.values():
        if objective.state == "declined":
            continue
        title = _title(objective, rules)
        rule = rules.objective_rule(objective.rule_id) if objective.rule_id else None
        if rule is not None and objective.state != "added" and not rule.fires(answers):
            warnings.append(
                f'"{title}" was kept as you left it, but the answers that suggested it have changed: check it is still right.'
            )
        for guard in holding:
            rule_out = guard.must_not
            if rule_out is None:
                continue
            tags = [t for r in _rules_of(objective, rules) for t in r.tags]
            phrase = _phrase_in(objective, rule_out.phrases)
            if objective.need_area in rule_out.need_areas or any(t in rule_out.tags for t in tags) or phrase:
                warnings.append(f'"{title}" conflicts with the guard "{guard.title}": {guard.explanation}')
    return warnings


def _must_warnings(
    holding: list[GuardRule], objectives: list[Objective], rules: RuleSet, assessment: Assessment
) -> list[str]:
    """A `must` objective the officer set aside, or dated later than the guard allows, is flagged."""
    warnings: list[str] = []
    answers = assessment.answers
    for guard in holding:
        for item in guard.must:
            if item.need is not None or (item.when is not None and not item.when.evaluate(answers)):
                continue

            def matches(objective: Objective, item: MustItem = item) -> bool:
                if item.objective is not None:
                    return item.objective in (objective.id, *objective.merged_from)
                return any(item.tag in rule.tags for rule in _rules_of(objective, rules))

            found = [o for o in objectives if matches(o)]
            live = [o for o in found if o.state != "declined"]
            if not live:
                if found:
                    reason = f" (reason given: {found[0].reason})" if found[0].reason else ""
                    warnings.append(
                        f'"{_title(found[0], rules)}" was set aside{reason}, but the guard "{guard.title}" '
                        f"expects it: {guard.explanation}"
                    )
                else:
                    wanted = item.objective or item.tag or ""
                    warnings.append(f'The guard "{guard.title}" expects an objective ({wanted}) that is missing.')
                continue
            if item.within is None:
                continue
            for objective in live:
                start = _start_date(objective.because, answers, assessment.case.assessed_on)
                latest = item.within.after(start)
                if objective.target_date > latest:
                    warnings.append(
                        f'"{_title(objective, rules)}" is dated {_day(objective.target_date)}; the guard '
                        f'"{guard.title}" expects it within {item.within.describe()} ({_day(latest)}).'
                    )
    return warnings


def _asks(
    objectives: list[Objective],
    also_suggested: list[Objective],
    suggestions: dict[str, _Suggestion],
    rules: RuleSet,
    answers: dict[str, Answer],
    holding: list[GuardRule],
) -> list[Ask]:
    """The referral needs, each with its reasons and the objectives carrying it: the plan's objectives first
    (most urgent first), then the needs a guard insists on, then the also-suggested objectives' (which the plan
    does not ask for), less the needs a guard forbids."""
    asks: dict[str, Ask] = {}

    def add(need: str, reasons: list[str], objective_id: str | None, in_plan: bool) -> None:
        ask = asks.setdefault(need, Ask(need=need, because=[], in_plan=in_plan))
        ask.because = list(dict.fromkeys(ask.because + reasons))
        ask.in_plan = ask.in_plan or in_plan
        if objective_id is not None and objective_id not in ask.objectives:
            ask.objectives.append(objective_id)

    def carried(objective: Objective) -> list[tuple[str, list[str]]]:
        if objective.id in suggestions and objective.state == "suggested":
            found = suggestions[objective.id]
            return [(need, found.need_because.get(need, objective.because)) for need in found.needs]
        tags = [n for rule in _rules_of(objective, rules) for n in _rule_needs(rule, answers)]
        return [(need, list(objective.because)) for need in dict.fromkeys(tags)]

    for objective in objectives:
        if objective.state != "declined":
            for need, reasons in carried(objective):
                add(need, reasons, objective.id, True)
    guard_needs: list[tuple[str, list[str]]] = []
    for guard in holding:
        for item in guard.must:
            if item.need is not None and (item.when is None or item.when.evaluate(answers)):
                guard_needs.append((item.need, _must_because(guard, item, answers)))
    also_needs = {need for objective in also_suggested for need, _ in carried(objective)}
    for need, reasons in guard_needs:
        # A need a guard insists on goes with the also-suggested objective carrying it: one key away, as that
        # objective is. Carried by no objective at all, the plan asks for it on its own.
        add(need, reasons, None, need in asks or need not in also_needs)
    for objective in also_suggested:
        for need, reasons in carried(objective):
            add(need, reasons, objective.id, False)
    forbidden = {n for g in holding if g.must_not is not None for n in g.must_not.needs}
    return [ask for need, ask in asks.items() if need not in forbidden]


def _referrals(
    asks: list[Ask],
    order: list[str],
    person: PersonFacts,
    directory: Directory,
    rules: RuleSet,
    today: date,
    previous: Plan | None,
) -> tuple[list[Referral], list[Referral], list[str]]:
    """(the plan's referrals, further services, warnings): the few the person hears, chosen in
    plan_referrals.py; the officer's decisions kept; warnings only about the referrals in the plan."""
    warnings: list[str] = []
    kept = {r.id: r.model_copy(deep=True) for r in (previous.referrals if previous else []) if r.state != "suggested"}
    chosen = choose_referrals(asks, order, directory, person, today, kept)
    referrals = chosen.referrals
    if chosen.unserved:
        where = f"for {person.area}" if person.area else "nationally (their area is not recorded)"
        names = _and([f'"{rules.need_label(need)}"' for need in chosen.unserved])
        warnings.append(
            f"The directory lists no service {where} for {names}: find one locally and add it to the directory."
        )
    examples: list[str] = []
    stale: list[str] = []
    for referral in referrals:
        service = directory.service(referral.id)
        if service is not None:
            # Facts about the service come from today's directory, whatever the officer decided.
            referral.assured_date = service.assured_date
            referral.stale = is_stale(service, today)
            if directory.is_example(service):
                examples.append(referral.service)
        if referral.state == "declined":
            continue
        if referral.stale:
            checked = f"last checked {_day(referral.assured_date)}" if referral.assured_date else "never checked"
            stale.append(f'"{referral.service}" ({checked})')
    if stale:
        warnings.append(
            "Confirm these still run, and who they are for, before referring: they were last checked over 12 "
            f"months ago: {'; '.join(stale)}."
        )
    if examples:
        warnings.append(
            "These referrals come from the shipped example directory, not a list your region has checked: "
            + "; ".join(examples)
            + ". Find the real local service before referring."
        )
    return referrals, chosen.further, warnings


def _language_needed(answers: dict[str, Answer]) -> str | None:
    """The language referrals must work in, when the person needs or may need an interpreter, or speaks little
    English: the interpreter language they named, else their preferred or first language. None otherwise."""

    def value(question_id: str) -> Any:
        answer = answers.get(question_id)
        return answer.value if answer is not None and answer.status == "answered" else None

    needs_one = value("language.interpreter_needed") in ("yes", "unsure") or value("language.spoken_english") in (
        "basic",
        "little_or_none",
    )
    if not needs_one:
        return None
    for question_id in ("language.interpreter_language", "language.preferred_language", "language.first_language"):
        named = value(question_id)
        if isinstance(named, str) and named.strip() and named.strip().lower() != "english":
            return named.strip()
    return None


def _language_warnings(referrals: list[Referral], directory: Directory, language: str | None) -> list[str]:
    """Referrals whose service does not list the person's language, flagged in one warning that says who makes
    the contact and who interprets (HMIP 2021, 3.2 and 3.4: people who needed an interpreter were never offered
    one)."""
    if language is None:
        return []
    lacking = []
    for referral in referrals:
        service = directory.service(referral.id)
        if referral.state == "declined" or service is None or "interpreting" in referral.needs:
            continue
        if not _speaks(service, [language]):
            lacking.append(f'"{referral.service}"')
    if not lacking:
        return []
    which = "This referral does" if len(lacking) == 1 else "These referrals do"
    return [
        f"{which} not list {language}: {'; '.join(lacking)}. You make the first contact for the person, book an "
        f"interpreter for {language} for every contact with the service, and tell the service before the first "
        "appointment."
    ]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _fingerprint(objectives: list[Objective]) -> set[tuple[Any, ...]]:
    return {(o.id, o.action, o.target_date, o.owner) for o in objectives if o.state != "declined"}


# ---------------------------------------------------------------------------------------------
# The officer's decisions (pure: each returns a new Plan)
# ---------------------------------------------------------------------------------------------


def _objective_index(plan: Plan, objective_id: str) -> int:
    for index, objective in enumerate(plan.objectives):
        if objective.id == objective_id:
            return index
    raise KeyError(f"no objective {objective_id!r} in this plan")


def _with(plan: Plan, objective_id: str, **changes: Any) -> Plan:
    """A copy of the plan with one objective's fields changed and its `state` derived again."""
    new = plan.model_copy(deep=True)
    index = _objective_index(new, objective_id)
    new.objectives[index] = Objective.model_validate({**new.objectives[index].model_dump(), **changes})
    return new


def accept_objective(plan: Plan, objective_id: str) -> Plan:
    """The officer and person accept it; its edits and the person's view stay. Kept across recomputes.

    Accepting and setting aside are the one decision, so accepting a set-aside objective brings it back."""
    return _with(plan, objective_id, accepted=True, declined=False, reason=None)


def promote_objective(plan: Plan, objective_id: str) -> Plan:
    """Bring an "also suggested" objective into the plan, accepted, so it stays there across recomputes; the
    least urgent untouched suggestion moves out to make room, as the next recompute would do."""
    new = plan.model_copy(deep=True)
    index = next((i for i, o in enumerate(new.also_suggested) if o.id == objective_id), None)
    if index is None:
        raise KeyError(f"no also-suggested objective {objective_id!r} in this plan")
    promoted = new.also_suggested.pop(index)
    promoted.accepted = True
    promoted.state = objective_state(promoted)
    # Stable sorts by date keep the order of the rule files among objectives due the same day.
    new.objectives = sorted([*new.objectives, promoted], key=lambda o: o.target_date)
    suggested = [o for o in new.objectives if o.state == "suggested"]
    if suggested and sum(o.state != "declined" for o in new.objectives) > PLAN_LIMIT:
        moved = suggested[-1]
        new.objectives.remove(moved)
        new.also_suggested = sorted([moved, *new.also_suggested], key=lambda o: o.target_date)
    return new


def promote_referral(plan: Plan, referral_id: str) -> Plan:
    """Bring a further service into the plan's referrals, accepted, so it stays across recomputes; the least
    relevant untouched suggestion becomes a further service to make room, as the next recompute would do."""
    new = plan.model_copy(deep=True)
    index = next((i for i, r in enumerate(new.further_referrals) if r.id == referral_id), None)
    if index is None:
        raise KeyError(f"no further service {referral_id!r} in this plan")
    promoted = new.further_referrals.pop(index)
    promoted.state = "accepted"
    rank = objective_rank([o.id for o in new.objectives + new.also_suggested])
    new.referrals = sorted([*new.referrals, promoted], key=rank)
    suggested = [r for r in new.referrals if r.state == "suggested"]
    if suggested and sum(r.state != "declined" for r in new.referrals) > REFERRAL_LIMIT:
        # A second service for an objective that has another goes first (the plan chose it last), else the last.
        first = {rank(r): r for r in reversed(new.referrals) if r.state != "declined"}
        seconds = [r for r in suggested if first[rank(r)] is not r]
        moved = (seconds or suggested)[-1]
        new.referrals.remove(moved)
        new.further_referrals = sorted([moved, *new.further_referrals], key=rank)
    return new


def edit_objective(plan: Plan, objective_id: str, **changes: Any) -> Plan:
    """Change an objective's fields (title, action, owner, owner_name, target_date, measure, person_view,
    need_area). A field whose value really changes is named in `edited_fields`; the person's view is theirs,
    not an edit. Whether it was accepted or set aside is left as it was."""
    allowed = {"title", "action", "owner", "owner_name", "target_date", "measure", "person_view", "need_area"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot edit {', '.join(sorted(unknown))}")
    current = plan.objectives[_objective_index(plan, objective_id)]
    changed = [name for name, value in changes.items() if name != "person_view" and getattr(current, name) != value]
    if changed:
        changes["edited"] = True
        changes["edited_fields"] = list(dict.fromkeys(current.edited_fields + changed))
    return _with(plan, objective_id, **changes)


def decline_objective(plan: Plan, objective_id: str, reason: str) -> Plan:
    """Set it aside with the officer's reason (kept, so it does not come back on recompute)."""
    if not reason.strip():
        raise ValueError("a reason is needed to set an objective aside")
    return _with(plan, objective_id, declined=True, accepted=False, reason=reason.strip())


def add_objective(
    plan: Plan,
    *,
    need_area: str,
    action: str,
    owner: str,
    target_date: date,
    measure: str,
    owner_name: str | None = None,
    person_view: str | None = None,
    because: list[str] | None = None,
    title: str | None = None,
) -> Plan:
    """The officer's own objective, with the next free `own-N` id and (from the screen) its own title."""
    new = plan.model_copy(deep=True)
    taken = {o.id for o in new.objectives}
    number = 1
    while f"own-{number}" in taken:
        number += 1
    new.objectives.append(
        Objective.model_validate(
            {
                "id": f"own-{number}",
                "need_area": need_area,
                "action": action,
                "owner": owner,
                "owner_name": owner_name,
                "target_date": target_date,
                "measure": measure,
                "person_view": person_view,
                "because": because or [],
                "title": title,
                "own": True,
            }
        )
    )
    return new


def set_referral_state(plan: Plan, referral_id: str, state: ReferralState, reason: str | None = None) -> Plan:
    """Accept or decline a suggested referral (declining needs a reason); kept across recomputes."""
    if state == "declined" and not (reason or "").strip():
        raise ValueError("a reason is needed to decline a referral")
    new = plan.model_copy(deep=True)
    for referral in new.referrals:
        if referral.id == referral_id:
            referral.state = state
            referral.reason = reason.strip() if state == "declined" and reason else None
            return new
    raise KeyError(f"no referral {referral_id!r} in this plan")


def record_agreement(plan: Plan, agreement: Agreement, reason: str | None = None, on: date | None = None) -> Plan:
    """Whether the person agrees with the plan, with their reasons in their own words. Agreeing records the
    day (`on`, default today), so the person's version can say "Agreed on ..."; saying it again keeps it."""
    new = plan.model_copy(deep=True)
    new.agreement = agreement
    new.agreement_reason = reason.strip() if reason and reason.strip() else None
    if agreement != "agrees":
        new.agreed_on = None
    elif plan.agreement != "agrees" or plan.agreed_on is None:
        new.agreed_on = on or date.today()
    return new


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan as plain JSON types. Stable keys: objectives[] (need_area, action, owner, target_date,
    measure, because), referrals[] (organisation, service, needs, because, assured_date, stale),
    to_discuss[], warnings[]; plus ids, states, labels and the person's agreement; also_suggested[] (objectives
    beyond the plan's limit, same shape) and left_out[] (what a guard left out, and why); further_referrals[]
    (services beyond the plan's referrals, same shape; each referral names its for_objectives and fits)."""
    return {
        "format": PLAN_FORMAT,
        "built_on": plan.built_on.isoformat(),
        "agreement": plan.agreement,
        "agreement_reason": plan.agreement_reason,
        "objectives": [_objective_json(o) for o in plan.objectives],
        "referrals": [_referral_json(r) for r in plan.referrals],
        "to_discuss": list(plan.to_discuss),
        "declined": list(plan.declined),
        "warnings": list(plan.warnings),
        "also_suggested": [_objective_json(o) for o in plan.also_suggested],
        "left_out": list(plan.left_out),
        "further_referrals": [_referral_json(r) for r in plan.further_referrals],
    }


def _referral_json(r: Referral) -> dict[str, Any]:
    return {
        "id": r.id,
        "organisation": r.organisation,
        "service": r.service,
        "needs": list(r.needs),
        "because": list(r.because),
        "assured_date": r.assured_date.isoformat() if r.assured_date else None,
        "stale": r.stale,
        "how_to_refer": r.how_to_refer,
        "contact": r.contact,
        "state": r.state,
        "reason": r.reason,
        "for_objectives": list(r.for_objectives),
        "fits": list(r.fits),
    }


def _objective_json(o: Objective) -> dict[str, Any]:
    return {
        "id": o.id,
        "need_area": o.need_area,
        "need_area_label": NEED_AREA_LABELS[o.need_area],
        "action": o.action,
        "owner": o.owner,
        "owner_label": OWNER_LABELS[o.owner],
        "owner_name": o.owner_name,
        "target_date": o.target_date.isoformat(),
        "measure": o.measure,
        "because": list(o.because),
        "person_view": o.person_view,
        "state": o.state,
        "reason": o.reason,
        "rule_id": o.rule_id,
        "title": o.title,
        "accepted": o.accepted,
        "declined": o.declined,
        "edited": o.edited,
        "edited_fields": list(o.edited_fields),
        "own": o.own,
        "status_label": objective_status(o),
        "merged_from": list(o.merged_from),
    }


def plan_from_json(data: dict[str, Any]) -> Plan:
    """Read back what `plan_to_json` wrote (labels and the format marker are ignored)."""
    derived = {"need_area_label", "owner_label", "status_label"}
    return Plan.model_validate(
        {
            **{k: v for k, v in data.items() if k != "format"},
            "objectives": [{k: v for k, v in o.items() if k not in derived} for o in data.get("objectives", [])],
            "also_suggested": [
                {k: v for k, v in o.items() if k not in derived} for o in data.get("also_suggested", [])
            ],
        }
    )


def _question_label(bank: QuestionBank, question_id: str) -> str:
    return bank.question(question_id).label if bank.has(question_id) else question_id


def _by_domain(question_ids: list[str], bank: QuestionBank) -> list[str]:
    """One line per domain: "- **Faith and belief:** Religion; Faith practice needs"."""
    groups: dict[str, list[str]] = {}
    for question_id in question_ids:
        title = bank.domain(bank.question(question_id).domain).title if bank.has(question_id) else "Other"
        groups.setdefault(title, []).append(_question_label(bank, question_id))
    return [f"- **{title}:** {'; '.join(labels)}" for title, labels in groups.items()]


def plan_to_markdown(plan: Plan, bank: QuestionBank, rules: RuleSet | None = None) -> str:
    """The plan as an officer would read it: each objective with who, by when, how we will know, and why.
    With `rules`, referral needs are shown by their labels rather than their tags."""

    def need_label(need: str) -> str:
        return rules.need_label(need) if rules is not None else need.replace("_", " ")

    live = [o for o in plan.objectives if o.state != "declined"]
    lines = [
        "# Sentence plan: diversity and responsivity",
        "",
        f"**In this plan:** {plan_counts(plan)}." + further_count(plan),
        "",
        f"Built on {_day(plan.built_on)}. Suggested objectives are for the officer and the person to agree, "
        "change or set aside.",
        "",
        f"**The person's view of the plan:** {AGREEMENT_LABELS[plan.agreement]}"
        + (f' ("{plan.agreement_reason}")' if plan.agreement_reason else ""),
        "",
    ]
    if plan.warnings:
        lines += ["## Check before agreeing", ""]
        lines += [f"- {w}" for w in plan.warnings]
        lines.append("")
    lines += ["## Objectives", ""]
    if not live:
        lines += ["No objectives yet: nothing the person has told us so far calls for one.", ""]
    for number, o in enumerate(live, start=1):
        who = OWNER_LABELS[o.owner] + (f" ({o.owner_name})" if o.owner_name else "")
        state = objective_status(o)
        # The officer's own title, when they gave one, else the rule's, leads (so six "Responsivity" headings
        # read as six different things); the need area is always named.
        rule = rules.objective_rule(o.rule_id) if rules is not None and o.rule_id else None
        title = o.title or (rule.title if rule is not None else None)
        heading = f"{title} ({NEED_AREA_LABELS[o.need_area]})" if title else NEED_AREA_LABELS[o.need_area]
        lines += [
            f"### {number}. {heading}",
            "",
            o.action,
            "",
            f"- **Who:** {who}",
            f"- **By:** {_day(o.target_date)}",
            f"- **How we will know:** {o.measure}",
            f"- **The person's view:** {o.person_view or 'not yet recorded'}",
            f"- **Because:** {'; '.join(_question_label(bank, q) for q in o.because) or 'added by the officer'}",
            f"- **Status:** {state}",
            "",
        ]
    set_aside = [o for o in plan.objectives if o.state == "declined"]
    if set_aside:
        lines += ["### Set aside by the officer", ""]
        lines += [f"- {o.action} (reason: {o.reason or 'not given'})" for o in set_aside]
        lines.append("")
    if plan.also_suggested:
        lines += [
            "## Also suggested",
            "",
            f"The plan holds the {PLAN_LIMIT} most urgent objectives. These were suggested too: promote one if it "
            "matters more to the person now.",
            "",
        ]
        lines += [f"- {also_suggested_line(o, rules)}" for o in plan.also_suggested]
        lines.append("")
    lines += ["## Referrals", ""]
    if not plan.referrals:
        lines += ["No referrals suggested.", ""]
    elif plan.further_referrals:
        lines += [
            f"The services most relevant to the objectives in the plan (at most {REFERRAL_LIMIT}); the rest are "
            'under "Further services" below.',
            "",
        ]
    numbers = {o.id: n for n, o in enumerate(live, start=1)}
    for r in plan.referrals:
        checked = r.assured_date.isoformat() if r.assured_date else "never"
        stale = " **(STALE: check before referring)**" if r.stale else ""
        state = {"suggested": "suggested", "accepted": "accepted", "declined": "declined"}[r.state]
        lines += [
            f"### {r.service}",
            "",
            f"- **Organisation:** {r.organisation}",
            f"- **For:** {'; '.join(need_label(n) for n in r.needs)}",
            *([f"- **Objective:** {_objective_numbers(r, numbers)}"] if _objective_numbers(r, numbers) else []),
            *([f"- **Fits:** {'; '.join(r.fits)}"] if r.fits else []),
            f"- **Because:** {'; '.join(_question_label(bank, q) for q in r.because) or '-'}",
            f"- **Last checked:** {checked}{stale}",
            f"- **How to refer:** {r.how_to_refer or 'to be completed locally'}",
            f"- **Contact:** {r.contact or 'to be completed locally'}",
            f"- **Status:** {state}" + (f" (reason: {r.reason})" if r.reason else ""),
            "",
        ]
    if plan.further_referrals:
        lines += [
            "## Further services",
            "",
            "Found for the plan's needs too, or for the objectives also suggested: not in the plan, so the person "
            "is not asked to go through them now. Bring one in if it matters more to them.",
            "",
        ]
        titles = {
            o.id: _title(o, rules) if rules is not None else NEED_AREA_LABELS[o.need_area]
            for o in plan.objectives + plan.also_suggested
        }
        lines += [f"- {further_line(r, titles, need_label)}" for r in plan.further_referrals]
        lines.append("")
    lines += ["## Still to discuss", ""]
    if plan.to_discuss:
        lines.append(f"{STATUS_LABELS['not_discussed']}: nothing has been assumed about these.")
        lines.append("")
        lines += _by_domain(plan.to_discuss, bank)
    else:
        lines.append("Every question has been discussed.")
    lines.append("")
    if plan.declined:
        lines += [
            "## Chose not to say",
            "",
            "Respected, not chased. The person can come back to these whenever they want.",
            "",
        ]
        lines += _by_domain(plan.declined, bank)
        lines.append("")
    if plan.left_out:
        lines += ["## Left out by the guards", ""]
        lines += [f"- {text}" for text in plan.left_out]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def also_suggested_line(objective: Objective, rules: RuleSet | None) -> str:
    """One line for the officer: "Reconnect with a faith community (Lifestyle and associates, by 20 February 2027)"."""
    title = _title(objective, rules) if rules is not None else objective.action.split(".")[0]
    return f"{title} ({NEED_AREA_LABELS[objective.need_area]}, by {_day(objective.target_date)})"


def _objective_numbers(referral: Referral, numbers: dict[str, int]) -> str:
    """The plan's objectives a referral serves, by their number in the plan ("1 and 4")."""
    return _and([str(numbers[o]) for o in referral.for_objectives if o in numbers])


def further_line(referral: Referral, titles: dict[str, str], need_label: Callable[[str], str]) -> str:
    """One line for the officer: "Women's centre (Birmingham) (Example: ...): women's centre; for: Women's
    centre or women-only service"."""
    serves = [titles[o] for o in referral.for_objectives if o in titles]
    line = f"{referral.service} ({referral.organisation}): {'; '.join(need_label(n) for n in referral.needs)}"
    if serves:
        line += f"; for: {'; '.join(serves)}"
    if referral.fits:
        line += f" ({', '.join(referral.fits)})"
    return line + (" (stale: check before referring)" if referral.stale else "")


def further_count(plan: Plan) -> str:
    """" Further services: 9 (after the referrals)." when the plan has any; else nothing."""
    n = len(plan.further_referrals)
    return f" **Further services:** {n} (listed after the referrals, not in the plan)." if n else ""


def plan_counts(plan: Plan) -> str:
    """What the officer has to go through, e.g. "8 objectives, 5 also suggested, 10 referrals, 8 warnings"."""
    live = sum(o.state != "declined" for o in plan.objectives)
    referrals = sum(r.state != "declined" for r in plan.referrals)

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return (
        f"{count(live, 'objective')}, {len(plan.also_suggested)} also suggested, "
        f"{count(referrals, 'referral')}, {count(len(plan.warnings), 'warning')}"
    )
