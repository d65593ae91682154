"""The shipped question bank as content: the canonical ids other modules rely on, and the shape every domain needs.

These tests read the TOML directly (tomllib + the pydantic model), so they catch content mistakes even
without the loader, and then check that `load_bank()` agrees. The canonical table is copied from the
foundation issue on purpose: it is the contract, and must not follow the code if the code drifts.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from oasys_diversity.model import QUESTION_ID, Answer, Domain, Question, is_snake_case
from oasys_diversity.questions import QUESTIONS_DIR

YNU = ("yes", "no", "unsure")

# id -> (kind, codes that must exist). From the foundation issue, section 2.
CANONICAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "person.preferred_name": ("text", ()),
    "person.gender": ("single", ("woman", "man", "non_binary", "self_described")),
    "person.age": ("number", ()),
    "person.area": ("text", ()),
    "ethnicity.ons_category": (
        "single",
        (
            "white_british",
            "white_irish",
            "white_gypsy_or_irish_traveller",
            "white_roma",
            "white_other",
            "mixed_white_black_caribbean",
            "mixed_white_black_african",
            "mixed_white_asian",
            "mixed_other",
            "asian_indian",
            "asian_pakistani",
            "asian_bangladeshi",
            "asian_chinese",
            "asian_other",
            "black_african",
            "black_caribbean",
            "black_other",
            "other_arab",
            "other_any",
        ),
    ),
    "ethnicity.self_description": ("text", ()),
    "faith.religion": (
        "single",
        ("no_religion", "christian", "buddhist", "hindu", "jewish", "muslim", "sikh", "other"),
    ),
    "faith.practice_needs": ("multi", ("prayer_times", "holy_days", "fasting", "diet", "place_of_worship")),
    "faith.reconnect": ("yes_no_unsure", YNU),
    "culture.reconnect": ("yes_no_unsure", YNU),
    "immigration.status": (
        "single",
        (
            "british_citizen",
            "settled",
            "pre_settled",
            "limited_leave",
            "refugee",
            "asylum_seeker",
            "refused_asylum_seeker",
            "immigration_bail",
            "deportation_proceedings",
            "unknown",
        ),
    ),
    "immigration.right_to_work": ("yes_no_unsure", YNU),
    "immigration.public_funds": ("yes_no_unsure", YNU),
    "language.interpreter_needed": ("yes_no_unsure", YNU),
    "language.interpreter_language": ("text", ()),
    "discrimination.experiences": ("multi", ("community", "school", "work", "police", "courts", "prison", "probation")),
    "discrimination.current_harassment": ("yes_no_unsure", YNU),
    "discrimination.officer_preference": ("text", ()),
    "trauma.experiences": (
        "multi",
        ("childhood_adversity", "care_experience", "violence_victim", "war_or_displacement", "bereavement"),
    ),
    "trauma.support_wanted": ("yes_no_unsure", YNU),
}

DOMAIN_ORDER = ["person", "ethnicity", "culture", "faith", "immigration", "language", "discrimination", "trauma"]

# The ONS 2021 England and Wales ethnic groups, with the group headings as ONS words them.
ONS_GROUPS = {
    "White": ["white_british", "white_irish", "white_gypsy_or_irish_traveller", "white_roma", "white_other"],
    "Mixed or Multiple ethnic groups": [
        "mixed_white_black_caribbean",
        "mixed_white_black_african",
        "mixed_white_asian",
        "mixed_other",
    ],
    "Asian, Asian British or Asian Welsh": [
        "asian_indian",
        "asian_pakistani",
        "asian_bangladeshi",
        "asian_chinese",
        "asian_other",
    ],
    "Black, Black British, Black Welsh, Caribbean or African": ["black_caribbean", "black_african", "black_other"],
    "Other ethnic group": ["other_arab", "other_any"],
}

# Words the bank must never use: people are "people on probation", and no group is lumped as "BAME".
BANNED = [re.compile(r"\bBAME\b", re.IGNORECASE), re.compile(r"\boffenders?\b", re.IGNORECASE)]


def _domain_files() -> list[Path]:
    return sorted(QUESTIONS_DIR.glob("*.toml"))


def _read(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def domains() -> dict[str, Domain]:
    found = {}
    for path in _domain_files():
        data = _read(path)
        domain = Domain.model_validate({**data["domain"], "questions": data["questions"]})
        found[domain.id] = domain
    return found


@pytest.fixture(scope="module")
def questions(domains) -> dict[str, Question]:
    ordered = sorted(domains.values(), key=lambda d: d.order)
    return {q.id: q for d in ordered for q in d.questions}


def _all_text(domain: Domain) -> list[str]:
    texts = [domain.title, domain.introduction, domain.check_in.text if domain.check_in else ""]
    for q in domain.questions:
        texts += [q.prompt, q.label, q.note_prompt or "", q.guidance.why, q.guidance.listen_for, q.guidance.if_declined]
        texts += [o.label for o in q.options] + [o.group or "" for o in q.options]
    return texts


# ---------------------------------------------------------------------------------------------
# Files and domains
# ---------------------------------------------------------------------------------------------


def test_one_file_per_domain_in_the_stated_order(domains):
    assert {p.stem for p in _domain_files()} == set(DOMAIN_ORDER)
    assert sorted(domains, key=lambda d: domains[d].order) == DOMAIN_ORDER
    assert [domains[d].order for d in DOMAIN_ORDER] == list(range(len(DOMAIN_ORDER)))


@pytest.mark.parametrize("path", _domain_files(), ids=lambda p: p.name)
def test_file_is_one_domain_and_leaves_loader_fields_alone(path):
    data = _read(path)
    assert set(data) == {"domain", "questions"}
    assert data["domain"]["id"] == path.stem
    assert "source_file" not in data["domain"]
    for raw in data["questions"]:
        assert not {"domain", "source_file", "source_line"} & set(raw), raw["id"]


@pytest.mark.parametrize("domain_id", DOMAIN_ORDER)
def test_domain_has_intro_check_in_six_questions_and_a_follow_up(domains, domain_id):
    domain = domains[domain_id]
    # Says why this domain is asked about (what every domain shares is in the opening words, read once).
    assert len(domain.introduction.split()) >= 25, "the introduction should explain why this domain is asked about"
    assert len(domain.questions) >= 6
    assert any(q.is_follow_up for q in domain.questions)
    assert domain.check_in is not None and domain.check_in.text.strip()


def test_the_opening_words_say_once_that_they_may_decline_or_stop_and_where_answers_go():
    from oasys_diversity.screens.start import OPENING_WORDS

    opening = OPENING_WORDS.lower()
    assert "record" in opening, "say what happens with the answers"
    assert any(word in opening for word in ("rather not", "choose not", "don't have to", "skip", "not to answer"))
    assert any(word in opening for word in ("stop", "pause", "break"))


# What the opening words already say: a domain's introduction says only what is new for that domain.
SAID_ONCE = (
    "goes in your probation record",
    "goes into your probation record",
    "who work with you can see it",
    "you can ask to pause or stop",
    "ask to stop or pause",
    "you can choose not to answer anything",
    "don't have to answer anything",
)


@pytest.mark.parametrize("domain_id", DOMAIN_ORDER)
def test_introduction_says_only_what_is_new_for_its_domain(domains, domain_id):
    intro = domains[domain_id].introduction.lower()
    assert not [words for words in SAID_ONCE if words in intro]


@pytest.mark.parametrize("domain_id", DOMAIN_ORDER)
def test_check_in_comes_before_every_sensitive_question(domains, domain_id):
    domain = domains[domain_id]
    ids = [q.id for q in domain.questions]
    assert domain.check_in.before in ids
    start = ids.index(domain.check_in.before)
    first = domain.questions[start]
    assert first.sensitive, "the check-in should sit in front of a sensitive question"
    early = [q.id for q in domain.questions[:start] if q.sensitive]
    assert early == []


# ---------------------------------------------------------------------------------------------
# Questions
# ---------------------------------------------------------------------------------------------


def test_question_ids_are_unique_across_the_bank():
    seen: dict[str, str] = {}
    for path in _domain_files():
        for raw in _read(path)["questions"]:
            assert raw["id"] not in seen, f"{raw['id']} in {path.name} and {seen.get(raw['id'])}"
            seen[raw["id"]] = path.name


def test_ids_belong_to_their_domain_and_are_snake_case(domains):
    for domain in domains.values():
        for q in domain.questions:
            assert QUESTION_ID.match(q.id), q.id
            prefix, name = q.id.split(".", 1)
            assert prefix == domain.id and is_snake_case(name), q.id


def test_options_fit_the_kind_and_codes_are_snake_case(questions):
    for q in questions.values():
        codes = [o.code for o in q.options]
        assert all(is_snake_case(c) for c in codes), q.id
        assert len(set(codes)) == len(codes), f"{q.id}: duplicate code"
        if q.kind in ("single", "multi"):
            assert len(codes) >= 2, q.id
        elif q.kind == "yes_no_unsure":
            assert codes in ([], list(YNU)), q.id
        else:
            assert codes == [], f"{q.id}: a {q.kind} question takes no options"
        if q.min is not None or q.max is not None:
            assert q.kind == "number", q.id


def test_every_question_has_words_to_say_and_full_guidance(questions):
    for q in questions.values():
        assert q.prompt.strip() and q.label.strip(), q.id
        for field in ("why", "listen_for", "if_declined"):
            assert len(getattr(q.guidance, field).split()) >= 5, f"{q.id}: guidance.{field} is too thin"


def test_show_if_reads_only_earlier_questions_and_known_codes(questions):
    order = list(questions)
    for q in questions.values():
        if q.show_if is None:
            continue
        for ref in q.show_if.question_ids():
            assert ref in questions, f"{q.id}: show_if names unknown {ref}"
            assert order.index(ref) < order.index(q.id), f"{q.id}: show_if reads {ref}, which comes later"
        for ref, code in q.show_if.codes():
            assert code in questions[ref].codes(), f"{q.id}: {ref} has no option {code!r}"


def test_text_never_uses_banned_words(domains):
    for domain in domains.values():
        for text in _all_text(domain):
            for pattern in BANNED:
                assert not pattern.search(text), f"{domain.id}: {pattern.pattern} in {text[:60]!r}"


def test_raw_files_never_use_banned_words():
    # Comments included: practitioners read the files too.
    for path in _domain_files():
        text = path.read_text(encoding="utf-8")
        for pattern in BANNED:
            assert not pattern.search(text), f"{path.name}: {pattern.pattern}"


# ---------------------------------------------------------------------------------------------
# The canonical contract
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("qid", "kind", "codes"), [(q, k, c) for q, (k, c) in CANONICAL.items()])
def test_canonical_question(questions, qid, kind, codes):
    assert qid in questions, f"missing canonical question {qid}"
    question = questions[qid]
    assert question.kind == kind
    missing = [c for c in codes if c not in question.codes()]
    assert missing == []


def test_ethnicity_has_the_19_ons_categories_in_their_five_groups(questions):
    options = questions["ethnicity.ons_category"].options
    assert len(options) == 19
    grouped: dict[str, list[str]] = {}
    for option in options:
        grouped.setdefault(option.group or "", []).append(option.code)
    assert grouped == ONS_GROUPS


def test_ethnicity_any_other_categories_invite_own_words(questions):
    q = questions["ethnicity.ons_category"]
    for code in ("white_other", "mixed_other", "asian_other", "black_other", "other_any"):
        assert q.option(code).describe, code


def test_own_description_comes_before_the_official_category(questions):
    order = list(questions)
    assert order.index("ethnicity.self_description") < order.index("ethnicity.ons_category")


def test_mixed_heritage_is_explored_when_a_mixed_category_is_chosen(questions):
    follow_up = questions["ethnicity.mixed_heritage"]
    for code in ONS_GROUPS["Mixed or Multiple ethnic groups"]:
        chosen = {"ethnicity.ons_category": Answer(question_id="ethnicity.ons_category", status="answered", value=code)}
        assert follow_up.show_if.evaluate(chosen), code
    white = {
        "ethnicity.ons_category": Answer(question_id="ethnicity.ons_category", status="answered", value="white_irish")
    }
    assert not follow_up.show_if.evaluate(white)


def test_interpreter_details_follow_only_when_an_interpreter_may_be_needed(questions):
    details = [q for q in questions.values() if q.id.startswith("language.interpreter_") and q.show_if]
    assert {q.id for q in details} >= {
        "language.interpreter_language",
        "language.interpreter_dialect",
        "language.interpreter_gender",
        "language.interpreter_other",
    }
    for value, shown in (("yes", True), ("unsure", True), ("no", False)):
        answers = {
            "language.interpreter_needed": Answer(
                question_id="language.interpreter_needed", status="answered", value=value
            )
        }
        assert all(q.show_if.evaluate(answers) is shown for q in details), value


def test_a_declined_religion_does_not_hide_practice_needs(questions):
    needs = questions["faith.practice_needs"]
    declined = {"faith.religion": Answer(question_id="faith.religion", status="declined")}
    none = {"faith.religion": Answer(question_id="faith.religion", status="answered", value="no_religion")}
    assert needs.show_if.evaluate(declined)
    assert not needs.show_if.evaluate(none)


def test_a_british_citizen_is_not_asked_about_right_to_work(questions):
    rtw = questions["immigration.right_to_work"]
    citizen = {
        "immigration.status": Answer(question_id="immigration.status", status="answered", value="british_citizen")
    }
    unsure = {"immigration.status": Answer(question_id="immigration.status", status="answered", value="unknown")}
    assert not rtw.show_if.evaluate(citizen)
    assert rtw.show_if.evaluate(unsure)
    assert rtw.show_if.evaluate({}), "an undiscussed status must not hide the question"


def test_current_harassment_is_always_asked(questions):
    # Safety comes first even when the person would rather not talk about past discrimination.
    assert questions["discrimination.current_harassment"].show_if is None


def test_the_shipped_bank_loads_through_the_loader(questions):
    from oasys_diversity.bank import check_bank, load_bank

    assert check_bank() == []
    bank = load_bank()
    assert [d.id for d in bank.domains] == DOMAIN_ORDER
    assert [q.id for q in bank.questions] == list(questions)
    assert all(q.source_file and q.source_line for q in bank.questions)
