"""The version for the person on probation: headed by what the plan is, short, written to them, placeholders
left out (and the officer told), an interpreter reminder, and the easy-read layout."""

from __future__ import annotations

from datetime import date

import pytest
from export_samples import pdf_pages, sample_assessment, sample_bank, sample_plan
from planning_support import PEOPLE, TODAY, bank, person, plan_for

from oasys_diversity.cli import main
from oasys_diversity.export import build_summary, render
from oasys_diversity.export.person_version import (
    FIRST_DRAFT,
    INTERPRETER,
    SUGGESTED,
    easy_sentences,
    gist,
    officer_notices,
    plan_status,
)
from oasys_diversity.model import Answer
from oasys_diversity.planner import record_agreement

PEOPLE_STEMS = sorted(p.stem for p in PEOPLE.glob("*.json"))
# The fullest fictional person: the most answers and the longest plan.
FULLEST = "sikh_man_sheffield_shame_reading"
MOST_WORDS = 900


def person_summary(stem: str, **options):
    who = person(stem)
    return build_summary(who, plan_for(who), bank(), for_person=True, today=TODAY, **options)


def sample(**options):
    plan = options.pop("plan", None) or sample_plan()
    return build_summary(sample_assessment(), plan, sample_bank(), today=date(2026, 3, 4), for_person=True, **options)


# ---------------------------------------------------------------------------------------------
# Headed by what the plan really is
# ---------------------------------------------------------------------------------------------


def test_a_plan_not_yet_agreed_is_headed_suggested():
    plan = record_agreement(sample_plan(), "not_yet_asked")
    md = render(sample(plan=plan), "md")
    assert md.index(SUGGESTED) < md.index("What happens next")
    assert "agreed" not in md.split(SUGGESTED)[0].lower()


def test_an_agreed_plan_is_headed_with_the_day():
    plan = record_agreement(sample_plan(), "agrees", on=date(2026, 3, 5))
    assert plan.agreed_on == date(2026, 3, 5)
    assert plan_status(sample(plan=plan)) == "Agreed on 5 March 2026"
    # Saying so again keeps the first day; changing their mind clears it.
    assert record_agreement(plan, "agrees", on=date(2026, 4, 1)).agreed_on == date(2026, 3, 5)
    assert record_agreement(plan, "does_not_agree").agreed_on is None


def test_a_plan_they_did_not_agree_says_why_in_their_words():
    md = render(sample(), "md")
    assert "You did not agree because \u201cI want the mosque group, not the course\u201d" in md


def test_a_plan_built_for_the_export_is_suggested_even_if_marked_agreed():
    plan = record_agreement(sample_plan(), "agrees", on=date(2026, 3, 5))
    built = sample(plan=plan, plan_suggested=True)
    assert plan_status(built) == SUGGESTED
    assert FIRST_DRAFT in render(built, "md")


# ---------------------------------------------------------------------------------------------
# Short, plain, to the person
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("stem", PEOPLE_STEMS)
def test_every_fictional_persons_version_fits_two_pages(stem):
    built = person_summary(stem)
    assert len(pdf_pages(render(built, "pdf"))) <= 2
    assert len(render(built, "text").split()) <= MOST_WORDS


def test_the_fullest_persons_version_is_short_and_written_to_them():
    built = person_summary(FULLEST)
    text = render(built, "text")
    words = len(text.split())
    assert 300 < words <= MOST_WORDS, words
    assert len(pdf_pages(render(built, "pdf"))) <= 2
    for officer_words in ("the person on probation", " him.", " her.", " he ", " she ", "Responsivity", "OASys"):
        assert officer_words not in text, officer_words
    assert "You" in text and "your probation officer" in text


def test_quoted_answers_and_notes_are_never_quoted_back():
    who = person(FULLEST)
    quoted = [a.value for a in who.answers.values() if isinstance(a.value, str) and len(a.value) > 12]
    quoted += [a.note for a in who.answers.values() if a.note]
    assert quoted
    text = " ".join(render(person_summary(FULLEST), "text").split())
    for words in quoted:
        assert words not in text, words


def test_gist_keeps_what_will_happen_and_drops_quotes():
    action = (
        'You told us reading is hard. The days you gave: "Fridays. Not Mondays." Your probation officer will '
        'read letters with you (you said: "Letters read to him."). Nothing will be sent without a call.'
    )
    assert gist(action) == (
        "You told us reading is hard. Your probation officer will read letters with you. "
        "Nothing will be sent without a call."
    )


# ---------------------------------------------------------------------------------------------
# Entries not yet checked locally: left out, and the officer told
# ---------------------------------------------------------------------------------------------


def test_unchecked_directory_entries_are_left_out_and_the_officer_is_told():
    built = person_summary(FULLEST)
    unchecked = [r for r in built.referrals if not r.checked_locally]
    assert unchecked
    text = render(built, "text")
    assert "to be completed locally" not in text.lower()
    for referral in unchecked:
        assert referral.service not in text
    notices = officer_notices(built)
    assert any(unchecked[0].service in notice for notice in notices)
    assert "checking the details" in text


def test_a_checked_entry_stays():
    built = sample()
    assert [r.organisation for r in built.referrals if r.checked_locally and r.state != "declined"] == [
        "Sylhet Community Link"
    ]
    assert "Sylhet Community Link" in render(built, "md")


# ---------------------------------------------------------------------------------------------
# Interpreter
# ---------------------------------------------------------------------------------------------


def preferring(language: str):
    """The sample person's version with only a preferred language recorded (no interpreter answer)."""
    assessment = sample_assessment()
    del assessment.answers["language.interpreter_needed"]
    assessment.answers["language.preferred_language"] = Answer(
        question_id="language.preferred_language", status="answered", value=language
    )
    return build_summary(assessment, sample_plan(), sample_bank(), today=date(2026, 3, 4), for_person=True)


def test_a_preferred_language_other_than_english_puts_the_interpreter_note_at_the_top():
    built = preferring("Sylheti")
    assert built.read_with_interpreter and built.preferred_language == "Sylheti"
    md = render(built, "md")
    assert md.index(INTERPRETER) < md.index("What happens next")
    assert any("interpreter" in notice for notice in officer_notices(built))


def test_english_as_preferred_language_needs_no_interpreter_note():
    built = preferring("English")
    assert not built.read_with_interpreter
    assert INTERPRETER not in render(built, "md")
    assert officer_notices(built) == []


# ---------------------------------------------------------------------------------------------
# Easy read
# ---------------------------------------------------------------------------------------------


def test_easy_read_has_one_short_sentence_per_line():
    assert easy_sentences("For Jas, from P. Okafor, your officer. We met today.") == [
        "For Jas, from P. Okafor, your officer.",
        "We met today.",
    ]
    long = "Your plan will be gone through with you out loud, and your probation officer will check it makes sense."
    assert easy_sentences(long) == [
        "Your plan will be gone through with you out loud.",
        "Your probation officer will check it makes sense.",
    ]
    text = render(person_summary(FULLEST, easy_read=True), "md")
    paragraphs = [p for p in text.split("\n\n") if p and not p.startswith(("#", "-", "**", ">"))]
    assert max(len(p.split()) for p in paragraphs) < 45


def test_version_from_the_cli(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.startswith("oasys-diversity ")


def test_easy_read_and_the_officers_notices_from_the_cli(tmp_path, capsys):
    db = tmp_path / "cases.db"
    assert main(["import", str(PEOPLE / f"{FULLEST}.json"), "--db", str(db)]) == 0
    case_id = capsys.readouterr().out.strip()
    out = tmp_path / "easy.md"
    code = main(["export", case_id, "--for-person", "--easy-read", "--out", str(out), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "note: Left out of the person's version until someone checks them locally" in err
    assert "For Jas, from P. Okafor, your probation officer.\n\nWe met on" in out.read_text(encoding="utf-8")
