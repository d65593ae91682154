"""Shared samples for the export tests (no tests here): a hand-built bank, assessment and plan with every script and every status."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from oasys_diversity.model import (
    Answer,
    Assessment,
    Case,
    Domain,
    Guidance,
    Objective,
    Option,
    Plan,
    Question,
    QuestionBank,
    Referral,
)

# Officer-only words that must never reach the version for the person.
GUIDANCE_MARK = "Officer guidance sentinel"
WARNING_MARK = "Guard rule sentinel: check before sharing"

NAME = "Zoë Ní Bhriain"
PREFERRED = "রহিম"  # Bengali
OFFICER = "Olamide Featherstonehaugh"
REFERENCE = "X917342"
QUOTES = {
    "ethnicity.self_description": "بنگلہ دیشی برطانوی، میرا خاندان سلہٹ سے ہے",  # Urdu
    "faith.religion": "ਮੈਂ ਗੁਰਦੁਆਰੇ ਜਾਂਦਾ ਹਾਂ",  # Gurmukhi, a note
    "language.first_language": "عربي ولهجة سلهتية",  # Arabic text answer
    "trauma.experiences": "Lost my brother in 2019; still think about him",  # note
    "agreement": "I want the mosque group, not the course",
    "person_view": "Happy to try Tuesdays",
}


def _guidance(topic: str) -> Guidance:
    return Guidance(
        why=f"{GUIDANCE_MARK}: why {topic} matters.",
        listen_for=f"{GUIDANCE_MARK}: listen for {topic}.",
        if_declined=f"{GUIDANCE_MARK}: if declined, move on.",
    )


def _q(qid: str, kind: str, label: str, options: list[str] | None = None, **extra) -> Question:
    opts = [Option(code=c, label=c.replace("_", " ").capitalize()) for c in options or []]
    return Question(
        id=qid, kind=kind, prompt=f"Ask about {label}?", label=label, guidance=_guidance(label), options=opts, **extra
    )


def sample_bank() -> QuestionBank:
    domains = [
        (
            "person",
            "About you",
            [_q("person.preferred_name", "text", "Preferred name"), _q("person.age", "number", "Age")],
        ),
        (
            "ethnicity",
            "Ethnicity and identity",
            [
                _q("ethnicity.self_description", "text", "Ethnicity in own words"),
                Question(
                    id="ethnicity.ons_category",
                    kind="single",
                    prompt="Which fits best?",
                    label="Ethnic group (ONS 2021)",
                    guidance=_guidance("ethnic group"),
                    options=[
                        Option(code="asian_bangladeshi", label="Bangladeshi", group="Asian or Asian British"),
                        Option(code="white_irish", label="Irish", group="White"),
                    ],
                ),
            ],
        ),
        (
            "faith",
            "Faith and belief",
            [
                _q("faith.religion", "single", "Religion", ["muslim", "sikh", "no_religion"]),
                _q("faith.practice_needs", "multi", "Practice needs", ["prayer_times", "fasting"]),
            ],
        ),
        (
            "language",
            "Language and communication",
            [
                _q("language.first_language", "text", "First language"),
                _q("language.interpreter_needed", "yes_no_unsure", "Interpreter needed"),
            ],
        ),
        (
            "discrimination",
            "Discrimination and racism",
            [
                _q("discrimination.experiences", "multi", "Experiences of discrimination", ["police", "school"]),
                _q("discrimination.current_harassment", "yes_no_unsure", "Current harassment"),
            ],
        ),
        (
            "trauma",
            "Trauma and adversity",
            [
                _q("trauma.experiences", "multi", "Difficult experiences", ["bereavement", "violence_victim"]),
                _q("trauma.support_wanted", "yes_no_unsure", "Support wanted"),
                _q("trauma.mental_health", "text", "Mental health now"),
            ],
        ),
    ]
    return QuestionBank(
        domains=[
            Domain(id=d, title=t, order=i, introduction=f"{GUIDANCE_MARK}: introduction.", questions=qs)
            for i, (d, t, qs) in enumerate(domains)
        ]
    )


def sample_assessment() -> Assessment:
    answers = [
        Answer(question_id="person.preferred_name", status="answered", value=PREFERRED),
        Answer(question_id="person.age", status="answered", value=34),
        Answer(
            question_id="ethnicity.self_description",
            status="answered",
            value=QUOTES["ethnicity.self_description"],
        ),
        Answer(question_id="ethnicity.ons_category", status="answered", value="asian_bangladeshi"),
        Answer(question_id="faith.religion", status="declined", note=QUOTES["faith.religion"]),
        Answer(question_id="faith.practice_needs", status="answered", value=[]),
        Answer(question_id="language.first_language", status="answered", value=QUOTES["language.first_language"]),
        Answer(question_id="language.interpreter_needed", status="answered", value="yes"),
        Answer(
            question_id="trauma.experiences",
            status="answered",
            value=["bereavement"],
            note=QUOTES["trauma.experiences"],
        ),
        Answer(question_id="trauma.support_wanted", status="declined"),
    ]
    # discrimination.* is deliberately absent: a whole domain not yet discussed.
    return Assessment(
        case=Case(reference=REFERENCE, name=NAME, officer=OFFICER, assessed_on=date(2026, 3, 3)),
        answers={a.question_id: a for a in answers},
    )


def sample_plan(objectives: int = 2) -> Plan:
    items = [
        Objective(
            id="interpreter",
            need_area="responsivity",
            action="Book a Sylheti interpreter for every supervision appointment",
            owner="probation_practitioner",
            target_date=date(2026, 3, 17),
            measure="An interpreter is at each appointment",
            because=["language.interpreter_needed"],
            state="accepted",
            person_view=QUOTES["person_view"],
        ),
        Objective(
            id="bereavement",
            need_area="emotional_wellbeing",
            action=f"Talk with {NAME.split()[0]} about bereavement support",
            owner="person",
            target_date=date(2026, 4, 30),
            measure="A first conversation has happened",
            because=["trauma.experiences"],
            state="suggested",
        ),
    ]
    extra = [
        Objective(
            id=f"own-{n}",
            need_area="education_training_employability",
            action=f"Step {n}: look at courses together",
            owner="someone_else",
            owner_name="Leeds College",
            target_date=date(2026, 5, 1),
            measure="A course is chosen",
            state="added",
        )
        for n in range(max(0, objectives - 2))
    ]
    return Plan(
        built_on=date(2026, 3, 3),
        objectives=items
        + extra
        + [
            Objective(
                id="course",
                need_area="thinking_behaviour",
                action="Join a thinking skills course",
                owner="programme_staff",
                target_date=date(2026, 6, 1),
                measure="Course completed",
                state="declined",
                reason="Clashes with Friday prayers",
            )
        ],
        referrals=[
            Referral(
                id="svc-1",
                organisation="Sylhet Community Link",
                service="Bengali-speaking bereavement group",
                because=["trauma.experiences", "language.interpreter_needed"],
                assured_date=date(2024, 1, 10),
                stale=True,
                contact="0113 496 0000",
                state="accepted",
            ),
            Referral(
                id="svc-2",
                organisation="City Mentoring",
                service="Peer mentors",
                because=["trauma.support_wanted"],
                state="declined",
                reason="Already has a mentor",
            ),
        ],
        warnings=[WARNING_MARK],
        agreement="does_not_agree",
        agreement_reason=QUOTES["agreement"],
    )


# ---------------------------------------------------------------------------------------------
# Reading exports back as text
# ---------------------------------------------------------------------------------------------


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text as a reader that honours /ActualText would give it (Acrobat, poppler, screen readers).

    Typst marks each shaped cluster whose glyphs do not map one to one onto characters (an Indic vowel sign
    drawn before its consonant) with its real text in /ActualText; pypdf's own extractor ignores that and
    repeats the cluster. So the text is read here: runs in content order, an /ActualText span in place of its
    glyphs, a new line wherever a run starts lower on the page.
    """
    import io

    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = {name: _to_unicode(font.get_object()) for name, font in page["/Resources"]["/Font"].items()}
        stream = ContentStream(page.get_contents(), page.pdf)
        text = ""
        run: list[str] = []  # the glyphs' text of the run being read, in drawing order
        font: dict[int, str] = {}
        spans: list[bool] = []  # per open marked-content span: does it carry /ActualText?
        y = None
        for operands, operator in stream.operations:
            if operator == b"cm":
                new_y = float(operands[5])
                text += _run_text(run) + ("" if y is None else "\n" if abs(new_y - y) > 1 else " ")
                run, y = [], new_y
            elif operator == b"Tf":
                font = fonts[operands[0]]
            elif operator in (b"BDC", b"BMC"):
                actual = operator == b"BDC" and hasattr(operands[1], "get") and "/ActualText" in operands[1]
                if actual and not any(spans):
                    run.append(str(operands[1]["/ActualText"]))
                spans.append(actual)
            elif operator == b"EMC" and spans:
                spans.pop()
            elif operator in (b"Tj", b"TJ") and not any(spans):
                for part in operands[0] if operator == b"TJ" else operands:
                    # pypdf gives a string as bytes, or as text keeping its bytes in original_bytes.
                    raw = getattr(part, "original_bytes", part)
                    if isinstance(raw, bytes):
                        run += [font.get(int.from_bytes(raw[i : i + 2]), "") for i in range(0, len(raw), 2)]
        text += _run_text(run)
        pages.append(re.sub(r" {2,}", " ", re.sub(r" *\n[\n ]*", "\n", text)).strip() + "\n")
    return pages


def _run_text(glyphs: list[str]) -> str:
    """A run's text in reading order: a right-to-left run is drawn from its last character to its first."""
    text = "".join(glyphs)
    strong = next(
        (unicodedata.bidirectional(ch) for ch in text if unicodedata.bidirectional(ch) in ("L", "R", "AL")), "L"
    )
    return "".join(reversed(glyphs)) if strong in ("R", "AL") else text


def _to_unicode(font) -> dict[int, str]:
    """A Typst (Identity-H) font's glyph -> text map, from its ToUnicode CMap."""
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    glyphs: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            glyphs[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, start in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            for offset in range(int(high, 16) - int(low, 16) + 1):
                glyphs[int(low, 16) + offset] = chr(int(start, 16) + offset)
    return glyphs


def pdf_text(data: bytes) -> str:
    """Every page's text and the file's document information (title, author...)."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
    return "\n".join(pdf_pages(data)) + "\n" + metadata


def pdf_xmp(data: bytes) -> str:
    """The PDF's XMP metadata packet (where PDF/UA conformance is declared), as text."""
    import io

    from pypdf import PdfReader

    metadata = PdfReader(io.BytesIO(data)).trailer["/Root"].get("/Metadata")
    return metadata.get_object().get_data().decode("utf-8") if metadata is not None else ""


def docx_text(data: bytes) -> str:
    """Every paragraph of the body, headers and footers, and the file's properties."""
    import io

    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    props = doc.core_properties
    parts += [props.author or "", props.title or "", props.last_modified_by or "", props.comments or ""]
    return "\n".join(parts)


def docx_xml(data: bytes) -> str:
    """All the XML inside the .docx, for looking for anything that must not be there."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith((".xml", ".rels")))


def as_text(fmt: str, content: str | bytes) -> str:
    """Any export's text, for the checks that apply to every format."""
    if fmt == "pdf":
        assert isinstance(content, bytes)
        return pdf_text(content)
    if fmt == "docx":
        assert isinstance(content, bytes)
        return docx_text(content) + "\n" + docx_xml(content)
    assert isinstance(content, str)
    return content
