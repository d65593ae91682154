"""The one summary every export format renders: built once from an assessment, its plan and the bank.

Redaction happens here, before anything is rendered, so every format is redacted the same way: the
summary carries redacted copies of the assessment and plan and nothing else from the originals.

The guards' forbidden words are enforced here too, for every format at once: a summary never says "no trauma"
when trauma is recorded (or was never asked about), nor "no issues" where nothing was explored, even if the
plan's own wording does. The person's own words are theirs and are quoted as given.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from oasys_diversity.model import (
    AGREEMENT_LABELS,
    NEED_AREA_LABELS,
    OWNER_LABELS,
    STATUS_LABELS,
    Agreement,
    Answer,
    AnswerStatus,
    Assessment,
    ItemState,
    Objective,
    Plan,
    Question,
    QuestionBank,
    Referral,
    ReferralState,
    objective_status,
)

if TYPE_CHECKING:
    from oasys_diversity.rules import RuleSet

# What replaces a sentence of the plan that a guard does not allow (e.g. one denying trauma the person told us
# about). Plain words: the person's version shows it too.
LEFT_OUT = "[Some wording was left out here because it did not match what was recorded.]"
LEFT_OUT_WARNING = (
    "Some of the plan's wording was left out of this summary because it did not match what was recorded "
    "(for example, it denied trauma the person told us about, or said a topic needed nothing when it had not "
    "been explored). Correct the plan so that it and the summary agree."
)

# What replaces the person's own words (notes, text answers, their view of the plan) in a redacted summary.
REMOVED = "[removed for sharing]"
# What replaces the case reference in a redacted summary (the interchange format needs a non-blank one).
REDACTED_REFERENCE = "redacted"

PREFERRED_NAME = "person.preferred_name"
# How the person wants their ethnicity written: "own words only" leaves the official category out of every
# summary (and so every export), shown as not stated at their request.
RECORDING_PREFERENCE = "ethnicity.recording_preference"
ONS_CATEGORY = "ethnicity.ons_category"
OWN_WORDS_ONLY = "own_words_only"
CATEGORY_WITHHELD = "Not stated: the person asked for their ethnicity to be recorded in their own words only"
# The answers this module reads by id (`questions check` counts them as feeding the plan and exports).
SUMMARY_READS = (PREFERRED_NAME, RECORDING_PREFERENCE)
OTHER_DOMAIN = "other"

OBJECTIVE_STATE_LABELS = {
    "suggested": "Suggested, not yet reviewed",
    "edited": "Edited by the officer",
    "accepted": "Accepted",
    "declined": "Set aside",
    "added": "Added by the officer",
}
# Words a directory entry carries until someone checks it locally (the shipped examples all do).
UNCHECKED = re.compile(r"to be (completed|confirmed) locally", re.IGNORECASE)
INTERPRETER_QUESTION = "language.interpreter_needed"
PREFERRED_LANGUAGE = "language.preferred_language"

REFERRAL_STATE_LABELS = {"suggested": "Suggested", "accepted": "Accepted", "declined": "Declined"}


class Item(BaseModel):
    """One question as recorded: categories and the person's own words kept apart."""

    question_id: str
    label: str
    status: AnswerStatus
    status_label: str
    # Standard categories (option labels: ONS, yes/no, lists) or a number or date as text.
    categories: list[str] = Field(default_factory=list)
    # A free-text answer: the person's own words, shown as a quote (REMOVED when redacted).
    own_words: str | None = None
    # The person's own words about this answer, shown as a quote (REMOVED when redacted).
    note: str | None = None
    # Answered, and the answer was "nothing to add" (an empty list or empty text).
    nothing_to_add: bool = False


class DomainSummary(BaseModel):
    id: str
    title: str
    answered: list[Item] = Field(default_factory=list)
    declined: list[Item] = Field(default_factory=list)
    not_discussed: list[Item] = Field(default_factory=list)
    not_applicable: list[Item] = Field(default_factory=list)

    @property
    def nothing_discussed(self) -> bool:
        """True when no question in this part has been talked about yet (silence, never 'no issues')."""
        return not (self.answered or self.declined or self.not_applicable)

    @property
    def items(self) -> list[Item]:
        return self.answered + self.declined + self.not_applicable + self.not_discussed


class ObjectiveSummary(BaseModel):
    id: str
    need_area_label: str
    action: str
    owner: str
    owner_label: str
    owner_name: str | None = None
    target_date: date
    measure: str
    because: list[str] = Field(default_factory=list)  # question labels
    because_domains: list[str] = Field(default_factory=list)  # domain titles, for the person's version
    person_view: str | None = None
    state: ItemState
    state_label: str  # every decision, truly named: "Accepted; changed by the officer (target date)"
    reason: str | None = None
    # Its short name: the officer's own title when they gave one, else the plan rule's
    # ("Interpreter for every appointment").
    title: str | None = None
    accepted: bool = False
    edited_fields: list[str] = Field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.state != "declined"


class ReferralSummary(BaseModel):
    id: str
    organisation: str
    service: str
    because: list[str] = Field(default_factory=list)
    because_domains: list[str] = Field(default_factory=list)
    state: ReferralState
    state_label: str
    reason: str | None = None
    stale: bool = False
    assured_date: date | None = None
    how_to_refer: str | None = None
    contact: str | None = None

    @property
    def checked_locally(self) -> bool:
        """False for a directory entry nobody has checked here yet (never assured, or its contact details
        still say "to be completed locally"): the officer's record keeps it, the person's version leaves it out."""
        placeholder = any(UNCHECKED.search(text or "") for text in (self.contact, self.how_to_refer, self.organisation))
        return self.assured_date is not None and not placeholder


class OasysBox(BaseModel):
    """One OASys box: where on the OASys screens this text is pasted."""

    key: str
    screen: str  # the OASys screen or section, as OASys names it
    title: str  # the box
    items: list[Item] = Field(default_factory=list)
    # The domain each item came from, so a box that spans domains can group them.
    item_domains: list[str] = Field(default_factory=list)

    @property
    def nothing_discussed(self) -> bool:
        return all(item.status == "not_discussed" for item in self.items)


class Summary(BaseModel):
    banner: str | None = None
    for_person: bool = False
    redacted: bool = False
    person_name: str  # the name on the record (initials when redacted)
    preferred_name: str | None = None
    reference: str | None = None  # None when redacted
    officer: str
    assessed_on: date
    prepared_on: date
    domains: list[DomainSummary]
    plan_built_on: date
    # True when no plan was stored: this one was built for the export and nobody has reviewed it.
    plan_suggested: bool = False
    objectives: list[ObjectiveSummary] = Field(default_factory=list)
    referrals: list[ReferralSummary] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)  # for the officer only
    # Objectives beyond the plan's limit, one short line each, for the officer to promote (officer only).
    also_suggested: list[str] = Field(default_factory=list)
    # Services found beyond the plan's referrals, one short line each (officer only); the person's version
    # only says that there are more.
    further_referrals: list[str] = Field(default_factory=list)
    agreement: Agreement = "not_yet_asked"
    agreement_label: str
    agreement_reason: str | None = None
    # The day the person agreed the plan, where the plan recorded it.
    agreed_on: date | None = None
    # The person's version laid out for easy reading: short sentences, larger type, one idea per line.
    easy_read: bool = False
    # Their preferred language as recorded (None when not recorded, or redacted), and whether what is written
    # for them should be gone through with an interpreter (preferred language not English, or one is needed).
    preferred_language: str | None = None
    read_with_interpreter: bool = False
    oasys_boxes: list[OasysBox] = Field(default_factory=list)
    # The (redacted, where asked) records this summary was built from: the JSON export writes these.
    assessment: Assessment
    plan: Plan

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.person_name


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------


def build_summary(
    assessment: Assessment,
    plan: Plan,
    bank: QuestionBank,
    *,
    plan_suggested: bool = False,
    for_person: bool = False,
    redact: bool = False,
    banner: str | None = None,
    today: date | None = None,
    rules: RuleSet | None = None,
    easy_read: bool = False,
) -> Summary:
    """Everything any rendering needs, in one place. No database; the only files read are the plan rules
    (for the words no summary may use), and only when `rules` is not given."""
    rule_sets = _rule_sets(bank, rules)
    plan, _ = without_forbidden_wording(plan, forbidden_phrases(assessment, bank, rules, rule_sets))
    rule_titles = {r.id: r.title for rule_set in reversed(rule_sets) for r in rule_set.objectives}
    preferred_language, read_with_interpreter = language_needs(assessment)
    if redact:
        preferred_language = None
        assessment, plan = redact_records(assessment, plan, bank)
    # Answers in the bank's order, so the JSON export reads in the order the questions are asked.
    order = {q.id: n for n, q in enumerate(bank.questions)}
    ordered = sorted(assessment.answers.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    assessment = Assessment(case=assessment.case, answers=dict(ordered))
    case = assessment.case
    # The domain each question sits in, from the bank's own structure.
    domain_of = {q.id: d.title for d in bank.domains for q in d.questions}
    domains = _domains(assessment, bank)
    preferred = assessment.answer(PREFERRED_NAME)
    preferred_name = preferred.value.strip() if preferred.is_answered and isinstance(preferred.value, str) else None

    def labels(ids: list[str]) -> list[str]:
        return [bank.question(q).label if bank.has(q) else q for q in ids]

    def domain_names(ids: list[str]) -> list[str]:
        titles = [domain_of[q] for q in ids if q in domain_of]
        return list(dict.fromkeys(titles))

    objectives = [
        ObjectiveSummary(
            id=o.id,
            need_area_label=NEED_AREA_LABELS.get(o.need_area, o.need_area),
            action=o.action,
            owner=o.owner,
            owner_label=OWNER_LABELS.get(o.owner, o.owner),
            owner_name=o.owner_name,
            target_date=o.target_date,
            measure=o.measure,
            because=labels(o.because),
            because_domains=domain_names(o.because),
            person_view=o.person_view,
            state=o.state,
            state_label=objective_status(o),
            reason=o.reason,
            title=o.title or (rule_titles.get(o.rule_id) if o.rule_id else None),
            accepted=o.accepted,
            edited_fields=list(o.edited_fields),
        )
        for o in plan.objectives
    ]
    referrals = [
        ReferralSummary(
            id=r.id,
            organisation=r.organisation,
            service=r.service,
            because=labels(r.because),
            because_domains=domain_names(r.because),
            state=r.state,
            state_label=REFERRAL_STATE_LABELS[r.state],
            reason=r.reason,
            stale=r.stale,
            assured_date=r.assured_date,
            how_to_refer=r.how_to_refer,
            contact=r.contact,
        )
        for r in plan.referrals
    ]
    banner = banner.strip() if banner and banner.strip() else None
    return Summary(
        banner=banner,
        for_person=for_person,
        redacted=redact,
        person_name=case.name,
        preferred_name=preferred_name,
        reference=None if redact else case.reference,
        officer=case.officer,
        assessed_on=case.assessed_on,
        prepared_on=today or date.today(),
        domains=domains,
        plan_built_on=plan.built_on,
        plan_suggested=plan_suggested,
        objectives=objectives,
        referrals=referrals,
        # The planner's warnings already name stale directory entries; each referral also shows its own.
        warnings=list(dict.fromkeys(plan.warnings)),
        also_suggested=[_also_suggested_line(o, rules) for o in plan.also_suggested],
        further_referrals=_further_lines(plan, rule_titles),
        agreement=plan.agreement,
        agreement_label=AGREEMENT_LABELS[plan.agreement],
        agreement_reason=plan.agreement_reason,
        agreed_on=plan.agreed_on if plan.agreement == "agrees" else None,
        easy_read=easy_read and for_person,  # the officer's record has one layout
        preferred_language=preferred_language,
        read_with_interpreter=read_with_interpreter,
        oasys_boxes=_oasys_boxes(domains, bank),
        assessment=assessment,
        plan=plan,
    )


def _also_suggested_line(objective: Objective, rules: RuleSet | None) -> str:
    """One line, e.g. "Women's centre or women-only service (Health and other considerations, by 20 December 2026)"."""
    rule = rules.objective_rule(objective.rule_id) if rules is not None and objective.rule_id else None
    area = NEED_AREA_LABELS.get(objective.need_area, objective.need_area)
    if rule is None:
        return f"{area}, by {long_date(objective.target_date)}"
    return f"{rule.title} ({area}, by {long_date(objective.target_date)})"


def _further_lines(plan: Plan, rule_titles: dict[str, str]) -> list[str]:
    """One line per further service, e.g. "Women's centre (Birmingham), Example: women's centre network (for:
    Women's centre or women-only service; in Birmingham, for women)"."""
    titles = {
        o.id: o.title or rule_titles.get(o.rule_id or "", NEED_AREA_LABELS.get(o.need_area, o.need_area))
        for o in plan.objectives + plan.also_suggested
    }
    lines = []
    for referral in plan.further_referrals:
        about = [titles[o] for o in referral.for_objectives if o in titles][:2] + referral.fits
        stale = " Last checked over 12 months ago." if referral.stale else ""
        detail = f" (for: {'; '.join(about)})" if about else ""
        lines.append(f"{referral.service}, {referral.organisation}{detail}.{stale}")
    return lines


# ---------------------------------------------------------------------------------------------
# Words no summary may use (the guards' `must_not.phrases`)
# ---------------------------------------------------------------------------------------------


def forbidden_phrases(
    assessment: Assessment, bank: QuestionBank, rules: RuleSet | None = None, rule_sets: list[RuleSet] | None = None
) -> list[str]:
    """The phrases the guards forbid for this person, e.g. "no trauma" when trauma is recorded.

    Without `rules`, the rules beside the bank are read, together with the shipped rules: a local rules folder
    may add guards, but cannot switch off the national ones for an export.
    """
    if rule_sets is None:
        rule_sets = _rule_sets(bank, rules)
    found: list[str] = []
    for rule_set in rule_sets:
        found.extend(p for p in rule_set.forbidden_phrases(assessment.answers) if p not in found)
    return found


def _rule_sets(bank: QuestionBank, rules: RuleSet | None) -> list[RuleSet]:
    """`rules`, or the rules beside the bank (when they load) followed by the shipped rules. The rules module
    is imported here, not at the top, and the planner never is."""
    from oasys_diversity.rules import RulesError, load_rules, rules_dir, shipped_rules_dir

    if rules is not None:
        return [rules]
    rule_sets = []
    local = rules_dir(Path(bank.source_dir)) if bank.source_dir else shipped_rules_dir()
    if local.resolve() != shipped_rules_dir().resolve():
        try:
            rule_sets.append(load_rules(Path(bank.source_dir)))
        except RulesError:
            pass  # a broken local file is reported by `questions check`; the shipped guards still apply
    rule_sets.append(load_rules(None))
    return rule_sets


def language_needs(assessment: Assessment) -> tuple[str | None, bool]:
    """(their preferred language as recorded, whether to go through documents with an interpreter)."""
    preferred = assessment.answer(PREFERRED_LANGUAGE)
    language = preferred.value.strip() if preferred.is_answered and isinstance(preferred.value, str) else None
    not_english = bool(language) and not re.fullmatch(r"(british\s+)?english\.?", language.strip(), re.IGNORECASE)
    interpreter = assessment.answer(INTERPRETER_QUESTION)
    needed = interpreter.is_answered and interpreter.value == "yes"
    return language or None, not_english or needed


def without_forbidden_wording(plan: Plan, phrases: list[str]) -> tuple[Plan, bool]:
    """A copy of the plan in which every sentence using one of `phrases` is replaced by LEFT_OUT (with
    LEFT_OUT_WARNING added for the officer), and whether any was. Only the record's own words are touched
    (actions, measures, reasons, warnings, directory text); the person's view and their reasons about the plan
    are quoted as they gave them."""
    from oasys_diversity.rules import find_phrase

    if not phrases:
        return plan, False
    changed = False

    def clean(text: str | None) -> str | None:
        nonlocal changed
        if not text or find_phrase(text, phrases) is None:
            return text
        changed = True
        sentences = re.split(r"(?<=[.!?])\s+", text.strip())
        kept: list[str] = []
        for sentence in sentences:
            replacement = LEFT_OUT if find_phrase(sentence, phrases) else sentence
            if not (replacement == LEFT_OUT and kept and kept[-1] == LEFT_OUT):
                kept.append(replacement)
        return " ".join(kept)

    def tidy(o: Objective) -> Objective:
        update = {"action": clean(o.action), "measure": clean(o.measure), "owner_name": clean(o.owner_name)}
        return o.model_copy(update={**update, "reason": clean(o.reason)})

    objectives = [tidy(o) for o in plan.objectives]
    also_suggested = [tidy(o) for o in plan.also_suggested]
    referrals = [
        r.model_copy(
            update={"reason": clean(r.reason), "how_to_refer": clean(r.how_to_refer), "contact": clean(r.contact)}
        )
        for r in plan.referrals
    ]
    further = [
        r.model_copy(update={"how_to_refer": clean(r.how_to_refer), "contact": clean(r.contact)})
        for r in plan.further_referrals
    ]
    warnings = [clean(w) or w for w in plan.warnings]
    if not changed:
        return plan, False
    # On the plan itself, so every format carries it, the JSON included.
    warnings.append(LEFT_OUT_WARNING)
    update = {
        "objectives": objectives,
        "also_suggested": also_suggested,
        "referrals": referrals,
        "further_referrals": further,
    }
    return plan.model_copy(update={**update, "warnings": warnings}), True


def _domains(assessment: Assessment, bank: QuestionBank) -> list[DomainSummary]:
    """Each domain's questions, sorted by status. Hidden follow-ups appear only if something was recorded."""
    result = []
    own_words_only = _own_words_only(assessment)
    for domain in bank.domains:
        section = DomainSummary(id=domain.id, title=domain.title)
        for question in domain.questions:
            answer = assessment.answer(question.id)
            if answer.status == "not_discussed" and not bank.is_visible(question, assessment.answers):
                continue
            item = _item(question, answer)
            if question.id == ONS_CATEGORY and own_words_only and answer.is_answered:
                item.categories = [CATEGORY_WITHHELD]
            getattr(section, answer.status).append(item)
        result.append(section)
    unknown = [a for qid, a in assessment.answers.items() if not bank.has(qid) and a.status != "not_discussed"]
    if unknown:
        # Recorded against a different bank: kept, never dropped from the record.
        section = DomainSummary(id=OTHER_DOMAIN, title="Other answers (not in this question bank)")
        for answer in unknown:
            item = Item(
                question_id=answer.question_id,
                label=answer.question_id,
                status=answer.status,
                status_label=STATUS_LABELS[answer.status],
                categories=[] if answer.value is None else [_plain(answer.value)],
                note=answer.note,
            )
            getattr(section, answer.status).append(item)
        result.append(section)
    return result


def _item(question: Question, answer: Answer) -> Item:
    item = Item(
        question_id=question.id,
        label=question.label,
        status=answer.status,
        status_label=STATUS_LABELS[answer.status],
        note=answer.note if answer.note and answer.note.strip() else None,
    )
    if not answer.is_answered:
        return item
    value = answer.value
    if question.id == PREFERRED_NAME and isinstance(value, str) and value.strip():
        # A name to use, not a quote.
        item.categories = [value.strip()]
    elif question.kind == "text":
        text = value.strip() if isinstance(value, str) else ""
        item.own_words = text or None
        item.nothing_to_add = not text
    elif question.kind == "multi":
        codes = value if isinstance(value, list) else []
        item.categories = [_option_text(question, code) for code in codes]
        item.nothing_to_add = not codes
    elif question.kind in ("single", "yes_no_unsure"):
        item.categories = [_option_text(question, str(value))]
    elif question.kind == "date" and isinstance(value, str):
        item.categories = [long_date(date.fromisoformat(value))]
    else:
        item.categories = [_plain(value)]
    return item


def _own_words_only(assessment: Assessment) -> bool:
    """True when the person asked for their ethnicity in their own words only (the category not stated)."""
    preference = assessment.answer(RECORDING_PREFERENCE)
    return preference.is_answered and preference.value == OWN_WORDS_ONLY


def _option_text(question: Question, code: str) -> str:
    option = question.option(code)
    label = question.label_for(code)
    if option is not None and option.group and option.group.lower() not in label.lower():
        return f"{option.group}: {label}"
    return label


def _plain(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def long_date(day: date) -> str:
    """'3 March 2026': unambiguous for anyone reading it."""
    return f"{day.day} {day:%B %Y}"


# ---------------------------------------------------------------------------------------------
# Where each question goes in OASys
# ---------------------------------------------------------------------------------------------

OFFENDER_DETAILS = "Offender details"  # the OASys screen's own name
SECTION_10 = "Section 10"
SECTION_13 = "Section 13"
SENTENCE_PLAN = "Sentence plan, diversity"

# (key, OASys screen, box) in the order they appear on the OASys screens.
OASYS_BOXES: list[tuple[str, str, str]] = [
    ("about", OFFENDER_DETAILS, "About the person"),
    ("ethnic_category", OFFENDER_DETAILS, "Ethnic category"),
    ("religion", OFFENDER_DETAILS, "Religion or belief"),
    ("language", OFFENDER_DETAILS, "Spoken and written language"),
    ("interpreter", OFFENDER_DETAILS, "Interpreter"),
    ("section_10", SECTION_10, "Emotional well-being"),
    ("section_13", SECTION_13, "Health and other considerations"),
    ("discrimination", SENTENCE_PLAN, "Experience of discrimination"),
    ("engagement", SENTENCE_PLAN, "Factors affecting engagement"),
]

# Parts of a question id that move it out of its domain's usual box.
_ENGAGEMENT_WORDS = ("officer_preference", "complaint", "trust", "practice", "reconnect")
_HEALTH_WORDS = ("health", "disab", "medication", "additional_needs")
_ABOUT = ("preferred_name", "pronouns", "gender", "age", "area")


def oasys_box_for(question_id: str, domain_id: str) -> str:
    """The OASys box a question's answer belongs in. Every question lands in exactly one box."""
    name = question_id.split(".", 1)[-1]
    if any(word in name for word in _HEALTH_WORDS) and domain_id in ("person", "trauma"):
        return "section_13"
    if domain_id == "person":
        return "about" if name in _ABOUT else "engagement"
    if domain_id == "ethnicity":
        return "ethnic_category"
    if domain_id == "faith":
        return "engagement" if any(w in name for w in _ENGAGEMENT_WORDS) else "religion"
    if domain_id == "language":
        return "interpreter" if "interpreter" in name else "language"
    if domain_id == "trauma":
        return "section_10"
    if domain_id == "discrimination":
        return "engagement" if any(w in name for w in _ENGAGEMENT_WORDS) else "discrimination"
    return "engagement"


def _oasys_boxes(domains: list[DomainSummary], bank: QuestionBank) -> list[OasysBox]:
    boxes = {key: OasysBox(key=key, screen=screen, title=title) for key, screen, title in OASYS_BOXES}
    for section in domains:
        for item in section.items:
            box = boxes[oasys_box_for(item.question_id, section.id)]
            box.items.append(item)
            box.item_domains.append(section.title)
    return list(boxes.values())


# ---------------------------------------------------------------------------------------------
# Redaction: initials for names, no reference, no quotes
# ---------------------------------------------------------------------------------------------


def initials(name: str) -> str:
    """'Zoë Ní Bhriain' -> 'Z. N. B.'; keeps a first letter's combining marks so any script reads right."""
    parts = []
    for word in name.split():
        letter = next((i for i, ch in enumerate(word) if ch.isalnum()), None)
        if letter is None:
            continue
        end = letter + 1
        while end < len(word) and unicodedata.category(word[end]).startswith("M"):
            end += 1
        parts.append(word[letter:end] + ".")
    return " ".join(parts) or "?"


def redact_records(assessment: Assessment, plan: Plan, bank: QuestionBank) -> tuple[Assessment, Plan]:
    """Copies of the assessment and plan fit to share outside the case (training, supervision)."""
    case = assessment.case
    names = [case.name, case.officer]
    names += [a.officer for a in assessment.answers.values() if a.officer]
    preferred = assessment.answers.get(PREFERRED_NAME)
    if preferred is not None and isinstance(preferred.value, str) and preferred.value.strip():
        names.append(preferred.value)
    quotes = [a.note for a in assessment.answers.values() if a.note]
    quotes += [
        a.value
        for a in assessment.answers.values()
        if isinstance(a.value, str) and bank.has(a.question_id) and bank.question(a.question_id).kind == "text"
    ]
    quotes += [o.person_view for o in plan.objectives if o.person_view]
    if plan.agreement_reason:
        quotes.append(plan.agreement_reason)
    scrub = _scrubber(names, quotes, case.reference)

    answers = {}
    for qid, answer in assessment.answers.items():
        value = answer.value
        is_text = bank.has(qid) and bank.question(qid).kind == "text"
        if qid == PREFERRED_NAME and isinstance(value, str) and value.strip():
            value = initials(value)
        elif (is_text or not bank.has(qid)) and isinstance(value, str) and value.strip():
            value = REMOVED
        answers[qid] = answer.model_copy(
            update={
                "value": value,
                "note": REMOVED if answer.note and answer.note.strip() else None,
                "officer": initials(answer.officer) if answer.officer else None,
            }
        )
    redacted_case = case.model_copy(
        update={"name": initials(case.name), "officer": initials(case.officer), "reference": REDACTED_REFERENCE}
    )

    def scrubbed(o: Objective) -> Objective:
        return o.model_copy(
            update={
                "action": scrub(o.action),
                "measure": scrub(o.measure),
                "owner_name": scrub(o.owner_name) if o.owner_name else None,
                "reason": scrub(o.reason) if o.reason else None,
                "person_view": REMOVED if o.person_view and o.person_view.strip() else None,
            }
        )

    objectives = [scrubbed(o) for o in plan.objectives]

    def scrubbed_referral(r: Referral) -> Referral:
        # How a service fits names the person's area and language: not for sharing.
        return r.model_copy(
            update={
                "reason": scrub(r.reason) if r.reason else None,
                "how_to_refer": scrub(r.how_to_refer) if r.how_to_refer else None,
                "fits": [],
            }
        )

    referrals = [scrubbed_referral(r) for r in plan.referrals]
    redacted_plan = plan.model_copy(
        update={
            "objectives": objectives,
            "also_suggested": [scrubbed(o) for o in plan.also_suggested],
            "referrals": referrals,
            "further_referrals": [scrubbed_referral(r) for r in plan.further_referrals],
            "warnings": [scrub(w) for w in plan.warnings],
            "agreement_reason": REMOVED if plan.agreement_reason and plan.agreement_reason.strip() else None,
        }
    )
    return Assessment(case=redacted_case, answers=answers), redacted_plan


def _scrubber(names: list[str], quotes: list[str], reference: str):
    """A function that takes names, the reference and the person's words out of officer-written text."""
    replacements: list[tuple[re.Pattern[str], str]] = []
    for quote in sorted({q.strip() for q in quotes if len(q.strip()) >= 3}, key=len, reverse=True):
        replacements.append((re.compile(re.escape(quote)), REMOVED))
    replacements.append((re.compile(re.escape(reference), re.IGNORECASE), "[reference removed]"))
    parts: dict[str, str] = {}
    for name in sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True):
        parts[name] = initials(name)
        for word in name.split():
            if len(word) >= 2:
                parts.setdefault(word, initials(word))
    for text, short in sorted(parts.items(), key=lambda kv: len(kv[0]), reverse=True):
        replacements.append((re.compile(rf"(?<!\w){re.escape(text)}(?!\w)"), short))

    def scrub(text: str) -> str:
        for pattern, replacement in replacements:
            text = pattern.sub(replacement, text)
        return text

    return scrub
