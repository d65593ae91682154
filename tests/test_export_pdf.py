"""The PDF made by Typst: tagged PDF/UA-1, a person's words always literal, redaction reaching the metadata."""

from __future__ import annotations

from datetime import date

from export_samples import (
    NAME,
    OFFICER,
    PREFERRED,
    REFERENCE,
    pdf_pages,
    pdf_text,
    pdf_xmp,
    sample_assessment,
    sample_bank,
    sample_plan,
)

from oasys_diversity.export import build_summary, render
from oasys_diversity.export.pdf import pdf_data
from oasys_diversity.model import Answer

TODAY = date(2026, 3, 4)
# Characters that mean something in Typst markup or code, and a line built to break out of a string or content.
SPECIAL = "#set text(red) $x^2$ *bold* _under_ <label> @ref \\ ] [ `raw` // not a comment /* nor this */"
SPECIAL_NAME = "Ann #O'Neil_$*<@\\]"


def special_summary(**options):
    assessment = sample_assessment()
    assessment.case = assessment.case.model_copy(update={"name": SPECIAL_NAME})
    assessment.answers["trauma.mental_health"] = Answer(
        question_id="trauma.mental_health", status="answered", value="fine", note=SPECIAL
    )
    plan = sample_plan()
    plan.objectives[0].action = f"Book an interpreter {SPECIAL}"
    return build_summary(assessment, plan, sample_bank(), today=TODAY, **options)


def test_the_pdf_is_tagged_pdf_ua_1_with_title_and_language():
    data = render(build_summary(sample_assessment(), sample_plan(), sample_bank(), today=TODAY), "pdf")
    xmp = pdf_xmp(data)
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert "Diversity and identity summary" in xmp
    assert "<rdf:li>en-GB</rdf:li>" in xmp
    assert b"/StructTreeRoot" in data and b"/MarkInfo" in data


def squeezed(text: str) -> str:
    """Without any white space: a line may wrap anywhere in the long test string."""
    return "".join(text.split())


def test_typst_special_characters_in_names_and_notes_come_out_literally():
    text = squeezed(pdf_text(render(special_summary(), "pdf")))
    assert squeezed(SPECIAL_NAME) in text
    assert squeezed(f"\u201c{SPECIAL}\u201d") in text  # the note, as a quote
    assert squeezed(f"Book an interpreter {SPECIAL}") in text


def test_typst_special_characters_come_out_literally_in_the_persons_version():
    text = squeezed(pdf_text(render(special_summary(for_person=True), "pdf")))
    assert squeezed(f"Book an interpreter {SPECIAL}") in text


def test_the_template_gets_the_persons_words_only_as_json_data():
    # Nothing is spliced into Typst source: the words travel in the JSON the fixed template reads.
    built = special_summary()
    data = pdf_data(built, [])
    assert data["fonts"][0] == "Noto Sans"
    from importlib import resources

    template = resources.files("oasys_diversity.export").joinpath("summary.typ").read_text(encoding="utf-8")
    assert "sys.inputs.summary" in template


def test_redacted_pdf_metadata_and_pages_carry_no_name_or_reference():
    data = render(build_summary(sample_assessment(), sample_plan(), sample_bank(), today=TODAY, redact=True), "pdf")
    for where in (pdf_text(data), pdf_xmp(data)):
        for secret in (NAME, OFFICER, REFERENCE, PREFERRED, *NAME.split(), *OFFICER.split()):
            assert secret not in where, secret


def test_the_same_summary_gives_the_same_pdf():
    built = build_summary(sample_assessment(), sample_plan(), sample_bank(), today=TODAY)
    assert render(built, "pdf") == render(built, "pdf")


def test_easy_read_pdf_uses_larger_type_on_more_pages():
    standard = build_summary(
        sample_assessment(), sample_plan(objectives=8), sample_bank(), today=TODAY, for_person=True
    )
    easy = standard.model_copy(update={"easy_read": True})
    assert len(pdf_pages(render(easy, "pdf"))) > len(pdf_pages(render(standard, "pdf")))
