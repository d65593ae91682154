"""The question bank loads from TOML, and every kind of mistake is reported as FILE:LINE: message, all at once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from oasys_diversity.bank import (
    BANK_FORMAT,
    CANONICAL,
    BankError,
    check_bank,
    check_content,
    dump_bank,
    load_bank,
)
from oasys_diversity.model import Condition, QuestionBank
from oasys_diversity.questions import QUESTIONS_DIR

FIXTURES = Path(__file__).parent / "fixtures" / "banks"
VALID = FIXTURES / "valid"


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    """A private copy of the valid fixture bank that a test may break."""
    target = tmp_path / "bank"
    shutil.copytree(VALID, target)
    return target


def patch(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur exactly once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing `needle`."""
    hits = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if needle in line]
    return hits[nth - 1]


EXTRA_QUESTION = """
[[questions]]
id = "{qid}"
kind = "{kind}"
label = "Extra"
prompt = "An extra question for this test."
guidance = {{ why = "Testing.", listen_for = "Nothing.", if_declined = "Move on." }}
"""


def extra(qid: str, kind: str = "text", more: str = "") -> str:
    return EXTRA_QUESTION.format(qid=qid, kind=kind) + more


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def test_the_fixture_bank_loads_with_positions_filled_in():
    bank = load_bank(VALID)
    assert isinstance(bank, QuestionBank)
    assert [d.id for d in bank.domains] == [
        "person",
        "ethnicity",
        "culture",
        "faith",
        "immigration",
        "language",
        "discrimination",
        "trauma",
    ]
    religion = bank.question("faith.religion")
    assert religion.domain == "faith"
    assert religion.source_file == str(VALID / "faith.toml")
    assert religion.source_line == line_of(VALID / "faith.toml", 'id = "faith.religion"')
    assert bank.domain("faith").source_file == str(VALID / "faith.toml")
    assert bank.domain("faith").check_in is not None
    # Options written as [[questions.options]] tables and as inline arrays both load.
    assert religion.codes()[:2] == ["no_religion", "christian"]
    assert len(bank.question("ethnicity.ons_category").options) == 19
    assert bank.question("culture.reconnect").codes() == ["yes", "no", "unsure"]
    assert bank.question("immigration.right_to_work").show_if == Condition.model_validate(
        {"not": {"question": "immigration.status", "op": "equals", "value": "british_citizen"}}
    )
    assert bank.source_dir == str(VALID)


def test_subfolders_are_not_domains(bank_dir: Path):
    for sub in ("rules", "directory", "scenarios"):
        (bank_dir / sub).mkdir()
        (bank_dir / sub / "thing.toml").write_text("this is = = not a domain\n", encoding="utf-8")
    assert check_bank(bank_dir) == []


def test_the_shipped_bank_loads_and_passes_its_check():
    bank = load_bank()
    assert bank.source_dir == str(QUESTIONS_DIR)
    for qid, (kind, codes) in CANONICAL.items():
        question = bank.question(qid)
        assert question.kind == kind
        assert set(codes) <= set(question.codes())
    assert check_content(None) == []


def test_canonical_table_matches_the_issue():
    assert len(CANONICAL) == 20
    assert len(CANONICAL["ethnicity.ons_category"][1]) == 19
    assert CANONICAL["immigration.status"] == (
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
    )


def test_load_bank_raises_with_every_problem(bank_dir: Path):
    append(bank_dir / "faith.toml", extra("faith.religion"))
    append(bank_dir / "culture.toml", extra("culture.Bad"))
    with pytest.raises(BankError) as caught:
        load_bank(bank_dir)
    assert len(caught.value.problems) == 2
    assert str(caught.value) == "\n".join(caught.value.problems)


# ---------------------------------------------------------------------------------------------
# One case per kind of problem, each asserting the exact FILE:LINE: message
# ---------------------------------------------------------------------------------------------


def test_bad_toml_reports_tomllib_line(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    patch(faith, "order = 3", "order = = 3")
    problems = check_bank(bank_dir)
    assert len(problems) == 1
    assert problems[0].startswith(f"{faith}:{line_of(faith, 'order = = 3')}: not valid TOML: ")
    assert "(column " in problems[0]


def test_bad_toml_does_not_stop_the_other_files_being_checked(bank_dir: Path):
    patch(bank_dir / "faith.toml", "order = 3", "order = = 3")
    culture = bank_dir / "culture.toml"
    append(culture, extra("culture.Bad"))
    problems = check_bank(bank_dir)
    assert len(problems) == 2
    assert f"{culture}:{line_of(culture, 'culture.Bad')}: question id 'culture.Bad' should look like" in problems[0]
    assert "faith.toml" in problems[1]


def test_not_utf8(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    faith.write_bytes(faith.read_bytes().replace(b"Faith and belief", b"Faith \xff belief"))
    assert check_bank(bank_dir) == [f"{faith}:1: not UTF-8 text; save the file as UTF-8"]


def test_missing_field_names_the_question(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    patch(faith, 'label = "Religion"\n', "")
    line = line_of(faith, 'id = "faith.religion"')
    assert check_bank(bank_dir) == [f"{faith}:{line}: faith.religion: 'label' is missing"]


def test_misspelt_field_suggests_the_right_one(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    patch(faith, 'label = "Religion"', 'labl = "Religion"')
    id_line = line_of(faith, 'id = "faith.religion"')
    assert check_bank(bank_dir) == [
        f"{faith}:{id_line}: faith.religion: 'label' is missing",
        f"{faith}:{line_of(faith, 'labl =')}: faith.religion: unknown field 'labl'; did you mean 'label'?",
    ]


def test_unknown_kind(bank_dir: Path):
    person = bank_dir / "person.toml"
    patch(person, 'kind = "number"', 'kind = "integer"')
    line = line_of(person, 'kind = "integer"')
    assert check_bank(bank_dir) == [
        f"{person}:{line}: person.age: 'kind' must be one of 'single', 'multi', 'yes_no_unsure', 'text', 'number' or 'date'"
    ]


def test_wrong_type_in_guidance_subtable(bank_dir: Path):
    person = bank_dir / "person.toml"
    patch(person, 'why = "Some services are for women, or for men, only."', "why = 3")
    line = line_of(person, "why = 3")
    assert check_bank(bank_dir) == [f"{person}:{line}: person.gender: 'guidance.why' must be text (in quotes)"]


def test_bad_option_field_points_at_the_option(bank_dir: Path):
    person = bank_dir / "person.toml"
    patch(person, "describe = true", 'describe = "yes please"')
    line = line_of(person, "describe =")
    assert check_bank(bank_dir) == [f"{person}:{line}: person.gender: 'options[3].describe' must be true or false"]


def test_bad_show_if_shape(bank_dir: Path):
    culture = bank_dir / "culture.toml"
    patch(culture, 'op = "equals", value = "yes" }', 'value = "yes" }')
    line = line_of(culture, "show_if")
    assert check_bank(bank_dir) == [
        f"{culture}:{line}: culture.reconnect: 'show_if' condition on culture.community_ties needs an op"
    ]


def test_duplicate_question_id_within_a_file(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    append(faith, extra("faith.religion"))
    first = line_of(faith, 'id = "faith.religion"')
    second = line_of(faith, 'id = "faith.religion"', nth=2)
    assert check_bank(bank_dir) == [
        f"{faith}:{second}: duplicate question id 'faith.religion' (first at {faith}:{first})"
    ]


def test_duplicate_question_id_across_files(bank_dir: Path):
    faith, culture = bank_dir / "faith.toml", bank_dir / "culture.toml"
    append(culture, extra("faith.religion"))
    first = line_of(faith, 'id = "faith.religion"')
    line = line_of(culture, 'id = "faith.religion"')
    # Files are read in name order, so culture.toml holds the first one.
    assert check_bank(bank_dir) == [
        f"{culture}:{line}: question id 'faith.religion' does not belong to this file's domain 'culture' "
        "(start it 'culture.')",
        f"{faith}:{first}: duplicate question id 'faith.religion' (first at {culture}:{line})",
    ]


def test_duplicate_domain_id(bank_dir: Path):
    culture = bank_dir / "culture.toml"
    other = bank_dir / "culture_more.toml"
    other.write_text(
        '[domain]\nid = "culture"\ntitle = "More"\norder = 9\nintroduction = "More."\n' + extra("culture.more"),
        encoding="utf-8",
    )
    first = line_of(culture, 'id = "culture"')
    assert check_bank(bank_dir) == [f"{other}:2: duplicate domain id 'culture' (first at {culture}:{first})"]


def test_duplicate_option_code(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    patch(faith, 'code = "buddhist"', 'code = "christian"')
    line = line_of(faith, 'code = "christian"', nth=2)
    id_line = line_of(faith, 'id = "faith.religion"')
    assert check_bank(bank_dir) == [
        f"{faith}:{id_line}: faith.religion: missing canonical option code(s) buddhist",
        f"{faith}:{line}: faith.religion: duplicate option code 'christian'",
    ]


def test_option_code_not_snake_case_table_style(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    patch(
        faith, "describe = true\n", 'describe = true\n\n[[questions.options]]\ncode = "Pagan-belief"\nlabel = "Pagan"\n'
    )
    line = line_of(faith, "Pagan-belief")
    assert check_bank(bank_dir) == [
        f"{faith}:{line}: faith.religion: option code 'Pagan-belief' is not snake_case (lower-case words joined by _)"
    ]


def test_option_code_not_snake_case_inline_style(bank_dir: Path):
    ethnicity = bank_dir / "ethnicity.toml"
    patch(ethnicity, '{ code = "white_roma"', '{ code = "WhiteRoma", label = "x" }, { code = "white_roma"')
    line = line_of(ethnicity, "WhiteRoma")
    assert check_bank(bank_dir) == [
        f"{ethnicity}:{line}: ethnicity.ons_category: option code 'WhiteRoma' is not snake_case "
        "(lower-case words joined by _)"
    ]


@pytest.mark.parametrize("bad_id", ["religion_again", "faith.Religion", "faith.religion.again", "faith.two__bars"])
def test_question_id_not_domain_dot_snake_case(bank_dir: Path, bad_id: str):
    faith = bank_dir / "faith.toml"
    append(faith, extra(bad_id))
    line = line_of(faith, f'id = "{bad_id}"')
    assert check_bank(bank_dir) == [f"{faith}:{line}: question id '{bad_id}' should look like 'faith.<snake_case>'"]


def test_question_id_prefix_must_match_the_domain(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    append(faith, extra("culture.festivals"))
    line = line_of(faith, "culture.festivals")
    assert check_bank(bank_dir) == [
        f"{faith}:{line}: question id 'culture.festivals' does not belong to this file's domain 'faith' (start it 'faith.')"
    ]


def _show_if(condition: str) -> str:
    return extra("faith.follow_up", more=f"show_if = {condition}\n")


def test_show_if_unknown_question(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    append(faith, _show_if('{ question = "faith.denomination", op = "answered" }'))
    line = line_of(faith, "faith.denomination")
    assert check_bank(bank_dir) == [
        f"{faith}:{line}: faith.follow_up: show_if names unknown question 'faith.denomination'"
    ]


def test_show_if_on_a_later_question(bank_dir: Path):
    culture = bank_dir / "culture.toml"
    # culture (order 2) comes before faith (order 3): a follow-up there cannot depend on a faith answer.
    append(
        culture,
        extra("culture.faith_link", more='show_if = { question = "faith.reconnect", op = "equals", value = "yes" }\n'),
    )
    line = line_of(culture, 'show_if = { question = "faith.reconnect"')
    assert check_bank(bank_dir) == [
        f"{culture}:{line}: culture.faith_link: show_if names faith.reconnect, which does not come before it in the bank "
        "(a follow-up must follow the question it depends on)"
    ]


def test_show_if_on_itself(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    append(faith, _show_if('{ question = "faith.follow_up", op = "equals", value = "x" }'))
    line = line_of(faith, 'show_if = { question = "faith.follow_up"')
    assert check_bank(bank_dir) == [
        f"{faith}:{line}: faith.follow_up: show_if names faith.follow_up, which does not come before it in the bank "
        "(a follow-up must follow the question it depends on)"
    ]


def test_show_if_unknown_code(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    append(faith, _show_if('{ any = [ { question = "faith.religion", op = "in", value = ["muslim", "rastafari"] } ] }'))
    line = line_of(faith, "rastafari")
    assert check_bank(bank_dir) == [
        f"{faith}:{line}: faith.follow_up: show_if: faith.religion has no option 'rastafari'"
    ]


def test_show_if_code_on_a_yes_no_unsure_question(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    append(faith, _show_if('{ question = "faith.reconnect", op = "equals", value = "maybe" }'))
    line = line_of(faith, '"maybe"')
    assert check_bank(bank_dir) == [f"{faith}:{line}: faith.follow_up: show_if: faith.reconnect has no option 'maybe'"]


def test_show_if_includes_on_a_single_choice_question(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    append(faith, _show_if('{ question = "faith.religion", op = "includes", value = "muslim" }'))
    line = line_of(faith, 'op = "includes"')
    assert check_bank(bank_dir) == [
        f"{faith}:{line}: faith.follow_up: show_if op 'includes' does not fit faith.religion "
        "(a single choice question; use one of answered, equals, in, not_equals, not_in, status)"
    ]


def test_show_if_gt_on_text(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    append(faith, _show_if('{ question = "person.area", op = "gt", value = 3 }'))
    line = line_of(faith, 'op = "gt"')
    assert check_bank(bank_dir) == [
        f"{faith}:{line}: faith.follow_up: show_if op 'gt' does not fit person.area "
        "(a free text question; use one of answered, equals, in, not_equals, not_in, status)"
    ]


def test_show_if_equals_on_multi(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    append(faith, _show_if('{ question = "faith.practice_needs", op = "equals", value = "diet" }'))
    line = line_of(faith, '"diet" }')
    assert check_bank(bank_dir) == [
        f"{faith}:{line}: faith.follow_up: show_if op 'equals' does not fit faith.practice_needs "
        "(a multiple choice question; use one of answered, includes, includes_any, status)"
    ]


def test_show_if_number_needs_a_number(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    append(faith, _show_if('{ question = "person.age", op = "lt", value = "25" }'))
    line = line_of(faith, 'op = "lt"')
    assert check_bank(bank_dir) == [f"{faith}:{line}: faith.follow_up: show_if op 'lt' on person.age needs a number"]


def test_show_if_status_fits_every_kind(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    append(faith, _show_if('{ question = "person.area", op = "status", value = ["declined", "not_discussed"] }'))
    assert check_bank(bank_dir) == []


def test_show_if_in_a_subtable_points_at_its_header(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    append(faith, extra("faith.follow_up", more='\n[questions.show_if]\nquestion = "faith.nowhere"\nop = "answered"\n'))
    line = line_of(faith, "[questions.show_if]")
    assert check_bank(bank_dir) == [f"{faith}:{line}: faith.follow_up: show_if names unknown question 'faith.nowhere'"]


def test_check_in_before_must_be_in_the_domain(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    patch(faith, 'check_in = { before = "faith.reconnect"', 'check_in = { before = "culture.reconnect"')
    line = line_of(faith, "check_in =")
    assert check_bank(bank_dir) == [
        f"{faith}:{line}: domain 'faith': check_in.before names 'culture.reconnect', which is not a question in this domain"
    ]


def test_sensitive_question_before_the_check_in(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    patch(faith, 'label = "Religion"\n', 'label = "Religion"\nsensitive = true\n')
    line = line_of(faith, "sensitive = true")
    assert check_bank(bank_dir) == [
        f"{faith}:{line}: faith.religion: a sensitive question comes before the domain's check-in (faith.reconnect)"
    ]


def test_sensitive_questions_need_a_check_in(bank_dir: Path):
    culture = bank_dir / "culture.toml"
    patch(culture, 'label = "Wish to reconnect"\n', 'label = "Wish to reconnect"\nsensitive = true\n')
    assert check_bank(bank_dir) == [
        f"{culture}:2: domain 'culture' has sensitive questions but no check_in before them"
    ]


@pytest.mark.parametrize("kind", ["single", "multi"])
def test_choice_question_without_options(bank_dir: Path, kind: str):
    faith = bank_dir / "faith.toml"
    append(faith, extra("faith.festivals", kind=kind))
    line = line_of(faith, "faith.festivals")
    name = {"single": "single choice", "multi": "multiple choice"}[kind]
    assert check_bank(bank_dir) == [f"{faith}:{line}: faith.festivals: a {name} question needs options"]


def test_options_on_a_text_question(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    append(faith, extra("faith.festivals", more='options = [ { code = "eid", label = "Eid" } ]\n'))
    line = line_of(faith, 'options = [ { code = "eid"')
    assert check_bank(bank_dir) == [
        f"{faith}:{line}: faith.festivals: options only apply to single choice, multiple choice and yes/no/unsure questions"
    ]


def test_missing_canonical_question_points_at_its_domain(bank_dir: Path):
    person = bank_dir / "person.toml"
    patch(person, 'id = "person.area"', 'id = "person.region"')
    domain_line = line_of(person, 'id = "person"')
    assert check_bank(bank_dir) == [
        f"{person}:{domain_line}: missing canonical question person.area (free text); "
        "the plan builder, exports and other systems rely on it"
    ]


def test_missing_canonical_domain_points_at_the_folder(bank_dir: Path):
    (bank_dir / "language.toml").unlink()
    assert check_bank(bank_dir) == [
        f"{bank_dir}:1: missing canonical question language.interpreter_needed (yes/no/unsure); "
        "the plan builder, exports and other systems rely on it",
        f"{bank_dir}:1: missing canonical question language.interpreter_language (free text); "
        "the plan builder, exports and other systems rely on it",
    ]


def test_canonical_question_with_the_wrong_kind(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    text = faith.read_text(encoding="utf-8")
    start = text.index('id = "faith.reconnect"')
    faith.write_text(
        text[:start] + text[start:].replace('kind = "yes_no_unsure"', 'kind = "text"', 1), encoding="utf-8"
    )
    line = line_of(faith, 'kind = "text"')
    assert check_bank(bank_dir) == [
        f"{faith}:{line}: faith.reconnect: canonical question must be 'yes_no_unsure' (yes/no/unsure), not 'text'"
    ]


def test_canonical_question_missing_codes(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    patch(faith, '[[questions.options]]\ncode = "sikh"\nlabel = "Sikh"\n\n', "")
    patch(faith, '[[questions.options]]\ncode = "jewish"\nlabel = "Jewish"\n\n', "")
    line = line_of(faith, 'id = "faith.religion"')
    assert check_bank(bank_dir) == [f"{faith}:{line}: faith.religion: missing canonical option code(s) jewish, sikh"]


def test_a_broken_question_does_not_also_count_as_missing(bank_dir: Path):
    person = bank_dir / "person.toml"
    patch(person, 'kind = "number"', 'kind = "integer"')
    problems = check_bank(bank_dir)
    assert len(problems) == 1
    assert "missing canonical" not in problems[0]


def test_missing_folder_and_empty_folder(tmp_path: Path):
    assert check_bank(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}:1: no such folder"]
    assert check_bank(tmp_path) == [f"{tmp_path}:1: no domain files (*.toml) in this folder"]


def test_missing_domain_table_and_unknown_table(bank_dir: Path):
    culture = bank_dir / "culture.toml"
    patch(culture, "[domain]", "[domian]")
    problems = check_bank(bank_dir)
    assert problems[:2] == [
        f"{culture}:1: unknown table or key 'domian'; a domain file holds [domain] and [[questions]]",
        f"{culture}:1: missing the [domain] table (id, title, order, introduction)",
    ]


def test_loader_fields_are_not_written_by_hand(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    patch(faith, 'label = "Religion"\n', 'label = "Religion"\nsource_line = 4\n')
    line = line_of(faith, "source_line")
    assert check_bank(bank_dir) == [f"{faith}:{line}: faith.religion: 'source_line' is filled in by the loader"]


def test_headers_inside_multiline_text_are_not_tables(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    patch(
        faith,
        'introduction = "Whether faith or belief plays a part in your life, and what would help."',
        'introduction = """\nWhether faith plays a part.\n[[questions]]\nid = "not.a.question"\n"""',
    )
    append(faith, extra("faith.Bad"))
    line = line_of(faith, 'id = "faith.Bad"')
    assert check_bank(bank_dir) == [f"{faith}:{line}: question id 'faith.Bad' should look like 'faith.<snake_case>'"]


def test_the_broken_fixture_reports_every_problem_in_file_and_line_order():
    problems = check_bank(FIXTURES / "broken")
    faith = FIXTURES / "broken" / "faith.toml"
    person = FIXTURES / "broken" / "person.toml"
    first, second = line_of(faith, 'id = "faith.religion"'), line_of(faith, 'id = "faith.religion"', nth=2)
    includes = line_of(person, 'op = "includes"')
    assert problems == [
        f"{faith}:{line_of(faith, 'Holy Days')}: faith.practice_needs: option code 'Holy Days' is not snake_case "
        "(lower-case words joined by _)",
        f"{faith}:{line_of(faith, 'faith.denomination')}: faith.reconnect: show_if names unknown question "
        "'faith.denomination'",
        f"{faith}:{second}: duplicate question id 'faith.religion' (first at {faith}:{first})",
        f"{person}:{includes}: person.support: show_if op 'includes' does not fit "
        "person.gender (a single choice question; use one of answered, equals, in, not_equals, not_in, status)",
    ]


# ---------------------------------------------------------------------------------------------
# Content check and dump
# ---------------------------------------------------------------------------------------------


def test_check_content_runs_the_rules_and_directory_checks(bank_dir: Path):
    # The bank alone is sound, and a bank folder without rules/ or directory/ has none to check.
    assert check_content(bank_dir) == []
    rules = bank_dir / "rules" / "broken.toml"
    rules.parent.mkdir()
    rules.write_text("[[objective]]\nid = = 3\n", encoding="utf-8")
    directory = bank_dir / "directory" / "broken.toml"
    directory.parent.mkdir()
    directory.write_text("[[service]]\nname = = 3\n", encoding="utf-8")
    problems = check_content(bank_dir)
    assert {line.split(":")[0] for line in problems} == {str(rules), str(directory)}
    assert problems[0] == f"{rules}:2: " + problems[0].split(": ", 1)[1]
    # With the bank itself broken, its problems come first and alone: rules are checked against a sound bank.
    append(bank_dir / "faith.toml", extra("faith.Bad"))
    assert [line.split(":")[0] for line in check_content(bank_dir)] == [str(bank_dir / "faith.toml")]


def test_dump_is_json_ready_and_complete():
    bank = load_bank(VALID)
    dumped = dump_bank(bank)
    assert json.loads(json.dumps(dumped)) == dumped
    assert dumped["format"] == BANK_FORMAT == "oasys-diversity/question-bank@1"
    faith = next(d for d in dumped["domains"] if d["id"] == "faith")
    assert set(faith) == {"id", "title", "order", "introduction", "check_in", "questions"}
    assert faith["check_in"]["before"] == "faith.reconnect"
    needs = next(q for q in faith["questions"] if q["id"] == "faith.practice_needs")
    assert set(needs) == {
        "id",
        "kind",
        "label",
        "prompt",
        "guidance",
        "options",
        "show_if",
        "note_prompt",
        "sensitive",
        "depth",
        "min",
        "max",
        "record_only",
    }
    assert needs["show_if"] == {"question": "faith.religion", "op": "not_in", "value": ["no_religion"]}
    assert needs["options"][0] == {"code": "prayer_times", "label": "Prayer times", "group": None, "describe": False}
    assert set(needs["guidance"]) == {"why", "listen_for", "if_declined"}
    right_to_work = next(q for d in dumped["domains"] for q in d["questions"] if q["id"] == "immigration.right_to_work")
    # The TOML shape: `not`, not the Python attribute name, and no empty keys.
    assert right_to_work["show_if"] == {
        "not": {"question": "immigration.status", "op": "equals", "value": "british_citizen"}
    }
    assert "source_file" not in json.dumps(dumped) and str(VALID) not in json.dumps(dumped)
    age = next(q for q in dumped["domains"][0]["questions"] if q["id"] == "person.age")
    assert (age["min"], age["max"]) == (10, 120)
    # A dumped condition reads back as the same condition.
    assert Condition.model_validate(right_to_work["show_if"]) == bank.question("immigration.right_to_work").show_if


def test_domain_table_problems_name_the_domain(bank_dir: Path):
    culture = bank_dir / "culture.toml"
    patch(culture, 'introduction = "Who matters to you, and where you feel you belong."\n', "")
    patch(culture, "order = 2", 'order = "second"')
    id_line = line_of(culture, 'id = "culture"')
    assert check_bank(bank_dir) == [
        f"{culture}:{id_line}: domain 'culture': 'introduction' is missing",
        f"{culture}:{line_of(culture, 'order =')}: domain 'culture': 'order' must be a whole number",
    ]


# ---------------------------------------------------------------------------------------------
# Core and deeper
# ---------------------------------------------------------------------------------------------


def test_a_question_is_core_unless_marked_deeper_and_nothing_else_is_allowed(bank_dir: Path):
    assert {q.depth for q in load_bank(VALID).questions} == {"core"}
    faith = bank_dir / "faith.toml"
    patch(faith, 'label = "Religion"\n', 'label = "Religion"\ndepth = "sometimes"\n')
    problems = check_bank(bank_dir)
    assert len(problems) == 1 and "depth" in problems[0] and str(line_of(faith, "depth =")) in problems[0]


def test_a_core_follow_up_of_deeper_questions_only_is_reported(bank_dir: Path):
    faith = bank_dir / "faith.toml"
    patch(faith, 'label = "Religion"\n', 'label = "Religion"\ndepth = "deeper"\n')
    problems = check_bank(bank_dir)
    assert problems and all("a core follow-up of deeper questions only (faith.religion)" in p for p in problems)
    assert all(p.startswith(f"{faith}:") for p in problems)


def test_the_shipped_core_path_fits_one_supervision_and_covers_every_domain_and_guard():
    from oasys_diversity.rules import load_rules
    from oasys_diversity.steps import core_questions

    bank = load_bank()
    core = core_questions(bank)
    assert len(core) <= 30
    assert {q.domain for q in core} == {d.id for d in bank.domains}
    core_ids = {q.id for q in core}
    # A guard that adds or requires something must be able to fire on the core path. One that only forbids
    # (family_involvement_declined) restricts objectives that only deeper answers can bring, so its own
    # question may wait for the deeper path with them.
    guards = [guard for guard in load_rules().guards if guard.must or guard.note or guard.must_not is None]
    read = {qid for guard in guards for qid in _guard_questions(guard)}
    assert read and read <= core_ids, sorted(read - core_ids)
    # Every follow-up on the core path can be opened from the core path.
    for question in core:
        if question.show_if is not None:
            assert set(question.show_if.question_ids()) & core_ids, question.id


def _guard_questions(guard) -> list[str]:
    found: list[str] = []

    def walk(value) -> None:
        if hasattr(value, "question_ids") and callable(value.question_ids):
            found.extend(value.question_ids())
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif hasattr(type(value), "model_fields"):
            for name in type(value).model_fields:
                walk(getattr(value, name))

    walk(guard)
    return found
