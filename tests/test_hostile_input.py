"""Hostile input, from people and from files: shown literally, refused in one line, never a traceback.

Each payload from issue 10 is a case here. Through the CLI (in process, as a user runs it): one line on
standard error, exit code 1 where it is an error, the database byte-identical where nothing should
change, no traceback, no personal data and no raw control character on the terminal. The app's side is
tests/app/test_hostile_app.py. The fuzz tests at the end feed generated files to the readers: they may
only ever raise their documented error.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from crypt_support import raw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oasys_diversity.bank import BankError, load_bank
from oasys_diversity.cli import main
from oasys_diversity.crash import describe, write_crash_report
from oasys_diversity.interchange import InterchangeError, parse_assessment, read_assessment_file
from oasys_diversity.model import MAX_NOTE_CHARS
from oasys_diversity.questions import QUESTIONS_DIR
from oasys_diversity.safe_text import capped, for_markup, for_terminal

FIXTURE_BANK = Path(__file__).parent / "fixtures" / "banks" / "valid"

# A name no output may ever show on a refusal or a crash.
SECRET = "Zebedee Quartermain"
# Names that must display literally: markup, actions, links, and escape sequences for the terminal
# (OSC 52 writes to the clipboard; CSI 2J clears the screen; C1 CSI; NUL; DEL).
MARKUP_NAMES = [
    "Priya Shah [/] [b]x",
    "[@click=app.quit]z[/]",
    "[link=file:///etc/passwd]y[/]",
    "Ali Khan [aka Al]",
]
ESCAPES = "\x1b]52;c;aGVsbG8=\x07 \x1b[2J \x9b31m \x00 \x7f \x08 \r"
RAW_CONTROLS = ["\x1b", "\x07", "\x9b", "\x00", "\x7f", "\x08"]


def interchange(name: str = "Pat Example", answers: dict | None = None, **case: object) -> dict:
    fields = {"reference": "X100001", "name": name, "officer": "Jo Officer", "assessed_on": "2025-03-01"}
    fields.update(case)
    return {"format": "oasys-diversity/assessment@1", "case": fields, "answers": answers or {}}


def write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(arg) for arg in argv])
    # The CLI's connection closes (and checkpoints) when collected, as it would when the process ends.
    gc.collect()
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean(out: str, err: str, *secrets: str) -> None:
    """Nothing an attacker or a crash could leave on the terminal."""
    for stream in (out, err):
        assert "Traceback" not in stream
        for control in RAW_CONTROLS:
            assert control not in stream
        for secret in secrets:
            assert secret not in stream


@pytest.fixture
def db(tmp_path, capsys) -> Path:
    """A database holding one ordinary case, so "changes nothing" can be checked byte for byte."""
    path = tmp_path / "cases.db"
    code, _, _ = run(capsys, "import", write_json(tmp_path / "ok.json", interchange()), "--db", path)
    assert code == 0
    return path


# ---------------------------------------------------------------------------------------------
# The escaping functions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [*MARKUP_NAMES, ESCAPES, "a\\[b]c", "end\\", "[$v] [on red] [#fff]", "\ud800"])
def test_for_markup_is_shown_literally_by_textual(text):
    from textual.content import Content

    assert Content.from_markup(for_markup(text)).plain == for_terminal(text)


def test_for_terminal_shows_every_control_character_and_keeps_lines():
    shown = for_terminal("a\tb\nc\r\nd" + ESCAPES + "\ud800")
    assert shown.startswith(
        "a\tb\nc\nd\\u001b]52;c;aGVsbG8=\\u0007 \\u001b[2J \\u009b31m \\u0000 \\u007f \\u0008 \\u000d"
    )
    assert shown.endswith("\\ud800")
    for control in RAW_CONTROLS:
        assert control not in shown
    # The placeholders are JSON escapes: JSON printed through it decodes to the same text.
    assert json.loads(for_terminal(json.dumps({"n": "\x9b\x7f"}, ensure_ascii=False))) == {"n": "\x9b\x7f"}


@given(st.text())
@settings(max_examples=200, derandomize=True)
def test_for_markup_round_trips_any_text(text):
    from textual.content import Content

    assert Content.from_markup(for_markup(text)).plain == for_terminal(text)


def test_problem_output_is_capped():
    lines = capped(["x" * 5_000_000] * 1000)
    assert len(lines) == 201 and sum(map(len, lines)) < 200_000
    assert lines[-1] == "… and 800 more problems not shown"


# ---------------------------------------------------------------------------------------------
# Names from people reach every CLI output as text
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*MARKUP_NAMES, f"Pat {ESCAPES} Example"])
def test_hostile_names_reach_every_cli_output_as_text(tmp_path, capsys, name):
    path = tmp_path / "cases.db"
    note = f"in their words {ESCAPES}"
    answers = {"person.preferred_name": {"status": "answered", "value": name, "note": note}}
    file = write_json(tmp_path / "case.json", interchange(name, answers, reference=f"X1 {ESCAPES}"))
    code, out, err = run(capsys, "import", file, "--db", path)
    assert (code, out.strip()) == (0, "1")

    for argv in (
        ("cases", "list"),
        ("cases", "list", "--json"),
        ("export", "1", "--format", "md"),
        ("export", "1", "--format", "text"),
        ("export", "1", "--format", "json"),
    ):
        code, out, err = run(capsys, *argv, "--db", path)
        assert code == 0, argv
        assert_clean(out, err)
        if "md" not in argv:  # Markdown escapes brackets for Markdown; the others show the name as it is
            assert for_terminal(name)[:20] in out, argv
    code, out, err = run(capsys, "plan", file, "--format", "md")
    assert code == 0
    assert_clean(out, err)
    # Text exports written to a file are read with `cat` too.
    for fmt in ("md", "text"):
        target = tmp_path / f"summary.{fmt}"
        code, out, err = run(capsys, "export", "1", "--format", fmt, "--out", target, "--db", path)
        assert code == 0
        assert_clean(target.read_text(encoding="utf-8"), err)
    # JSON on the terminal still decodes to exactly what was stored.
    code, out, _ = run(capsys, "cases", "list", "--json", "--db", path)
    assert json.loads(out)[0]["name"] == name.strip()


def test_directory_list_and_check_show_control_characters_visibly(tmp_path, capsys):
    text = (QUESTIONS_DIR / "directory" / "default.toml").read_text(encoding="utf-8")
    service = 'name = "South Asian mental health and wellbeing support"'
    assert service in text
    hostile = tmp_path / "directory.toml"
    hostile.write_text(
        text.replace(service, 'name = "Svc \\u001b]52;c;eA==\\u0007 [b]x[/] \\u009b2J"'), encoding="utf-8"
    )
    code, out, err = run(capsys, "directory", "list", "--directory", hostile)
    assert code == 0
    assert "Svc \\u001b]52;c;eA==\\u0007 [b]x[/] \\u009b2J" in out
    assert_clean(out, err)
    code, out, err = run(capsys, "directory", "check", "--directory", hostile)
    assert_clean(out, err)


def test_a_bad_argument_is_shown_without_its_control_characters(capsys):
    with pytest.raises(SystemExit):
        main(["export", f"1{ESCAPES}"])
    assert_clean(*capsys.readouterr())


# ---------------------------------------------------------------------------------------------
# Bad interchange files: one line, exit 1, nothing changed
# ---------------------------------------------------------------------------------------------


def _deep_json(tmp_path: Path) -> Path:
    text = json.dumps(interchange(SECRET)).replace(
        '"answers": {}', '"answers": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    (tmp_path / "deep.json").write_text(text)
    return tmp_path / "deep.json"


def _deep_toml(tmp_path: Path) -> Path:
    text = f'format = "oasys-diversity/assessment@1"\nanswers = {{}}\n[case]\nname = "{SECRET}"\nx = '
    (tmp_path / "deep.toml").write_text(text + "[" * 100_000 + "]" * 100_000 + "\n")
    return tmp_path / "deep.toml"


def _digits(tmp_path: Path, digits: int) -> Path:
    text = json.dumps(interchange(SECRET)).replace(
        '"answers": {}', '"answers": {"person.age": {"status": "answered", "value": ' + "9" * digits + "}}"
    )
    (tmp_path / f"digits{digits}.json").write_text(text)
    return tmp_path / f"digits{digits}.json"


def _surrogate(tmp_path: Path) -> Path:
    text = json.dumps(interchange(SECRET)).replace(SECRET, SECRET + " \\ud800")
    (tmp_path / "surrogate.json").write_text(text)
    return tmp_path / "surrogate.json"


BAD_FILES = {
    "a 100,000-deep JSON list": (_deep_json, "nested more than"),
    "a 100,000-deep TOML array": (_deep_toml, "nested more than"),
    "a 5,000-digit number": (lambda tmp: _digits(tmp, 5000), "too many digits"),
    "a 400-digit number": (lambda tmp: _digits(tmp, 400), "more than 15 digits"),
    "a lone surrogate in the name": (_surrogate, "case.name: not valid Unicode"),
    "a case dated 9999-12-31": (
        lambda tmp: write_json(tmp / "future.json", interchange(SECRET, assessed_on="9999-12-31")),
        "case.assessed_on: must be a date from 1900 to 2100",
    ),
    "a case dated 1066-10-14": (
        lambda tmp: write_json(tmp / "past.json", interchange(SECRET, assessed_on="1066-10-14")),
        "case.assessed_on: must be a date from 1900 to 2100",
    ),
    "a note over the limit": (
        lambda tmp: write_json(
            tmp / "note.json",
            interchange(SECRET, {"faith.religion": {"status": "declined", "note": "n" * (MAX_NOTE_CHARS + 1)}}),
        ),
        f"is {MAX_NOTE_CHARS + 1:,} characters long; the most kept is {MAX_NOTE_CHARS:,}",
    ),
}


@pytest.mark.parametrize("payload", list(BAD_FILES))
def test_a_bad_interchange_file_is_one_line_and_changes_nothing(tmp_path, capsys, db, payload):
    make, expected = BAD_FILES[payload]
    file = make(tmp_path)
    before = db.read_bytes()
    code, out, err = run(capsys, "import", file, "--db", db)
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err[:500]
    assert expected in err
    assert_clean(out, err, SECRET)
    assert db.read_bytes() == before
    # `plan` reads the same files and refuses them the same way.
    code, out, err = run(capsys, "plan", file)
    assert code == 1 and expected in err
    assert_clean(out, err, SECRET)


def test_a_date_answer_outside_1900_to_2100_is_refused():
    # The fixture bank has a date question (the shipped bank has none today).
    bank = load_bank(FIXTURE_BANK)
    qid = next(q.id for q in bank.questions if q.kind == "date")
    for day in ("9999-12-31", "1899-12-31"):
        data = interchange(answers={qid: {"status": "answered", "value": day}})
        with pytest.raises(InterchangeError, match="from 1900 to 2100"):
            parse_assessment(data, bank)
    assert parse_assessment(interchange(answers={qid: {"status": "answered", "value": "2100-12-31"}}), bank)


# ---------------------------------------------------------------------------------------------
# Bad question banks: one line each, output capped
# ---------------------------------------------------------------------------------------------


def _bank_with(tmp_path: Path, change) -> Path:
    folder = tmp_path / "bank"
    shutil.copytree(FIXTURE_BANK, folder)
    file = folder / "culture.toml"
    file.write_text(change(file.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


def _deep_show_if(text: str) -> str:
    condition = '{ question = "culture.x", equals = "a" }'
    for _ in range(900):
        condition = "{ not = " + condition + " }"
    start = text.index("[[questions]]")
    end = text.index("\n", start)
    return text[:end] + "\nshow_if = " + condition + text[end:]


BAD_BANKS = {
    "a 1,000-deep table": lambda text: text + "\n[" + ".".join(["a"] * 1000) + "]\nx = 1\n",
    "a 1,000-deep inline table": lambda text: text + "\nzz = " + "{a = " * 1000 + "1" + "}" * 1000 + "\n",
    "a show_if nested 900 deep": _deep_show_if,
    "a 5,000-digit number": lambda text: text + "\nzz = " + "9" * 5000 + "\n",
    "an escape sequence in a title": lambda text: text.replace('title = "', 'title = "\\u001b]52;c;eA==\\u0007', 1),
}


@pytest.mark.parametrize("payload", list(BAD_BANKS))
def test_a_bad_bank_is_one_line_and_exit_1(tmp_path, capsys, payload):
    folder = _bank_with(tmp_path, BAD_BANKS[payload])
    code, out, err = run(capsys, "questions", "check", folder)
    assert code == 1
    assert len((out + err).strip().splitlines()) == 1, (out + err)[:500]
    assert "culture.toml:1:" in out
    assert_clean(out, err)
    with pytest.raises(BankError):
        load_bank(folder)


def test_a_5_mb_bad_id_prints_a_few_kilobytes_not_155_mb(tmp_path, capsys):
    folder = _bank_with(tmp_path, lambda text: text.replace('id = "', 'id = "' + "x" * 5_000_000))
    code, out, err = run(capsys, "questions", "check", folder)
    assert code == 1
    assert len(out) + len(err) < 200_000
    assert "more characters not shown" in out


def test_the_shipped_bank_is_well_within_the_limits():
    from oasys_diversity.content_limits import MAX_DEPTH, load_toml, too_deep

    for path in QUESTIONS_DIR.rglob("*.toml"):
        assert not too_deep(load_toml(path.read_text(encoding="utf-8")), MAX_DEPTH // 2), path


# ---------------------------------------------------------------------------------------------
# Rows changed by another program: one line naming the case and field, never the value
# ---------------------------------------------------------------------------------------------

BROKEN_ROWS = {
    "answers.value not JSON": (
        "UPDATE answers SET value = 'not json " + SECRET + "'",
        "case 1: the stored answer to person.preferred_name cannot be read",
        ("cases list", "export"),
    ),
    "cases.assessed_on = 'yesterday'": (
        "UPDATE cases SET assessed_on = 'yesterday'",
        "case 1: the stored assessed_on cannot be read",
        ("export",),
    ),
    "cases.assessed_on = 9999-12-31": (
        "UPDATE cases SET assessed_on = '9999-12-31'",
        "case 1: the stored assessed_on cannot be read",
        ("export",),
    ),
    "cases.updated_at not a time": (
        "UPDATE cases SET updated_at = '" + SECRET + "'",
        "case 1: the stored updated_at cannot be read",
        ("cases list",),
    ),
    "a broken plan row": (
        "INSERT INTO plans (case_id, plan, updated_at, officer) "
        'VALUES (1, \'{"objectives": "' + SECRET + "\"}', '2025-01-01T00:00:00+00:00', 'Jo')",
        "case 1: the stored plan cannot be read",
        ("export",),
    ),
    "a plan row that is not JSON": (
        "INSERT INTO plans (case_id, plan, updated_at, officer) "
        "VALUES (1, 'not json " + SECRET + "', '2025-01-01T00:00:00+00:00', 'Jo')",
        "case 1: the stored plan cannot be read",
        ("export",),
    ),
    "cases.position a blob": (
        "UPDATE cases SET position = x'ff00'",
        "case 1: the stored case row cannot be read",
        ("cases list",),
    ),
}


@pytest.fixture
def named_db(tmp_path, capsys) -> Path:
    path = tmp_path / "named.db"
    answers = {"person.preferred_name": {"status": "answered", "value": SECRET}}
    code, _, _ = run(capsys, "import", write_json(tmp_path / "named.json", interchange(SECRET, answers)), "--db", path)
    assert code == 0
    return path


@pytest.mark.parametrize("payload", list(BROKEN_ROWS))
def test_a_row_changed_by_another_program_is_one_line_naming_the_field(tmp_path, capsys, named_db, payload):
    sql, expected, commands = BROKEN_ROWS[payload]
    connection = raw(named_db)
    connection.execute(sql)
    connection.commit()
    connection.close()
    before = named_db.read_bytes()
    for command in commands:
        argv = ["cases", "list"] if command == "cases list" else ["export", "1", "--format", "md"]
        code, out, err = run(capsys, *argv, "--db", named_db)
        assert code == 1, command
        assert err.strip().splitlines() == [
            f"oasys-diversity: {expected} (was the database changed by another program?)"
        ]
        assert_clean(out, err, SECRET)
    assert named_db.read_bytes() == before


# ---------------------------------------------------------------------------------------------
# The unexpected: one line and a crash report without personal data
# ---------------------------------------------------------------------------------------------


def test_an_unexpected_error_is_one_line_and_a_private_report(tmp_path, capsys, monkeypatch, db):
    import oasys_diversity.store as store

    def broken(*_args, **_kwargs):
        raise ValueError(f"something about {SECRET}")

    monkeypatch.setattr(store, "list_cases", broken)
    code, out, err = run(capsys, "cases", "list", "--db", db)
    assert code == 1
    line = err.strip()
    assert line.startswith("oasys-diversity: something went wrong; a crash report without personal data is at ")
    assert_clean(out, err, SECRET)
    report = Path(line.rsplit(" at ", 1)[1])
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert stat.S_IMODE(report.parent.stat().st_mode) == 0o700
    text = report.read_text()
    assert "exception: ValueError" in text and "in broken" in text
    assert SECRET not in text and "something about" not in text
    # --debug shows the real traceback instead.
    with pytest.raises(ValueError):
        main(["cases", "list", "--db", str(db), "--debug"])


def test_a_crash_report_follows_the_chain_but_keeps_no_message(tmp_path):
    try:
        try:
            raise KeyError(SECRET)
        except KeyError as inner:
            raise RuntimeError(SECRET) from inner
    except RuntimeError as error:
        text = describe(error)
        path = write_crash_report(error, tmp_path / "reports")
    assert "exception: RuntimeError" in text and "exception: KeyError" in text
    assert SECRET not in text
    assert path is not None and SECRET not in path.read_text()
    assert os.stat(path).st_mode & 0o077 == 0


# ---------------------------------------------------------------------------------------------
# Fuzz: the readers raise their documented error and nothing else
# ---------------------------------------------------------------------------------------------

# Text includes lone surrogates and control characters (hypothesis leaves surrogates out by default).
any_text = st.text(st.characters(exclude_categories=()), max_size=30)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text | st.dates().map(str),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4),
    max_leaves=30,
)


def _shaped(case: dict, answers: dict) -> dict:
    return {"format": "oasys-diversity/assessment@1", "case": case, "answers": answers}


_BANK = load_bank()
_QIDS = [q.id for q in _BANK.questions]

interchange_data = st.one_of(
    json_values,
    st.builds(
        _shaped,
        st.fixed_dictionaries(
            {"reference": json_values, "name": json_values, "officer": json_values, "assessed_on": json_values}
        ),
        st.dictionaries(
            st.sampled_from(_QIDS) | st.text(max_size=10),
            st.fixed_dictionaries(
                {"status": st.sampled_from(["answered", "declined", "not_discussed", "x"]) | json_values},
                optional={"value": json_values, "note": json_values},
            ),
            max_size=5,
        ),
    ),
)


@pytest.mark.slow
@given(interchange_data)
@settings(max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzz_parse_assessment_raises_only_interchange_error(data):
    try:
        parse_assessment(data, _BANK)
    except InterchangeError as error:
        assert all("\n" not in problem for problem in error.problems)


@given(
    st.binary(max_size=300)
    | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))
    | interchange_data.map(lambda data: json.dumps(data).encode()),
    st.sampled_from([".json", ".toml"]),
)
@settings(
    max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_fuzz_reading_an_interchange_file_raises_only_interchange_error(tmp_path, raw, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(raw)
    try:
        read_assessment_file(path, _BANK)
    except InterchangeError:
        pass


toml_fragments = st.lists(
    st.sampled_from(
        [
            "[domain]\n",
            "[[questions]]\n",
            'id = "culture.x"\n',
            'kind = "single"\n',
            "show_if = { not = ",
            " }\n",
            "[a.b.c]\n",
            "x = [[[[1]]]]\n",
            'title = "\\ud800"\n',
            "order = 99999999999999999999\n",
            '"\x1b]52;c;x\x07" = 1\n',
            "= =\n",
            'label = """\n',
            "y = {a = {b = {c = 1}}}\n",
            "\n",
        ]
    ),
    max_size=25,
).map("".join)


@pytest.mark.slow
@given(toml_fragments)
@settings(
    max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_fuzz_loading_a_bank_raises_only_bank_error(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("bank")
    shutil.copytree(FIXTURE_BANK, folder, dirs_exist_ok=True)
    (folder / "culture.toml").write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_bank(folder)
    except BankError as error:
        assert len(error.problems) <= 201
