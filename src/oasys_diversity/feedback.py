"""Feedback on a practice run: (scenario, what the trainee recorded, the trainee's plan) → per-criterion results.

The criteria are the inspection's own questions. Each criterion gathers checks: the facts the scenario says a
good officer uncovers (a Condition on what was recorded), the plan properties it must and must not have, the
answers recorded differently from what the person said, and a few checks every run gets (each domain the
person talks about was explored; their own words for their ethnicity; objectives with an owner, a date and a
measure; their view and agreement). A criterion scores the share of its checks met; the overall score is the
mean of the criteria that apply. Pure and deterministic: the same run always gets the same feedback.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from oasys_diversity.model import Answer, Assessment, Plan, QuestionBank
from oasys_diversity.rules import RuleSet
from oasys_diversity.scenario import CRITERIA, PlanCheck, Scenario

FEEDBACK_FORMAT = "oasys-diversity/practice-feedback@1"
PRACTICE_BANNER = "PRACTICE — fictional person"
DEMO_BANNER = "DEMO — fictional people"

# Title, why it matters (the inspection's finding, in our words) and where the report says it.
CRITERION_INFO: dict[str, tuple[str, str, str]] = {
    "diversity_explored": (
        "Diversity explored in each domain",
        "Officers analysed diversity well enough in only about one assessment in six, and experiences of "
        "discrimination often went unasked, or were written down as 'no issues'.",
        "HMIP 2021, 3.2",
    ),
    "self_description": (
        "The person's own description recorded",
        "Mixed-heritage men said probation labelled them Black, that 'that label doesn't fit', and that no one "
        "had ever asked them.",
        "HMIP 2021, 5.1",
    ),
    "interpreter": (
        "Interpreter arranged when needed",
        "People struggled with spoken English where an interpreter would have improved understanding and "
        "engagement; one report was written with no interpreter offered.",
        "HMIP 2021, 3.1 and 3.4",
    ),
    "right_to_work": (
        "Right to work and public funds respected",
        "A report proposed unpaid work for a man living on vouchers with no money to travel, and officers made "
        "assumptions about who may work.",
        "HMIP 2021, 3.1 and 3.2",
    ),
    "trauma": (
        "Trauma recognised and never denied",
        "Reports said there was no trauma about a young man stabbed a month before and a widow whose husband "
        "had been killed.",
        "HMIP 2021, 3.1",
    ),
    "faith": (
        "Faith practice, and faith as a strength",
        "A man's wish to go back to Friday prayers was dismissed as 'display' rather than supported as a "
        "reason to stop offending; faith gave many people strength and belonging.",
        "HMIP 2021, 3.2 and 5.3",
    ),
    "cultural_referral": (
        "Culturally specific referral offered",
        "Only two of the 81 people interviewed had been referred to services that specifically support people "
        "from their communities.",
        "HMIP 2021, 5.2",
    ),
    "objectives_complete": (
        "Objectives with an owner, a date and a measure",
        "Planning focused enough on engaging the person in only 56% of the cases inspected.",
        "HMIP 2021, 3.2",
    ),
    "person_view": (
        "The person's view and agreement",
        "A man was not involved in discussing his plan, which did not address the issues he saw as important.",
        "HMIP 2021, 3.3",
    ),
}

# Which criterion an answer recorded differently counts against, by the question's domain.
DOMAIN_CRITERION = {
    "ethnicity": "self_description",
    "language": "interpreter",
    "immigration": "right_to_work",
    "trauma": "trauma",
    "faith": "faith",
}
COMPARED_KINDS = ("single", "multi", "yes_no_unsure", "number")


class Check(BaseModel):
    text: str  # what a good run does
    met: bool
    did: str  # what the trainee did, in a line


class CriterionResult(BaseModel):
    id: str
    title: str
    why: str
    source: str
    checks: list[Check] = Field(default_factory=list)

    @property
    def applies(self) -> bool:
        return bool(self.checks)

    @property
    def score(self) -> int | None:
        """The share of checks met, as a whole percentage; None when nothing in this run tests it."""
        if not self.checks:
            return None
        return round(100 * sum(c.met for c in self.checks) / len(self.checks))


class Difference(BaseModel):
    """An answer recorded differently from what the person said, side by side (codes shown as labels)."""

    question: str
    question_text: str
    said: str
    recorded: str


class Feedback(BaseModel):
    scenario: str
    title: str
    difficulty: str
    criteria: list[CriterionResult]
    not_asked: list[str] = Field(default_factory=list)  # question texts of facts never asked about
    differences: list[Difference] = Field(default_factory=list)
    plan_met: list[str] = Field(default_factory=list)
    plan_missed: list[str] = Field(default_factory=list)

    @property
    def overall(self) -> int:
        scores = [c.score for c in self.criteria if c.score is not None]
        return round(sum(scores) / len(scores)) if scores else 0

    def criterion(self, criterion_id: str) -> CriterionResult:
        return next(c for c in self.criteria if c.id == criterion_id)


# ---------------------------------------------------------------------------------------------
# The function
# ---------------------------------------------------------------------------------------------


def give_feedback(
    scenario: Scenario, assessment: Assessment, plan: Plan | None, bank: QuestionBank, rules: RuleSet
) -> Feedback:
    """Feedback on one run. `plan` is None when the trainee has not reached the plan yet."""
    answers = assessment.answers
    results = {cid: CriterionResult(id=cid, **_info(cid)) for cid in CRITERIA}
    feedback = Feedback(
        scenario=scenario.id,
        title=scenario.scenario.title,
        difficulty=scenario.scenario.difficulty,
        criteria=list(results.values()),
    )
    _domains_explored(scenario, answers, bank, results["diversity_explored"])
    _own_words(answers, results["self_description"])
    for fact in scenario.fact:
        met = fact.recorded.evaluate(answers)
        asked = [q for q in fact.recorded.question_ids() if _status(answers, q) != "not_discussed"]
        if met:
            did = "Recorded."
        elif not asked:
            texts = [_question_text(bank, q) for q in fact.recorded.question_ids()]
            feedback.not_asked.extend(t for t in texts if t not in feedback.not_asked)
            did = "You did not ask about: " + "; ".join(texts)
        else:
            did = "Asked, but recorded differently from what the person said."
        results[fact.criterion].checks.append(Check(text=fact.text, met=met, did=did))
    for difference in _differences(scenario, answers, bank):
        feedback.differences.append(difference)
        criterion = DOMAIN_CRITERION.get(difference.question.split(".")[0], "diversity_explored")
        results[criterion].checks.append(
            Check(
                text=f"Recorded as the person said: {difference.question_text}",
                met=False,
                did=f"They said {difference.said}; you recorded {difference.recorded}.",
            )
        )
    _trauma_never_denied(scenario, answers, plan, rules, results["trauma"])
    for check, must in [(c, True) for c in scenario.must] + [(c, False) for c in scenario.must_not]:
        present = plan is not None and _present(check, plan, rules)
        met = present if must else not present
        label = ("Plan has: " if must else "Plan leaves out: ") + check.text
        (feedback.plan_met if met else feedback.plan_missed).append(label)
        did = "In your plan." if present else "Not in your plan."
        results[check.criterion].checks.append(Check(text=label, met=met, did=did))
    _objectives_complete(plan, results["objectives_complete"])
    _person_view(plan, results["person_view"])
    return feedback


def _info(criterion_id: str) -> dict[str, str]:
    title, why, source = CRITERION_INFO[criterion_id]
    return {"title": title, "why": why, "source": source}


def _status(answers: dict[str, Answer], question_id: str) -> str:
    found = answers.get(question_id)
    return found.status if found is not None else "not_discussed"


def _question_text(bank: QuestionBank, question_id: str) -> str:
    return bank.question(question_id).label if bank.has(question_id) else question_id


def _domains_explored(
    scenario: Scenario, answers: dict[str, Answer], bank: QuestionBank, result: CriterionResult
) -> None:
    """One check per domain the person has something to say in: was any of its questions discussed?"""
    domains = list(dict.fromkeys(r.question.split(".")[0] for r in scenario.reply))
    for domain in sorted(domains, key=lambda d: bank.domain(d).order):
        title = bank.domain(domain).title
        discussed = [q.id for q in bank.domain(domain).questions if _status(answers, q.id) != "not_discussed"]
        did = f"{len(discussed)} question(s) discussed." if discussed else f"You did not open the {title} domain."
        result.checks.append(Check(text=f"{title} explored", met=bool(discussed), did=did))


def _own_words(answers: dict[str, Answer], result: CriterionResult) -> None:
    status = _status(answers, "ethnicity.self_description")
    did = {
        "answered": "Their own words are recorded.",
        "declined": "Recorded that they chose not to say.",
    }.get(status, "Their own words for their ethnicity are not recorded.")
    result.checks.append(Check(text="Their own words for their ethnicity", met=status != "not_discussed", did=did))


def _label(bank: QuestionBank, question_id: str, value: Any) -> str:
    question = bank.question(question_id)
    if isinstance(value, list):
        return ", ".join(question.label_for(v) for v in value) or "nothing"
    if isinstance(value, str) and question.kind != "text":
        return question.label_for(value)
    return str(value)


def _shown(bank: QuestionBank, question_id: str, status: str, value: Any) -> str:
    return _label(bank, question_id, value) if status == "answered" else status.replace("_", " ")


def _differences(scenario: Scenario, answers: dict[str, Answer], bank: QuestionBank) -> list[Difference]:
    """Coded answers recorded differently from what the person said (their own words are not compared)."""
    found: list[Difference] = []
    for reply in scenario.reply:
        recorded = answers.get(reply.question)
        if recorded is None or recorded.status == "not_discussed" or not bank.has(reply.question):
            continue
        question = bank.question(reply.question)
        if question.kind not in COMPARED_KINDS and recorded.status == reply.status:
            continue
        same_value = (
            sorted(recorded.value) == sorted(reply.value)
            if isinstance(recorded.value, list) and isinstance(reply.value, list)
            else recorded.value == reply.value
        )
        if recorded.status == reply.status and same_value:
            continue

        found.append(
            Difference(
                question=reply.question,
                question_text=question.label,
                said=_shown(bank, reply.question, reply.status, reply.value),
                recorded=_shown(bank, reply.question, recorded.status, recorded.value),
            )
        )
    return found


def _scenario_answers(scenario: Scenario) -> dict[str, Answer]:
    return {
        r.question: Answer(question_id=r.question, status=r.status, value=r.value if r.status == "answered" else None)
        for r in scenario.reply
    }


def _trauma_never_denied(
    scenario: Scenario, answers: dict[str, Answer], plan: Plan | None, rules: RuleSet, result: CriterionResult
) -> None:
    """Where the person has lived through trauma, nothing recorded or planned may say otherwise."""
    said = scenario.reply_to("trauma.experiences")
    if said is None or not said.value:
        return
    recorded = answers.get("trauma.experiences")
    denied = recorded is not None and recorded.status == "answered" and not recorded.value
    texts = [] if plan is None else [t for o in plan.objectives for t in (o.action, o.measure, o.person_view or "")]
    texts += [a.note or "" for a in answers.values()] + [a.value for a in answers.values() if isinstance(a.value, str)]
    phrases = rules.forbidden_phrases(_scenario_answers(scenario))
    used = next((p for p in phrases for t in texts if p.lower() in t.lower()), None)
    if denied:
        did = "You recorded no experiences of trauma."
    elif used is not None:
        did = f"Your record or plan uses the words {used!r}."
    else:
        did = "Nothing you recorded denies it."
    result.checks.append(Check(text="Trauma never recorded as none", met=not denied and used is None, did=did))


def _kept(plan: Plan) -> list[Any]:
    return [o for o in plan.objectives if o.state != "declined"]


def _present(check: PlanCheck, plan: Plan, rules: RuleSet) -> bool:
    if check.agreement_recorded is not None:
        return (plan.agreement != "not_yet_asked") == check.agreement_recorded
    if check.need is not None:
        return any(check.need in r.needs for r in plan.referrals if r.state != "declined")

    def rule_ids(objective: Any) -> list[str]:
        """The rules behind an objective: its own, and any merged into it (merge_group)."""
        return [objective.rule_id or objective.id, *getattr(objective, "merged_from", [])]

    def tags(objective: Any) -> list[str]:
        found = [rules.objective_rule(rule_id) for rule_id in rule_ids(objective)]
        return [tag for rule in found if rule is not None for tag in rule.tags]

    for objective in _kept(plan):
        if check.objective is not None and check.objective in (objective.id, *rule_ids(objective)):
            return True
        if check.tag is not None and check.tag in tags(objective):
            return True
        if (
            check.need_area is not None
            and objective.need_area == check.need_area
            and not set(tags(objective)) & set(check.except_tags)
        ):
            return True
    return False


def _objectives_complete(plan: Plan | None, result: CriterionResult) -> None:
    kept = _kept(plan) if plan is not None else []
    result.checks.append(
        Check(text="A plan with at least one objective", met=bool(kept), did=f"{len(kept)} objective(s) kept.")
    )
    incomplete = [o for o in kept if not (o.owner and o.target_date and o.measure.strip())]
    result.checks.append(
        Check(
            text="Every objective has an owner, a date and a measure",
            met=bool(kept) and not incomplete,
            did=f"{len(incomplete)} objective(s) lack one." if incomplete else "Each has all three.",
        )
    )


def _person_view(plan: Plan | None, result: CriterionResult) -> None:
    agreement = plan.agreement if plan is not None else "not_yet_asked"
    result.checks.append(
        Check(
            text="Asked whether they agree with the plan",
            met=agreement != "not_yet_asked",
            did="Not asked." if agreement == "not_yet_asked" else f"Recorded: {agreement.replace('_', ' ')}.",
        )
    )
    with_view = [o for o in _kept(plan)] if plan is not None else []
    viewed = sum(1 for o in with_view if o.person_view)
    result.checks.append(
        Check(
            text="Their view recorded on the objectives",
            met=viewed > 0,
            did=f"On {viewed} of {len(with_view)} objective(s).",
        )
    )


# ---------------------------------------------------------------------------------------------
# Output: JSON (for the trainer's cohort report) and Markdown. Neither holds what the trainee typed.
# ---------------------------------------------------------------------------------------------


def feedback_to_json(feedback: Feedback) -> str:
    data = {
        "format": FEEDBACK_FORMAT,
        "banner": PRACTICE_BANNER,
        "scenario": feedback.scenario,
        "title": feedback.title,
        "difficulty": feedback.difficulty,
        "overall": feedback.overall,
        "criteria": [
            {
                "id": c.id,
                "title": c.title,
                "applies": c.applies,
                "score": c.score,
                "checks": [{"text": k.text, "met": k.met, "did": k.did} for k in c.checks],
            }
            for c in feedback.criteria
        ],
        "not_asked": feedback.not_asked,
        "differences": [d.model_dump() for d in feedback.differences],
        "plan_met": feedback.plan_met,
        "plan_missed": feedback.plan_missed,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def feedback_to_markdown(feedback: Feedback) -> str:
    from oasys_diversity.export.markdown import escape

    out = [f"**{PRACTICE_BANNER}**", "", f"# Practice feedback: {escape(feedback.title)}", ""]
    out += [f"Scenario `{feedback.scenario}` ({feedback.difficulty}). Overall: **{feedback.overall}%**", ""]
    for c in feedback.criteria:
        score = "does not apply here" if c.score is None else f"{c.score}%"
        out += [f"## {escape(c.title)}: {score}", "", f"*Why it matters ({c.source}):* {escape(c.why)}", ""]
        out += [f"- {'✓' if k.met else '✗'} {escape(k.text)} — {escape(k.did)}" for k in c.checks]
        out.append("")
    if feedback.not_asked:
        out += ["## You did not ask about", ""] + [f"- {escape(t)}" for t in feedback.not_asked] + [""]
    if feedback.differences:
        out += ["## Recorded differently", "", "| Question | They said | You recorded |", "|---|---|---|"]
        out += [
            f"| {escape(d.question_text)} | {escape(d.said)} | {escape(d.recorded)} |" for d in feedback.differences
        ]
        out.append("")
    out += ["---", "", f"**{PRACTICE_BANNER}**", ""]
    return "\n".join(out)
