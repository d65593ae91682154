"""The summary and its renderings, on a hand-built bank: statuses, scripts, redaction, banner, the person's version."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from export_samples import (
    GUIDANCE_MARK,
    NAME,
    OFFICER,
    PREFERRED,
    QUOTES,
    REFERENCE,
    WARNING_MARK,
    as_text,
    docx_text,
    docx_xml,
    pdf_pages,
    pdf_text,
    sample_assessment,
    sample_bank,
    sample_plan,
)

from oasys_diversity.export import ExportError, build_summary, render
from oasys_diversity.export.docx import direction_runs
from oasys_diversity.export.fonts import FontsMissing, font_folder
from oasys_diversity.export.markdown import escape
from oasys_diversity.export.summary import (
    LEFT_OUT,
    LEFT_OUT_WARNING,
    REMOVED,
    forbidden_phrases,
    initials,
    oasys_box_for,
)
from oasys_diversity.interchange import parse_assessment
from oasys_diversity.model import Answer, Objective
from oasys_diversity.planner import plan_from_json

FORMATS = ["md", "text", "json", "pdf", "docx"]
PERSON_FORMATS = ["md", "text", "pdf", "docx"]
TODAY = date(2026, 3, 4)


def summary(**options):
    plan = options.pop("plan", None) or sample_plan()
    return build_summary(sample_assessment(), plan, sample_bank(), today=TODAY, **options)


@pytest.fixture(scope="module")
def officer_exports() -> dict[str, str]:
    built = build_summary(sample_assessment(), sample_plan(), sample_bank(), today=TODAY)
    return {fmt: as_text(fmt, render(built, fmt)) for fmt in FORMATS}


@pytest.fixture(scope="module")
def person_exports() -> dict[str, str]:
    built = build_summary(sample_assessment(), sample_plan(), sample_bank(), today=TODAY, for_person=True)
    return {fmt: as_text(fmt, render(built, fmt)) for fmt in PERSON_FORMATS}


# ---------------------------------------------------------------------------------------------
# Statuses: not yet discussed, declined, nothing to add, and never "no issues"
# ---------------------------------------------------------------------------------------------


def test_summary_sorts_each_domain_by_status():
    built = summary()
    domains = {d.id: d for d in built.domains}
    assert domains["discrimination"].nothing_discussed
    assert [i.question_id for i in domains["discrimination"].not_discussed] == [
        "discrimination.experiences",
        "discrimination.current_harassment",
    ]
    assert [i.question_id for i in domains["faith"].declined] == ["faith.religion"]
    assert domains["faith"].answered[0].nothing_to_add
    assert not domains["trauma"].nothing_discussed
    assert [i.question_id for i in domains["trauma"].not_discussed] == ["trauma.mental_health"]


@pytest.mark.parametrize("fmt", ["md", "text", "pdf", "docx"])
def test_a_domain_not_discussed_says_so_in_the_officer_formats(officer_exports, fmt):
    text = officer_exports[fmt]
    assert "Not yet discussed: nothing in this part has been talked about yet." in text.replace("\n", " ")
    assert "no issues" not in text.lower()


def test_a_domain_not_discussed_says_so_in_json(officer_exports):
    data = json.loads(officer_exports["json"])
    domains = {d["id"]: d for d in data["summary"]["domains"]}
    assert domains["discrimination"]["status"] == "not_yet_discussed"
    assert domains["discrimination"]["status_label"] == "Not yet discussed"
    assert domains["discrimination"]["not_yet_discussed"] == [
        "discrimination.experiences",
        "discrimination.current_harassment",
    ]
    assert domains["trauma"]["status"] == "partly_discussed"
    assert "no issues" not in officer_exports["json"].lower()


@pytest.mark.parametrize("fmt", PERSON_FORMATS)
def test_a_domain_not_discussed_says_so_for_the_person(person_exports, fmt):
    assert "Discrimination and racism: Not yet discussed" in person_exports[fmt]
    assert "no issues" not in person_exports[fmt].lower()


def test_markdown_lists_declined_and_not_yet_discussed_questions_by_name(officer_exports):
    md = officer_exports["md"]
    assert "- **Declined to say:** Religion" in md
    assert "- **Not yet discussed:** Mental health now" in md
    assert "- **Practice needs:** Discussed: nothing to add" in md
    assert "Respected; not to be pressed" in md


def test_categories_and_own_words_are_kept_apart(officer_exports):
    md = officer_exports["md"]
    assert "- **Ethnic group (ONS 2021):** Asian or Asian British: Bangladeshi" in md
    assert f"- **Ethnicity in own words:** \u201c{QUOTES['ethnicity.self_description']}\u201d" in md
    # A multiple-choice answer with a note: the category, then the person's words as a quote.
    assert "- **Difficult experiences:** Bereavement\n- **In their own words:** \u201cLost my brother" in md


def test_words_noted_on_a_question_not_yet_discussed_are_kept():
    assessment = sample_assessment()
    assessment.answers["trauma.mental_health"] = Answer(
        question_id="trauma.mental_health", status="not_discussed", note="Would rather talk about this next time"
    )
    built = build_summary(assessment, sample_plan(), sample_bank(), today=TODAY)
    for fmt in ("md", "text"):
        assert "Would rather talk about this next time" in " ".join(str(render(built, fmt)).split())


# ---------------------------------------------------------------------------------------------
# The plan: owners, dates, "because", referral status, stale warnings, the person's view
# ---------------------------------------------------------------------------------------------


def test_objectives_and_referrals_carry_owner_date_because_and_status(officer_exports):
    md = officer_exports["md"]
    assert (
        "**Responsivity (how supervision is delivered)**\n\n"
        "- **What will happen:** Book a Sylheti interpreter for every supervision appointment"
    ) in md
    assert "- **Who:** Probation practitioner" in md
    assert "- **By:** 17 March 2026" in md
    assert "- **Because:** Interpreter needed" in md
    assert "- **Status:** Declined: Already has a mentor" in md
    assert "- **Reason:** Clashes with Friday prayers" in md
    assert "last checked 10 January 2024: over 12 months old, check before referring" in md
    assert WARNING_MARK in md
    assert "Does not agree with the plan" in md
    assert f"\u201c{QUOTES['agreement']}\u201d" in md


@pytest.mark.parametrize("fmt", ["md", "text", "pdf", "docx"])
def test_a_plan_built_for_the_export_is_marked_as_not_yet_reviewed(fmt):
    text = as_text(fmt, render(summary(plan_suggested=True), fmt)).replace("\n", " ")
    assert "Suggested plan, not yet reviewed" in text
    person = as_text(fmt, render(summary(plan_suggested=True, for_person=True), fmt)).replace("\n", " ")
    assert "This is a first draft of your plan." in person


# ---------------------------------------------------------------------------------------------
# The version for the person
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", PERSON_FORMATS)
def test_the_persons_version_has_no_officer_guidance_or_oasys_jargon(person_exports, fmt):
    text = person_exports[fmt]
    for officer_only in (
        GUIDANCE_MARK,
        WARNING_MARK,
        "OASys",
        "Offender",
        "Section 10",
        "Responsivity",
        "over 12 months",
        "Clashes with Friday prayers",  # the officer's reason for setting an objective aside
        "City Mentoring",  # a declined referral
        "Status",
        "not to be pressed",
    ):
        assert officer_only not in text, officer_only
    assert "What happens next" in text
    assert "Your probation officer" in text
    assert "Sylhet Community Link" in text
    assert "We agreed to refer you." in text


def test_the_persons_version_says_who_does_what_by_when(person_exports):
    md = person_exports["md"]
    assert (
        "**Step 1**\n\n"
        "Book a Sylheti interpreter for every supervision appointment\n\n"
        "- **Who and by when:** Your probation officer, by 17 March 2026\n"
        f"- **You said:** \u201c{QUOTES['person_view']}\u201d"
    ) in md
    assert f"For {PREFERRED}, from {OFFICER}, your probation officer." in md
    # Headed by what the plan really is: here, not agreed, in their own words.
    assert md.index(f"You did not agree because \u201c{QUOTES['agreement']}\u201d") < md.index("What happens next")


# ---------------------------------------------------------------------------------------------
# The guards' forbidden words: never "no trauma" when trauma is recorded, never "no issues"
# ---------------------------------------------------------------------------------------------

DENIALS = ["no trauma", "no evidence of trauma", "no issues", "no concerns"]


def denying_plan():
    """The sample plan with officer-written wording that denies the trauma the person told us about."""
    plan = sample_plan()
    bereavement = next(o for o in plan.objectives if o.id == "bereavement")
    bereavement.measure = "No trauma identified beyond the loss. A first conversation has happened."
    course = next(o for o in plan.objectives if o.id == "course")
    course.reason = "No concerns raised about the course."
    plan.objectives.append(
        Objective(
            id="own-1",
            need_area="responsivity",
            action="There are no issues with faith practice, so nothing to arrange.",
            owner="probation_practitioner",
            target_date=date(2026, 4, 1),
            measure="Checked at review",
            state="added",
        )
    )
    plan.warnings.append("Reviewed on 3 March: no evidence of trauma.")
    return plan


def flat(fmt: str, content: str | bytes) -> str:
    return " ".join(as_text(fmt, content).split())


@pytest.mark.parametrize(("fmt", "for_person"), [(f, False) for f in FORMATS] + [(f, True) for f in PERSON_FORMATS])
def test_no_export_denies_recorded_trauma_or_says_no_issues(fmt, for_person):
    assert "bereavement" in sample_assessment().answers["trauma.experiences"].value
    built = summary(plan=denying_plan(), for_person=for_person)
    text = flat(fmt, render(built, fmt))
    assert not [phrase for phrase in DENIALS if phrase in text.lower()]
    shown = escape if fmt == "md" else str
    assert shown(LEFT_OUT) in text
    if not for_person:
        assert "A first conversation has happened." in text  # only the sentence that denied it goes
        assert shown(LEFT_OUT_WARNING) in text  # the officer is told to correct the plan


def test_the_cleaned_wording_is_what_the_json_plan_carries():
    data = json.loads(render(summary(plan=denying_plan()), "json"))
    plan = plan_from_json(data["plan"])
    bereavement = next(o for o in plan.objectives if o.id == "bereavement")
    assert bereavement.measure == f"{LEFT_OUT} A first conversation has happened."
    assert next(o for o in plan.objectives if o.id == "own-1").action == LEFT_OUT


def test_a_plan_without_forbidden_wording_is_left_exactly_as_it_was():
    built = summary()
    assert built.plan == sample_plan()
    assert LEFT_OUT_WARNING not in built.warnings


def test_the_persons_own_words_are_quoted_as_given():
    plan = sample_plan()
    plan.objectives[0].person_view = "No issues with that, thank you."
    built = summary(plan=plan)
    assert built.objectives[0].person_view == "No issues with that, thank you."
    assert LEFT_OUT_WARNING not in built.warnings


def test_a_local_rules_folder_cannot_switch_off_the_shipped_guards_in_an_export(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "local.toml").write_text("[[objective]]\nid = \n", encoding="utf-8")  # broken
    bank = sample_bank().model_copy(update={"source_dir": str(tmp_path)})
    assert "no trauma" in forbidden_phrases(sample_assessment(), bank)
    (tmp_path / "rules" / "local.toml").write_text("", encoding="utf-8")  # empty: no guards of its own
    assert "no trauma" in forbidden_phrases(sample_assessment(), bank)


def test_json_has_no_version_for_the_person():
    with pytest.raises(ExportError, match="md, text, pdf or docx"):
        render(summary(for_person=True), "json")


def test_unknown_format_is_refused():
    with pytest.raises(ExportError, match="unknown export format 'rtf'"):
        render(summary(), "rtf")


# ---------------------------------------------------------------------------------------------
# Redaction
# ---------------------------------------------------------------------------------------------


def _secrets() -> list[str]:
    secrets = [NAME, OFFICER, REFERENCE, PREFERRED, *QUOTES.values()]
    secrets += [part for name in (NAME, OFFICER) for part in name.split()]
    # Right-to-left words come out of a PDF in display order, so each word is looked for on its own too.
    secrets += [word for quote in QUOTES.values() for word in quote.split() if len(word) >= 4 and not word.isascii()]
    return secrets


@pytest.mark.parametrize(
    ("fmt", "for_person"), [(fmt, False) for fmt in FORMATS] + [(fmt, True) for fmt in PERSON_FORMATS]
)
def test_redaction_leaves_no_name_reference_or_quote(fmt, for_person):
    text = as_text(fmt, render(summary(redact=True, for_person=for_person), fmt))
    for secret in _secrets():
        assert secret not in text, secret
    assert "Z. N. B." in text or "O. F." in text


def test_redaction_replaces_names_in_officer_written_plan_text():
    built = summary(redact=True)
    actions = [o.action for o in built.plan.objectives]
    assert "Talk with Z. about bereavement support" in actions
    assert built.plan.agreement_reason == REMOVED
    assert built.assessment.case.reference == "redacted"
    assert built.assessment.answers["person.preferred_name"].value == initials(PREFERRED)


def test_a_redacted_json_export_still_imports():
    bank = sample_bank()
    data = json.loads(render(summary(redact=True), "json"))
    parsed = parse_assessment(data, bank)
    assert parsed.case.name == "Z. N. B."
    assert parsed.answers["ethnicity.self_description"].value == REMOVED
    assert data["summary"]["redacted"] is True


def test_initials_work_in_any_script():
    assert initials("Zoë Ní Bhriain") == "Z. N. B."
    assert initials("محمد علي") == "م. ع."
    # A Bengali consonant keeps its vowel sign.
    assert initials("কি রহিম") == "কি. র."


# ---------------------------------------------------------------------------------------------
# Names and words in any script survive every format
# ---------------------------------------------------------------------------------------------

SCRIPTS = [NAME, PREFERRED, *QUOTES.values()]


@pytest.mark.parametrize("fmt", ["md", "text", "json"])
def test_scripts_survive_the_text_formats(officer_exports, fmt):
    for words in SCRIPTS:
        assert words in officer_exports[fmt], words


def test_scripts_survive_the_pdf():
    text = pdf_text(render(summary(), "pdf"))
    assert NAME in text
    for words in SCRIPTS:
        # pypdf gives right-to-left words in display order, so compare word by word.
        for word in words.split():
            assert word.strip("“”,;،") in text, word


def test_scripts_survive_the_docx():
    text = docx_text(render(summary(), "docx"))
    for words in SCRIPTS:
        assert words in text, words


def test_right_to_left_words_are_marked_in_the_docx():
    xml = docx_xml(render(summary(), "docx"))
    arabic = QUOTES["language.first_language"]
    assert re.search(r"<w:rtl/>.*?" + re.escape(arabic), xml, re.S)


def test_direction_runs_keep_quotation_marks_outside_right_to_left_words():
    runs = direction_runs("He said \u201cاسمي علي\u201d today")
    assert runs == [("He said \u201c", False), ("اسمي علي", True), ("\u201d today", False)]


def test_a_character_no_font_can_draw_is_flagged_in_the_pdf_and_never_logged(caplog):
    assessment = sample_assessment()
    assessment.answers["trauma.mental_health"] = Answer(
        question_id="trauma.mental_health", status="answered", value="我很好"
    )
    with caplog.at_level(logging.DEBUG):
        data = render(build_summary(assessment, sample_plan(), sample_bank(), today=TODAY), "pdf")
    assert "Some characters in this record cannot be drawn" in pdf_text(data).replace("\n", " ")
    # A library could log the characters a font lacks: the person's words must never reach a log.
    assert "我" not in caplog.text


def test_no_font_is_a_clear_error(tmp_path):
    with pytest.raises(FontsMissing, match="NotoSans-Regular.ttf"):
        font_folder(tmp_path)


# ---------------------------------------------------------------------------------------------
# Banner on every page
# ---------------------------------------------------------------------------------------------


def test_banner_on_every_pdf_page():
    pages = pdf_pages(render(summary(banner="PRACTICE", plan=sample_plan(objectives=14)), "pdf"))
    assert len(pages) >= 3
    for page in pages:
        assert "PRACTICE" in page
    assert f"of {len(pages)}" in pages[-1]


def test_banner_top_and_bottom_of_markdown_and_text():
    md = render(summary(banner="PRACTICE"), "md")
    assert md.startswith("**PRACTICE**\n") and md.rstrip().endswith("**PRACTICE**")
    text = render(summary(banner="PRACTICE"), "text").splitlines()
    assert text[1].strip() == "PRACTICE" and text[-2].strip() == "PRACTICE"


def test_banner_in_the_docx_header():
    import io

    from docx import Document

    doc = Document(io.BytesIO(render(summary(banner="PRACTICE"), "docx")))
    assert [p.text for p in doc.sections[0].header.paragraphs] == ["PRACTICE"]


def test_banner_in_json():
    assert json.loads(render(summary(banner="PRACTICE"), "json"))["summary"]["banner"] == "PRACTICE"


def test_no_banner_unless_asked():
    assert "PRACTICE" not in render(summary(), "md")
    assert "PRACTICE" not in pdf_text(render(summary(), "pdf"))


# ---------------------------------------------------------------------------------------------
# JSON is the interchange format
# ---------------------------------------------------------------------------------------------


def test_json_round_trip_export_import_export_gives_the_same_document():
    bank = sample_bank()
    first = render(summary(), "json")
    data = json.loads(first)
    assessment = parse_assessment(data, bank)
    plan = plan_from_json(data["plan"])
    second = render(build_summary(assessment, plan, bank, today=TODAY), "json")
    assert second == first


def test_json_answers_follow_the_bank_order():
    data = json.loads(render(summary(), "json"))
    order = [q.id for q in sample_bank().questions]
    keys = list(data["answers"])
    assert keys == sorted(keys, key=order.index)
    assert data["format"] == "oasys-diversity/assessment@1"
    assert "discrimination.experiences" not in data["answers"]  # absent = not discussed


# ---------------------------------------------------------------------------------------------
# Plain text laid out by OASys box
# ---------------------------------------------------------------------------------------------


def test_text_is_laid_out_by_oasys_box_in_screen_order(officer_exports):
    text = officer_exports["text"]
    headings = [
        "OASys Offender details > Ethnic category",
        "OASys Offender details > Religion or belief",
        "OASys Offender details > Spoken and written language",
        "OASys Offender details > Interpreter",
        "OASys Section 10 > Emotional well-being",
        "OASys Section 13 > Health and other considerations",
        "OASys Sentence plan, diversity > Experience of discrimination",
        "OASys Sentence plan, diversity > Factors affecting engagement",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    # "Offender" only ever names the OASys screen; our own words say "person on probation".
    assert all(line.startswith("OASys Offender details") for line in text.splitlines() if "ffender" in line)
    assert "Person on probation: Zoë Ní Bhriain" in text


def test_text_wraps_to_78_columns(officer_exports, person_exports):
    for text in (officer_exports["text"], person_exports["text"]):
        for line in text.splitlines():
            assert len(line) <= 78 or " " not in line.strip(), line


def test_text_boxes_hold_the_right_answers(officer_exports):
    text = officer_exports["text"]
    section_10 = text.split("OASys Section 10 > Emotional well-being")[1].split("OASys Section 13")[0]
    assert "Difficult experiences: Bereavement" in section_10
    assert "Declined to say: Support wanted" in section_10
    section_13 = text.split("OASys Section 13 > Health and other considerations")[1].split("OASys Sentence")[0]
    assert "Not yet discussed" in section_13


@pytest.mark.parametrize(
    ("question_id", "domain", "box"),
    [
        ("ethnicity.ons_category", "ethnicity", "ethnic_category"),
        ("faith.religion", "faith", "religion"),
        ("faith.practice_needs", "faith", "engagement"),
        ("language.spoken_english", "language", "language"),
        ("language.interpreter_needed", "language", "interpreter"),
        ("language.same_interpreter", "language", "interpreter"),
        ("trauma.experiences", "trauma", "section_10"),
        ("trauma.mental_health_support", "trauma", "section_13"),
        ("discrimination.experiences", "discrimination", "discrimination"),
        ("discrimination.officer_preference", "discrimination", "engagement"),
        ("immigration.status", "immigration", "engagement"),
        ("person.preferred_name", "person", "about"),
    ],
)
def test_oasys_box_for(question_id, domain, box):
    assert oasys_box_for(question_id, domain) == box


# ---------------------------------------------------------------------------------------------
# Markdown never lets the person's words become formatting
# ---------------------------------------------------------------------------------------------


def test_markdown_escapes_the_persons_words():
    assert escape("**not bold** [x](y) <b>") == r"\*\*not bold\*\* \[x\](y) \<b\>"
    assert escape("# not a heading") == r"\# not a heading"
    assessment = sample_assessment()
    assessment.answers["trauma.mental_health"] = Answer(
        question_id="trauma.mental_health", status="answered", value="line one\n- line two"
    )
    md = render(build_summary(assessment, sample_plan(), sample_bank(), today=TODAY), "md")
    assert "\u201cline one\\\n  \\- line two\u201d" in md


# ---------------------------------------------------------------------------------------------
# Heavy libraries only when asked for
# ---------------------------------------------------------------------------------------------


def test_markdown_and_text_never_import_typst_docx_or_the_planner():
    script = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, {tests!r})
        from export_samples import sample_assessment, sample_bank, sample_plan
        from oasys_diversity.export import build_summary, render
        summary = build_summary(sample_assessment(), sample_plan(), sample_bank())
        for fmt in ("md", "text"):
            render(summary, fmt)
        heavy = ("typst", "docx", "pypdf", "textual")
        loaded = [name for name in heavy + ("oasys_diversity.planner",) if name in sys.modules]
        render(summary, "json")
        loaded += [name for name in heavy if name in sys.modules]
        print(",".join(loaded) or "none")
        """
    ).format(tests=str(Path(__file__).parent))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "none"


def test_a_missing_pdf_library_is_one_clear_error(monkeypatch):
    # A None entry in sys.modules makes `import typst` fail as if it were not installed.
    monkeypatch.setitem(sys.modules, "typst", None)
    with pytest.raises(ExportError, match=r"needs the 'typst' library: install oasys-diversity\[export\]"):
        render(summary(), "pdf")
