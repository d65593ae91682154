"""The assessment interchange file (`oasys-diversity/assessment@1`), as JSON or TOML.

The shape is a contract other tools rely on (see docs/interchange.md); a change to it is a new format
version. Every problem is reported at once, each naming the question id or field. Answer text and
names are never repeated in a message: this is special category and criminal-offence data.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from oasys_diversity.model import (
    ANSWER_STATUSES,
    ASSESSMENT_FORMAT,
    MAX_NOTE_CHARS,
    QUESTION_ID,
    Answer,
    Assessment,
    Case,
    QuestionBank,
    is_snake_case,
)
from oasys_diversity.safe_text import has_lone_surrogate

FORMAT_PREFIX = "oasys-diversity/assessment@"
FORMAT_VERSION = 1
CASE_FIELDS = ("reference", "name", "officer", "assessed_on")
ANSWER_FIELDS = ("status", "value", "note")
SUFFIXES = (".json", ".toml")

# Limits (docs/interchange.md). The format itself is four levels deep (file → answers → question →
# list of codes); anything deeper, larger or longer is refused before it is looked at.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 16
MAX_NUMBER_DIGITS = 15  # a whole number has at most 15 digits (exact in a float, as JSON readers keep it)
MAX_TEXT_CHARS = MAX_NOTE_CHARS  # a name, reference, answer or note


class InterchangeError(Exception):
    """The file cannot be used as it is. `problems` holds one line each; none repeats answer text."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def parse_assessment(data: Any, bank: QuestionBank) -> Assessment:
    """An Assessment from interchange data, checked against `bank`. Raises InterchangeError listing every problem."""
    if not isinstance(data, dict):
        raise InterchangeError(["the file must hold one object (a table) with format, case and answers"])
    problems = _shape_problems(data)
    if problems:
        raise InterchangeError(problems)
    stop = _check_format(data.get("format"), problems)
    if stop:
        raise InterchangeError(problems)
    case = _parse_case(data.get("case"), problems)
    answers = _parse_answers(data.get("answers"), bank, problems)
    if problems or case is None:
        raise InterchangeError(problems)
    return Assessment(case=case, answers=answers)


def read_assessment_file(path: Path, bank: QuestionBank) -> Assessment:
    """Read a `.json` or `.toml` interchange file. Every problem line starts with the file's path."""
    path = Path(path)
    data = _load(path)
    try:
        return parse_assessment(data, bank)
    except InterchangeError as error:
        raise InterchangeError([f"{path}: {problem}" for problem in error.problems]) from None


def _load(path: Path) -> Any:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InterchangeError([f"{path}: use a .json or .toml file (an assessment interchange file)"])
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InterchangeError([f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not an interchange file"])
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InterchangeError([f"{path}: no such file"]) from None
    except IsADirectoryError:
        raise InterchangeError([f"{path}: is a folder, not a file"]) from None
    except OSError as error:
        raise InterchangeError([f"{path}: cannot be read ({error.strerror})"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InterchangeError([f"{path}: not UTF-8 text"]) from None
    try:
        return _parse_text(path, suffix, text)
    except RecursionError:
        raise InterchangeError([f"{path}: nested more than {MAX_DEPTH} levels deep; not an interchange file"]) from None
    except ValueError as error:
        # Not a decode error: int() refusing a number of thousands of digits (sys.get_int_max_str_digits).
        if "digits" in str(error):
            raise InterchangeError([f"{path}: holds a number with too many digits"]) from None
        raise InterchangeError([f"{path}: cannot be read as {suffix[1:].upper()} ({type(error).__name__})"]) from None


def _parse_text(path: Path, suffix: str, text: str) -> Any:
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            # error.msg is the parser's description only; the document's text is never quoted.
            raise InterchangeError(
                [f"{path}:{error.lineno}: not valid JSON: {error.msg} (column {error.colno})"]
            ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if found:
            raise InterchangeError(
                [f"{path}:{found.group(1)}: not valid TOML: {message[: found.start()]} (column {found.group(2)})"]
            ) from None
        raise InterchangeError([f"{path}: not valid TOML: {message}"]) from None


def _shape_problems(data: dict[str, Any]) -> list[str]:
    """Problems with the file's shape as a whole: too deep, a huge number, text too long or not valid Unicode.

    Walked without recursion, so no depth of nesting can exhaust the stack. Places are named by their
    keys when those look like identifiers; text is never quoted.
    """
    problems: list[str] = []
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack and len(problems) < 20:
        value, where, depth = stack.pop()
        place = where or "the file"
        if depth > MAX_DEPTH:
            problems.append(f"{place}: nested more than {MAX_DEPTH} levels deep")
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and has_lone_surrogate(key):
                    problems.append(f"{place}: a key is not valid Unicode text (it holds a lone surrogate)")
                    continue
                shown = key if QUESTION_ID.match(key) or is_snake_case(key) else "(a key)"
                stack.append((item, f"{where}.{shown}" if where else shown, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{index}]", depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str):
            if has_lone_surrogate(value):
                problems.append(f"{place}: not valid Unicode text (it holds a lone surrogate such as \\ud800)")
            elif len(value) > MAX_TEXT_CHARS:
                problems.append(f"{place}: is {len(value):,} characters long; the most kept is {MAX_TEXT_CHARS:,}")
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**MAX_NUMBER_DIGITS:
            problems.append(f"{place}: a number with more than {MAX_NUMBER_DIGITS} digits")
    return sorted(problems)


def _check_format(value: Any, problems: list[str]) -> bool:
    """Note a missing or unknown format. True when nothing else is worth checking (a newer version)."""
    if value is None:
        problems.append(f"format: missing; expected {ASSESSMENT_FORMAT!r}")
        return False
    if value == ASSESSMENT_FORMAT:
        return False
    if isinstance(value, str) and value.startswith(FORMAT_PREFIX):
        version = value.removeprefix(FORMAT_PREFIX)
        if version.isdigit() and int(version) > FORMAT_VERSION:
            problems.append(
                f"format: {value!r} was made by a newer version of oasys-diversity; "
                f"this version reads {ASSESSMENT_FORMAT!r} (update oasys-diversity to import it)"
            )
            return True
    shown = repr(value) if isinstance(value, str) and len(value) <= 60 else "this value"
    problems.append(f"format: {shown} is not an assessment interchange file; expected {ASSESSMENT_FORMAT!r}")
    return False


def _parse_case(raw: Any, problems: list[str]) -> Case | None:
    if raw is None:
        problems.append(f"case: missing; it needs {', '.join(CASE_FIELDS)}")
        return None
    if not isinstance(raw, dict):
        problems.append(f"case: must be an object (a table) with {', '.join(CASE_FIELDS)}")
        return None
    known = {key: raw[key] for key in CASE_FIELDS if key in raw}
    for key in raw:
        if key not in CASE_FIELDS:
            problems.append(f"case: unknown field {_key_text(key)}; expected {', '.join(CASE_FIELDS)}")
    # TOML may give a date with a time of day; only the day is meant.
    if "assessed_on" in known and hasattr(known["assessed_on"], "hour"):
        problems.append("case.assessed_on: must be a date (YYYY-MM-DD), without a time")
        return None
    try:
        return Case.model_validate(known)
    except ValidationError as error:
        for detail in error.errors():
            field = ".".join(str(part) for part in detail["loc"]) or "case"
            problems.append(f"case.{field}: {_case_message(field, detail)}")
        return None


def _case_message(field: str, detail: dict[str, Any]) -> str:
    # pydantic's messages never include the input, but choose our own words anyway: names are personal data.
    if detail["type"] == "missing":
        return "is missing"
    if field == "assessed_on":
        if detail["type"] == "value_error":
            return str(detail["msg"]).removeprefix("Value error, ")
        return "must be a date (YYYY-MM-DD)"
    if detail["type"] == "string_type":
        return "must be text"
    return str(detail["msg"]).removeprefix("Value error, ")


def _parse_answers(raw: Any, bank: QuestionBank, problems: list[str]) -> dict[str, Answer]:
    if raw is None:
        problems.append("answers: missing; use an empty object (table) when nothing has been discussed yet")
        return {}
    if not isinstance(raw, dict):
        problems.append("answers: must be an object (a table) keyed by question id")
        return {}
    answers: dict[str, Answer] = {}
    for qid, entry in raw.items():
        if not bank.has(qid):
            problems.append(f"answers: unknown question id {_key_text(qid)}")
            continue
        answer = _parse_answer(qid, entry, bank, problems)
        # Written-out "not_discussed" means the same as leaving the question out.
        if answer is not None and not (answer.status == "not_discussed" and answer.note is None):
            answers[qid] = answer
    return answers


def _parse_answer(qid: str, entry: Any, bank: QuestionBank, problems: list[str]) -> Answer | None:
    if not isinstance(entry, dict):
        problems.append(f"{qid}: must be an object (a table) with a status")
        return None
    before = len(problems)
    for key in entry:
        if key not in ANSWER_FIELDS:
            problems.append(f"{qid}: unknown field {_key_text(key)}; expected {', '.join(ANSWER_FIELDS)}")
    status = entry.get("status")
    if status is None:
        problems.append(f"{qid}: missing status ({', '.join(ANSWER_STATUSES)})")
    elif status not in ANSWER_STATUSES:
        if isinstance(status, str) and is_snake_case(status) and len(status) <= 40:
            problems.append(f"{qid}: {status!r} is not a status; use one of {', '.join(ANSWER_STATUSES)}")
        else:
            problems.append(f"{qid}: the status must be one of {', '.join(ANSWER_STATUSES)}")
    note = entry.get("note")
    if note is not None and not isinstance(note, str):
        problems.append(f"{qid}: note must be text")
    value = entry.get("value")
    if status == "answered":
        if value is None:
            problems.append(f"{qid}: an answered question needs a value")
        else:
            value = _checked_value(qid, value, bank, problems)
    elif status in ANSWER_STATUSES and value is not None:
        problems.append(f"{qid}: a {status} answer carries no value")
    if len(problems) > before:
        return None
    return Answer(question_id=qid, status=status, value=value, note=note)


def _checked_value(qid: str, value: Any, bank: QuestionBank, problems: list[str]) -> Any:
    question = bank.question(qid)
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(f"{qid}: expected a finite number")
        return None
    if question.kind == "date" and isinstance(value, date) and not hasattr(value, "hour"):
        value = value.isoformat()  # a TOML date literal
    try:
        return question.check_value(value)
    except ValueError as error:
        coded = question.kind in ("single", "multi", "yes_no_unsure")
        problems.append(_without_free_text(str(error), qid, value, question.codes()) if coded else str(error))
        return None


def _without_free_text(message: str, qid: str, value: Any, codes: list[str]) -> str:
    """check_value names an unknown code (other kinds' messages never quote the value); anything that does not
    look like a code may be the person's words, so it is described, not repeated."""
    items = value if isinstance(value, list) else [value]
    if not any(isinstance(item, str) and not (is_snake_case(item) and len(item) <= 40) for item in items):
        return message
    expected = f"; expected one of {', '.join(codes)}" if codes else ""
    which = "a value in the list" if isinstance(value, list) else "the value"
    return f"{qid}: {which} is not one of its codes{expected}"


def _key_text(key: Any) -> str:
    """A key to show in a message: only when it looks like an identifier, never arbitrary text."""
    if isinstance(key, str) and len(key) <= 80 and (QUESTION_ID.match(key) or is_snake_case(key)):
        return repr(key)
    return "(a key that is not a question id or field name)"


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def assessment_to_dict(assessment: Assessment, bank: QuestionBank | None = None) -> dict[str, Any]:
    """The interchange shape. Answers follow the bank's order when a bank is given; not_discussed ones are left out."""
    ids = list(assessment.answers)
    if bank is not None:
        order = {q.id: n for n, q in enumerate(bank.questions)}
        ids.sort(key=lambda qid: order.get(qid, len(order)))
    answers: dict[str, Any] = {}
    for qid in ids:
        answer = assessment.answers[qid]
        # A not_discussed answer is silence, except when the person's words were noted: those are kept.
        if answer.status == "not_discussed" and answer.note is None:
            continue
        entry: dict[str, Any] = {"status": answer.status}
        if answer.value is not None:
            entry["value"] = list(answer.value) if isinstance(answer.value, list) else answer.value
        if answer.note is not None:
            entry["note"] = answer.note
        answers[qid] = entry
    case = assessment.case
    return {
        "format": ASSESSMENT_FORMAT,
        "case": {
            "reference": case.reference,
            "name": case.name,
            "officer": case.officer,
            "assessed_on": case.assessed_on.isoformat(),
        },
        "answers": answers,
    }


def write_assessment_file(assessment: Assessment, path: Path, bank: QuestionBank | None = None) -> Path:
    """Write `.json` or `.toml`, owner-only (0600), replacing any old file in one step."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InterchangeError([f"{path}: use a .json or .toml file name"])
    data = assessment_to_dict(assessment, bank)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n" if suffix == ".json" else to_toml(data)
    _write_private(path, text)
    return path


def _write_private(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as error:
        raise InterchangeError([f"{path}: cannot be written ({error.strerror})"]) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            os.fchmod(handle.fileno(), 0o600)  # whatever the umask
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise InterchangeError([f"{path}: cannot be written ({error.strerror})"]) from None


def to_toml(data: dict[str, Any]) -> str:
    """The interchange data as TOML. Only the shapes the format uses: text, numbers, lists of codes, one date."""
    lines = [f"format = {_toml_value(data['format'])}"]
    if not data["answers"]:
        lines.append("answers = {}")
    lines += ["", "[case]"]
    for key, value in data["case"].items():
        lines.append(f"{key} = {date.fromisoformat(value).isoformat() if key == 'assessed_on' else _toml_value(value)}")
    for qid, entry in data["answers"].items():
        lines += ["", f"[answers.{_toml_string(qid)}]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in entry.items()]
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
